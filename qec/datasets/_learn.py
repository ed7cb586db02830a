"""An error model learned from detection events: every mechanism's probability, with intervals.

The model's structure (which sets of detectors an error flips) comes from a circuit's detector
error model; the probabilities come from the data. For independent error mechanisms ``c``
flipping detector sets ``S_c`` with probabilities ``p_c``, and any set ``T`` of detectors,

    E_T = < prod_{i in T} (1 - 2 x_i) > = prod_{c : |S_c ∩ T| odd} (1 - 2 p_c),

so ``y_T = -ln E_T`` is linear in ``theta_c = -ln(1 - 2 p_c)``. Inverting over the subsets of
one mechanism's set ``S`` (a Walsh-Hadamard, or Möbius, inversion),

    sum_{nonempty T ⊆ S} (-1)^(|T| + 1) y_T = 2^(|S| - 1) sum_{c : S_c ⊇ S} theta_c,

and the mechanisms are solved from the largest sets down, each less the ones that contain it.
For a pair this is the p_ij formula of Google's repetition-code paper (Nature 595, 383 (2021),
supplement eqs. S14-S16: ``(1 - 2 p_ij)^2 = E_i E_j / E_ij``), for a single detector its
boundary edge; for three detectors ``(1 - 2 p_ijk)^4 = E_i E_j E_k E_ijk / (E_ij E_ik E_jk)``.
The estimate is exact in expectation when the structure is complete (no correlation the model
lacks) and the mechanisms independent.

Intervals: the shots are split into contiguous groups and the whole inversion is repeated
with each group left out; the delete-one-group jackknife variance, with Student's quantile on
``groups - 1`` degrees of freedom, gives every mechanism's interval (on ``theta``, mapped to
``p``). This holds at the data's own shot count: a mechanism whose interval reaches zero is
reported as not resolved instead of being given a negative or undefined probability (the
failure of p_ij codes at finite shot counts reported in Deltakit's issue 329).

What the data cannot determine, and what is done instead (each counted in the result's
warnings): mechanisms that flip no detector (invisible in the syndromes) keep their prior;
mechanisms with the same detector set but different observables are one mechanism to the
data, and the learned probability is shared among them in the proportions of the prior.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import stim

from qec._validate import int_at_least, number_in
from qec.decoders._dem import error_targets

__all__ = ["LearnedModel", "Mechanism", "learn_error_model", "model_structure"]

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)
_FLOOR = 1e-9  # the probability written for a mechanism learned at (or below) zero
MAX_MECHANISM_DETECTORS = 12  # 2^k - 1 subsets per mechanism; beyond this the data are too thin


@dataclasses.dataclass(frozen=True)
class Mechanism:
    """One learnable mechanism: a set of detectors that flip together, and what was learned.

    Attributes:
        detectors: the detector indices it flips (sorted).
        prior: its probability in the model the structure came from (the assumed model).
        estimate: the learned probability (clamped to ``[0, 0.5)``).
        low, high: the interval on it.
        members: how many of the model's error instructions share this detector set.
        resolved: False when the interval reaches zero (the data do not separate it from no
            error at all) or the moments it rests on are not positive.
        written: the probability written into the learned model (the estimate, or with
            shrinkage its posterior mean; the prior where the data say nothing).
        observables: the observables it flips, when learned with the observable flips.
    """

    detectors: tuple[int, ...]
    prior: float
    estimate: float
    low: float
    high: float
    members: int = 1
    resolved: bool = True
    written: float = math.nan
    observables: tuple[int, ...] = ()

    @property
    def ratio(self) -> float:
        """``estimate / prior`` (inf for a mechanism with zero prior)."""
        return self.estimate / self.prior if self.prior > 0 else math.inf

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high


@dataclasses.dataclass(frozen=True)
class LearnedModel:
    """A detector error model learned from detection events (see :func:`learn_error_model`).

    Attributes:
        dem: the learned model: the structure's instructions, in order, with learned
            probabilities (so any decoder that took the structure takes it).
        mechanisms: one :class:`Mechanism` per distinct detector set, sorted by detectors.
        shots: the shots learned from.
        groups: the jackknife's groups.
        confidence: the intervals' coverage.
        warnings: what the data could not determine, and how it was handled.
        replicates: ``theta = -ln(1 - 2 p)`` of every mechanism with each group left out,
            shape ``(groups, mechanisms)`` (for intervals on functions of several mechanisms).
        thetas: ``theta`` of every mechanism from all shots (unclamped), shape
            ``(mechanisms,)``.
    """

    dem: stim.DetectorErrorModel
    mechanisms: tuple[Mechanism, ...]
    shots: int
    groups: int
    confidence: float
    warnings: tuple[str, ...] = ()
    replicates: np.ndarray = dataclasses.field(default=None, repr=False, compare=False)
    thetas: np.ndarray = dataclasses.field(default=None, repr=False, compare=False)

    def most_changed(self, count: int = 10) -> list[Mechanism]:
        """The mechanisms whose whole interval lies furthest from the prior, most changed
        first: ranked by ``ln(low / prior)`` above the prior or ``ln(prior / high)`` below it,
        so that a change the data insist on outranks a larger but uncertain one."""

        def shift(m: Mechanism) -> float:
            if m.low > m.prior:
                return math.log(m.low / m.prior)
            if 0 < m.high < m.prior:
                return math.log(m.prior / m.high)
            return 0.0

        ranked = [m for m in self.mechanisms if m.prior > 0 and math.isfinite(m.estimate)
                  and shift(m) > 0]
        ranked.sort(key=lambda m: -shift(m))
        return ranked[:count]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: counts, the warnings and the most changed mechanisms."""
        return {
            "shots": self.shots, "groups": self.groups, "confidence": self.confidence,
            "mechanisms": len(self.mechanisms),
            "unresolved": sum(not m.resolved for m in self.mechanisms),
            "warnings": list(self.warnings),
            "most_changed": [
                {"detectors": list(m.detectors), "prior": m.prior, "estimate": m.estimate,
                 "interval": [m.low, m.high], "ratio": m.ratio}
                for m in self.most_changed()],
        }




