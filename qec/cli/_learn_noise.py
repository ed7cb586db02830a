"""``qec learn-noise``: an error model learned from recorded detection events, with intervals."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from qec.cli._common import CliError, positive_int, print_json
from qec.cli._decode import add_input_options, experiments_from_args
from qec.cli._options import add

NAME = "learn-noise"
HELP = (
    "learn every error mechanism's probability from recorded detection events (correlations "
    "of all orders, jackknife intervals), written as a detector error model any decoder takes"
)


def add_structure_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--noise`` and ``--p``: the assumed model that gives the structure and the prior."""
    add(parser, "assumed-noise", "p")


def assumed_model(experiment: Any, args: argparse.Namespace) -> tuple[Any, Any, str]:
    """``(ideal circuit, assumed noisy circuit, its description)`` for one experiment.

    Raises:
        CliError: an unknown --noise or a --p outside (0, 0.5).
    """
    from qec.noise import NoiseModel, add_noise, canonical_noise_name

    ideal = experiment.circuit()
    if args.noise is None and experiment.circuit_path(noisy=True) is not None:
        return ideal, experiment.circuit(noisy=True), "the noisy circuit"
    if not 0 < args.p < 0.5:
        raise CliError(f"--p={args.p} must be in (0, 0.5)")
    name = canonical_noise_name(args.noise or "si1000")
    model = NoiseModel.from_name(name, args.p)
    assumed = add_noise(ideal, model)
    if assumed.num_detectors and not assumed.detector_error_model(
            approximate_disjoint_errors=True).num_errors:
        raise CliError(f"--noise {name} places no noise on the circuit's operations (its "
                       "channels act between rounds, which an arbitrary circuit does not mark); "
                       "use a circuit-level model such as si1000 or sd6")
    return ideal, assumed, f"{name} p={args.p:g}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec learn-noise``."""
    add_input_options(parser)
    add_structure_options(parser)
    add(parser, "out-model")
    parser.add_argument("--groups", type=positive_int("--groups"), default=50,
                        help="jackknife groups of shots for the intervals (default 50)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="coverage of every interval (default 0.95)")
    parser.add_argument("--exclude-bursts", action="store_true",
                        help="leave out burst shots (cosmic-ray-like) before learning")
    parser.add_argument("--top", type=int, default=8,
                        help="mechanisms listed per experiment: those most changed (default 8)")
    add(parser, "quiet", "json")


def recorded_observables(experiment: Any, ideal: Any) -> Any:
    """The experiment's recorded observable flips, or None when it has none (then mechanisms
    that differ only in their observables are learned as one)."""
    try:
        return experiment.observable_flips(ideal)
    except ValueError:
        return None


def progress_line(args: argparse.Namespace, index: int, total: int, name: str) -> None:
    """``qec COMMAND: experiment k/N NAME done`` on stderr, unless --quiet."""
    if not args.quiet:
        sys.stderr.write(f"qec {args.command}: experiment {index}/{total} {name} done\n")
        sys.stderr.flush()


def learn_one(experiment: Any, args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Learns one experiment's model; returns it and its JSON summary."""
    from qec.datasets import find_bursts, learn_error_model

    ideal, assumed, described = assumed_model(experiment, args)
    structure = assumed.detector_error_model(decompose_errors=True,
                                             approximate_disjoint_errors=True)
    dets = experiment.detection_events(ideal)
    obs = recorded_observables(experiment, ideal)
    bursts = 0
    if args.exclude_bursts:
        first = learn_error_model(structure, dets, groups=args.groups,
                                  confidence=args.confidence)
        report = find_bursts(ideal, dets, dem=first.dem)
        bursts = report.count
        dets = dets[~report.flagged]
        obs = None if obs is None else obs[~report.flagged]
    learned = learn_error_model(structure, dets, observable_flips=obs, groups=args.groups,
                                confidence=args.confidence)
    coordinates = ideal.get_detector_coordinates()
    summary = {"experiment": experiment.name, "assumed": described, "bursts_excluded": bursts,
               **learned.summary()}
    for row in summary["most_changed"]:
        row["coordinates"] = [list(coordinates.get(d, [])) for d in row["detectors"]]
    return learned, summary


def _table(summary: dict[str, Any]) -> list[str]:
    lines = [f"{summary['experiment']}: {summary['mechanisms']} mechanisms from "
             f"{summary['shots']:,} shots ({summary['unresolved']} not resolved), against "
             f"{summary['assumed']}" + (f"; {summary['bursts_excluded']} burst shots left out"
                                        if summary["bursts_excluded"] else "")]
    lines.append(f"  {'detectors (x, y, t)':<44} {'assumed':>10} {'learned':>10}  "
                 f"{'interval':<22} {'ratio':>6}")
    for row in summary["most_changed"]:
        where = " ".join("(" + ",".join(f"{c:g}" for c in coords) + ")"
                         for coords in row["coordinates"])
        lines.append(f"  {where[:44]:<44} {row['prior']:>10.2e} {row['estimate']:>10.2e}  "
                     f"[{row['interval'][0]:.2e}, {row['interval'][1]:.2e}] "
                     f"{row['ratio']:>6.2f}")
    lines.extend(f"  warning: {text}" for text in summary["warnings"])
    return lines


def run(args: argparse.Namespace) -> int:
    """Learns the model of every experiment and writes it."""
    if not 0 < args.confidence < 1:
        raise CliError(f"--confidence={args.confidence} must be strictly between 0 and 1")
    if args.top < 0:
        raise CliError(f"--top={args.top} must be non-negative")
    experiments = experiments_from_args(args)
    summaries = []
    for index, experiment in enumerate(experiments, 1):
        if args.dataset is not None:
            path = args.out / experiment.name / "error_model.dem"
        else:
            path = args.out
        learned, summary = learn_one(experiment, args)
        summary["most_changed"] = summary["most_changed"][:args.top]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(learned.dem) + "\n")
        summary["model"] = str(path)
        summaries.append(summary)
        progress_line(args, index, len(experiments), experiment.name)
        if not (args.quiet or args.json):
            sys.stdout.write("\n".join(_table(summary)) + f"\n  model: {path}\n")
    if args.json:
        print_json({"experiments": summaries})
    return 0
