"""The shared check of a command-line user mistake: exit 2, one line on stderr, no traceback."""

from qec.cli import main


def assert_one_line_error(capsys, argv, fragment):
    """Runs ``qec argv`` and checks it fails as a user mistake whose message holds ``fragment``."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert fragment in lines[0]
    assert "Traceback" not in captured.err
