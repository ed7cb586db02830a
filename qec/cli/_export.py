"""``qec export``: write the statistics of a database as a sinter CSV file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sinter

from qec.cli._options import add

NAME = "export"
HELP = "write a database's statistics as sinter CSV (stdout by default)"
FORMATS = ("sinter-csv",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec export``."""
    add(parser, "db-read")
    parser.add_argument("--format", choices=FORMATS, default="sinter-csv",
                        help="output format (default sinter-csv, read by `sinter plot`)")
    add(parser, "out-file")


def export_sinter_csv(db: str | Path) -> str:
    """The statistics of every task with shots in ``db``, as sinter CSV text.

    Lines are written by sinter itself (``sinter.CSV_HEADER``, ``sinter.TaskStats.to_csv_line``),
    so ``sinter.read_stats_from_csv_files`` and ``sinter plot`` read the result.

    Raises:
        ValueError: if the database does not exist or cannot be read.
    """
    from qec.store import ResultStore

    with ResultStore(db, read_only=True) as store:
        stats = [s for s in store.read_stats() if s.shots > 0]
    lines = [sinter.CSV_HEADER] + [s.to_sinter().to_csv_line() for s in stats]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Writes the CSV."""
    text = export_sinter_csv(args.db)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0
