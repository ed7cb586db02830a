import pathlib
import subprocess
import sys

import sinter

from qec.cli import main
from qec.store import ResultStore

RUN = ["threshold", "--distances", "3,5", "--p", "0.006,0.01", "--max-shots", "3000",
       "--workers", "1", "--seed", "5", "--quiet"]


def test_export_import_round_trip(tmp_path, capsys):
    db = tmp_path / "a.db"
    assert main([*RUN, "--out", str(tmp_path), "--db", str(db)]) == 0
    csv = tmp_path / "stats.csv"
    assert main(["export", "--db", str(db), "--format", "sinter-csv", "--out", str(csv)]) == 0
    read = sinter.read_stats_from_csv_files(csv)
    with ResultStore(db, create=True) as store:
        ours = {s.strong_id: s for s in store.read_stats()}
    assert len(read) == 4
    for stats in read:
        assert stats == ours[stats.strong_id].to_sinter().with_edits(seconds=stats.seconds)
        assert abs(stats.seconds - ours[stats.strong_id].seconds) < 0.01

    copy = tmp_path / "b.db"
    assert main(["import", str(csv), "--db", str(copy)]) == 0
    assert "added 4 tasks (12,000 shots)" in capsys.readouterr().err
    assert main(["export", "--db", str(copy)]) == 0
    assert capsys.readouterr().out == csv.read_text()


def test_sinter_plot_reads_the_export(tmp_path):
    db = tmp_path / "a.db"
    assert main([*RUN, "--out", str(tmp_path), "--db", str(db)]) == 0
    csv = tmp_path / "stats.csv"
    assert main(["export", "--db", str(db), "--out", str(csv)]) == 0
    png = tmp_path / "sinter.png"
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "sinter"), "plot", "--in", str(csv),
         "--out", str(png), "--x_func", "m.p", "--group_func", "m.distance"],
        check=True, capture_output=True, timeout=120)
    assert png.stat().st_size > 10_000


def test_export_and_import_errors(tmp_path, capsys):
    assert main(["export", "--db", str(tmp_path / "missing.db")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,sinter,file\n1,2,3,4\n")
    assert main(["import", str(bad), "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"qec import: error: {bad}:1: cannot read sinter CSV")
    assert err.count("\n") == 1
    assert main(["import", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.db")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_impossible_csv_rows_are_named_by_file_and_line(tmp_path, capsys):
    header = "shots,errors,discards,seconds,decoder,strong_id,json_metadata,custom_counts\n"
    good = '100,5,0,0.1,pymatching,a,"{""d"":3}",\n'
    for row, fragment in [('-5,0,0,0.1,pymatching,b,"{}",\n', "shots=-5, errors=0"),
                          ('10,11,0,0.1,pymatching,b,"{}",\n', "errors + discards <= shots"),
                          ('ten,1,0,0.1,pymatching,b,"{}",\n', "unreadable row"),
                          ('10,1,0,0.1,pymatching,b,"{not json",\n', "unreadable row")]:
        path = tmp_path / "rows.csv"
        path.write_text(header + good + row)
        assert main(["import", str(path), "--db", str(tmp_path / "x.db")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"qec import: error: {path}:3: ") and fragment in err, err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.db").exists()
