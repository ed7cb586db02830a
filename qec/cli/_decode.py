"""``qec decode``: decode a device's recorded detection events into the results database."""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

from qec.cli._common import (
    CliError,
    check_run_options,
    print_json,
    rate_cell,
)
from qec.cli._options import add

NAME = "decode"
HELP = (
    "decode recorded detection events (a dataset in the layout of Google's releases, or files "
    "in any stim format) with any decoders against any error models; results go to --db as "
    "points, resumable, for qec fit and qec plot"
)
FORMAT_CHOICES = ("01", "b8", "r8", "ptb64", "hits", "dets")


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """Adds the inputs shared by ``qec decode``, ``qec learn-noise`` and ``qec diagnose``:
    a dataset, or one experiment's files."""
    parser.add_argument("--dataset", type=pathlib.Path, default=None, metavar="DIR",
                        help="a tree of experiments, each a directory with metadata.json (or "
                             "properties.yml), circuit_ideal.stim and its data")
    parser.add_argument("--circuit", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: its ideal circuit (.stim)")
    parser.add_argument("--noisy-circuit", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: its circuit with the assumed noise (.stim)")
    parser.add_argument("--dets", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: detection events")
    parser.add_argument("--obs", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: observable flips")
    parser.add_argument("--measurements", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: measurements, converted to detection events "
                             "through --circuit (instead of --dets and --obs)")
    parser.add_argument("--sweep", type=pathlib.Path, default=None, metavar="FILE",
                        help="one experiment: sweep bits of the measurements")
    parser.add_argument("--format", choices=FORMAT_CHOICES, default=None,
                        help="stim format of every data file (default: from each suffix)")


def experiments_from_args(args: argparse.Namespace) -> list[Any]:
    """The experiments the input options name.

    Raises:
        CliError: neither or both of --dataset and --circuit, or a missing data file.
    """
    from qec.datasets import Experiment, find_experiments

    model = None
    if args.dataset is None and args.circuit is None:
        files = [spec.partition(":")[2] for spec in getattr(args, "dem", "").split(",")
                 if spec.strip().startswith("file:")]
        if not files:
            raise CliError("give --dataset DIR, or --circuit FILE (or --dem file:MODEL) with "
                           "--dets (or --measurements)")
        model = files[0]
    elif args.dataset is not None and args.circuit is not None:
        raise CliError("give --dataset DIR or --circuit FILE, not both")
    if args.dataset is not None:
        if not args.dataset.is_dir():
            raise CliError(f"--dataset {str(args.dataset)!r} is not a directory")
        return find_experiments(args.dataset)
    if args.dets is None and args.measurements is None:
        raise CliError("one experiment needs --dets (detection events) or --measurements")
    formats = {} if args.format is None else dict.fromkeys(
        ("detection_events", "observables", "measurements", "sweep_bits"), args.format)
    return [Experiment.from_files(
        circuit=args.circuit, model=model, noisy_circuit=args.noisy_circuit,
        detection_events=args.dets,
        observables=args.obs, measurements=args.measurements, sweep_bits=args.sweep,
        formats=formats, distance=getattr(args, "distance", None),
        rounds=getattr(args, "rounds", None), basis=getattr(args, "basis", None))]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec decode``."""
    add_input_options(parser)
    add(parser, "decoders")
    parser.add_argument(
        "--dem", default="noisy",
        help="comma-separated error models: noisy (the noisy circuit's), shipped (every model "
             "the release ships) or shipped:NAME, si1000:P (the ideal circuit under uniform "
             "SI1000), learned (from the data, two-fold), dir:PATH (qec learn-noise --dataset "
             "--out PATH), file:PATH (default noisy)")
    parser.add_argument("--exclude-bursts", action="store_true",
                        help="flag burst shots (cosmic-ray-like) and count them as discards")
    add(parser, "experiment-distance", "experiment-rounds", "experiment-basis", "out", "db",
        "workers", "dask", "quiet", "json")


def _rows(stats: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for s in stats:
        interval = s.logical_error() if s.kept_shots else None
        rows.append({"experiment": s.json_metadata.get("experiment"), "decoder": s.decoder,
                     "error_model": s.json_metadata.get("error_model"), "shots": s.shots,
                     "errors": s.errors, "discards": s.discards,
                     "per_shot": None if interval is None else interval.estimate,
                     "ci": None if interval is None else [interval.low, interval.high]})
    return rows


def run(args: argparse.Namespace) -> int:
    """Decodes and prints the table of decoders against error models."""
    from qec.datasets import decode_experiments
    from qec.decoders import split_decoder_list

    check_run_options(args)
    decoders = split_decoder_list(args.decoders)
    models = [name.strip() for name in args.dem.split(",") if name.strip()]
    if not decoders:
        raise CliError(f"--decoders={args.decoders!r} names no decoder")
    if not models:
        raise CliError(f"--dem={args.dem!r} names no error model")
    for name in ("distance", "rounds"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise CliError(f"--{name}={value} must be a positive integer")
    experiments = experiments_from_args(args)
    db = args.db  # its default (OUT/decode.db) is set by the entry point, for every command
    db.parent.mkdir(parents=True, exist_ok=True)
    result = decode_experiments(
        experiments, decoders=decoders, models=models, db=db, workers=args.workers,
        dask=args.dask, progress=None if (args.quiet or args.json) else "auto",
        exclude_bursts=args.exclude_bursts,
        dataset=None if args.dataset is None else args.dataset.resolve().name)
    rows = _rows(result["stats"])
    if args.json:
        print_json({"db": str(db), "points": rows, "bursts": result["bursts"]})
        return 0
    if args.quiet:
        return 0
    width = max([len("experiment")] + [len(str(r["experiment"])) for r in rows])
    decoder_width = max([len("decoder")] + [len(r["decoder"]) for r in rows])
    model_width = max([len("error model")] + [len(str(r["error_model"])) for r in rows])
    out = sys.stdout
    out.write(f"{'experiment':<{width}}  {'decoder':<{decoder_width}}  "
              f"{'error model':<{model_width}}  {'shots':>9}  {'errors':>7}  "
              f"{'logical error per shot [95%]':>36}\n")
    for row, s in zip(rows, result["stats"], strict=True):
        cell = rate_cell(s.logical_error() if s.kept_shots else None, 10)
        out.write(f"{row['experiment']:<{width}}  {row['decoder']:<{decoder_width}}  "
                  f"{row['error_model']!s:<{model_width}}  {row['shots']:>9,}  "
                  f"{row['errors']:>7,}  {cell}\n")
    if result["bursts"]:
        flagged = sum(result["bursts"].values())
        out.write(f"bursts: {flagged} shots flagged and excluded (as discards) in "
                  f"{len(result['bursts'])} experiments\n")
    out.write(f"results: {db}\n")
    return 0
