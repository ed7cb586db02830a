"""The chains of subset simulation: the complementary-gap score and the moves, in one process.

A *configuration* ``E`` is a set of error mechanisms of a detector error model, mechanism ``i``
firing independently with probability ``q_i`` (the model itself, no rescaling). Subset
simulation (Au and Beck, Probabilistic Engineering Mechanics 16, 263 (2001)) writes the failure
probability as a product of conditional probabilities of nested events ``{S(E) > b_1} ⊃ {S(E) >
b_2} ⊃ ... ⊃ F`` of a continuous score ``S``, each estimated from samples of the previous event
drawn by Markov chains that leave the model restricted to it invariant.

**The score.** For a decoding graph with one observable (a matching graph: repetition and surface
codes), ``g(E) = W_true(E) - W_other(E)``: the weight of the lightest correction of ``E``'s
syndrome in ``E``'s own logical class minus that of the lightest one in the other class. The
minimum-weight matching decoder fails exactly when ``g > 0`` (and may at ``g = 0``, a tie), so
``g`` measures how close a configuration is to failing in units of log-likelihood. It needs two
decodes: the ordinary one (which gives the lighter class and its weight) and one constrained to
the other class. The constraint uses the graph's *cut*: the observable's edges are moved, by
adding the parity of a set of detectors (found by a breadth-first search), onto boundary edges
only; those edges are then attached to one extra detector instead of the boundary, and the
constrained decode asks for that detector to be lit (odd class) or not (even). A model whose
observable is not a cut between two parts of the boundary (not planar) is refused.

The constrained decode is the expensive one: the extra detector's search region grows from
every boundary edge of the observable at once, a slab that crosses the whole graph (about 50 ms
at d = 25 against PyMatching's 0.5 ms for the ordinary decode). At a level ``b`` only gaps above
``b`` matter (a proposal below it is refused whatever its gap), so the constrained graph gets one
more edge, from the extra detector to the boundary, of weight ``|b| + TIE_WIDTH``: the search
stops there, gaps above the level are exact, those below come out as ``b - TIE_WIDTH``. Deep
levels, where ``|b|`` is small, then cost about one ordinary decode. All graphs of the score
share PyMatching's integer weight scale (one heavy edge between two unused nodes), so that a
configuration gets bitwise the same gap from each of them and ties stay ties across levels.

The score is made a total order by two tie-breakers: whether the decoder (PyMatching on the
model, exactly the decoder direct sampling uses) fails, then a uniform variable ``u`` carried by
each configuration (resampled from its prior with every move). The failure event is then the
level set ``{(g, fails) >= (0, 1)}`` and every level's conditional probability is exactly the
fraction asked for, however discrete ``g`` is.

**The moves** leave the model restricted to ``{S > b}`` invariant; a proposal is rejected when
it leaves that set:

- *block renewal*: the mechanisms are cut into blocks of equal expected faults in spacetime
  order (by the time coordinate, then the detector index, of each mechanism's first detector);
  one block chosen uniformly is redrawn whole from its prior (accepted unless the score falls
  below the level), so the background renews in a few moves. The first level uses 2 blocks;
  each next level halves or doubles their number (down to 2, up to one block per
  ``block_faults`` expected faults) when the last one accepted more than 40% or fewer than 15%
  of its renewals;
- *shift*: a fired mechanism ``f`` chosen uniformly moves to a mechanism ``j`` sharing a
  detector with it (a detector of ``f`` uniformly, then a mechanism on that detector
  uniformly); the Metropolis-Hastings ratio is ``(r_j / r_f) * q(j -> f) / q(f -> j)`` with
  ``r`` the odds, so failure clusters can move and change shape;
- *birth and death next to a member*: a mechanism next to a uniformly chosen member (as for
  the shift) is added, or a uniformly chosen member removed, with the ratio of the prior and
  of the two proposals (a death is refused when nothing next to the rest could propose it
  back), so clusters can grow and shrink;
- *birth and death anywhere*: a mechanism drawn in proportion to its odds is added, or a
  member removed, with the prior's ratio (the background's own birth and death).

Moves are chosen at random (shares 0.3, 0.3, 0.3 and 0.1 for renewal, shift, birth and death
next to a member, and anywhere).

All chains of a level advance together: every step's proposals are decoded in two
``decode_batch`` calls.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from typing import Any

import numpy as np
import stim

from qec.decoders import detector_error_model_for_circuit
from qec.sampling._splitting_kernel import MechanismModel

__all__ = ["BLOCK_FAULTS", "GapScore", "SubsetResult", "SubsetRun", "SubsetWork", "run_subset"]

BLOCK_FAULTS = 4.0
"""Expected faults per renewal block."""

SCALE_WEIGHT = 1024.0
"""The weight of the edge that fixes PyMatching's integer weight scale in every graph of the
score (weights are then multiples of about 6e-5; gaps never come near it)."""

MIN_COVERAGE = 0.3
"""A translation is used when at least this share of the mechanisms has an image."""

TIE_WIDTH = 1e-2
"""Gaps within this of 0 are ties, decided by PyMatching on the whole model (the score's
weights are discretised to about 3e-5 each); a capped search stops this far below the
level."""


class GapScore:
    """The complementary gap of configurations of one model, with PyMatching.

    Args:
        dem: a detector error model with exactly one observable whose decoding graph is a
            matching graph (every mechanism flips at most two detectors once decomposed).

    Raises:
        ValueError: more or fewer than one observable, or an observable that is not a cut
            between two parts of the boundary.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=1,
        ...                                  before_round_data_depolarization=0.1)
        >>> from qec.decoders import detector_error_model_for_circuit
        >>> score = GapScore(detector_error_model_for_circuit(circuit))
        >>> model = MechanismModel.from_dem(detector_error_model_for_circuit(circuit))
        >>> dets, obs = model.symptoms([np.array([], dtype=np.int64)])
        >>> gap, fails = score.evaluate(dets, obs)
        >>> bool(gap[0] < 0), bool(fails[0])
        (True, False)
    """

    def __init__(self, dem: stim.DetectorErrorModel) -> None:
        import pymatching

        if dem.num_observables != 1:
            raise ValueError(f"the complementary-gap score needs a model with one observable, "
                             f"not {dem.num_observables}")
        self.num_detectors = dem.num_detectors
        self.matching = pymatching.Matching.from_detector_error_model(dem)
        edges = self.matching.edges()
        self.frame = _cut_frame(edges, self.num_detectors).astype(np.uint8)
        # Only the part of the graph joined to the observable's edges decides the gap (the
        # rest decodes the same in both classes): both decodes are restricted to it.
        hub_of = {u for u, v, attrs in edges if v is None and _flips(attrs) ^ int(self.frame[u])}
        if not hub_of:
            raise ValueError("no mechanism of the model flips its observable: a logical error "
                             "is impossible")
        relevant = _component(edges, self.num_detectors, hub_of)
        self.columns = np.flatnonzero(relevant)
        index = np.full(self.num_detectors, -1, dtype=np.int64)
        index[self.columns] = np.arange(len(self.columns))
        self._edges = edges
        self._index = index
        self._hub_of = hub_of
        self.primary = pymatching.Matching()
        for u, v, attrs in edges:
            if relevant[u]:
                weight = float(attrs["weight"])
                if v is None:
                    self.primary.add_boundary_edge(
                        int(index[u]), weight=weight, fault_ids={0} if u in hub_of else None,
                        merge_strategy="smallest-weight")
                else:
                    self.primary.add_edge(int(index[u]), int(index[v]), weight=weight,
                                          merge_strategy="smallest-weight")
        _add_scale_edge(self.primary, len(self.columns) + 1)
        self.constrained = self._constrained_graph()
        self._capped: Any = None
        self._cap: float | None = None

    def _constrained_graph(self) -> Any:
        """The relevant part of the graph with the observable's boundary edges attached to
        one extra detector (node ``len(columns)``) instead of the boundary."""
        import pymatching

        graph = pymatching.Matching()
        hub = len(self.columns)
        for u, v, attrs in self._edges:
            if self._index[u] < 0:
                continue
            a = int(self._index[u])
            weight = float(attrs["weight"])
            if v is None and u in self._hub_of:
                graph.add_edge(a, hub, weight=weight, merge_strategy="smallest-weight")
            elif v is None:
                graph.add_boundary_edge(a, weight=weight, merge_strategy="smallest-weight")
            else:
                graph.add_edge(a, int(self._index[v]), weight=weight,
                               merge_strategy="smallest-weight")
        _add_scale_edge(graph, hub + 1)
        return graph

    def _capped_graph(self, cap: float) -> Any:
        """The constrained graph plus an edge of weight ``cap`` from the extra detector to the
        boundary: the other class's weight, or the lighter one's plus ``cap`` if smaller."""
        if self._capped is None:
            self._capped = self._constrained_graph()
        cap = min(cap, SCALE_WEIGHT / 2)
        if cap != self._cap:
            self._capped.add_boundary_edge(len(self.columns), weight=cap,
                                           merge_strategy="replace")
            self._cap = cap
        return self._capped

    def evaluate(self, dets: np.ndarray, obs: np.ndarray, floor: float | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The gaps and whether PyMatching fails, per configuration.

        Args:
            dets: uint8 (C, num_detectors) detection events.
            obs: uint8 (C, 1) observable flips.
            floor: when given (at most 0), gaps below ``floor - TIE_WIDTH`` are not computed
                exactly: they come out as ``floor - TIE_WIDTH``. The constrained decode then
                stops its search at that distance instead of crossing the whole graph, which
                is what makes deep levels cheap; gaps above it are exact, and failing
                configurations keep a gap of at least 0.

        Returns:
            ``(gap, fails)``: float64 and bool arrays of length C.
        """
        if len(dets) == 0:
            return np.zeros(0), np.zeros(0, dtype=bool)
        size = len(self.columns)
        sub = np.zeros((len(dets), size + 3), dtype=np.uint8)  # + the extra and scale nodes
        sub[:, :size] = dets[:, self.columns]
        # The observable in the cut's frame: L + (the frame's detectors lit).
        actual = (obs[:, 0].astype(np.int64) + dets.astype(np.int64) @ self.frame) & 1
        predicted, lightest = self.primary.decode_batch(sub, return_weights=True)
        predicted = predicted[:, :1]
        fails = predicted[:, 0] != actual
        rows = sub.copy()
        rows[:, size] = predicted[:, 0] ^ 1
        graph = self.constrained if floor is None else self._capped_graph(
            TIE_WIDTH - min(float(floor), 0.0))
        _, heavier = graph.decode_batch(rows, return_weights=True)
        gap = np.asarray(heavier, dtype=np.float64) - np.asarray(lightest, dtype=np.float64)
        gap = np.where(fails, gap, -gap)
        ties = np.flatnonzero(np.abs(gap) <= TIE_WIDTH)
        if len(ties):  # a tie: the failure is what PyMatching on the whole model decides
            fails[ties] = self.matching.decode_batch(dets[ties])[:, 0] != obs[ties, 0]
        return gap, fails


