"""``qec import``: add the statistics of sinter CSV files to a database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sinter

from qec.cli._common import CliError

NAME = "import"
HELP = "add the statistics of sinter CSV files (from `sinter collect`) to a database"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec import``."""
    parser.add_argument("csv", type=Path, nargs="+", help="sinter CSV files")
    parser.add_argument("--db", type=Path, required=True,
                        help="the results database (created if missing)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")


def read_sinter_csv(paths: list[Path]) -> list[sinter.TaskStats]:
    """Reads sinter CSV files with sinter's own reader (rows of one task are summed).

    Raises:
        CliError: a file is missing or is not a sinter CSV file.
    """
    for path in paths:
        if not path.is_file():
            raise CliError(f"{str(path)!r} does not exist or is not a file")
    try:
        return sinter.read_stats_from_csv_files(*paths)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read sinter CSV from {', '.join(map(str, paths))}: {exc}"
                       ) from None


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
    if not args.quiet:
        shots = sum(s.shots for s in stats)
        sys.stderr.write(f"qec import: added {added} tasks ({shots:,} shots) to {args.db}\n")
    return 0
