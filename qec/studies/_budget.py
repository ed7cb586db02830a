"""Error budgets: how much each physical error component contributes to the logical error.

The budget of a memory experiment splits its noise model into named components (the rate
fields of :class:`qec.NoiseModel`: ``clifford_2q``, ``measure_flip``, ...) and measures the
*elasticity* of the logical error per shot ``P`` to each one,

    e_c = d ln P / d ln s_c   at s = 1,

where ``s_c`` scales every rate of component ``c``. When every rate of the model is
proportional to one physical error rate ``p`` (SD6, SI1000, ...), ``P`` as a function of the
scales is what ``P(p)`` is along the diagonal, so by the chain rule the elasticities add up to
the local exponent ``d ln P / d ln p``; the normalised share ``e_c / sum(e)`` is the fraction
of the logical error that component ``c`` is responsible for, to first order.

All elasticities come from one sampling pass, by the score-function (likelihood-ratio)
method: the circuit's detector error model is built per component, so that each error
mechanism belongs to one component, and sampled with the fired mechanisms recorded
(``return_errors=True`` of stim's DEM sampler). With ``x_j`` the indicator that mechanism ``j``
(probability ``q_j``) fired and ``F`` the indicator that the decoder failed,

    d P / d ln s_c = E[F * S_c],
    S_c = sum_(j in c) (dq_j / d ln s_c) (x_j / q_j - (1 - x_j) / (1 - q_j)),

so ``e_c = E[F S_c] / E[F]``, a ratio of two sample means, with a delta-method interval. The
decoder is compiled once, for the unscaled model, as an experiment would use it.

This module holds that estimator (with its resumable batches in the results database) and
what follows from a budget: per-round elasticities, first-order and reweighted predictions of
a scaled model. The independent estimates it is checked against are in
:mod:`qec.studies._budget_checks`; leakage's share, which needs the leakage simulator, is in
:mod:`qec.studies._leakage_share`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import stim

from qec._validate import int_at_least
from qec.circuits import memory_circuit
from qec.codes import StabilizerCode
from qec.data import Task, per_round_error
from qec.decoders import detector_error_model_for_circuit, resolve_decoder
from qec.noise import NoiseModel

__all__ = [
    "BudgetEstimate",
    "budget_components",
    "component_models",
    "estimate_budget",
    "per_round",
    "predict_shot_error",
    "reweighted_shot_error",
    "round_elasticities",
    "scaled_noise",
]

_RATES = ("clifford_1q", "clifford_2q", "reset_flip", "measure_flip", "data_measure_flip",
          "idle_gate", "idle_measure_reset", "before_round_data_depolarization",
          "before_round_data_flip")
_STEP = 0.05  # relative step of the central difference for dq_j / d ln s


def budget_components(noise: NoiseModel) -> tuple[str, ...]:
    """The components of a noise model: its rate fields that are not zero.

    Examples:
        >>> budget_components(NoiseModel.si1000(0.001))  # doctest: +NORMALIZE_WHITESPACE
        ('clifford_1q', 'clifford_2q', 'reset_flip', 'measure_flip', 'data_measure_flip',
         'idle_gate', 'idle_measure_reset')
        >>> budget_components(NoiseModel.code_capacity(0.05))
        ('before_round_data_flip',)
    """
    if not isinstance(noise, NoiseModel):
        raise ValueError(f"noise={noise!r} must be a qec.NoiseModel")
    return tuple(name for name in _RATES if getattr(noise, name) > 0)


def component_models(noise: NoiseModel, component: str, scale: float = 1.0) -> NoiseModel:
    """The model with only ``component`` switched on, at ``scale`` times its rate.

    Examples:
        >>> only = component_models(NoiseModel.sd6(0.001), "measure_flip", 2.0)
        >>> only.measure_flip, only.clifford_2q
        (0.002, 0.0)
    """
    if component not in _RATES:
        raise ValueError(f"component={component!r} must be one of {', '.join(_RATES)}")
    rates = dict.fromkeys(_RATES, 0.0)
    rates[component] = getattr(noise, component) * scale
    return dataclasses.replace(noise, name="custom", leakage=None, **rates)


@dataclasses.dataclass(frozen=True)
class BudgetEstimate:
    """Elasticities of the logical error per shot to each noise component, with intervals.

    Attributes:
        components: the component names, in order.
        elasticities: ``d ln P / d ln s_c`` for each component.
        standard_errors: their standard errors (delta method over shots).
        shots: shots sampled.
        errors: shots the decoder got wrong.
        rounds: the rounds of the memory (to convert to per-round quantities).
    """

    components: tuple[str, ...]
    elasticities: tuple[float, ...]
    standard_errors: tuple[float, ...]
    shots: int
    errors: int
    rounds: int
    failing: tuple[np.ndarray, ...] = dataclasses.field(default=(), repr=False, compare=False)
    """The mechanisms that fired in each failing shot (indices into the per-component model),
    kept for likelihood-ratio reweighting (:func:`reweighted_shot_error`)."""

    @property
    def logical_error_per_shot(self) -> float:
        """The fraction of shots the decoder got wrong."""
        return self.errors / self.shots

    @property
    def exponent(self) -> float:
        """The sum of the elasticities: ``d ln P / d ln p`` along the model's own scaling."""
        return float(sum(self.elasticities))

    @property
    def exponent_standard_error(self) -> float:
        """A conservative standard error of :attr:`exponent` (errors added linearly)."""
        return float(sum(self.standard_errors))

    def shares(self) -> dict[str, float]:
        """Each component's fraction of the total, ``e_c / sum(e)``."""
        total = self.exponent
        return {c: e / total for c, e in zip(self.components, self.elasticities, strict=True)}