def _add_scale_edge(graph: Any, first: int) -> None:
    """An edge of weight ``SCALE_WEIGHT`` between two nodes no syndrome lights: every graph of
    the score then shares PyMatching's integer weight scale, so that one configuration gets
    bitwise the same weights from each of them (ties stay ties across levels)."""
    graph.add_edge(first, first + 1, weight=SCALE_WEIGHT, merge_strategy="replace")


def _flips(attrs: dict[str, Any]) -> int:
    return 1 if 0 in (attrs.get("fault_ids") or set()) else 0


def _component(edges: list[Any], num_detectors: int, starts: set[int]) -> np.ndarray:
    """The detectors joined to ``starts`` by edges between detectors."""
    neighbours: list[list[int]] = [[] for _ in range(num_detectors)]
    for u, v, _attrs in edges:
        if v is not None:
            neighbours[u].append(v)
            neighbours[v].append(u)
    seen = np.zeros(num_detectors, dtype=bool)
    stack = list(starts)
    seen[stack] = True
    while stack:
        for v in neighbours[stack.pop()]:
            if not seen[v]:
                seen[v] = True
                stack.append(v)
    return seen


def _cut_frame(edges: list[Any], num_detectors: int) -> np.ndarray:
    """Detector parities ``x`` such that ``L + x(u) + x(v) = 0`` on every edge between two
    detectors: the observable moved onto the boundary edges."""
    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(num_detectors)]
    for u, v, attrs in edges:
        if v is not None:
            flips = _flips(attrs)
            neighbours[u].append((v, flips))
            neighbours[v].append((u, flips))
    frame = np.full(num_detectors, -1, dtype=np.int8)
    for root in range(num_detectors):
        if frame[root] >= 0:
            continue
        frame[root] = 0
        stack = [root]
        while stack:
            u = stack.pop()
            for v, flips in neighbours[u]:
                want = frame[u] ^ flips
                if frame[v] < 0:
                    frame[v] = want
                    stack.append(v)
                elif frame[v] != want:
                    raise ValueError(
                        "the observable is not a cut of the decoding graph between two parts "
                        "of its boundary (a cycle of detectors crosses it an odd number of "
                        "times): the complementary gap needs a planar code such as the "
                        "repetition or surface code")
    return frame


