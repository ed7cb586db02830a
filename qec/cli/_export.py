"""``qec export``: write the statistics of a database as a sinter CSV file."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

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

    Sampled points are their counts. An *estimated* point (a task whose estimator is not the
    binomial count of failures, like a splitting estimate of a rare logical error) is not a
    count that sinter could fit: it is written with zero shots, and its metadata carries
    ``"estimated"``: the estimator, the logical error per shot with its 95% interval, and the
    samples behind it. Float accumulators that ride along with real counts (an error budget's
    score sums) are left out.

    Raises:
        ValueError: if the database does not exist or cannot be read.

    Examples:
        >>> import tempfile, stim
        >>> from qec.data import Task
        >>> from qec.store import ResultStore
        >>> circuit = stim.Circuit("X_ERROR(0.1) 0\\nM 0\\nOBSERVABLE_INCLUDE(0) rec[-1]")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with ResultStore(f"{tmp}/r.db", create=True) as store:
        ...         task = Task(circuit=circuit, decoder="pymatching", json_metadata={"p": 0.1})
        ...         store.add_task(task)
        ...         batch = store.claim_batch(task.strong_id, seed=1, num_chunks=1)
        ...         _ = store.complete_batch(batch.id, shots=100, errors=9, discards=0, seconds=0.1)
        ...     row = export_sinter_csv(f"{tmp}/r.db").splitlines()[1]
        >>> [field.strip() for field in row.split(",")[:2]]
        ['100', '9']
    """
    from qec.store import ResultStore

    with ResultStore(db, read_only=True) as store:
        stats = [s for s in store.read_stats() if s.shots > 0]
    lines = [sinter.CSV_HEADER] + [_sinter_stats(s).to_csv_line() for s in stats]
    return "\n".join(lines) + "\n"


def _sinter_stats(stats: Any) -> sinter.TaskStats:
    """A task's statistics as sinter's: its counts, or an estimate marked as one."""
    if stats.estimator == "binomial":
        return dataclasses.replace(stats, sums={}).to_sinter()
    interval = stats.logical_error()
    metadata = dict(stats.json_metadata)
    metadata["estimated"] = {
        "estimator": stats.estimator, "logical_error_per_shot": interval.estimate,
        "interval": [interval.low, interval.high], "confidence": interval.confidence,
        "samples": stats.shots}
    return sinter.TaskStats(strong_id=stats.strong_id, decoder=stats.decoder,
                            json_metadata=metadata, shots=0, errors=0, discards=0,
                            seconds=stats.seconds)


def run(args: argparse.Namespace) -> int:
    """Writes the CSV."""
    text = export_sinter_csv(args.db)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0
