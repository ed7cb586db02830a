"""The DQLR study: leakage with no removal, MLR and DQLR, in the spirit of Miao et al. (2023).

Two parts:

1. **Per-round profile** (one code, many rounds; :func:`round_profile`): for each removal
   strategy, shots from :func:`qec.leakage.sample_leakage` give the leakage population of data
   and measure qubits in every round (just before the measurement layer), the detection
   probability per round (all stabilizers, weight-2 and weight-4 separately), the correlation
   ``p_ij`` between detection events of one stabilizer several rounds apart, and the logical
   error per round (PyMatching, leakage-free detector error model).
2. **Sweep** (:func:`sweep_tasks`): logical error per round against the leakage rate for
   several distances, without DQLR (MLR only), with DQLR, and with the same rate of Pauli noise
   instead of leakage (:func:`qec.leakage.pauli_equivalent` of the DQLR circuit), sampled through
   :func:`qec.sampling.collect` into a result store with :class:`qec.leakage.LeakageSampler`.

Everything is returned as JSON-ready dicts; :func:`plot_study` draws the figures.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pymatching
import stim

from qec.analysis import binomial_interval
from qec.circuits import memory_circuit
from qec.codes import RotatedSurfaceCode
from qec.decoders import detector_error_model_for_circuit
from qec.leakage._simulator import sample_leakage
from qec.leakage._tags import pauli_equivalent
from qec.plotting import new_axes, save_figure
from qec.sampling import Task
from qec.studies._dqlr_config import STRATEGIES, StudyConfig

__all__ = [
    "STRATEGIES",
    "StudyConfig",
    "detection_correlations",
    "plot_study",
    "round_profile",
    "run_profiles",
    "summarize_sweep",
    "sweep_tasks",
]

def detection_correlations(events: np.ndarray, *, max_apart: int) -> list[float]:
    """Mean ``p_ij`` between detection events of one stabilizer ``1..max_apart`` rounds apart.

    ``p_ij`` is the probability of an independent mechanism flipping both detectors (Chen et
    al., Nature 595, 383 (2021)): ``1/2 - 1/2 sqrt(1 - 4 (<x_i x_j> - <x_i><x_j>) /
    (1 - 2<x_i> - 2<x_j> + 4<x_i x_j>))``, averaged over stabilizers and round pairs.

    Args:
        events: ``bool`` ``(shots, rounds, stabilizers)``.
        max_apart: the largest separation in rounds.

    Returns:
        ``max_apart`` values (NaN where there are no pairs).

    Examples:
        >>> rng = np.random.default_rng(1)
        >>> shared = rng.random((20000, 1, 1)) < 0.05
        >>> events = (rng.random((20000, 4, 1)) < 0.02) ^ np.concatenate([shared, shared] * 2, 1)
        >>> [round(v, 2) for v in detection_correlations(events, max_apart=1)]
        [0.05]
    """
    x = events.astype(np.float64)
    out = []
    for apart in range(1, max_apart + 1):
        if apart >= x.shape[1]:
            out.append(math.nan)
            continue
        a, b = x[:, :-apart], x[:, apart:]
        ab, ma, mb = (a * b).mean(axis=0), a.mean(axis=0), b.mean(axis=0)
        denominator = 1 - 2 * ma - 2 * mb + 4 * ab
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(denominator > 0, 4 * (ab - ma * mb) / denominator, 0.0)
        pij = 0.5 - 0.5 * np.sqrt(np.clip(1 - ratio, 0, None))
        out.append(float(pij.mean()))
    return out


def round_profile(circuit: stim.Circuit, code: Any, *, rounds: int, shots: int,
                  seed: int | None) -> dict[str, Any]:
    """Samples a leakage memory circuit and reduces it to per-round curves.

    Returns:
        A dict with ``data_leakage_population`` and ``measure_leakage_population`` (mean over
        qubits, one value per round), ``detection_probability`` (one value per round, all
        stabilizers) and its ``_weight2`` / ``_weight4`` splits, ``correlations``
        (``rounds_apart``, ``p_ij``), ``heralded_shots``, ``shots`` and the logical error per
        round with its 95% interval (PyMatching).
    """


    samples = sample_leakage(circuit, shots=shots, seed=seed, bit_packed=True)
    population = samples.leakage_population
    coords = circuit.get_detector_coordinates()
    stabilizer_at = {code.qubit_coords[s.measure_qubit]: s for s in code.stabilizers}
    order = {s.measure_qubit: k for k, s in enumerate(code.stabilizers)}
    events = np.unpackbits(samples.detection_events, axis=1, bitorder="little",
                           count=circuit.num_detectors).astype(bool)
    grid = np.zeros((shots, rounds, len(code.stabilizers)), dtype=bool)
    present = np.zeros((rounds, len(code.stabilizers)), dtype=bool)
    for d, c in coords.items():
        r = round(c[2])
        if r < rounds:
            s = stabilizer_at[(int(c[0]), int(c[1]))]
            grid[:, r, order[s.measure_qubit]] = events[:, d]
            present[r, order[s.measure_qubit]] = True
    weights = np.array([len(s.data_qubits) for s in code.stabilizers])

    def per_round(select: np.ndarray) -> list[float]:
        values = []
        for r in range(rounds):
            columns = present[r] & select
            values.append(float(grid[:, r, columns].mean()) if columns.any() else math.nan)
        return values

    matching = pymatching.Matching.from_detector_error_model(
        detector_error_model_for_circuit(circuit))
    predictions = matching.decode_batch(samples.detection_events, bit_packed_shots=True,
                                        bit_packed_predictions=True)
    errors = int(np.count_nonzero(np.any(predictions != samples.observable_flips, axis=1)))
    per_round_error = binomial_interval(errors=errors, shots=shots).per_round(rounds=rounds)
    apart = list(range(1, min(6, rounds - 2) + 1))
    full = grid[:, 1:, :]  # every stabilizer has a detector from round 1 on
    return {
        "data_leakage_population": population[:, list(code.data_qubits)].mean(axis=1).tolist(),
        "measure_leakage_population":
            population[:, list(code.measure_qubits)].mean(axis=1).tolist(),
        "detection_probability": per_round(np.ones(len(weights), dtype=bool)),
        "detection_probability_weight2": per_round(weights == 2),
        "detection_probability_weight4": per_round(weights == 4),
        "correlations": {"rounds_apart": apart,
                         "p_ij": detection_correlations(full, max_apart=len(apart))},
        "heralded_shots": int(np.count_nonzero(samples.heralds.any(axis=1))),
        "shots": shots,
        "errors": errors,
        "logical_error_per_round": per_round_error.estimate,
        "logical_error_per_round_ci": [per_round_error.low, per_round_error.high],
    }


def run_profiles(config: StudyConfig, *, seed: int | None,
                 log: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`round_profile` for each strategy of :data:`STRATEGIES` (the ``strategies`` key)."""
    code = RotatedSurfaceCode(distance=config.distance)
    out = {}
    for k, strategy in enumerate(STRATEGIES):
        if log is not None:
            log(f"profile: {strategy}, d={config.distance}, {config.rounds} rounds, "
                f"{config.shots} shots")
        circuit = memory_circuit(code, rounds=config.rounds, basis=config.basis,
                                     noise=config.noise(config.leakage_per_gate),
                                     leakage_removal=strategy)
        out[strategy] = round_profile(circuit, code, rounds=config.rounds, shots=config.shots,
                                      seed=None if seed is None else seed + k)
    return out