def _dem_errors(circuit: stim.Circuit) -> list[tuple[float, list[stim.DemTarget]]]:
    dem = circuit.detector_error_model(flatten_loops=True)
    return [(float(i.args_copy()[0]), i.targets_copy()) for i in dem.flattened()
            if i.type == "error"]


def _mechanisms(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                components: Sequence[str], circuit_options: dict[str, Any]
                ) -> tuple[list[list[stim.DemTarget]], np.ndarray, np.ndarray, np.ndarray]:
    """Every component's mechanisms: targets, probability, dq/dln s, component index."""
    targets: list[list[stim.DemTarget]] = []
    q, dq, owner = [], [], []
    for index, component in enumerate(components):
        built = [_dem_errors(memory_circuit(code, rounds=rounds, basis=basis,
                                            noise=component_models(noise, component, scale),
                                            **circuit_options))
                 for scale in (1.0, 1.0 + _STEP, 1.0 - _STEP)]
        centre, up, down = built
        if not len(centre) == len(up) == len(down) or any(
                a[1] != b[1] or a[1] != c[1] for a, b, c in zip(centre, up, down, strict=True)):
            raise ValueError(f"component {component!r}: the error model changes shape when its "
                             "rate is scaled; its elasticity cannot be estimated")
        for (p0, t), (p1, _), (p2, _) in zip(centre, up, down, strict=True):
            targets.append(t)
            q.append(p0)
            dq.append((p1 - p2) / (2 * _STEP))
            owner.append(index)
    return targets, np.array(q), np.array(dq), np.array(owner, dtype=np.int64)


def _union_model(targets: Sequence[list[stim.DemTarget]], q: np.ndarray,
                 circuit: stim.Circuit) -> stim.DetectorErrorModel:
    """The per-component mechanisms as one model, with every detector and observable of
    ``circuit`` declared (so samples have its widths even where no error touches one)."""
    union = stim.DetectorErrorModel()
    for p, t in zip(q, targets, strict=True):
        union.append("error", float(p), t)
    for k in range(circuit.num_detectors):
        union.append("detector", [], [stim.target_relative_detector_id(k)])
    for k in range(circuit.num_observables):
        union.append("logical_observable", [], [stim.target_logical_observable_id(k)])
    return union


