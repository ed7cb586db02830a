"""``qec import``: add the statistics of sinter CSV files to a database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sinter

from qec.cli._common import CliError, print_json
from qec.cli._options import add

NAME = "import"
HELP = "add the statistics of sinter CSV files (from `sinter collect`) to a database"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec import``."""
    parser.add_argument("csv", type=Path, nargs="+", help="sinter CSV files")
    add(parser, "db-add", "quiet", "json")


def read_sinter_csv(paths: list[Path]) -> list[sinter.TaskStats]:
    """Reads sinter CSV files with sinter's own reader (rows of one task are summed).

    Raises:
        CliError: a file is missing or is not a sinter CSV file.
    """
    for path in paths:
        if not path.is_file():
            raise CliError(f"{str(path)!r} does not exist or is not a file")
    stats = []
    for path in paths:
        stats.extend(_read_one(path))
    return stats


def _read_one(path: Path) -> list[sinter.TaskStats]:
    """One file's rows, each checked, so that a bad row is named by file and line."""
    import collections
    import csv
    import io
    import json

    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {str(path)!r}: {exc}") from None
    lines = text.splitlines()
    if not lines:
        return []
    header = [field.strip() for field in next(csv.reader([lines[0]]))]
    needed = ["shots", "errors", "discards", "seconds", "decoder", "strong_id", "json_metadata"]
    missing = [name for name in needed if name not in header]
    if missing:
        raise CliError(f"{path!s}:1: cannot read sinter CSV: the header has no "
                       f"{', '.join(missing)} column")
    result = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number == 1 or not row or not "".join(row).strip():
            continue
        fields = dict(zip(header, (field.strip() for field in row), strict=False))
        where = f"{path!s}:{number}"
        try:
            shots, errors, discards = (int(fields[k]) for k in ("shots", "errors", "discards"))
            seconds = float(fields["seconds"])
            metadata = json.loads(fields["json_metadata"] or "null")
            counts = json.loads(fields.get("custom_counts") or "{}")
        except (ValueError, KeyError) as exc:
            raise CliError(f"{where}: unreadable row ({type(exc).__name__}: {exc})") from None
        if shots < 0 or errors < 0 or discards < 0 or errors + discards > shots or seconds < 0:
            raise CliError(f"{where}: shots={shots}, errors={errors}, discards={discards}, "
                           f"seconds={seconds} is impossible (counts must be non-negative and "
                           "errors + discards <= shots)")
        try:
            result.append(sinter.TaskStats(
                strong_id=fields["strong_id"], decoder=fields["decoder"],
                json_metadata=metadata, shots=shots, errors=errors, discards=discards,
                seconds=seconds, custom_counts=collections.Counter(counts)))
        except (AssertionError, TypeError, ValueError) as exc:
            raise CliError(f"{where}: invalid row ({exc})") from None
    return result


def run(args: argparse.Namespace) -> int:
    """Reads the files and appends their statistics to the database in one transaction.

    Importing the same file twice counts its shots twice, as concatenating CSV files does in
    sinter.
    """
    from qec.sampling import TaskStats
    from qec.store import ResultStore

    stats = [TaskStats.from_sinter(s) for s in read_sinter_csv(args.csv)]
    with ResultStore(args.db, create=True) as store:
        added = store.add_stats(stats)
    shots = sum(s.shots for s in stats)
    if args.json:
        print_json({"db": str(args.db), "files": [str(path) for path in args.csv],
                    "tasks_added": added, "shots": shots})
    elif not args.quiet:
        sys.stderr.write(f"qec import: added {added} tasks ({shots:,} shots) to {args.db}\n")
    return 0
