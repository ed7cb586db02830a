"""What a device physicist reads first: detection-event fractions, odd qubits and rounds, bursts.

* :func:`detection_fractions`: the fraction of shots in which each detector fired, laid out by
  stabilizer (the detector's spatial coordinates) and round (its last coordinate), as the
  figures of Google's memory papers show it.
* :func:`flag_outliers`: stabilizers (named by the measure qubit at their coordinates) and
  rounds whose detection fraction stands out from the rest beyond its own interval.
* :func:`qubit_error_ratios`: from a learned error model, each qubit's errors against the
  assumed model (prior-weighted over the mechanisms its operations cause), with jackknife
  intervals; a qubit worse than the device's typical qubit is flagged. This reaches the data
  qubits, which no stabilizer's own fraction names.
* :func:`find_bursts`: shots with a burst of detection events in some window of rounds far
  beyond what the rest of the shots make likely (cosmic-ray-like events, McEwen et al.,
  Nat. Phys. 18, 107 (2022)).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import stim

from qec._validate import int_at_least, number_in
from qec.datasets._learn import LearnedModel, model_structure
from qec.decoders._dem import error_targets
from qec.noise import NoiseModel, add_noise

__all__ = ["BurstReport", "DetectionFractions", "QubitRatio", "detection_fractions",
           "find_bursts", "flag_outliers", "qubit_error_ratios"]


@dataclasses.dataclass(frozen=True)
class DetectionFractions:
    """Detection-event fractions of one experiment, per stabilizer and round.

    Attributes:
        sites: the stabilizers' spatial coordinates (the detector coordinates less the last).
        rounds: the rounds (the detectors' last coordinate), sorted.
        fired: shots in which each (site, round) detector fired; -1 where there is none.
        shots: the shots counted.
        site_qubits: the measure qubit at each site's coordinates (None where no qubit sits
            there).
    """

    sites: tuple[tuple[float, ...], ...]
    rounds: tuple[float, ...]
    fired: np.ndarray
    shots: int
    site_qubits: tuple[int | None, ...]

    @property
    def fractions(self) -> np.ndarray:
        """``fired / shots`` with NaN where a (site, round) has no detector."""
        return np.where(self.fired >= 0, self.fired / max(self.shots, 1), np.nan)


def detection_fractions(circuit: stim.Circuit, detection_events: np.ndarray, *,
                        exclude: np.ndarray | None = None) -> DetectionFractions:
    """Counts how often each detector fired, laid out by stabilizer and round.

    Args:
        circuit: the experiment's circuit (detector coordinates ``(x, y, ..., t)``).
        detection_events: bit-packed ``uint8``, ``(shots, ceil(num_detectors / 8))``.
        exclude: a boolean mask of shots to leave out (bursts), or None.

    Returns:
        :class:`DetectionFractions`.

    Raises:
        ValueError: the data do not fit the circuit.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=4,
        ...                                  before_round_data_depolarization=0.05)
        >>> dets = circuit.compile_detector_sampler(seed=1).sample(1000, bit_packed=True)
        >>> fractions = detection_fractions(circuit, dets)
        >>> len(fractions.sites), fractions.rounds
        (2, (0.0, 1.0, 2.0, 3.0, 4.0))
    """
    num_detectors = circuit.num_detectors
    detection_events = np.asarray(detection_events, dtype=np.uint8)
    if detection_events.ndim != 2 or detection_events.shape[1] != (num_detectors + 7) // 8:
        raise ValueError(f"detection_events has shape {detection_events.shape}; the circuit's "
                         f"{num_detectors} detectors need (shots, {(num_detectors + 7) // 8})")
    if exclude is not None:
        detection_events = detection_events[~np.asarray(exclude, dtype=bool)]
    bits = np.unpackbits(detection_events, axis=1, bitorder="little", count=num_detectors)
    counts = bits.sum(axis=0, dtype=np.int64)
    coordinates = circuit.get_detector_coordinates()
    keys = []
    for index in range(num_detectors):
        coords = tuple(float(c) for c in coordinates.get(index, ()))
        keys.append((coords[:-1], coords[-1]) if len(coords) >= 2 else ((float(index),), 0.0))
    sites = tuple(sorted({site for site, _ in keys}))
    rounds = tuple(sorted({t for _, t in keys}))
    site_index = {s: i for i, s in enumerate(sites)}
    round_index = {t: i for i, t in enumerate(rounds)}
    fired = np.full((len(sites), len(rounds)), -1, dtype=np.int64)
    for index, (site, t) in enumerate(keys):
        cell = (site_index[site], round_index[t])
        fired[cell] = counts[index] + max(fired[cell], 0)
    qubit_at = {tuple(float(c) for c in coords[:2]): q
                for q, coords in circuit.get_final_qubit_coordinates().items()}
    site_qubits = tuple(qubit_at.get(site[:2]) for site in sites)
    return DetectionFractions(sites=sites, rounds=rounds, fired=fired,
                              shots=len(detection_events), site_qubits=site_qubits)


def _robust_cut(values: np.ndarray, z: float) -> float:
    """The cut of log values: ``z`` robust standard deviations (1.4826 MAD, at least 5% in
    ratio) above their median."""
    centre = float(np.median(values))
    spread = max(1.4826 * float(np.median(np.abs(values - centre))), math.log(1.05))
    return centre + z * spread


def flag_outliers(fractions: DetectionFractions, *, z: float = 4.0,
                  confidence: float = 0.99) -> dict[str, Any]:
    """Stabilizers and rounds whose detection fraction stands out from the rest.

    A stabilizer's fraction is taken over its bulk rounds (the first and last round, which
    the preparation and the readout make different, are left out when there are three or
    more); it is flagged when the lower end of its binomial interval lies above the cut:
    the median over stabilizers times ``exp(z sigma)``, with ``sigma`` the robust spread of
    their log fractions. Rounds are flagged the same way against the other bulk rounds.

    Args:
        fractions: from :func:`detection_fractions`.
        z: the cut, in robust standard deviations of the log fraction.
        confidence: of each fraction's own (binomial) interval.

    Returns:
        A JSON-ready dict: ``sites`` (one entry per stabilizer: coordinates, measure qubit,
        fraction, interval, flagged), ``rounds`` (likewise), and the lists ``flagged_sites``,
        ``flagged_qubits`` (their measure qubits) and ``flagged_rounds``.
    """
    from qec.data import binomial_interval

    z = number_in("z", z, 0, 100, low_open=True)
    fired = fractions.fired
    bulk = slice(1, -1) if fired.shape[1] >= 3 else slice(None)

    def rows(counts: np.ndarray, totals: np.ndarray) -> tuple[list[Any], np.ndarray]:
        intervals = [binomial_interval(errors=int(c), shots=int(n), confidence=confidence)
                     if n > 0 else None for c, n in zip(counts, totals, strict=True)]
        with np.errstate(divide="ignore"):
            logs = np.log(np.maximum(counts, 0.5) / np.maximum(totals, 1))
        return intervals, logs

    site_fired = np.where(fired[:, bulk] >= 0, fired[:, bulk], 0).sum(axis=1)
    site_shots = (fired[:, bulk] >= 0).sum(axis=1) * fractions.shots
    site_intervals, site_logs = rows(site_fired, site_shots)
    present = site_shots > 0
    sites = []
    flagged_sites = []
    if np.any(present):
        cut = _robust_cut(site_logs[present], z)
        for i, interval in enumerate(site_intervals):
            flag = interval is not None and interval.low > math.exp(cut)
            sites.append({"site": list(fractions.sites[i]), "qubit": fractions.site_qubits[i],
                          "fraction": None if interval is None else interval.estimate,
                          "interval": None if interval is None else [interval.low,
                                                                      interval.high],
                          "flagged": flag})
            if flag:
                flagged_sites.append(i)
    round_fired = np.where(fired >= 0, fired, 0).sum(axis=0)
    round_shots = (fired >= 0).sum(axis=0) * fractions.shots
    round_intervals, round_logs = rows(round_fired, round_shots)
    rounds = []
    flagged_rounds = []
    inner = np.arange(len(fractions.rounds))[bulk]
    if len(inner):
        cut = _robust_cut(round_logs[inner], z)
        for i, interval in enumerate(round_intervals):
            flag = i in inner and interval is not None and interval.low > math.exp(cut)
            rounds.append({"round": fractions.rounds[i],
                           "fraction": None if interval is None else interval.estimate,
                           "flagged": bool(flag)})
            if flag:
                flagged_rounds.append(fractions.rounds[i])
    return {"sites": sites, "rounds": rounds,
            "flagged_sites": [list(fractions.sites[i]) for i in flagged_sites],
            "flagged_qubits": sorted(q for q in (fractions.site_qubits[i]
                                                 for i in flagged_sites) if q is not None),
            "flagged_rounds": flagged_rounds, "z": z}


@dataclasses.dataclass(frozen=True)
class QubitRatio:
    """A qubit's error rates against the assumed model.

    Attributes:
        qubit: the qubit.
        ratio: the factor by which the qubit's error rates exceed the assumed model's (1: as
            assumed), fitted over every mechanism (see :func:`qubit_error_ratios`).
        low, high: its interval.
        relative: ``ratio`` over the median ratio of all qubits (the device's typical qubit).
        flagged: whether the whole interval of ``relative`` lies above the flagging factor.
    """

    qubit: int
    ratio: float
    low: float
    high: float
    relative: float
    flagged: bool


def _restricted(circuit: stim.Circuit, qubit: int) -> stim.Circuit:
    """``circuit`` with only the noise channels (and measurement flips) that act on ``qubit``."""
    out = stim.Circuit()
    for instruction in circuit:
        if isinstance(instruction, stim.CircuitRepeatBlock):
            out.append(stim.CircuitRepeatBlock(instruction.repeat_count,
                                               _restricted(instruction.body_copy(), qubit)))
            continue
        data = stim.gate_data(instruction.name)
        is_channel = data.is_noisy_gate and not data.produces_measurements
        if not is_channel:
            out.append(instruction.name, instruction.targets_copy(),
                       [] if data.produces_measurements else instruction.gate_args_copy())
            continue
        width = 2 if data.is_two_qubit_gate else 1
        targets = instruction.targets_copy()
        for start in range(0, len(targets), width):
            group = targets[start:start + width]
            if any(t.value == qubit for t in group):
                out.append(instruction.name, group, instruction.gate_args_copy())
    return out


def qubit_error_ratios(ideal: stim.Circuit, learned: LearnedModel, *,
                       noise: NoiseModel | None = None, assumed: stim.Circuit | None = None,
                       factor: float = 2.0) -> list[QubitRatio]:
    """Each qubit's error-rate factor against the assumed model, and the qubits that stand out.

    The assumed model's channels on qubit ``q`` alone (``add_noise(ideal, noise)`` restricted
    to ``q``; a two-qubit channel counts half to each of its qubits) give every mechanism
    ``c`` a weight ``w_cq`` (its ``theta`` from ``q``). The learned ``theta_c`` are fitted as
    ``sum_q w_cq f_q`` by non-negative least squares, each mechanism weighted by its inverse
    jackknife variance; ``f_q`` is the qubit's factor (a two-qubit gate's rate, which grows as
    the geometric mean of its qubits' factors, is taken linearly). The fit is repeated on
    every jackknife replicate of the learned model for the interval, widened by
    ``sqrt(chi2 / dof)`` of the fit when the per-qubit model leaves more misfit than the
    noise explains (each gate's own rate, for one). A qubit is flagged when
    its factor over the median factor exceeds ``factor`` over its whole interval.

    Args:
        ideal: the noiseless circuit.
        learned: the model learned from the data, on the structure of the assumed circuit.
        noise: the assumed (uniform) model, placed on ``ideal`` by :func:`qec.noise.add_noise`.
        assumed: or the assumed noisy circuit itself (a release's noisy circuit).
        factor: how much worse than the typical qubit a flagged qubit is, at least.

    Returns:
        One :class:`QubitRatio` per qubit with noise.

    Raises:
        ValueError: neither or both of ``noise`` and ``assumed``.
    """
    from scipy.optimize import nnls
    from scipy.special import stdtrit

    factor = number_in("factor", factor, 1, math.inf, low_open=True, high_open=True)
    if (noise is None) == (assumed is None):
        raise ValueError("give the assumed model as noise=NoiseModel or assumed=circuit")
    if assumed is None:
        assumed = add_noise(ideal, noise)
    with_observables = any(m.observables for m in learned.mechanisms)
    index = {(frozenset(m.detectors), frozenset(m.observables) if with_observables else None): i
             for i, m in enumerate(learned.mechanisms)}
    qubits = sorted({t.value for ins in assumed.flattened() for t in ins.targets_copy()
                     if t.is_qubit_target and stim.gate_data(ins.name).is_noisy_gate
                     and not stim.gate_data(ins.name).produces_measurements})
    weights = np.zeros((len(learned.mechanisms), len(qubits)))
    for column, qubit in enumerate(qubits):
        dem = _restricted(assumed, qubit).detector_error_model(approximate_disjoint_errors=True)
        for instruction in dem.flattened():
            if instruction.type != "error":
                continue
            detectors, observables = error_targets(instruction)
            p = instruction.args_copy()[0]
            i = index.get((detectors, observables if with_observables else None))
            if i is not None and 0 < p < 0.5:
                weights[i, column] += -math.log1p(-2 * p)
    # A two-qubit channel appears in both of its qubits' restricted models: count it half to
    # each, so that the columns add up to the assumed model.
    prior = np.array([-math.log1p(-2 * m.prior) if m.prior < 0.5 else 0.0
                      for m in learned.mechanisms])
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(weights.sum(axis=1) > 0, prior / weights.sum(axis=1), 0.0)
    weights *= scale[:, None]
    groups = learned.groups
    replicates = learned.replicates
    variance = (groups - 1) / groups * np.sum(
        (replicates - replicates.mean(axis=0)) ** 2, axis=0)
    usable = np.isfinite(learned.thetas) & (weights.sum(axis=1) > 0) & (variance > 0)
    sigma = np.sqrt(variance[usable])
    design = weights[usable] / sigma[:, None]

    def solve(thetas: np.ndarray) -> np.ndarray:
        return nnls(design, np.nan_to_num(thetas[usable]) / sigma, maxiter=50 * len(qubits))[0]

    estimate = solve(learned.thetas)
    solutions = np.array([solve(replicates[g]) for g in range(groups)])
    spread = np.sqrt((groups - 1) / groups * np.sum(
        (solutions - solutions.mean(axis=0)) ** 2, axis=0))
    # What the per-qubit model does not describe (each gate's own rate, the linearised
    # geometric mean) shows as misfit: intervals widen by sqrt(chi2 / dof) when it exceeds 1.
    residual = design @ estimate - np.nan_to_num(learned.thetas[usable]) / sigma
    dof = max(int(np.count_nonzero(usable)) - len(qubits), 1)
    spread *= max(1.0, math.sqrt(float(residual @ residual) / dof))
    quantile = float(stdtrit(groups - 1, 0.5 + learned.confidence / 2))
    typical = float(np.median(estimate)) or 1.0
    return [QubitRatio(qubit=q, ratio=float(f), low=float(f - quantile * e),
                       high=float(f + quantile * e), relative=float(f / typical),
                       flagged=bool((f - quantile * e) / typical > factor))
            for q, f, e in zip(qubits, estimate, spread, strict=True)]


@dataclasses.dataclass(frozen=True)
class BurstReport:
    """Shots with a burst of detection events.

    Attributes:
        flagged: boolean mask of the flagged shots.
        statistic: each shot's largest excess over its cells' thresholds (count minus
            threshold; a shot is flagged where it is positive).
        thresholds: the count above which a cell flags a shot, shape ``(regions, windows)``.
        region_size: stabilizers per region (each with its nearest neighbours).
        window: rounds per window.
        false_alarm: the probability that a run of this many shots without bursts flags one
            or more, under the fitted count distributions.
    """

    flagged: np.ndarray
    statistic: np.ndarray
    thresholds: np.ndarray
    region_size: int
    window: int
    false_alarm: float

    @property
    def count(self) -> int:
        """How many shots were flagged."""
        return int(np.count_nonzero(self.flagged))


def _regions(sites: tuple[tuple[float, ...], ...], size: int) -> list[np.ndarray]:
    """Each site with its ``size - 1`` nearest sites (by coordinates)."""
    points = np.array([list(s[:2]) + [0.0] * (2 - len(s[:2])) for s in sites])
    distance = np.sum((points[:, None, :] - points[None, :, :]) ** 2, axis=2)
    return [np.argsort(row, kind="stable")[:size] for row in distance]


def _tail_threshold(weights: list[tuple[float, int]], tail: float) -> float:
    """The smallest count ``c`` with ``P(count > c) <= tail`` for ``count = sum_c k_c B_c``, the
    mechanisms ``B_c ~ Bernoulli(p_c)`` independent (``weights`` lists ``(p_c, k_c)``)."""
    top = max(8, sum(k for _, k in weights))
    cap = min(top, 4 * (int(sum(p * k for p, k in weights)) + 1) + 64)
    distribution = np.zeros(cap + 1)
    distribution[0] = 1.0
    for p, k in weights:
        if k <= 0 or p <= 0:
            continue
        shifted = np.zeros_like(distribution)
        shifted[k:] = distribution[:-k] if k <= cap else 0.0
        shifted[cap] += distribution[cap - k + 1:].sum() if k <= cap else distribution.sum()
        distribution = (1 - p) * distribution + p * shifted
    survival = distribution[::-1].cumsum()[::-1]  # P(count >= c)
    above = np.flatnonzero(survival <= tail)
    return float(above[0] - 1) if len(above) else float(cap)


def find_bursts(circuit: stim.Circuit, detection_events: np.ndarray, *,
                dem: stim.DetectorErrorModel, window: int | None = None, region_size: int = 8,
                false_alarm: float = 0.01) -> BurstReport:
    """Flags shots with a burst of detection events (cosmic-ray-like events).

    A burst makes a region of the device fire far more often than usual for a while. Every
    shot's detection events are counted in space-time cells: each stabilizer with its
    ``region_size - 1`` nearest neighbours, over ``window`` consecutive rounds. Without bursts
    the count follows from the error model ``dem``: every mechanism ``c`` that fires adds the
    ``k_c`` detectors it flips in the cell (two mechanisms on one detector cancel, so this
    sum is at least the count: the null has the heavier tail), and the distribution of
    ``sum_c k_c B_c`` is computed exactly by convolution. A shot is flagged when some cell
    exceeds the count that it reaches with probability ``false_alarm / (shots * cells)``, so
    that a run without bursts flags no shot with probability at least ``1 - false_alarm``
    when ``dem`` describes the device (a learned model does: :func:`learn_error_model` on the
    same shots, whose rare bursts barely move it).

    Args:
        circuit: the experiment's circuit (detector coordinates ``(x, y, ..., t)``).
        detection_events: bit-packed ``uint8``, ``(shots, ceil(num_detectors / 8))``.
        dem: the error model of the shots without bursts.
        window: rounds per window (default: every round, one window: a burst outlasts a
            memory experiment of a few hundred microseconds).
        region_size: stabilizers per region.
        false_alarm: the probability of flagging any shot of a run without bursts.

    Returns:
        A :class:`BurstReport`.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=6,
        ...                                  before_round_data_depolarization=0.02)
        >>> dets = circuit.compile_detector_sampler(seed=3).sample(20_000, bit_packed=True)
        >>> find_bursts(circuit, dets, dem=circuit.detector_error_model()).count
        0
    """
    false_alarm = number_in("false_alarm", false_alarm, 0, 1, low_open=True, high_open=True)
    region_size = int_at_least("region_size", region_size, 1)
    layout = detection_fractions(circuit, detection_events)
    rounds = layout.rounds
    window = len(rounds) if window is None else min(int_at_least("window", window, 1),
                                                    len(rounds))
    num_detectors = circuit.num_detectors
    coordinates = circuit.get_detector_coordinates()
    site_index = {s: i for i, s in enumerate(layout.sites)}
    cell_of = np.zeros(num_detectors, dtype=np.int64)
    for index in range(num_detectors):
        coords = tuple(float(c) for c in coordinates.get(index, ()))
        site, t = (coords[:-1], coords[-1]) if len(coords) >= 2 else ((float(index),), 0.0)
        cell_of[index] = site_index[site] * len(rounds) + rounds.index(t)
    regions = _regions(layout.sites, min(region_size, len(layout.sites)))
    detection_events = np.asarray(detection_events, dtype=np.uint8)
    shots = len(detection_events)
    cells = np.zeros((shots, len(regions), len(rounds) - window + 1), dtype=np.int32)
    for start in range(0, shots, 4096):
        bits = np.unpackbits(detection_events[start:start + 4096], axis=1, bitorder="little",
                             count=num_detectors).astype(np.int32)
        grid = np.zeros((len(bits), len(layout.sites) * len(rounds)), dtype=np.int32)
        np.add.at(grid.T, cell_of, bits.T)
        grid = grid.reshape(len(bits), len(layout.sites), len(rounds))
        cumulative = np.concatenate([np.zeros((len(bits), len(layout.sites), 1), np.int32),
                                     np.cumsum(grid, axis=2)], axis=2)
        windows = cumulative[:, :, window:] - cumulative[:, :, :-window]
        for r, members in enumerate(regions):
            cells[start:start + len(bits), r] = windows[:, members].sum(axis=1)
    tail = false_alarm / (shots * cells.shape[1] * cells.shape[2])
    mechanisms = [(sorted(detectors), p) for detectors, p in model_structure(dem) if detectors]
    thresholds = np.zeros(cells.shape[1:])
    for r, members in enumerate(regions):
        in_region = np.zeros(len(layout.sites), dtype=bool)
        in_region[members] = True
        for w in range(cells.shape[2]):
            weights = []
            for detectors, p in mechanisms:
                cell = cell_of[detectors]
                site, t = cell // len(rounds), cell % len(rounds)
                k = int(np.count_nonzero(in_region[site] & (t >= w) & (t < w + window)))
                if k:
                    weights.append((p, k))
            thresholds[r, w] = _tail_threshold(weights, tail)
    excess = (cells - thresholds[None]).reshape(shots, -1).max(axis=1)
    return BurstReport(flagged=excess > 0, statistic=excess, thresholds=thresholds,
                       region_size=min(region_size, len(layout.sites)), window=window,
                       false_alarm=false_alarm)