def estimate_budget(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                    decoder: str = "pymatching", shots: int, seed: int = 0,
                    batch_size: int = 10_000, db: Any = None, workers: int | None = 1,
                    dask: Any = None, **circuit_options: Any) -> BudgetEstimate:
    """The error budget of a memory experiment from one sampling pass (score function).

    Batch ``k`` samples ``batch_size`` shots with the seed ``chunk_seed(seed, id, k)``, so the
    estimate is a function of the seed and batch size alone, whatever runs the batches: this
    process (``workers=1``, the default), local worker processes or a Dask cluster, as for
    :func:`qec.sampling.collect`. With ``db``, every batch is
    committed to the results database as it completes (its counts, the float sums of the
    score function and, for reweighting, the mechanisms of its failing shots), and a re-run
    with the same arguments continues from the batches stored: an interrupted budget resumes
    to the numbers of an uninterrupted one.

    Args:
        code: the code.
        rounds: rounds of the memory.
        basis: ``"X"`` or ``"Z"``.
        noise: the noise model; its components are :func:`budget_components`.
        decoder: a registry decoder name, compiled once for the unscaled circuit.
        shots: shots to sample, positive.
        seed: the sampler's root seed.
        batch_size: shots per batch.
        db: a results database path or open :class:`qec.store.ResultStore` (created if
            missing), or None to keep nothing.
        workers: 1 (the default) runs the batches in this process; more, or None (all
            cores), on worker processes.
        dask: a Dask address, ``"local"`` or a ``distributed.Client``: run the batches there.
        **circuit_options: passed to :func:`qec.memory_circuit` (``cycle``, ``detectors``).

    Returns:
        A :class:`BudgetEstimate`.

    Raises:
        ValueError: bad arguments, a model with no component or with leakage (whose
            elasticity needs the leakage simulator, not a detector error model).

    Examples:
        >>> from qec.codes import RepetitionCode
        >>> budget = estimate_budget(RepetitionCode(distance=3), rounds=1, basis="Z",
        ...                          noise=NoiseModel.code_capacity(0.1), shots=20_000)
        >>> budget.components
        ('before_round_data_flip',)
        >>> round(budget.exponent, 1)  # d ln P / d ln p of 3p^2 - 2p^3 at p = 0.1: 1.93
        1.9
    """
    shots = int_at_least("shots", shots, 1)
    batch_size = int_at_least("batch_size", batch_size, 1)
    seed = int_at_least("seed", seed, 0)
    components = budget_components(noise)
    if not components:
        raise ValueError(f"noise={noise!r} has no error component to budget")
    if noise.leakage is not None:
        raise ValueError("estimate_budget works on the Pauli error model; a leakage model's "
                         "components need the leakage simulator (not supported yet)")
    circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=noise, **circuit_options)
    targets, q, dq, owner = _mechanisms(code, rounds=rounds, basis=basis, noise=noise,
                                        components=components,
                                        circuit_options=circuit_options)
    union = _union_model(targets, q, circuit)
    safe_q = np.clip(q, 1e-300, 1 - 1e-16)
    weight = dq / (safe_q * (1 - safe_q))            # per fired mechanism: x_j term
    offset = np.bincount(owner, weights=dq / (1 - safe_q), minlength=len(components))
    task = Task(circuit=circuit, decoder=decoder, json_metadata={
        "code": getattr(code, "name", type(code).__name__),
        "distance": int(code.distance), "rounds": int(rounds), "basis": basis,
        "noise": noise.name, "p": noise.p,
        "decoder": decoder, "budget": {"seed": seed, "batch_size": batch_size,
                                       "noise_model": repr(noise), **circuit_options}})
    store, owns = _open_store(db)
    try:
        done = (_stored_budget_batches(store, task, components) if store is not None
                else {})
        n_batches = -(-shots // batch_size)
        works = [_BudgetWork(batch_id=k, strong_id=task.strong_id, union=str(union),
                             owner=owner, weight=weight, offset=offset,
                             n_comp=len(components), size=min(batch_size, shots - k * batch_size),
                             seed=_batch_seed(seed, task.strong_id, k))
                 for k in range(n_batches) if k not in done]

        def keep(k: int, result: dict[str, Any]) -> None:
            done[k] = result
            if store is not None:  # committed before it is counted
                _store_budget_batch(store, task, k, result, components)

        if works and workers == 1 and dask is None:
            compiled = resolve_decoder(decoder).compile_decoder_for_dem(
                dem=detector_error_model_for_circuit(circuit))
            for work in works:
                keep(work.batch_id, _budget_batch(
                    union, compiled, owner, weight, offset, len(components), size=work.size,
                    seed=work.seed))
        elif works:
            _run_on_workers(works, task, keep, workers=workers, dask=dask)
    finally:
        if owns and store is not None:
            store.close()
    batches = [done[k] for k in range(-(-shots // batch_size))]
    n_comp = len(components)
    sum_f = sum(b["failures"] for b in batches)
    sum_fs = np.sum([b["fs"] for b in batches], axis=0) if batches else np.zeros(n_comp)
    sum_fs2 = np.sum([b["fs2"] for b in batches], axis=0) if batches else np.zeros(n_comp)
    failing = [m for b in batches for m in b["failing"]]
    if sum_f == 0:
        return BudgetEstimate(components, tuple(math.nan for _ in components),
                              tuple(math.inf for _ in components), shots, 0, int(rounds))
    mean_f = sum_f / shots
    ratio = sum_fs / sum_f
    # Delta method for R = mean(u) / mean(v), u = F S, v = F (F^2 = F).
    var_u = sum_fs2 / shots - (sum_fs / shots) ** 2
    cov_uv = sum_fs / shots - (sum_fs / shots) * mean_f
    var_v = mean_f - mean_f ** 2
    variance = (var_u - 2 * ratio * cov_uv + ratio ** 2 * var_v) / (shots * mean_f ** 2)
    return BudgetEstimate(components, tuple(float(r) for r in ratio),
                          tuple(float(math.sqrt(max(v, 0.0))) for v in variance),
                          shots, sum_f, int(rounds), tuple(failing))


@dataclasses.dataclass(frozen=True)
class _BudgetResult:
    """What a worker returns for one batch (the executors' protocol: ``batch_id``, ``error``)."""

    batch_id: int
    result: dict[str, Any] | None
    error: tuple[str, str, str] | None = None


@dataclasses.dataclass(frozen=True)
class _BudgetWork:
    """One batch of the score-function pass, run in a worker (the union model and the
    compiled decoder are cached there per task)."""

    batch_id: int
    strong_id: str
    union: str
    owner: np.ndarray
    weight: np.ndarray
    offset: np.ndarray
    n_comp: int
    size: int
    seed: int

    def run_in(self, state: Any) -> _BudgetResult:
        import traceback

        try:
            key = ("budget", self.strong_id)
            cached = state.extras.get(key)
            if cached is None:
                payload = state.payloads[self.strong_id]
                circuit = stim.Circuit(payload.circuit_text)
                compiled = resolve_decoder(payload.decoder_name).compile_decoder_for_dem(
                    dem=detector_error_model_for_circuit(circuit))
                cached = (stim.DetectorErrorModel(self.union), compiled)
                state.extras[key] = cached
            union, compiled = cached
            return _BudgetResult(self.batch_id, _budget_batch(
                union, compiled, self.owner, self.weight, self.offset, self.n_comp,
                size=self.size, seed=self.seed))
        except Exception as exc:  # reported to the main process, which raises it there
            return _BudgetResult(self.batch_id, None,
                                 (type(exc).__name__, str(exc), traceback.format_exc()))


def _run_on_workers(works: list[_BudgetWork], task: Task, keep: Any, *, workers: int | None,
                    dask: Any) -> None:
    """Runs the batches on the sampling engine's executors, a few queued per worker, keeping
    each result as it arrives (its batch index fixes its seed, so the order does not matter)."""
    from qec.sampling._executors import make_executor
    from qec.sampling._worker import TaskPayload

    payload = TaskPayload(strong_id=task.strong_id, circuit_text=str(task.circuit),
                          decoder_name=task.decoder)
    executor = make_executor(workers=workers, dask=dask)
    try:
        executor.prepare([payload])
        waiting = list(reversed(works))
        in_flight = 0
        while waiting or in_flight:
            for slot, _ in executor.free_slots():
                if not waiting:
                    break
                executor.submit(waiting.pop(), payload, slot=slot)
                in_flight += 1
            for answer in executor.wait(1.0):
                in_flight -= 1
                if answer.error is not None:
                    kind, message, _ = answer.error
                    raise ValueError(f"a budget worker failed: {kind}: {message}")
                keep(answer.batch_id, answer.result)
    finally:
        executor.close()


def _budget_batch(union: stim.DetectorErrorModel, compiled: Any, owner: np.ndarray,
                  weight: np.ndarray, offset: np.ndarray, n_comp: int, *, size: int,
                  seed: int) -> dict[str, Any]:
    """One seeded batch of the score-function pass: failures, sums, failing mechanisms."""
    t0 = time.perf_counter()
    sampler = union.compile_sampler(seed=seed)
    dets, obs, errs = sampler.sample(shots=size, return_errors=True, bit_packed=False)
    packed = np.packbits(dets, axis=1, bitorder="little")
    predicted = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=packed)
    actual = np.packbits(obs, axis=1, bitorder="little")
    failed = np.any(predicted != actual, axis=1)
    rows, cols = np.nonzero(errs)
    scores = np.bincount(rows * n_comp + owner[cols], weights=weight[cols],
                         minlength=size * n_comp).reshape(size, n_comp) - offset
    failing_rows = failed[rows]
    failing = [cols[failing_rows & (rows == row)] for row in np.nonzero(failed)[0]]
    return {"shots": size, "failures": int(failed.sum()),
            "fs": scores[failed].sum(axis=0), "fs2": (scores[failed] ** 2).sum(axis=0),
            "failing": failing, "seconds": time.perf_counter() - t0}


def _batch_seed(seed: int, strong_id: str, batch: int) -> int:
    import hashlib

    digest = hashlib.blake2b(f"budget:{seed}:{strong_id}:{batch}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _open_store(db: Any) -> tuple[Any, bool]:
    from qec.store import ResultStore

    if db is None or isinstance(db, ResultStore):
        return db, False
    return ResultStore(db, create=True), True


def _store_budget_batch(store: Any, task: Task, k: int, result: dict[str, Any],
                        components: Sequence[str]) -> None:
    from qec.sampling._splitting_kernel import pack_members, to_bytes

    store.add_task(task)
    sums = {**{f"fs_{c}": float(v) for c, v in zip(components, result["fs"], strict=True)},
            **{f"fs2_{c}": float(v) for c, v in zip(components, result["fs2"], strict=True)}}
    flat, lengths = pack_members(result["failing"])
    store.save_level(task.strong_id, level=k, seed=None, shots=result["shots"],
                     errors=result["failures"], seconds=result["seconds"], sums=sums,
                     custom_counts=None, checkpoint=to_bytes({"flat": flat, "lengths": lengths}))


def _stored_budget_batches(store: Any, task: Task, components: Sequence[str]
                           ) -> dict[int, dict[str, Any]]:
    """The batches of a budget stored by an earlier run, as :func:`_budget_batch` returns."""
    from qec.sampling._splitting_kernel import from_bytes, unpack_members

    store.check_levels(task.strong_id)  # never resume from half-deleted batches
    checkpoints = store.read_checkpoints(task.strong_id)
    if not checkpoints:
        return {}
    rows = store.level_rows(task.strong_id)
    done = {}
    for k, data in checkpoints.items():
        shots, errors, sums = rows[k]
        arrays = from_bytes(data)
        fs = np.array([sums[f"fs_{c}"] for c in components])
        fs2 = np.array([sums[f"fs2_{c}"] for c in components])
        done[k] = {"shots": shots, "failures": errors, "fs": fs, "fs2": fs2,
                   "failing": unpack_members(arrays["flat"], arrays["lengths"]),
                   "seconds": 0.0}
    return done


def per_round(shot_error: float, rounds: int) -> float:
    """The error per round of a shot error (:func:`qec.data.per_round_error`, one observable).

    Examples:
        >>> round(per_round(0.1, 1), 12), round(per_round(0.0, 5), 12)
        (0.1, 0.0)
    """
    return per_round_error(min(max(shot_error, 0.0), 1.0), rounds=rounds)


def _round_factor(shot_error: float, rounds: int) -> float:
    """d ln eps / d ln P for :func:`per_round` (1 for one round)."""
    eps = per_round(shot_error, rounds)
    if eps <= 0 or eps >= 0.5:
        return 1.0
    return shot_error * (1 - 2 * shot_error) ** (1 / rounds - 1) / (rounds * eps)


def round_elasticities(budget: BudgetEstimate) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Elasticities of the error per round (and their standard errors), from a budget.

    ``d ln eps / d ln s_c = (d ln eps / d ln P) e_c``: the factor is 1 for one round and close
    to 1 while ``P`` is small.
    """
    factor = _round_factor(budget.logical_error_per_shot, budget.rounds)
    return (tuple(factor * e for e in budget.elasticities),
            tuple(factor * s for s in budget.standard_errors))


def scaled_noise(noise: NoiseModel, scales: dict[str, float]) -> NoiseModel:
    """The model with each named component's rate multiplied by its factor.

    Examples:
        >>> scaled_noise(NoiseModel.sd6(0.001), {"measure_flip": 0.5}).measure_flip
        0.0005
    """
    rates = {}
    for name, factor in scales.items():
        if name not in _RATES:
            raise ValueError(f"component={name!r} must be one of {', '.join(_RATES)}")
        if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor >= 0):
            raise ValueError(f"the factor of {name}={factor!r} must be a number >= 0")
        rates[name] = getattr(noise, name) * factor
    return dataclasses.replace(noise, name="custom", **rates)


def predict_shot_error(budget: BudgetEstimate, scales: dict[str, float]) -> float:
    """First-order (log-linear) prediction of the error per shot with components scaled:
    ``P * prod_c s_c^(e_c)``."""
    log = math.log(budget.logical_error_per_shot)
    for name, factor in scales.items():
        if name in budget.components:
            index = budget.components.index(name)
            log += budget.elasticities[index] * math.log(max(factor, 1e-300))
    return math.exp(log)


def reweighted_shot_error(budget: BudgetEstimate, code: StabilizerCode, *, rounds: int,
                          basis: str, noise: NoiseModel, scales: dict[str, float],
                          **circuit_options: Any) -> tuple[float, float]:
    """The error per shot with components scaled, by likelihood-ratio reweighting of the
    budget's own shots: ``P(s) = E[F w]`` with
    ``w = prod_j (q_j(s) / q_j)^x_j ((1 - q_j(s)) / (1 - q_j))^(1 - x_j)``.

    Exact in expectation for any scaling (the decoder stays the one compiled for the unscaled
    model); its variance grows as the scaled model moves away from the sampled one, so it is
    meant for factors within about 2 of 1. Returns ``(estimate, standard error)``.

    Raises:
        ValueError: a scale for a component the model does not have.
    """
    unknown = [name for name in scales if name not in budget.components]
    if unknown:
        raise ValueError(f"scales for {unknown} are not components of this budget; choose from "
                         f"{', '.join(budget.components)}")
    _, q, _, owner = _mechanisms(code, rounds=rounds, basis=basis, noise=noise,
                                 components=budget.components,
                                 circuit_options=circuit_options)
    q_scaled = q.copy()
    for index, name in enumerate(budget.components):
        if name in scales:
            _, q_c, _, _ = _mechanisms(code, rounds=rounds, basis=basis,
                                       noise=scaled_noise(noise, {name: scales[name]}),
                                       components=(name,), circuit_options=circuit_options)
            q_scaled[owner == index] = q_c
    safe = np.clip(q, 1e-300, 1 - 1e-16)
    log_silent = float(np.sum(np.log1p(-np.clip(q_scaled, 0, 1 - 1e-16)) - np.log1p(-safe)))
    log_fired = np.log(np.clip(q_scaled, 1e-300, 1)) - np.log(safe) - (
        np.log1p(-np.clip(q_scaled, 0, 1 - 1e-16)) - np.log1p(-safe))
    weights = np.array([math.exp(log_silent + float(log_fired[f].sum()))
                        for f in budget.failing])
    n = budget.shots
    estimate = float(weights.sum() / n)
    variance = float((weights ** 2).sum() / n - estimate ** 2) / n
    return estimate, math.sqrt(max(variance, 0.0))