SWEEP_VARIANTS: tuple[str, ...] = ("mlr", "dqlr", "pauli")


def sweep_tasks(config: StudyConfig) -> list[Any]:
    """The sweep's tasks: per distance, a leakage-free DQLR baseline and, per rate, MLR and DQLR
    with leakage (decoder ``"leakage"``: :class:`qec.leakage.LeakageSampler`) and the Pauli
    equivalent of the DQLR circuit (decoder ``"pymatching"``)."""
    tasks = []
    for distance in config.sweep_distances:
        tasks.append(_sweep_task(config, distance, variant="baseline", rate=0.0))
        for rate in config.sweep_rates:
            for variant in SWEEP_VARIANTS:
                tasks.append(_sweep_task(config, distance, variant=variant, rate=rate))
    return tasks


def _sweep_task(config: StudyConfig, distance: int, *, variant: str, rate: float) -> Any:
    removal = "mlr" if variant == "mlr" else "dqlr"
    circuit = memory_circuit(RotatedSurfaceCode(distance=distance),
                                 rounds=config.sweep_rounds, basis=config.basis,
                                 noise=config.noise(rate), leakage_removal=removal)
    leaky = variant in ("mlr", "dqlr")
    decoder = "leakage" if leaky else "pymatching"
    metadata = {"code": "surface", "distance": distance, "rounds": config.sweep_rounds,
                "basis": config.basis, "noise": "si1000", "p": config.p, "decoder": decoder,
                "study": "dqlr", "variant": variant, "leakage_per_gate": rate,
                "seepage_per_round": config.seepage_per_round, "transport": config.transport,
                "partner_error": config.partner_error, "leaked_readout": config.leaked_readout}
    return Task(circuit=circuit if leaky else pauli_equivalent(circuit), decoder=decoder,
                json_metadata=metadata)


