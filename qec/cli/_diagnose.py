"""``qec diagnose``: what a device physicist reads first, per recorded experiment."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from qec.cli._common import CliError, print_json
from qec.cli._decode import add_input_options, experiments_from_args
from qec.cli._learn_noise import (
    add_structure_options,
    assumed_model,
    progress_line,
    recorded_observables,
)
from qec.cli._options import add

NAME = "diagnose"
HELP = (
    "per experiment: the detection-event fraction of every stabilizer and round (a figure), "
    "stabilizers and rounds that stand out, each qubit's error rates against the assumed "
    "model (from a learned model), and burst shots (cosmic-ray-like)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec diagnose``."""
    add_input_options(parser)
    add_structure_options(parser)
    add(parser, "out")
    parser.add_argument("--factor", type=float, default=2.0,
                        help="flag a qubit whose error rates exceed the typical qubit's by "
                             "this factor over their whole interval (default 2)")
    parser.add_argument("--false-alarm", type=float, default=0.01,
                        help="probability of flagging any burst shot in an experiment without "
                             "bursts (default 0.01)")
    add(parser, "quiet", "json")


def _figure_name(name: str) -> str:
    return "detection-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "experiment")


def diagnose_one(experiment: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Diagnoses one experiment; writes its figure; returns its JSON summary."""
    from matplotlib.figure import Figure

    from qec.datasets import (
        detection_fractions,
        find_bursts,
        flag_outliers,
        learn_error_model,
        qubit_error_ratios,
    )
    from qec.noise import NoiseModel
    from qec.plotting import plot_detection_fractions, plot_qubit_factors, save_figure

    ideal, assumed, described = assumed_model(experiment, args)
    structure = assumed.detector_error_model(decompose_errors=True,
                                             approximate_disjoint_errors=True)
    dets = experiment.detection_events(ideal)
    obs = recorded_observables(experiment, ideal)
    first = learn_error_model(structure, dets)
    bursts = find_bursts(ideal, dets, dem=first.dem, false_alarm=args.false_alarm)
    learned = learn_error_model(structure, dets[~bursts.flagged],
                                observable_flips=None if obs is None else obs[~bursts.flagged])
    fractions = detection_fractions(ideal, dets, exclude=bursts.flagged)
    flags = flag_outliers(fractions)
    if args.noise is None and experiment.circuit_path(noisy=True) is not None:
        # The noisy circuit's own channels: a qubit's weight comes from the assumed circuit.
        qubits = qubit_error_ratios(ideal, learned, noise=None, assumed=assumed,
                                    factor=args.factor)
    else:
        noise = NoiseModel.from_name(args.noise or "si1000", args.p)
        qubits = qubit_error_ratios(ideal, learned, noise=noise, factor=args.factor)
    figure = args.out / f"{_figure_name(experiment.name)}.png"
    drawing = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = drawing.subplots(1, 2)
    plot_detection_fractions(fractions, flags=flags, ax=left,
                             title=f"detection events, {fractions.shots:,} shots "
                                   f"({bursts.count} burst shots left out)")
    plot_qubit_factors(qubits, factor=args.factor, ax=right,
                       title=f"qubits against {described}")
    drawing.suptitle(experiment.name)
    save_figure(drawing, figure)
    return {
        "experiment": experiment.name, "assumed": described, "shots": len(dets),
        "bursts": bursts.count, "burst_false_alarm": args.false_alarm,
        "flagged_stabilizers": flags["flagged_sites"],
        "flagged_measure_qubits": flags["flagged_qubits"],
        "flagged_rounds": flags["flagged_rounds"],
        "flagged_qubits": [q.qubit for q in qubits if q.flagged],
        "qubits": [{"qubit": q.qubit, "factor": q.ratio, "interval": [q.low, q.high],
                    "relative": q.relative, "flagged": q.flagged} for q in qubits],
        "figure": str(figure),
    }


def run(args: argparse.Namespace) -> int:
    """Diagnoses every experiment and prints what stands out."""
    if not args.factor > 1:
        raise CliError(f"--factor={args.factor} must be greater than 1")
    if not 0 < args.false_alarm < 1:
        raise CliError(f"--false-alarm={args.false_alarm} must be strictly between 0 and 1")
    experiments = experiments_from_args(args)
    args.out.mkdir(parents=True, exist_ok=True)
    summaries = []
    for index, experiment in enumerate(experiments, 1):
        summary = diagnose_one(experiment, args)
        summaries.append(summary)
        progress_line(args, index, len(experiments), experiment.name)
        if args.quiet or args.json:
            continue
        worst = sorted(summary["qubits"], key=lambda q: -q["relative"])[:3]
        sys.stdout.write(
            f"{summary['experiment']}: {summary['shots']:,} shots, {summary['bursts']} burst "
            f"shots flagged\n"
            f"  stabilizers flagged: {summary['flagged_stabilizers'] or 'none'}"
            f" (measure qubits {summary['flagged_measure_qubits'] or 'none'})\n"
            f"  rounds flagged: {summary['flagged_rounds'] or 'none'}\n"
            f"  qubits flagged (error rates > {args.factor:g}x the typical qubit's): "
            f"{summary['flagged_qubits'] or 'none'}; worst: "
            + ", ".join(f"q{q['qubit']} {q['factor']:.2f} [{q['interval'][0]:.2f}, "
                        f"{q['interval'][1]:.2f}]" for q in worst)
            + f"\n  figure: {summary['figure']}\n")
    if args.json:
        print_json({"experiments": summaries})
    return 0
