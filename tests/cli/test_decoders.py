"""``qec decoders``: the list of decoders and whether each is installed."""

import json

from qec.cli import main
from qec.decoders import decoder_names


def test_decoders_lists_every_name_with_its_status(capsys):
    assert main(["decoders"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if line.strip()]
    assert listed[: len(decoder_names())] == list(decoder_names())
    for line in lines[: len(decoder_names())]:
        assert line.split()[1] in ("installed", "missing")


def test_decoders_json(capsys):
    assert main(["decoders", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in entries] == list(decoder_names())
    by_name = {entry["name"]: entry for entry in entries}
    assert by_name["pymatching"]["installed"] is True
    assert by_name["exact"]["requires"] == []
    assert all(isinstance(entry["description"], str) and entry["description"] for entry in entries)