@dataclasses.dataclass
class SubsetRun:
    """One run of subset simulation (one replicate), as a worker returns it.

    Attributes:
        log_probability: ``ln`` of the estimate (``-inf`` never happens: the run stops at
            ``max_levels`` with ``complete=False`` instead).
        levels: the conditional levels run (the first is direct sampling).
        final_fraction: the fraction of the last level's samples that fail.
        thresholds: each level's threshold on the gap.
        acceptance: each conditional level's accepted moves per proposal.
        lineages: each level's number of distinct first-level ancestors among its samples.
        mean_faults: each level's mean number of fired mechanisms.
        decoder_calls: decodes made (two per score).
        complete: whether the run reached the failure event.
        tie_violations: failing configurations with a negative gap (must be 0).
    """

    log_probability: float
    levels: int
    final_fraction: float
    thresholds: list[float]
    acceptance: list[float]
    lineages: list[int]
    mean_faults: list[float]
    decoder_calls: int
    complete: bool
    tie_violations: int


class _Model:
    """The model's arrays the moves need, built once per process."""

    def __init__(self, dem: stim.DetectorErrorModel, block_faults: float) -> None:
        self.model = MechanismModel.from_dem(dem)
        self.score = GapScore(dem)
        model = self.model
        # One error per mechanism, in order: the sampler's error columns are the mechanisms.
        self.flat_dem = model.scaled_dem(1.0)
        self.q = model.odds / (1 + model.odds)
        self.cumulative = np.cumsum(model.odds)
        self.total_odds = float(self.cumulative[-1]) if len(self.cumulative) else 0.0
        counts = np.diff(model.det_indptr)
        # Blocks in spacetime order of each mechanism's first detector.
        coords = dem.get_detector_coordinates()
        times = np.zeros(model.num_detectors)
        for d, c in coords.items():
            if len(c):
                times[d] = c[-1]
        first = np.where(counts > 0, model.det_indices[np.minimum(model.det_indptr[:-1],
                                                                   len(model.det_indices) - 1)],
                         0)
        self._order = np.lexsort((first, times[first] if model.num_detectors else first))
        self._cumulative = np.cumsum(self.q[self._order])
        total = float(self._cumulative[-1]) if len(self._cumulative) else 0.0
        self.max_blocks = max(min(8, model.num_mechanisms), round(total / block_faults))
        self._partitions: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}

        # Small Python structures for the moves' proposal probabilities.
        self.dets_of = [tuple(int(d) for d in model.det_indices[model.det_indptr[i]:
                                                               model.det_indptr[i + 1]])
                        for i in range(model.num_mechanisms)]
        self.mechs_on: list[list[int]] = [[] for _ in range(model.num_detectors)]
        for i, dets in enumerate(self.dets_of):
            for d in dets:
                self.mechs_on[d].append(i)
        self.inv_size = [1.0 / len(on) if on else 0.0 for on in self.mechs_on]
        self.translations = _translations(dem, model)

    def partition(self, count: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """``count`` blocks of about equal expected faults in spacetime order: each
        mechanism's block, and each block's mechanisms (empty blocks dropped)."""
        found = self._partitions.get(count)
        if found is None:
            total = max(float(self._cumulative[-1]) if len(self._cumulative) else 0.0, 1e-300)
            labels = np.minimum((self._cumulative / total * count).astype(np.int64), count - 1)
            block_of = np.empty(self.model.num_mechanisms, dtype=np.int64)
            block_of[self._order] = labels
            used = np.unique(labels)
            renumber = np.full(count, -1, dtype=np.int64)
            renumber[used] = np.arange(len(used))
            block_of = renumber[block_of]
            blocks = [self._order[labels == b] for b in used]
            found = self._partitions[count] = (block_of, blocks)
        return found


def _translations(dem: stim.DetectorErrorModel, model: MechanismModel) -> list[np.ndarray]:
    """The spacetime translations of the model, as maps of mechanisms (-1: no image).

    A translation moves every detector coordinate by a vector; a mechanism's image is the
    mechanism with the moved detectors and the same observables. Candidates are one step in
    time and the spatial vectors of length at most 4 in each axis; those that map at least
    ``MIN_COVERAGE`` of the mechanisms (the bulk of a translation-invariant circuit) are kept,
    each with its inverse. Mechanisms are matched by a hash of their detector set (a sum of
    random 64-bit numbers, one per detector) and observables; mechanisms that share theirs
    with another are left without an image, so that each map is a bijection where it is
    defined.
    """
    coords = dem.get_detector_coordinates()
    n = model.num_detectors
    if n == 0 or len(coords) != n or len({len(c) for c in coords.values()}) != 1 \
            or len(coords[0]) < 2:
        return []
    points = np.rint(np.array([coords[d] for d in range(n)], dtype=np.float64) * 2).astype(
        np.int64)  # half-integer coordinates stay exact
    dims = points.shape[1]
    index = {tuple(p): d for d, p in enumerate(points.tolist())}
    rng = np.random.default_rng(20261205)
    weights = rng.integers(1, 2 ** 62, size=n + 1, dtype=np.int64)
    obs_weights = rng.integers(1, 2 ** 62, size=model.num_observables, dtype=np.int64)
    counts = np.diff(model.det_indptr)
    starts = model.det_indptr[:-1]
    extra = (model.obs.astype(np.int64) * obs_weights).sum(axis=1)

    def hashes(det_weights: np.ndarray) -> np.ndarray:
        values = np.zeros(model.num_mechanisms, dtype=np.int64)
        nonempty = counts > 0
        if len(model.det_indices):
            sums = np.add.reduceat(det_weights[model.det_indices], starts[nonempty])
            values[nonempty] = sums
        return values + extra

    own = hashes(weights[:n])
    order = np.argsort(own, kind="stable")
    ranked = own[order]
    unique = np.ones(model.num_mechanisms, dtype=bool)
    same = ranked[1:] == ranked[:-1]
    unique[order[1:][same]] = False
    unique[order[:-1][same]] = False
    unique &= counts > 0
    vectors = [(dx, dy) + (0,) * (dims - 2) for dx in range(-8, 9, 2) for dy in range(-8, 9, 2)
               if (dx, dy) != (0, 0)]  # doubled coordinates: steps of 1 up to 4
    if dims == 3:
        vectors += [(0, 0, 2), (0, 0, -2)]
    maps = []
    for vector in vectors:
        moved_det = np.array([index.get(tuple(p), -1) for p in (points + vector).tolist()])
        if np.mean(moved_det >= 0) < 0.5:
            continue
        # A mechanism with a detector that leaves the model gets a hash no mechanism has.
        moved_weights = np.where(moved_det >= 0, weights[moved_det], weights[n])
        target = hashes(moved_weights)
        found = np.searchsorted(ranked, target)
        found = np.minimum(found, len(ranked) - 1)
        image = np.where(ranked[found] == target, order[found], -1)
        image = np.where(unique & (image >= 0), image, -1)
        image[image >= 0] = np.where(unique[image[image >= 0]], image[image >= 0], -1)
        if np.mean(image >= 0) >= MIN_COVERAGE:
            maps.append(image)
    return maps


def _shift_probability(model: _Model, a: int, b: int) -> float:
    """The probability that a shift from mechanism ``a`` proposes ``b``: a detector of ``a``
    uniformly, then a mechanism on it uniformly."""
    dets_a = model.dets_of[a]
    if not dets_a:
        return 0.0
    dets_b = model.dets_of[b]
    return sum(model.inv_size[d] for d in dets_a if d in dets_b) / len(dets_a)


def _near_probability(model: _Model, members: set[int], b: int) -> float:
    """``sum_(f in members) P(shift from f proposes b)``: the chance that a birth next to a
    uniformly chosen member, times the number of members, proposes ``b``."""
    near = {f for d in model.dets_of[b] for f in model.mechs_on[d] if f in members}
    return sum(_shift_probability(model, f, b) for f in near)


def _cluster(model: _Model, members: set[int], start: int) -> np.ndarray:
    """The members joined to ``start`` by chains of shared detectors."""
    found = {start}
    frontier = [start]
    while frontier:
        a = frontier.pop()
        for d in model.dets_of[a]:
            for f in model.mechs_on[d]:
                if f in members and f not in found:
                    found.add(f)
                    frontier.append(f)
    return np.array(sorted(found), dtype=np.int64)


def _neighbour(model: _Model, rng: np.random.Generator, a: int) -> int:
    """A mechanism sharing a detector with ``a`` (-1 when ``a`` flips none)."""
    dets_a = model.dets_of[a]
    if not dets_a:
        return -1
    on = model.mechs_on[dets_a[int(rng.integers(len(dets_a)))]]
    return on[int(rng.integers(len(on)))]


def _order_key(gap: np.ndarray, fails: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A sortable structured key (gap, fails, u)."""
    key = np.zeros(len(gap), dtype=[("g", "f8"), ("f", "u1"), ("u", "f8")])
    key["g"], key["f"], key["u"] = gap, fails, u
    return key


def _above(key: np.ndarray, threshold: tuple[float, int, float]) -> np.ndarray:
    g, f, u = threshold
    return ((key["g"] > g) | ((key["g"] == g) & (key["f"] > f))
            | ((key["g"] == g) & (key["f"] == f) & (key["u"] > u)))


def run_subset(dem: stim.DetectorErrorModel | None, *, samples: int, fraction: float, seed: int,
               steps: int, block_faults: float = BLOCK_FAULTS, shift_share: float = 0.25,
               birth_share: float = 0.1, near_share: float = 0.25,
               translate_share: float = 0.15,
               max_levels: int = 60, model: _Model | None = None) -> SubsetRun:
    """Runs one replicate of subset simulation to the failure event.

    Args:
        dem: the model (one observable, a matching graph).
        samples: configurations per level.
        fraction: the conditional probability of each level (``p_0``), e.g. 0.1;
            ``samples * fraction`` must be a whole number.
        seed: the replicate's seed.
        steps: moves per chain between two kept samples.
        block_faults: expected faults per renewal block, at the smallest blocks.
        shift_share, birth_share, near_share, translate_share: the probabilities that a
            move is a shift, a birth or death anywhere, a birth or death next to a member, or
            a cluster translation; the rest are block renewals.
        max_levels: stop (incomplete) after this many levels.
        model: the prepared arrays (built from ``dem`` when None).

    Returns:
        A :class:`SubsetRun`.
    """
    if model is None:
        if dem is None:
            raise ValueError("run_subset needs dem or model")
        model = _Model(dem, block_faults)
    if not model.translations:  # nothing to translate by: those moves become shifts
        shift_share, translate_share = shift_share + translate_share, 0.0
    rng = np.random.default_rng(seed)
    seeds_per_level = round(samples * fraction)
    chain_length = samples // seeds_per_level
    sampler = model.flat_dem.compile_sampler(seed=int(rng.integers(2 ** 62)))
    dets, obs, errors = sampler.sample(samples, return_errors=True)
    configs = [np.flatnonzero(row).astype(np.int64) for row in errors]
    gap, fails = model.score.evaluate(dets.astype(np.uint8), obs.astype(np.uint8))
    calls = 2 * samples
    u = rng.random(samples)
    ancestors = np.arange(samples)
    log_p = 0.0
    thresholds: list[float] = []
    acceptance: list[float] = []
    lineages = [samples]
    mean_faults = [float(np.mean([len(c) for c in configs]))]
    violations = int(np.sum(fails & (gap < -TIE_WIDTH)))
    # Renewal blocks: large at first (where a level's threshold is shallow, renewing half the
    # background is still accepted), then adapted level by level towards an acceptance of
    # 15-40% of renewals.
    blocks = min(2, model.max_blocks)
    for _level in range(max_levels):
        key = _order_key(gap, fails, u)
        fail_share = float(np.mean(fails))
        if fail_share >= fraction:
            return SubsetRun(log_probability=log_p + math.log(fail_share), levels=_level + 1,
                             final_fraction=fail_share, thresholds=thresholds,
                             acceptance=acceptance, lineages=lineages,
                             mean_faults=mean_faults, decoder_calls=calls, complete=True,
                             tie_violations=violations)
        order = np.argsort(key, order=("g", "f", "u"))
        cut = order[samples - seeds_per_level - 1]
        threshold = (float(key["g"][cut]), int(key["f"][cut]), float(key["u"][cut]))
        chosen = order[samples - seeds_per_level:]
        log_p += math.log(seeds_per_level / samples)
        thresholds.append(threshold[0])
        # Grow each seed into a chain of chain_length samples.
        states = [configs[i] for i in chosen]
        s_gap, s_fails, s_u = gap[chosen], fails[chosen], u[chosen]
        s_anc = ancestors[chosen]
        new_configs: list[np.ndarray] = []
        new_gap, new_fails, new_u, new_anc = [], [], [], []
        accepted = proposed = 0
        renewal = [0, 0]
        for _sample in range(chain_length):
            for _step in range(steps):
                states, s_gap, s_fails, s_u, acc, prop, used = _move(
                    model, rng, states, s_gap, s_fails, s_u, threshold, shift_share, birth_share,
                    near_share, translate_share, model.partition(blocks), renewal)
                accepted += acc
                proposed += prop
                calls += used
            new_configs.extend(states)
            new_gap.append(s_gap.copy())
            new_fails.append(s_fails.copy())
            new_u.append(s_u.copy())
            new_anc.append(s_anc.copy())
        configs = new_configs
        gap = np.concatenate(new_gap)
        fails = np.concatenate(new_fails)
        u = np.concatenate(new_u)
        ancestors = np.concatenate(new_anc)
        violations += int(np.sum(fails & (gap < -TIE_WIDTH)))
        acceptance.append(accepted / max(proposed, 1))
        if renewal[1]:
            rate = renewal[0] / renewal[1]
            if rate > 0.4:
                blocks = max(2, blocks // 2)
            elif rate < 0.15:
                blocks = min(model.max_blocks, blocks * 2)
        lineages.append(len(np.unique(ancestors)))
        mean_faults.append(float(np.mean([len(c) for c in configs])))
    return SubsetRun(log_probability=log_p, levels=max_levels, final_fraction=0.0,
                     thresholds=thresholds, acceptance=acceptance, lineages=lineages,
                     mean_faults=mean_faults, decoder_calls=calls, complete=False,
                     tie_violations=violations)


def _move(model: _Model, rng: np.random.Generator, states: list[np.ndarray], gap: np.ndarray,
          fails: np.ndarray, u: np.ndarray, threshold: tuple[float, int, float],
          shift_share: float, birth_share: float,
          near_share: float, translate_share: float,
          partition: tuple[np.ndarray, list[np.ndarray]], renewal: list[int]
          ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray, int, int, int]:
    """One move of every chain; returns the new states and (accepted, proposed, calls), and
    adds the block renewals' (accepted, proposed) to ``renewal``."""
    m = model.model
    proposals: list[np.ndarray] = []
    who: list[int] = []
    renewals: list[int] = []
    for c, state in enumerate(states):
        kind = rng.random()
        members = set(state.tolist())
        if kind < birth_share:
            # Birth (a mechanism drawn in proportion to its odds) or death (a member drawn
            # uniformly), each half the time, with the Metropolis-Hastings ratio of the prior.
            if rng.random() < 0.5:
                b = int(np.searchsorted(model.cumulative, rng.random() * model.total_odds,
                                        side="right"))
                b = min(b, m.num_mechanisms - 1)
                if b in members or rng.random() >= model.total_odds / (len(state) + 1):
                    continue
                proposal = np.sort(np.append(state, b))
            else:
                if len(state) == 0:
                    continue
                a = int(state[rng.integers(len(state))])
                if rng.random() >= len(state) / model.total_odds:
                    continue
                proposal = state[state != a]
        elif kind < birth_share + near_share:
            # Birth next to a member (a detector of a member, then a mechanism on it) or death
            # of a member, each half the time; the reverse of one is the other.
            if len(state) == 0:
                continue
            if rng.random() < 0.5:
                b = _neighbour(model, rng, int(state[rng.integers(len(state))]))
                if b < 0 or b in members:
                    continue
                forward = _near_probability(model, members, b) / len(state)
                backward = 1.0 / (len(state) + 1)
                ratio = m.odds[b] * backward / forward
                if ratio < 1 and rng.random() >= ratio:
                    continue
                proposal = np.sort(np.append(state, b))
            else:
                a = int(state[rng.integers(len(state))])
                rest = state[state != a]
                if len(rest) == 0:
                    continue
                members.discard(a)
                backward = _near_probability(model, members, a) / len(rest)
                ratio = backward / (m.odds[a] / len(state))
                if ratio < 1 and rng.random() >= ratio:
                    continue
                proposal = rest
        elif kind < birth_share + near_share + translate_share:
            # Translate the cluster of a uniformly chosen member (the members joined to it
            # by shared detectors) by a spacetime translation of the model; refused when a
            # mechanism has no image or the moved cluster would touch the other members, so
            # that the reverse move (the inverse translation) finds the same cluster.
            if len(state) == 0 or not model.translations:
                continue
            cluster = _cluster(model, members, int(state[rng.integers(len(state))]))
            image = model.translations[int(rng.integers(len(model.translations)))][cluster]
            if np.any(image < 0):
                continue
            rest = members - set(cluster)
            moved = set(image.tolist())
            if len(moved) != len(cluster) or moved & rest or any(
                    f in rest for j in moved for d in model.dets_of[j]
                    for f in model.mechs_on[d]):
                continue
            ratio = float(np.prod(m.odds[image] / m.odds[cluster]))
            if ratio < 1 and rng.random() >= ratio:
                continue
            proposal = np.sort(np.array(sorted(rest | moved), dtype=np.int64))
        elif kind < birth_share + near_share + translate_share + shift_share:
            if len(state) == 0:
                continue
            a = int(state[rng.integers(len(state))])
            b = _neighbour(model, rng, a)
            if b < 0 or b == a or b in members:
                continue
            ratio = (m.odds[b] / m.odds[a]) * (_shift_probability(model, b, a)
                                                / _shift_probability(model, a, b))
            if ratio < 1 and rng.random() >= ratio:
                continue
            proposal = np.sort(np.concatenate((state[state != a], [b])))
        else:
            block_of, blocks = partition
            block = int(rng.integers(len(blocks)))
            members = blocks[block]
            fresh = members[rng.random(len(members)) < model.q[members]]
            kept = state[block_of[state] != block]
            proposal = np.sort(np.concatenate((kept, fresh)))
            renewals.append(len(proposals))
        proposals.append(proposal)
        who.append(c)
    proposed = len(states)
    if not proposals:
        return states, gap, fails, u, 0, proposed, 0
    dets, obs = m.symptoms(proposals)
    new_gap, new_fails = model.score.evaluate(dets, obs, floor=threshold[0])
    new_u = rng.random(len(proposals))
    ok = _above(_order_key(new_gap, new_fails, new_u), threshold)
    renewal[0] += int(ok[renewals].sum()) if renewals else 0
    renewal[1] += len(renewals)
    states = list(states)
    gap, fails, u = gap.copy(), fails.copy(), u.copy()
    for i in np.flatnonzero(ok):
        c = who[i]
        states[c] = proposals[i]
        gap[c], fails[c], u[c] = new_gap[i], new_fails[i], new_u[i]
    return states, gap, fails, u, int(ok.sum()), proposed, 2 * len(proposals)

@dataclasses.dataclass(frozen=True)
class SubsetResult:
    """A replicate as a worker returns it (``run`` None and ``error`` set when it failed)."""

    batch_id: int
    run: SubsetRun | None
    seconds: float
    error: tuple[str, str, str] | None = None


@dataclasses.dataclass(frozen=True)
class SubsetWork:
    """Replicate ``batch_id`` of a subset-simulation estimate, run whole in one worker."""

    batch_id: int
    strong_id: str
    seed: int
    samples: int
    fraction: float
    steps: int
    max_levels: int

    def run_in(self, state: Any) -> SubsetResult:
        try:
            t0 = time.perf_counter()
            cache = state.extras
            key = ("subset", self.strong_id)
            model = cache.get(key)
            if model is None:
                payload = state.payloads[self.strong_id]
                dem = detector_error_model_for_circuit(stim.Circuit(payload.circuit_text))
                model = _Model(dem, BLOCK_FAULTS)
                cache.clear()  # one model per process: they can be large
                cache[key] = model
            run = run_subset(None, samples=self.samples, fraction=self.fraction,
                             seed=self.seed, steps=self.steps, max_levels=self.max_levels,
                             model=model)
            return SubsetResult(self.batch_id, run, time.perf_counter() - t0)
        except Exception as exc:
            return SubsetResult(self.batch_id, None, 0.0,
                                error=(type(exc).__name__, str(exc), traceback.format_exc()))