def model_structure(dem: stim.DetectorErrorModel) -> list[tuple[frozenset[int], float]]:
    """The error instructions of ``dem`` (flattened) as ``(detector set, probability)``.

    Examples:
        >>> model_structure(stim.DetectorErrorModel("error(0.1) D0 D1 ^ D1 D2 L0"))
        [(frozenset({0, 2}), 0.1)]
    """
    return [(error_targets(ins)[0], ins.args_copy()[0]) for ins in dem.flattened()
            if ins.type == "error"]


def _detector_major(detection_events: np.ndarray, num_detectors: int,
                    observable_flips: np.ndarray | None, num_observables: int) -> np.ndarray:
    """Detector-major rows, bit-packed over shots (a parity of detectors is then a XOR of
    rows), built a block of shots at a time so that memory stays near the packed data's size.
    The observables, when given, are rows after the detectors."""
    shots = len(detection_events)
    width = num_detectors + (num_observables if observable_flips is not None else 0)
    rows = np.zeros((width, (shots + 7) // 8), dtype=np.uint8)
    block = 1 << 16  # shots per block, a multiple of 8
    for start in range(0, shots, block):
        stop = min(start + block, shots)
        bits = np.unpackbits(detection_events[start:stop], axis=1, bitorder="little",
                             count=num_detectors)
        if observable_flips is not None:
            bits = np.concatenate([bits, np.unpackbits(
                observable_flips[start:stop], axis=1, bitorder="little", count=num_observables)],
                axis=1)
        rows[:, start // 8:(stop + 7) // 8] = np.packbits(bits.T, axis=1, bitorder="little")
    return rows


def _theta(p: float) -> float:
    return -math.log1p(-2 * p) if p < 0.5 else math.inf


def _p_of_theta(theta: np.ndarray) -> np.ndarray:
    return -np.expm1(-np.asarray(theta, dtype=np.float64)) / 2


def _shrunk(theta: np.ndarray, variance: np.ndarray, prior: np.ndarray, usable: np.ndarray
            ) -> np.ndarray:
    """Posterior means of ``theta`` under a prior centred on the assumed model.

    The prior of a mechanism is normal with mean ``g theta_prior`` and standard deviation
    ``s g theta_prior``: ``g`` is the median learned-to-assumed ratio and ``s`` the spread of
    the log ratios of the well-measured mechanisms (relative error below 30%) less their own
    noise, both from the data (empirical Bayes). A mechanism the data pin down keeps its
    estimate; one they barely see moves toward the assumed model scaled by ``g``, instead of to
    zero or to a noisy value a decoder would take at its word."""
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.sqrt(variance) / theta
        well = usable & (theta > 0) & (prior > 0) & (relative < 0.3)
        if np.count_nonzero(well) >= 5:
            logs = np.log(theta[well] / prior[well])
            centre = float(np.median(logs))
            mad = 1.4826 * float(np.median(np.abs(logs - centre)))
            spread2 = max(mad ** 2 - float(np.mean(relative[well] ** 2)), 0.01)
        else:
            centre, spread2 = 0.0, 0.25
        mean = prior * math.exp(centre)
        prior_variance = spread2 * mean ** 2
        data_variance = np.where(usable, variance, np.inf)
        posterior = np.where(
            usable & (prior_variance > 0),
            (np.nan_to_num(theta) * prior_variance + mean * data_variance)
            / (prior_variance + data_variance),
            np.where(usable, theta, mean))
        posterior = np.where(np.isfinite(data_variance), posterior, mean)
    return np.clip(np.nan_to_num(posterior), 0, None)


def learn_error_model(dem: stim.DetectorErrorModel, detection_events: np.ndarray, *,
                      observable_flips: np.ndarray | None = None, groups: int = 50,
                      confidence: float = 0.95, shrink: bool = True) -> LearnedModel:
    """Learns the probability of every mechanism of ``dem`` from recorded detection events.

    See the module's documentation for the method. ``dem`` gives the structure (which detector
    sets occur; decomposed or not: a decomposed error is learned as the set its components
    flip together) and the prior the result is compared with.

    Args:
        dem: the structure, typically the circuit's model under an assumed noise model.
        detection_events: bit-packed ``uint8`` of shape ``(shots, ceil(num_detectors / 8))``.
        observable_flips: the recorded observable flips (bit-packed ``uint8``, one row per
            shot), or None. A memory experiment records them at its final readout; with them
            the observables count as detectors, so that mechanisms with the same detectors
            but different observables are told apart (the split a decoder most depends on),
            and mechanisms that flip only an observable are learned too.
        groups: jackknife groups (contiguous blocks of shots), at least 2.
        confidence: the intervals' coverage.
        shrink: write the model's probabilities as posterior means under a prior centred on
            ``dem`` (see :func:`_shrunk`; the mechanisms' estimates and intervals are the
            data's alone either way); False writes the estimates themselves.

    Returns:
        A :class:`LearnedModel`.

    Raises:
        ValueError: data whose width does not match ``dem``, fewer shots than ``8 * groups``,
            or a mechanism flipping more than :data:`MAX_MECHANISM_DETECTORS` detectors.

    Examples:
        >>> dem = stim.DetectorErrorModel('''
        ...     error(0.05) D0
        ...     error(0.1) D0 D1 L0
        ...     error(0.02) D1 D2
        ...     error(0.03) D2
        ... ''')
        >>> dets = dem.compile_sampler(seed=7).sample(200_000, bit_packed=True)[0]
        >>> learned = learn_error_model(dem, dets)
        >>> [(m.detectors, round(m.estimate, 2), m.covers(m.prior)) for m in learned.mechanisms]
        [((0,), 0.05, True), ((0, 1), 0.1, True), ((1, 2), 0.02, True), ((2,), 0.03, True)]
    """
    groups = int_at_least("groups", groups, 2)
    confidence = number_in("confidence", confidence, 0, 1, low_open=True, high_open=True)
    detection_events = np.asarray(detection_events, dtype=np.uint8)
    num_detectors = dem.num_detectors
    width = (num_detectors + 7) // 8
    if detection_events.ndim != 2 or detection_events.shape[1] != width:
        raise ValueError(f"detection_events has shape {detection_events.shape}; the model's "
                         f"{num_detectors} detectors need (shots, {width})")
    shots = detection_events.shape[0]
    if shots < 8 * groups:
        raise ValueError(f"detection_events holds {shots} shots; learning with groups={groups} "
                         f"needs at least {8 * groups}")

    num_observables = dem.num_observables
    if observable_flips is not None:
        observable_flips = np.asarray(observable_flips, dtype=np.uint8)
        if observable_flips.shape != (shots, (num_observables + 7) // 8):
            raise ValueError(
                f"observable_flips has shape {observable_flips.shape}; {shots} shots of the "
                f"model's {num_observables} observables need "
                f"({shots}, {(num_observables + 7) // 8})")
        structure = [(d | {num_detectors + o for o in obs}, p) for d, obs, p in (
            (*error_targets(ins), ins.args_copy()[0]) for ins in dem.flattened()
            if ins.type == "error")]
    else:
        structure = model_structure(dem)
    invisible = [p for s, p in structure if not s]
    classes: dict[frozenset[int], list[int]] = {}
    for index, (detectors, _) in enumerate(structure):
        if detectors:
            classes.setdefault(detectors, []).append(index)
    too_big = [s for s in classes if len(s) > MAX_MECHANISM_DETECTORS]
    if too_big:
        raise ValueError(f"a mechanism flips {len(too_big[0])} detectors; learning handles at "
                         f"most {MAX_MECHANISM_DETECTORS} (2^k - 1 moments each)")

    rows = _detector_major(detection_events, num_detectors, observable_flips, num_observables)
    bounds = np.linspace(0, rows.shape[1], groups + 1).round().astype(np.int64)
    group_shots = np.minimum(bounds[1:] * 8, shots) - np.minimum(bounds[:-1] * 8, shots)
    if np.any(group_shots <= 0):
        raise ValueError(f"detection_events holds {shots} shots, too few for {groups} groups")
    keep = shots - group_shots  # shots of each leave-one-group-out replicate

    # y_T for every subset T of every mechanism, in each replicate (column `groups` is all).
    y_cache: dict[frozenset[int], np.ndarray] = {}
    nonpositive: set[frozenset[int]] = set()

    def y_of(subset: frozenset[int]) -> np.ndarray:
        found = y_cache.get(subset)
        if found is not None:
            return found
        members = sorted(subset)
        parity = rows[members[0]].copy()
        for detector in members[1:]:
            parity ^= rows[detector]
        ones = np.add.reduceat(_POPCOUNT[parity], bounds[:-1])
        total = ones.sum()
        fractions = np.append((total - ones) / keep, total / shots)
        moments = 1 - 2 * fractions
        if np.any(moments <= 0):
            nonpositive.add(subset)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = -np.log(np.where(moments > 0, moments, np.nan))
        y_cache[subset] = value
        return value

    order = sorted(classes, key=lambda s: (-len(s), sorted(s)))
    class_index = {s: i for i, s in enumerate(order)}
    contained = np.zeros((len(order), groups + 1))  # theta of the classes strictly above
    thetas = np.zeros((len(order), groups + 1))
    unsure: set[int] = set()
    for i, detector_set in enumerate(order):
        size = len(detector_set)
        members = sorted(detector_set)
        total = np.zeros(groups + 1)
        subsets = []
        for k in range(1, size + 1):
            for combination in itertools.combinations(members, k):
                subset = frozenset(combination)
                subsets.append(subset)
                total += (-1) ** (k + 1) * y_of(subset)
                if subset in nonpositive:
                    unsure.add(i)
        thetas[i] = total / 2 ** (size - 1) - contained[i]
        for subset in subsets:
            j = class_index.get(subset)
            if j is not None and j != i:
                contained[j] += thetas[i]

    from scipy.special import stdtrit

    quantile = float(stdtrit(groups - 1, 0.5 + confidence / 2))
    full = thetas[:, groups]
    replicates = thetas[:, :groups]
    mean_replicate = replicates.mean(axis=1)
    variance = (groups - 1) / groups * np.sum((replicates - mean_replicate[:, None]) ** 2,
                                              axis=1)
    # The jackknife's bias estimate widens the interval, as in the splitting estimator's.
    half = quantile * np.sqrt(variance) + np.abs((groups - 1) * (mean_replicate - full))
    estimate = _p_of_theta(np.clip(full, 0, None))
    low = _p_of_theta(np.clip(full - half, 0, None))
    high = _p_of_theta(np.clip(full + half, 0, None))
    prior_theta = np.array([sum(_theta(structure[m][1]) for m in classes[detector_set])
                            for detector_set in order])
    sure = np.array([i not in unsure for i in range(len(order))], dtype=bool)
    usable = sure & np.isfinite(full) & np.isfinite(half)
    written = (_shrunk(full, variance, prior_theta, usable) if shrink
               else np.where(usable, np.clip(full, 0, None), prior_theta))

    mechanisms = []
    new_p = [p for _, p in structure]
    for i, detector_set in enumerate(order):
        indices = classes[detector_set]
        prior_thetas = [_theta(structure[m][1]) for m in indices]
        ok = bool(usable[i])
        weight = sum(prior_thetas)
        for m, prior_one in zip(indices, prior_thetas, strict=True):
            share = prior_one / weight if weight > 0 else 1 / len(indices)
            new_p[m] = max(float(_p_of_theta(written[i] * share)), _FLOOR)
        mechanisms.append(Mechanism(
            detectors=tuple(sorted(d for d in detector_set if d < num_detectors)),
            observables=tuple(sorted(d - num_detectors for d in detector_set
                                     if d >= num_detectors)),
            prior=float(_p_of_theta(weight)),
            estimate=float(estimate[i]) if ok else math.nan,
            low=float(low[i]) if ok else 0.0, high=float(high[i]) if ok else 0.5,
            members=len(indices), resolved=ok and full[i] - half[i] > 0,
            written=float(_p_of_theta(written[i]))))

    warnings = []
    if invisible:
        warnings.append(f"{len(invisible)} error mechanisms flip no detector (only "
                        "observables): the data cannot see them; they keep their prior")
    shared = sum(len(v) > 1 for v in classes.values())
    if shared:
        what = ("different decompositions" if observable_flips is not None else
                "different observables or decompositions; learning with the observable flips "
                "tells observables apart")
        warnings.append(f"{shared} detector sets are flipped by several mechanisms of the "
                        f"model ({what}): each set's learned probability is shared among them "
                        "in the prior's proportions")
    if unsure:
        warnings.append(f"{len(unsure)} mechanisms rest on a moment that is not positive in "
                        "some group of shots (too few shots or too much noise): they keep their "
                        "prior and are marked unresolved")
    unresolved = sum(not m.resolved for m in mechanisms) - len(unsure)
    if unresolved:
        warnings.append(f"{unresolved} mechanisms have intervals that reach zero: the data do "
                        "not resolve them from no error" + (
                            " (the model written leans on the prior for them)" if shrink else
                            f" (written at their estimate, at least {_FLOOR:g})"))

    permutation = sorted(range(len(order)),
                         key=lambda i: (mechanisms[i].detectors, mechanisms[i].observables))
    mechanisms = [mechanisms[i] for i in permutation]
    learned = stim.DetectorErrorModel()
    position = 0
    for instruction in dem.flattened():
        if instruction.type == "error":
            learned.append("error", new_p[position], instruction.targets_copy())
            position += 1
        else:
            learned.append(instruction)
    return LearnedModel(dem=learned, mechanisms=tuple(mechanisms), shots=shots, groups=groups,
                        confidence=confidence, warnings=tuple(warnings),
                        replicates=replicates[permutation].T.copy(),
                        thetas=full[permutation].copy())