def summarize_sweep(stats: Sequence[Any]) -> dict[str, Any]:
    """Groups sweep statistics by distance and variant, with the leakage-vs-Pauli cost.

    ``leakage_vs_pauli`` per distance and rate is ``(eps_dqlr - eps_0) / (eps_pauli - eps_0)``:
    the extra logical error per round leakage (with DQLR) causes, over what the same rate of
    Pauli errors causes, against the leakage-free baseline ``eps_0``; about 1 means one leakage
    event costs about one Pauli error.
    """
    by_distance: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for s in stats:
        if not s.kept_shots:
            continue
        interval = s.per_round_error()
        entry = {"rate": s.json_metadata["leakage_per_gate"], "shots": s.shots,
                 "errors": s.errors, "logical_error_per_round": interval.estimate,
                 "ci": [interval.low, interval.high]}
        by_distance.setdefault(s.distance, {}).setdefault(
            s.json_metadata["variant"], []).append(entry)
    out: dict[str, Any] = {}
    for distance, variants in sorted(by_distance.items()):
        for entries in variants.values():
            entries.sort(key=lambda e: e["rate"])
        baseline = variants.get("baseline", [{}])[0].get("logical_error_per_round")
        ratios = []
        pauli = {e["rate"]: e["logical_error_per_round"] for e in variants.get("pauli", [])}
        for e in variants.get("dqlr", []):
            extra_pauli = pauli.get(e["rate"], math.nan) - (baseline or 0.0)
            extra = e["logical_error_per_round"] - (baseline or 0.0)
            ratio = extra / extra_pauli if extra_pauli > 0 else math.nan
            ratios.append({"rate": e["rate"], "ratio": ratio})
        out[str(distance)] = {**variants, "leakage_vs_pauli": ratios}
    return out


def _axes(title: str, xlabel: str, ylabel: str) -> Any:

    ax = new_axes()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    return ax


_COLORS = {"none": "tab:red", "mlr": "tab:orange", "dqlr": "tab:blue", "pauli": "tab:green",
           "baseline": "tab:gray"}


def plot_study(summary: dict[str, Any], out: pathlib.Path) -> list[pathlib.Path]:
    """Writes the study's figures into ``out`` and returns their paths.

    Figures: ``leakage_population.png`` (data and measure population per round, log scale),
    ``detection_probability.png`` (per round, weight-2 and weight-4 stabilizers),
    ``detection_correlations.png`` (``p_ij`` against rounds apart, log scale) and, when the
    summary has a sweep, ``logical_vs_leakage.png`` (logical error per round against leakage
    rate per distance, MLR, DQLR and Pauli, log-log, with 95% intervals).
    """

    strategies = summary["strategies"]
    paths = []
    ax = _axes("Leakage population (SI1000 + injected leakage)", "round",
               "leakage population (fraction of qubits)")
    for name, profile in strategies.items():
        rounds = np.arange(len(profile["data_leakage_population"]))
        for key, style, who in (("data_leakage_population", "-", "data"),
                                ("measure_leakage_population", "--", "measure")):
            values = np.asarray(profile[key], dtype=float)
            ax.plot(rounds, np.where(values > 0, values, np.nan), style, color=_COLORS[name],
                    label=f"{name}: {who} qubits")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    paths.append(save_figure(ax, out / "leakage_population.png"))

    ax = _axes("Detection probability per round", "round", "detection probability")
    for name, profile in strategies.items():
        rounds = np.arange(len(profile["detection_probability"]))
        ax.plot(rounds, profile["detection_probability_weight4"], "-", color=_COLORS[name],
                label=f"{name}: weight-4")
        ax.plot(rounds, profile["detection_probability_weight2"], ":", color=_COLORS[name],
                label=f"{name}: weight-2")
    ax.legend(fontsize="small")
    paths.append(save_figure(ax, out / "detection_probability.png"))

    ax = _axes("Detection-event correlations of one stabilizer", "rounds apart",
               "p_ij (probability of a shared mechanism)")
    for name, profile in strategies.items():
        corr = profile["correlations"]
        values = np.asarray(corr["p_ij"], dtype=float)
        ax.plot(corr["rounds_apart"], np.where(values > 0, values, np.nan), "o-",
                color=_COLORS[name], label=name)
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    paths.append(save_figure(ax, out / "detection_correlations.png"))

    sweep = summary.get("sweep") or {}
    if sweep:
        ax = _axes("Logical error per round vs leakage rate", "leakage (or Pauli) rate per gate",
                   "logical error per round")
        markers = ["o", "s", "^", "D", "v"]
        for k, (distance, variants) in enumerate(sweep.items()):
            for variant in SWEEP_VARIANTS:
                entries = [e for e in variants.get(variant, []) if e["rate"] > 0]
                if not entries:
                    continue
                x = np.array([e["rate"] for e in entries])
                y = np.array([e["logical_error_per_round"] for e in entries])
                low = np.array([e["ci"][0] for e in entries])
                high = np.array([e["ci"][1] for e in entries])
                ax.errorbar(x, np.where(y > 0, y, np.nan),
                            yerr=np.vstack([np.clip(y - low, 0, None),
                                            np.clip(high - y, 0, None)]),
                            marker=markers[k % len(markers)], color=_COLORS[variant],
                            linestyle="-" if variant != "pauli" else "--",
                            label=f"d={distance} {variant}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize="x-small", ncol=3)
        paths.append(save_figure(ax, out / "logical_vs_leakage.png"))
    return paths
