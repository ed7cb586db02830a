"""``qec collect``: sample any stim circuit files into a database, like ``sinter collect``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qec.cli._common import (
    CliError,
    check_run_options,
    load_custom_decoders,
    print_json,
    rate_cell,
    reached,
    short_of_goal_warning,
)
from qec.cli._options import add

NAME = "collect"
HELP = ("sample stim circuit files (from any generator) into a database, each with each "
        "decoder, until --max-shots or --max-errors; like `sinter collect`, resumable")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec collect``."""
    parser.add_argument(
        "--circuits", type=Path, nargs="+", required=True, metavar="FILE",
        help="stim circuit files; each needs detectors and at least one OBSERVABLE_INCLUDE")
    add(parser, "decoders")
    parser.add_argument(
        "--metadata", choices=("auto", "none"), default="auto",
        help="auto (default): metadata from key=value pairs in each file name, parsed like "
             "sinter's --metadata_func auto (d=5,p=0.001,rounds=5.stim gives d, p, rounds); "
             "none: no metadata")
    add(parser, "db", "max-shots", "max-errors", "time-limit", "custom-decoders", "workers",
        "dask", "seed", "quiet", "json", required=("max-shots",))


def _metadata(path: Path, mode: str) -> dict[str, Any]:
    import sinter

    if mode == "none":
        return {}
    try:
        return dict(sinter.comma_separated_key_values(str(path)))
    except ValueError as exc:
        raise CliError(f"--metadata=auto cannot parse the file name {path.name!r}: "
                       f"{str(exc).rstrip('.')}; "
                       "name files like d=5,p=0.001.stim or use --metadata none") from None


def build_tasks(paths: list[Path], decoders: str, metadata: str,
                custom_decoders: dict[str, Any] | None = None) -> list[tuple[Path, Any]]:
    """One ``(file, Task)`` per circuit file and decoder; every file is read and checked first.

    Raises:
        CliError: a missing, unreadable or invalid circuit file (named), an empty decoder list,
            an unknown decoder or a file name that ``--metadata auto`` cannot parse.
    """
    import stim

    from qec.decoders import canonical_decoder_name, split_decoder_list
    from qec.sampling import Task

    names = (split_decoder_list(decoders) if ":" in decoders
             else [name.strip() for name in decoders.split(",")])
    if not decoders.strip() or any(not name for name in names):
        raise CliError(f"--decoders={decoders!r} must be a comma-separated list of decoder "
                       "names, like pymatching,pymatching-correlated")
    # An unknown decoder fails here, listing the known ones; names are stored canonically.
    names = [canonical_decoder_name(name, custom_decoders=custom_decoders) for name in names]
    tasks = []
    for path in paths:
        if not path.is_file():
            raise CliError(f"--circuits: {str(path)!r} does not exist or is not a file")
        try:
            circuit = stim.Circuit(path.read_text())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise CliError(f"--circuits: {str(path)!r} is not a readable stim circuit "
                           f"({type(exc).__name__}: {first_line})") from None
        meta = _metadata(path, metadata)
        for name in dict.fromkeys(names):
            try:
                task = Task(circuit=circuit, decoder=name, json_metadata=meta)
            except ValueError as exc:
                raise CliError(f"--circuits: {str(path)!r}: {exc}") from None
            tasks.append((path, task))
    return tasks


def _row(path: Path, stats: Any, max_shots: int, max_errors: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "file": str(path),
        "decoder": stats.decoder,
        "strong_id": stats.strong_id,
        "json_metadata": stats.json_metadata,
        "shots": stats.shots,
        "errors": stats.errors,
        "discards": stats.discards,
        "seconds": stats.seconds,
        "reached_goal": reached(stats, max_shots, max_errors),
    }
    if stats.kept_shots:
        shot = stats.logical_error()
        entry["logical_error_per_shot"] = shot.estimate
        entry["logical_error_per_shot_ci"] = [shot.low, shot.high]
        if isinstance(stats.rounds, int) and stats.rounds > 0:
            per_round = stats.per_round_error()
            entry["logical_error_per_round"] = per_round.estimate
            entry["logical_error_per_round_ci"] = [per_round.low, per_round.high]
    return entry


def _table(pairs: list[tuple[Path, Any]]) -> str:
    width = max(len(path.name) for path, _ in pairs)
    lines = [f"{'file':<{width}} {'decoder':<22} {'shots':>11} {'errors':>8} "
             f"{'error/shot':>10}  95% interval"]
    for path, s in pairs:
        rate = rate_cell(s.logical_error() if s.kept_shots else None, 10)
        lines.append(f"{path.name:<{width}} {s.decoder:<22} {s.shots:>11,} {s.errors:>8,} {rate}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Reads the circuits, samples every (circuit, decoder) task, prints a table or JSON."""
    from qec.sampling import collect

    check_run_options(args)
    custom = load_custom_decoders(args.custom_decoders)
    pairs = build_tasks(args.circuits, args.decoders, args.metadata, custom)
    stats = collect(
        [task for _, task in pairs], db=args.db, max_shots=args.max_shots,
        max_errors=args.max_errors, workers=args.workers, dask=args.dask, seed=args.seed,
        progress=None if args.quiet else "auto", custom_decoders=custom,
        time_limit=args.time_limit,
    )
    by_id = {s.strong_id: s for s in stats}
    results = [(path, by_id[task.strong_id]) for path, task in pairs]
    short = sum(not reached(s, args.max_shots, args.max_errors) for s in stats)
    warnings = [short_of_goal_warning(short, len(stats))] if short else []
    if args.json:
        print_json({"db": str(args.db), "warnings": warnings,
                    "tasks": [_row(path, s, args.max_shots, args.max_errors)
                              for path, s in results]})
    elif args.quiet:
        sys.stderr.write("".join(f"warning: {warning}\n" for warning in warnings))
    else:
        sys.stdout.write(_table(results) + "\n\n"
                         + "".join(f"warning: {warning}\n" for warning in warnings)
                         + f"results: {args.db}\n")
    return 0
