"""The Markov chains of the splitting estimator: what runs inside a worker process.

A *configuration* is a set ``E`` of error mechanisms of a detector error model (DEM). Mechanism
``i`` fires with probability ``q_i``; write ``r_i = q_i / (1 - q_i)`` for its odds. The ladder
of the splitting estimator is a family of models in one parameter, the *scale* ``s``: mechanism
``i`` fires with odds ``s r_i``, so ``s = 1`` is the model itself and ``s > 1`` a noisier one.
Under scale ``s`` a configuration has probability

    pi_s(E) = s^|E| prod_(i in E) r_i / Z_s,      ln Z_s = sum_i ln(1 + s r_i).

A chain samples ``pi_s`` restricted to the *failing* configurations (the decoder, built once
for the model at ``s = 1``, mispredicts some observable) by Metropolis-Hastings: with
probability 1/2 it proposes to add a mechanism drawn with probability ``r_i / R``
(``R = sum r_i``) and accepts with probability ``min(1, s R / (|E| + 1))``; otherwise it
proposes to remove a uniformly chosen member of ``E`` and accepts with probability
``min(1, |E| / (s R))``; a move that passes is kept only if the decoder still fails (one
decoder call). These rates satisfy detailed balance for ``pi_s`` on the failing set. The
proposal makes typical moves likely however small the rates are, which a uniform proposal
over the (often 10^5) mechanisms does not.

The mechanisms are those of the DEM as the decoder sees them (:meth:`MechanismModel.restricted`):
cut down to the detectors whose events can change its prediction (for plain matching of a
memory experiment, the checks of the measured basis: about half the detectors) and merged
where that leaves two with the same symptoms. The probability of failure is unchanged, and
the chains move and the decoder matches only what can matter (at d = 19, p = 0.1%, 19,495
mechanisms instead of 157,334, and half the detection events a shot).

Because the odds scale uniformly, the ratio of two levels' weights depends on ``E`` only
through ``|E|``, so the Bennett acceptance-ratio estimate between levels needs only the
trace of ``|E|`` of each chain; that is what a chain run returns.

The *pivots* of a failing configuration give the same ladder a second, much less noisy
statistic. Write ``p_i = s r_i / (1 + s r_i)`` and ``P(s)`` for the probability of failure.
Then, exactly,

    d ln P / d ln s = E[|E|] - sum_i p_i = E[D],
    D(E) = sum_(i in E, E - i passes) (1 - p_i) - sum_(i not in E, E + i passes) p_i,

(expectations over the failing configurations at scale ``s``): given the other mechanisms,
mechanism ``i`` is present with probability ``p_i`` unless the failure depends on it, so only
the faults the failure needs (removing one makes the decoder succeed) and the absent
mechanisms that would cure it contribute. ``|E|`` counts the hundreds of harmless background
faults, whose Poisson spread is the noise of the Bennett ratios; ``D`` counts only what the
failure rests on (at d = 19, p = 0.1%, SD6, scale 2.9: variance about 2 over the chains
against 117 for ``|E|``). The first sum is evaluated on a run's final configurations
(:func:`removal_pivots`); the second is estimated for free from the chains' own addition
proposals, each of which is decoded anyway (:func:`run_chains` with ``pivots``).
"""

from __future__ import annotations

import dataclasses
import io
import time
import traceback
from typing import Any

import numpy as np
import stim

from qec.decoders import (
    compile_decoder,
    detector_error_model_for_circuit,
    relevant_detectors,
    resolve_decoder,
)
from qec.decoders._dem import error_targets

__all__ = ["ChainResult", "ChainWork", "MechanismModel", "SeedResult", "SeedWork",
           "pack_members", "removal_pivots", "unpack_members"]

_PIVOT_SAMPLE = 1 / 16  # the share of the unlikely pivots (see removal_pivots) decoded


