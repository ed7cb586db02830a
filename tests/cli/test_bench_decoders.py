"""``qec bench-decoders``: a tiny run writes the table, the CSV and the figure."""

import csv
import json

import matplotlib.image

from qec.cli import main


def test_bench_decoders_writes_table_csv_and_figure(tmp_path, capsys):
    out = tmp_path / "bench"
    argv = [
        "bench-decoders", "--distances", "3,5", "--p", "0.005", "--decoders", "pymatching,exact",
        "--shots", "300", "--latency-shots", "20", "--out", str(out), "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = {(row["decoder"], row["distance"]): row for row in summary["rows"]}
    assert set(rows) == {("pymatching", 3), ("exact", 3), ("pymatching", 5), ("exact", 5)}
    assert rows["pymatching", 5]["shots"] == 300
    assert rows["exact", 3]["shots"] == 300
    # The paired reference: PyMatching's errors on the same shots.
    assert rows["pymatching", 3]["pymatching_errors"] == rows["pymatching", 3]["errors"]
    assert rows["exact", 3]["pymatching_errors"] == rows["pymatching", 3]["errors"]
    # d = 5 has 120 detectors: the exact decoder is skipped, and the table says why.
    assert rows["exact", 5]["shots"] == 0
    assert rows["exact", 5]["error_per_round"] is None  # strict JSON: no NaN
    assert "skipped: decoder 'exact' handles at most" in rows["exact", 5]["note"]

    table = (out / "table.md").read_text()
    assert "| 5 | 0.005 | exact |" in table and "120 detectors" in table
    with open(out / "table.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 4
    image = matplotlib.image.imread(out / "figure.png")
    assert image.shape[0] > 300 and image.shape[1] > 300
    assert (out / "figure.png").stat().st_size > 10_000


def test_bench_decoders_unknown_decoder_is_one_line_exit_2(tmp_path, capsys):
    argv = ["bench-decoders", "--decoders", "pymatching,mwpm", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "decoder='mwpm' is not a known decoder; known decoders: pymatching" in err


def test_bench_decoders_bad_rate_is_one_line_exit_2(tmp_path, capsys):
    assert main(["bench-decoders", "--p", "0.005,2", "--out", str(tmp_path)]) == 2
    assert "p=2.0 must be strictly between 0 and 1" in capsys.readouterr().err


def test_bench_decoders_on_a_bivariate_bicycle_code(tmp_path, capsys):
    argv = ["bench-decoders", "--code", "bb:72", "--rounds", "1", "--p", "0.002",
            "--decoders", "relay-bp,tesseract", "--shots", "60", "--latency-shots", "5",
            "--cycle", "overlapped", "--detectors", "basis", "--noise", "sd6", "--out",
            str(tmp_path), "--json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["decoder"], r["code"], r["distance"], r["rounds"], r["observables"]) for r in rows] \
        == [("relay-bp", "bb:n=72", 6, 1, 12), ("tesseract", "bb:n=72", 6, 1, 12)]
    assert all(r["shots"] == 60 and r["latency_p99_us"] >= r["latency_p50_us"] for r in rows)
    assert main(["bench-decoders", "--code", "bb:72", "--distances", "3", "--out",
                 str(tmp_path)]) == 2
    assert "--distances=3 does not apply: --code bb:72 has its own distance" in \
        capsys.readouterr().err


def test_bench_decoders_refuses_an_unknown_cycle(tmp_path, capsys):
    assert main(["bench-decoders", "--code", "bb:72", "--cycle", "fast", "--out",
                 str(tmp_path)]) == 2
    assert "--cycle" in capsys.readouterr().err


def test_bench_decoders_stores_its_rows_and_a_rerun_keeps_them(tmp_path, capsys):
    # The second run measures nothing again: every row (timings, paired errors and the
    # skipped decoder's note included) comes back from the database as the first run stored it.
    argv = ["bench-decoders", "--distances", "3,5", "--p", "0.005", "--decoders",
            "pymatching,exact", "--shots", "301", "--latency-shots", "7", "--out",
            str(tmp_path), "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert (tmp_path / "bench-decoders.db").is_file()
    assert main([*argv[:-1]]) == 0
    assert capsys.readouterr().err.count("(stored)") == 4
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == first["rows"]