@dataclasses.dataclass(frozen=True, eq=False)
class MechanismModel:
    """The error mechanisms of a detector error model, as arrays.

    Attributes:
        odds: float64, shape (N,): ``q_i / (1 - q_i)`` of each mechanism, in DEM order.
        det_indptr, det_indices: the detectors each mechanism flips (CSR: mechanism ``i``
            flips ``det_indices[det_indptr[i]:det_indptr[i + 1]]``; a detector that appears
            twice in a decomposed mechanism cancels).
        obs: uint8, shape (N, K): 1 where the mechanism flips observable ``k``.
        num_detectors, num_observables: the model's sizes.
    """

    odds: np.ndarray
    det_indptr: np.ndarray
    det_indices: np.ndarray
    obs: np.ndarray
    num_detectors: int
    num_observables: int

    @staticmethod
    def from_dem(dem: stim.DetectorErrorModel) -> MechanismModel:
        """The mechanisms of ``dem`` (flattened), one per ``error`` instruction.

        Raises:
            ValueError: a mechanism has probability 1 (a certain error is no rare event).

        Examples:
            >>> dem = stim.DetectorErrorModel("error(0.1) D0 L0\\nerror(0.2) D0 D1")
            >>> model = MechanismModel.from_dem(dem)
            >>> model.odds.round(4).tolist(), model.det_indices.tolist(), model.obs.tolist()
            ([0.1111, 0.25], [0, 0, 1], [[1], [0]])
        """
        odds = []
        indptr = [0]
        indices: list[int] = []
        obs_rows = []
        for instruction in dem.flattened():
            if instruction.type != "error":
                continue
            q = float(instruction.args_copy()[0])
            if q >= 1:
                raise ValueError(f"the detector error model has a mechanism with probability "
                                 f"{q}; a certain error is not a rare event")
            dets, observables = error_targets(instruction)
            odds.append(q / (1 - q))
            indices.extend(sorted(dets))
            indptr.append(len(indices))
            obs_rows.append(sorted(observables))
        k = max(1, dem.num_observables)
        obs = np.zeros((len(odds), k), dtype=np.uint8)
        for i, row in enumerate(obs_rows):
            obs[i, row] = 1
        return MechanismModel(odds=np.asarray(odds, dtype=np.float64),
                              det_indptr=np.asarray(indptr, dtype=np.int64),
                              det_indices=np.asarray(indices, dtype=np.int32), obs=obs,
                              num_detectors=dem.num_detectors, num_observables=k)

    def restricted(self, relevant: np.ndarray) -> MechanismModel:
        """The model as a decoder that reads only the ``relevant`` detectors sees it.

        Each mechanism is cut down to its relevant detectors and its observables; mechanisms
        left with nothing are dropped, and mechanisms left with the same detectors and
        observables are merged into one that fires when an odd number of them do
        (probability ``q_a + q_b - 2 q_a q_b``), in the order of their first appearance.
        Whether such a decoder fails depends on a configuration only through its cut-down
        symptoms, and the merged mechanisms are independent with the merged law, so the
        probability of failure is the same in both models; the dropped and merged ones are
        fewer faults for the chains to move and fewer detection events for the decoder.

        Args:
            relevant: bool, shape (num_detectors,).

        Returns:
            The restricted model, with the same detector and observable counts.

        Examples:
            >>> dem = stim.DetectorErrorModel(
            ...     "error(0.1) D0 D2\\nerror(0.2) D0\\nerror(0.3) D2\\nerror(0.4) D1 L0")
            >>> model = MechanismModel.from_dem(dem).restricted(np.array([True, True, False]))
            >>> q = model.odds / (1 + model.odds)
            >>> q.round(2).tolist(), model.det_indices.tolist(), model.obs.ravel().tolist()
            ([0.26, 0.4], [0, 1], [0, 1])
        """
        relevant = np.asarray(relevant, dtype=bool)
        if relevant.shape != (self.num_detectors,):
            raise ValueError(f"relevant has shape {relevant.shape}; expected "
                             f"({self.num_detectors},)")
        merged: dict[tuple[bytes, bytes], int] = {}
        q_out: list[float] = []
        rows: list[np.ndarray] = []
        q = self.odds / (1 + self.odds)
        for i in range(self.num_mechanisms):
            dets = self.det_indices[self.det_indptr[i]:self.det_indptr[i + 1]]
            dets = dets[relevant[dets]]
            if len(dets) == 0 and not self.obs[i].any():
                continue
            key = (dets.tobytes(), self.obs[i].tobytes())
            j = merged.get(key)
            if j is None:
                merged[key] = len(q_out)
                q_out.append(float(q[i]))
                rows.append(dets)
            else:
                q_out[j] = q_out[j] + q[i] - 2 * q_out[j] * q[i]
        obs = np.zeros((len(q_out), self.num_observables), dtype=np.uint8)
        for key, j in merged.items():
            obs[j] = np.frombuffer(key[1], dtype=np.uint8)
        q_arr = np.asarray(q_out, dtype=np.float64)
        lengths = np.asarray([len(r) for r in rows], dtype=np.int64)
        return MechanismModel(
            odds=q_arr / (1 - q_arr),
            det_indptr=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            det_indices=(np.concatenate(rows).astype(np.int32) if len(rows)
                         else np.zeros(0, np.int32)),
            obs=obs, num_detectors=self.num_detectors, num_observables=self.num_observables)

    @property
    def num_mechanisms(self) -> int:
        """The number of mechanisms N."""
        return len(self.odds)

    def log_partition(self, scale: float) -> float:
        """``ln Z_s = sum_i ln(1 + s r_i)``: minus the log-probability of no fault at scale s."""
        return float(np.log1p(scale * self.odds).sum())

    def expected_faults(self, scale: float) -> float:
        """The mean number of fired mechanisms at scale s (failing or not)."""
        so = scale * self.odds
        return float((so / (1 + so)).sum())

    def scaled_dem(self, scale: float) -> stim.DetectorErrorModel:
        """The model at scale s: one ``error`` per mechanism, in the same order, with odds
        ``s r_i`` (so stim's DEM sampler's ``return_errors`` columns are the mechanisms)."""
        so = scale * self.odds
        q = so / (1 + so)
        lines = []
        for i in range(self.num_mechanisms):
            targets = [f"D{d}" for d in self.det_indices[self.det_indptr[i]:
                                                         self.det_indptr[i + 1]]]
            targets += [f"L{k}" for k in np.flatnonzero(self.obs[i])]
            lines.append(f"error({q[i]:.17g}) {' '.join(targets)}")
        for d in range(self.num_detectors):
            lines.append(f"detector D{d}")
        for k in range(self.num_observables):
            lines.append(f"logical_observable L{k}")
        return stim.DetectorErrorModel("\n".join(lines))

    def symptoms(self, members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The detection events and observable flips of configurations.

        Args:
            members: one int array of mechanism indices per configuration.

        Returns:
            ``(dets, obs)``: uint8 arrays of shape (C, num_detectors) and (C, K).
        """
        dets = np.zeros((len(members), self.num_detectors), dtype=np.uint8)
        obs = np.zeros((len(members), self.num_observables), dtype=np.uint8)
        for c, chosen in enumerate(members):
            if len(chosen) == 0:
                continue
            cols = self.det_indices[_ranges(self.det_indptr[chosen],
                                            self.det_indptr[np.asarray(chosen) + 1])]
            dets[c] = np.bincount(cols, minlength=self.num_detectors) & 1
            obs[c] = self.obs[chosen].sum(axis=0) & 1
        return dets, obs


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(a, b)`` for each pair (vectorised)."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)


def _toggle(model: MechanismModel, dets: np.ndarray, mechanisms: np.ndarray) -> None:
    """Flips, in row ``r`` of ``dets``, the detectors of mechanism ``mechanisms[r]``."""
    starts, stops = model.det_indptr[mechanisms], model.det_indptr[mechanisms + 1]
    rows = np.repeat(np.arange(len(mechanisms)), stops - starts)
    dets[rows, model.det_indices[_ranges(starts, stops)]] ^= 1


def pack_members(members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged configurations as ``(flat, lengths)`` int32 arrays (for storage and transport)."""
    lengths = np.asarray([len(m) for m in members], dtype=np.int64)
    flat = (np.concatenate(members).astype(np.int32) if len(members) and lengths.sum()
            else np.zeros(0, dtype=np.int32))
    return flat, lengths


def unpack_members(flat: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """The inverse of :func:`pack_members`.

    Examples:
        >>> parts = [np.array([3, 1]), np.array([], dtype=int), np.array([7])]
        >>> [m.tolist() for m in unpack_members(*pack_members(parts))]
        [[3, 1], [], [7]]
    """
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    return [np.asarray(flat[bounds[c]:bounds[c + 1]], dtype=np.int64)
            for c in range(len(lengths))]


class ChainContext:
    """A model and its decoder compiled in one process (kept in the worker's cache).

    Attributes:
        decoder: the compiled decoder of the circuit's whole detector error model.
        model: the mechanisms restricted to the detectors the decoder reads
            (:meth:`MechanismModel.restricted`): what the chains move.
        full_mechanisms: the whole model's mechanism count, for comparison.
    """

    def __init__(self, circuit_text: str, decoder_name: str, decoder: Any = None) -> None:

        dem = detector_error_model_for_circuit(stim.Circuit(circuit_text))
        self.decoder = compile_decoder(decoder if decoder is not None else
                                       resolve_decoder(decoder_name), dem=dem)
        # Only what can change whether the decoder fails (see MechanismModel.restricted).
        full = MechanismModel.from_dem(dem)
        self.full_mechanisms = full.num_mechanisms
        self.model = full.restricted(relevant_detectors(self.decoder, dem.num_detectors))
        self.cumulative = np.cumsum(self.model.odds)
        self.total_odds = float(self.cumulative[-1]) if len(self.cumulative) else 0.0
        self.obs_bytes = (self.model.num_observables + 7) // 8
        self._scaled: dict[float, Any] = {}
        pairs = getattr(self.decoder, "matched_pairs", None)
        self.matched_pairs = pairs if callable(pairs) else None

    def failing(self, dets: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """Whether the decoder mispredicts an observable, per row (uint8 inputs, unpacked)."""
        if len(dets) == 0:
            return np.zeros(0, dtype=bool)
        packed = np.packbits(dets, axis=1, bitorder="little")
        if packed.shape[1] == 0:
            packed = np.zeros((len(dets), 1), dtype=np.uint8)
        predicted = self.decoder.decode_shots_bit_packed(bit_packed_detection_event_data=packed)
        actual = np.packbits(obs, axis=1, bitorder="little")
        return np.any(np.asarray(predicted)[:, :self.obs_bytes] != actual, axis=1)

    def sampler(self, scale: float, seed: int) -> Any:
        """stim's DEM sampler of the model at this scale."""
        dem = self._scaled.get(scale)
        if dem is None:
            self._scaled = {scale: self.model.scaled_dem(scale)}
            dem = self._scaled[scale]
        return dem.compile_sampler(seed=seed)


def _context(state: Any, payload: Any) -> ChainContext:
    cache = state.extras
    key = ("chains", payload.strong_id)
    context = cache.get(key)
    if context is None:
        context = ChainContext(payload.circuit_text, payload.decoder_name, payload.decoder)
        cache.clear()  # one model per process: they can be large
        cache[key] = context
    return context


@dataclasses.dataclass(frozen=True)
class SeedResult:
    """Direct samples of the model at one scale: counts and the failing configurations."""

    batch_id: int
    shots: int
    failures: int
    flat: np.ndarray
    lengths: np.ndarray
    seconds: float
    error: tuple[str, str, str] | None = None
    work_seconds: float = 0.0  # sampling and decoding only: ``seconds`` less the setup


@dataclasses.dataclass(frozen=True)
class SeedWork:
    """Sample ``shots`` shots of the model at ``scale`` (stim seed ``seed``), decode them and
    return the failing configurations (at most ``keep``, in shot order)."""

    batch_id: int
    strong_id: str
    scale: float
    seed: int
    shots: int
    keep: int

    def run_in(self, state: Any) -> SeedResult:
        try:
            t0 = time.perf_counter()
            context = _context(state, state.payloads[self.strong_id])
            sampler = context.sampler(self.scale, self.seed)
            t1 = time.perf_counter()  # the model, its decoder and the scaled sampler are set up
            # The fired mechanisms only when seeds are wanted: counting needs none of them.
            dets, obs, errs = sampler.sample(self.shots, bit_packed=True,
                                             return_errors=self.keep > 0)
            k = context.model.num_observables
            obs_bits = np.unpackbits(obs, axis=1, bitorder="little", count=k)
            det_bits = np.unpackbits(dets, axis=1, bitorder="little",
                                     count=context.model.num_detectors)
            fail = context.failing(det_bits, obs_bits)
            rows = np.flatnonzero(fail)[:self.keep] if self.keep else np.zeros(0, np.int64)
            members = [np.flatnonzero(np.unpackbits(errs[r], bitorder="little",
                                                    count=context.model.num_mechanisms))
                       for r in rows]
            flat, lengths = pack_members(members)
            t2 = time.perf_counter()
            return SeedResult(self.batch_id, self.shots, int(fail.sum()), flat, lengths,
                              t2 - t0, work_seconds=t2 - t1)
        except Exception as exc:
            return SeedResult(self.batch_id, 0, 0, np.zeros(0, np.int32), np.zeros(0, np.int64),
                              0.0, error=(type(exc).__name__, str(exc), traceback.format_exc()))


@dataclasses.dataclass(frozen=True)
class ChainResult:
    """The chains after a run: their configurations and the trace of their sizes.

    Attributes:
        trace: int32, shape (iterations, C): ``|E|`` of each chain after each iteration.
        proposals, decoder_calls, accepted: counts over the run (the decoder calls of the
            pivots included).
        cure, add_draws: with pivots, per chain, the sum of the cure estimates of the run's
            addition proposals and their number (:func:`run_chains`).
        removal: with pivots, per chain, the removal sum of its final configuration
            (:func:`removal_pivots`).
    """

    batch_id: int
    flat: np.ndarray
    lengths: np.ndarray
    trace: np.ndarray
    proposals: int
    decoder_calls: int
    accepted: int
    seconds: float
    error: tuple[str, str, str] | None = None
    block_moves: int = 0
    block_accepted: int = 0
    cure: np.ndarray | None = None
    add_draws: np.ndarray | None = None
    removal: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class ChainWork:
    """Run chains at ``scale`` for ``iterations`` proposals each, from the configurations
    ``(flat, lengths)``, with numpy seed ``seed`` (a sequence of ints).

    With ``pivots``, the final configurations' removal sums (:func:`removal_pivots`) are
    decoded unless ``snapshot`` is False: a round that the rung can neither keep (it starts
    inside the least burn-in) nor end with does not need them (its ``removal`` is then NaN,
    which would poison any estimate that read it). The chains' moves and seeds do not
    depend on it.
    """

    batch_id: int
    strong_id: str
    scale: float
    flat: np.ndarray
    lengths: np.ndarray
    iterations: int
    seed: tuple[int, ...]
    thin: float = 1.0
    block: float = 0.0
    pivots: bool = False
    snapshot: bool = True

    def run_in(self, state: Any) -> ChainResult:
        try:
            t0 = time.perf_counter()
            context = _context(state, state.payloads[self.strong_id])
            result = run_chains(context, scale=self.scale,
                                members=unpack_members(self.flat, self.lengths),
                                iterations=self.iterations, seed=self.seed,
                                batch_id=self.batch_id, thin=self.thin, block=self.block,
                                pivots=self.pivots)
            if not self.pivots:
                return result
            if not self.snapshot:
                return dataclasses.replace(result, removal=np.full(len(result.lengths), np.nan),
                                           seconds=time.perf_counter() - t0)
            removal, calls = removal_pivots(
                context, unpack_members(result.flat, result.lengths), self.scale,
                np.random.default_rng([*self.seed, 2]))
            return dataclasses.replace(result, removal=removal,
                                       decoder_calls=result.decoder_calls + calls,
                                       seconds=time.perf_counter() - t0)
        except Exception as exc:
            empty = np.zeros(0, np.int32)
            return ChainResult(self.batch_id, empty, np.zeros(0, np.int64),
                               np.zeros((0, 0), np.int32), 0, 0, 0, 0.0,
                               error=(type(exc).__name__, str(exc), traceback.format_exc()))


def _block_move(context: ChainContext, rng: np.random.Generator, *, scale: float,
                block: float, table: np.ndarray, counts: np.ndarray, inside: np.ndarray,
                dets: np.ndarray, obs: np.ndarray) -> tuple[np.ndarray, int, int]:
    """One block move of every chain (see :func:`run_chains`); updates the state in place.

    Returns the (possibly grown) table, the decoder calls and the accepted moves.
    """
    model = context.model
    chains, capacity = table.shape
    # Removals: present mechanism i leaves with probability (1 - exp(-f s r_i)) / (s r_i).
    valid = np.arange(capacity)[None, :] < counts[:, None]
    so = scale * model.odds[table]
    leave = valid & (rng.random(table.shape) < -np.expm1(-block * so) / np.maximum(so, 1e-300))
    # Additions: a Poisson process of total rate f s R over mechanisms drawn with odds weights;
    # absent mechanism i gets at least one event with probability 1 - exp(-f s r_i).
    arrivals = rng.poisson(block * scale * context.total_odds, size=chains)
    picks = np.minimum(np.searchsorted(context.cumulative,
                                       rng.random(int(arrivals.sum())) * context.total_odds,
                                       side="right"), model.num_mechanisms - 1)
    owners = np.repeat(np.arange(chains), arrivals)
    fresh = ~inside[owners, picks]
    pairs = np.unique(owners[fresh] * model.num_mechanisms + picks[fresh])
    add_chain, add_mech = pairs // model.num_mechanisms, pairs % model.num_mechanisms
    out_chain, out_pos = np.nonzero(leave)
    out_mech = table[out_chain, out_pos]
    toggled_chain = np.concatenate([out_chain, add_chain])
    toggled_mech = np.concatenate([out_mech, add_mech])
    moving = np.unique(toggled_chain)
    if len(moving) == 0:
        return table, 0, 0
    new_dets = dets.copy()
    starts, stops = model.det_indptr[toggled_mech], model.det_indptr[toggled_mech + 1]
    rows = np.repeat(toggled_chain, stops - starts)
    cols = model.det_indices[_ranges(starts, stops)]
    np.bitwise_xor.at(new_dets, (rows, cols), 1)
    new_obs = obs.copy()
    np.bitwise_xor.at(new_obs, toggled_chain, model.obs[toggled_mech])
    still = context.failing(new_dets[moving], new_obs[moving])
    moved = moving[still]
    for c in moved:
        kept = table[c, :counts[c]][~leave[c, :counts[c]]]
        added = add_mech[add_chain == c]
        members = np.concatenate([kept, added])
        if len(members) > capacity:
            grown = max(2 * capacity, len(members) + 16)
            table = np.concatenate([table, np.zeros((chains, grown - capacity), table.dtype)],
                                   axis=1)
            capacity = grown
        inside[c, table[c, :counts[c]]] = False
        inside[c, members] = True
        table[c, :len(members)] = members
        counts[c] = len(members)
        dets[c] = new_dets[c]
        obs[c] = new_obs[c]
    return table, len(moving), len(moved)


def run_chains(context: ChainContext, *, scale: float, members: list[np.ndarray],
               iterations: int, seed: tuple[int, ...], batch_id: int = 0,
               thin: float = 1.0, block: float = 0.0, pivots: bool = False) -> ChainResult:
    """Runs Metropolis-Hastings chains on the failing configurations (see the module text).

    Every chain must start failing. With ``thin < 1`` each chain first tries a thinned copy
    of its configuration (every fault kept with probability ``thin``), kept if it still fails:
    moving down the ladder from scale ``s`` to ``thin * s``, this removes most of the surplus
    faults at once instead of by one move each, which shortens the burn-in (the samples a
    rung keeps come from the chains' own moves all the same). Returns the chains' final
    configurations and the size trace.

    With ``block > 0`` every other iteration is a *block move* instead of a single-fault one:
    every mechanism independently takes a step of a two-state Markov kernel that is reversible
    for its own Bernoulli law at scale ``s`` (present -> absent with probability
    ``(1 - exp(-f s r_i)) / (s r_i)``, absent -> present with ``1 - exp(-f s r_i)``, ``f`` =
    ``block``), and the whole proposal is accepted if the decoder still fails. Because the
    proposal is reversible for the unconstrained distribution, that indicator is the exact
    Metropolis-Hastings acceptance. It renews about a fraction ``f`` of the faults at once,
    so the many faults that have nothing to do with the failure (their count grows with the
    code) no longer need one move each: the autocorrelation time stops growing with them.

    With ``pivots``, every single-fault iteration whose coin chose an addition adds to its
    chain's ``add_draws``, and an addition of an absent mechanism ``i`` that passed the prior
    test and that the decoder found curing the failure adds ``s R / (1 + s r_i)`` divided by
    the prior test's probability to ``cure``. Given the configuration, the proposal draws ``i``
    with probability ``r_i / R`` and the coin and test are independent of ``i``, so
    ``cure / add_draws`` estimates, without a decoder call of its own, the mean over the run
    of ``sum_(i not in E, E + i passes) p_i`` (the second sum of ``D`` in the module text).
    """
    t0 = time.perf_counter()
    model = context.model
    rng = np.random.default_rng(list(seed))
    calls = 0
    if thin < 1:
        thinned = [m[rng.random(len(m)) < thin] for m in members]
        dets, obs = model.symptoms(thinned)
        still = context.failing(dets, obs)
        calls += len(members)
        members = [t if ok else m for t, m, ok in zip(thinned, members, still, strict=True)]
    chains = len(members)
    n = model.num_mechanisms
    counts = np.asarray([len(m) for m in members], dtype=np.int64)
    capacity = int(max(64, 2 * counts.max(initial=0) + 16))
    table = np.zeros((chains, capacity), dtype=np.int64)
    inside = np.zeros((chains, n), dtype=bool)
    for c, chosen in enumerate(members):
        table[c, :len(chosen)] = chosen
        inside[c, chosen] = True
    dets, obs = model.symptoms(members)
    trace = np.empty((iterations, chains), dtype=np.int32)
    everyone = np.arange(chains)
    s_total = scale * context.total_odds
    accepted = block_moves = block_accepted = 0
    cure = np.zeros(chains)
    add_draws = np.zeros(chains, dtype=np.int64)
    for t in range(iterations):
        if block > 0 and t % 2 == 1:
            table, block_calls, block_moved = _block_move(
                context, rng, scale=scale, block=block, table=table, counts=counts,
                inside=inside, dets=dets, obs=obs)
            capacity = table.shape[1]
            calls += block_calls
            accepted += block_moved
            block_moves += chains
            block_accepted += block_moved
            trace[t] = counts
            continue
        add = rng.random(chains) < 0.5
        pick = np.minimum(np.searchsorted(context.cumulative,
                                          rng.random(chains) * context.total_odds,
                                          side="right"), n - 1)
        position = np.minimum((rng.random(chains) * counts).astype(np.int64), capacity - 1)
        chance = rng.random(chains)
        removed = table[everyone, position]
        mechanism = np.where(add, pick, removed)
        allowed = np.where(add, ~inside[everyone, pick], counts > 0)
        accept_probability = np.where(add, s_total / (counts + 1),
                                      counts / max(s_total, 1e-300))
        candidates = np.flatnonzero(allowed & (chance < accept_probability))
        if len(candidates):
            chosen = mechanism[candidates]
            new_dets = dets[candidates]
            _toggle(model, new_dets, chosen)
            new_obs = obs[candidates] ^ model.obs[chosen]
            still = context.failing(new_dets, new_obs)
            calls += len(candidates)
            if pivots:
                cured = candidates[add[candidates] & ~still]
                cure[cured] += (s_total / (1 + scale * model.odds[pick[cured]])
                                / np.minimum(accept_probability[cured], 1.0))
            moved = candidates[still]
            if len(moved):
                accepted += len(moved)
                dets[moved] = new_dets[still]
                obs[moved] = new_obs[still]
                moved_mech = chosen[still]
                inside[moved, moved_mech] ^= True
                grow = moved[add[moved]]
                if len(grow):
                    if counts[grow].max() >= capacity:
                        table = np.concatenate([table, np.zeros_like(table)], axis=1)
                        capacity = table.shape[1]
                    table[grow, counts[grow]] = mechanism[grow]
                    counts[grow] += 1
                shrink = moved[~add[moved]]
                if len(shrink):
                    last = counts[shrink] - 1
                    table[shrink, position[shrink]] = table[shrink, last]
                    counts[shrink] = last
        add_draws += add
        trace[t] = counts
    final = [table[c, :counts[c]].copy() for c in range(chains)]
    flat, lengths = pack_members(final)
    return ChainResult(batch_id, flat, lengths, trace, chains * iterations, calls, accepted,
                       time.perf_counter() - t0, block_moves=block_moves,
                       block_accepted=block_accepted, cure=cure if pivots else None,
                       add_draws=add_draws if pivots else None)


def _unlikely_pivots(model: MechanismModel, chosen: np.ndarray, events: np.ndarray,
                     pairs: np.ndarray | None) -> np.ndarray:
    """Which faults of a configuration are unlikely to be pivots: those whose one or two
    detection events the decoder matched to each other (or to the boundary), as an isolated
    fault's are. Removing such a fault takes away exactly a matched pair, and the rest of a
    minimum-weight matching stays one, so only a tie broken the other way can change the
    prediction; they are decoded at a rate (:func:`removal_pivots`), not skipped.
    ``pairs``: the decoder's matched pairs, or None (then no fault is unlikely)."""
    unlikely = np.zeros(len(chosen), dtype=bool)
    if pairs is None or len(chosen) == 0 or len(model.det_indices) == 0:
        return unlikely
    n = model.num_detectors + 1  # a key per pair; n - 1 stands for the boundary
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    a, b = pairs.min(axis=1), pairs.max(axis=1)
    keys = np.where(a < 0, b * n + (n - 1), a * n + b)
    starts = model.det_indptr[chosen]
    sizes = model.det_indptr[chosen + 1] - starts
    first = model.det_indices[np.minimum(starts, len(model.det_indices) - 1)].astype(np.int64)
    second = model.det_indices[np.minimum(starts + 1, len(model.det_indices) - 1)
                               ].astype(np.int64)
    lit = events.astype(bool)
    one = (sizes == 1) & lit[first]
    two = (sizes == 2) & lit[first] & lit[second]
    own = np.where(two, first * n + second, first * n + (n - 1))
    return (one | two) & np.isin(own, keys)


def removal_pivots(context: ChainContext, members: list[np.ndarray], scale: float,
                   rng: np.random.Generator, *, sample: float = _PIVOT_SAMPLE
                   ) -> tuple[np.ndarray, int]:
    """Per configuration, an unbiased estimate of ``sum_(i in E, E - i passes) (1 - p_i)``
    (the first sum of ``D`` in the module text), and the decoder calls it took.

    Every fault is removed in turn and the decoder asked whether the rest still fails,
    except the faults :func:`_unlikely_pivots` names: each of those is decoded with
    probability ``sample`` and then counts ``1 / sample`` times (Horvitz-Thompson), so the
    estimate stays exact for any decoder and any tie-breaking while about three quarters of
    the faults of a surface-code configuration (the isolated background) cost a sixteenth
    of a decode each. Why a sixteenth: on stored surface-code ladders (SI1000 d = 25 at
    scales 3.9 and 1.5, SD6 d = 19 at 4.3 and 1.5, SD6 d = 7 at 3.4 and 1) not one of
    about 24,000 unlikely faults was a pivot, so their draws only buy the exactness, and at
    a quarter they were 40% of the removal decodes.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=1,
        ...                                  before_round_data_depolarization=0.1)
        >>> context = ChainContext(str(circuit), "pymatching")
        >>> values, calls = removal_pivots(context, [np.array([0, 1])], 1.0,
        ...                                np.random.default_rng(0))
        >>> q = context.model.odds[[0, 1]] / (1 + context.model.odds[[0, 1]])
        >>> bool(context.failing(*context.model.symptoms([np.array([0, 1])]))[0])
        True
        >>> float(values[0]) == float((1 - q).sum()), calls
        (True, 2)
    """
    model = context.model
    keep = 1 / (1 + scale * model.odds)  # 1 - p_i
    dets, obs = model.symptoms(members)
    out = np.zeros(len(members))
    parts_d, parts_o, owners, weights = [], [], [], []
    for c, chosen in enumerate(members):
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(chosen) == 0:
            continue
        pairs = context.matched_pairs(dets[c]) if context.matched_pairs else None
        unlikely = _unlikely_pivots(model, chosen, dets[c], pairs)
        drawn = rng.random(len(chosen)) < sample
        take = np.flatnonzero(~unlikely | drawn)
        if len(take) == 0:
            continue
        removed = chosen[take]
        new = np.repeat(dets[c][None, :], len(take), axis=0)
        _toggle(model, new, removed)
        parts_d.append(new)
        parts_o.append(obs[c][None, :] ^ model.obs[removed])
        owners.append(np.full(len(take), c))
        weights.append(np.where(unlikely[take], 1 / sample, 1.0) * keep[removed])
    if not owners:
        return out, 0
    passes = ~context.failing(np.concatenate(parts_d), np.concatenate(parts_o))
    who, weight = np.concatenate(owners), np.concatenate(weights)
    np.add.at(out, who[passes], weight[passes])
    return out, len(who)


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Arrays as the bytes of a compressed ``.npz`` file (a checkpoint's payload)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def from_bytes(data: bytes) -> dict[str, np.ndarray]:
    """The inverse of :func:`to_bytes`."""
    with np.load(io.BytesIO(data)) as loaded:
        return {key: loaded[key] for key in loaded.files}
