"""The results of the splitting estimator: :class:`RungSummary` (one rung of the ladder),
:class:`RareEventEstimate` (the whole estimate) and :func:`splitting_task` (the stored task an
estimate is saved under)."""

from __future__ import annotations

import dataclasses
from typing import Any

from qec.data import Interval, Task

__all__ = ["RareEventEstimate", "RungSummary", "splitting_task"]


@dataclasses.dataclass(frozen=True)
class RungSummary:
    """One rung of the ladder.

    Attributes:
        level: 0 for the start.
        scale: the odds scale ``s`` of the rung.
        mean_faults: mean ``|E|`` of the failing configurations sampled.
        iterations: proposals per chain.
        decoder_calls: decoder calls of the rung's chains.
        acceptance: accepted moves per proposal.
        autocorrelation: integrated autocorrelation time of ``|E|``, in iterations.
        effective_samples: kept samples divided by the autocorrelation time.
        drift: z-score of the difference of the mean ``|E|`` between the first and second half
            of the kept samples (large: the chains had not settled).
        log_ratio: ``ln(P_level / P_(level-1))`` (``ln P_0`` for the start).
        log_ratio_sd: its jackknife standard deviation (binomial for the start).
        overlap: the smaller of the two fractions of one rung's samples whose ``|E|`` lies in
            the other's central 98% (1 for the start).
        derivative, derivative_sd: with pivots, the estimate of ``d ln P / d ln s`` at the
            rung and its standard error over the chain groups (None without).
        second_log_ratio, second_log_ratio_sd: with pivots, the ratio by the integration that
            is not the estimate's (``RareEventEstimate.integration``) and its jackknife
            standard deviation: the second opinion (None without, or for the start).
    """

    level: int
    scale: float
    mean_faults: float
    iterations: int
    decoder_calls: int
    acceptance: float
    autocorrelation: float
    effective_samples: float
    drift: float
    log_ratio: float
    log_ratio_sd: float
    overlap: float
    derivative: float | None = None
    derivative_sd: float | None = None
    second_log_ratio: float | None = None
    second_log_ratio_sd: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return {key: (round(value, 6) if isinstance(value, float) else value)
                for key, value in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class RareEventEstimate:
    """A logical error rate estimated by splitting (or, when it is large, sampled directly).

    Attributes:
        logical_error_per_shot: the estimate with its interval (None when incomplete).
        logical_error_per_round: the same per round (``rounds`` and the observables' count k).
        method: ``"splitting"``, or ``"direct"`` when direct sampling reached the precision.
        decoder_calls: decoder calls of the whole estimate (direct shots included).
        equivalent_direct_shots: the shots direct sampling would need for the same relative
            standard error, ``(1 - P) / (P sigma^2)``.
        seconds: wall-clock seconds of the estimate (those of stored levels included).
        worker_seconds: seconds the workers spent in this run (sampling and decoding).
        total_worker_seconds: the workers' seconds of the whole estimate, stored levels or
            replicates included (None when a stored level predates this record): the figure
            to set beside direct sampling's cost (:func:`qec.sampling.measure_direct_cost`).
        rungs: the ladder.
        direct_shots, direct_failures: the direct sample at the start.
        warnings: why the estimate may not be trusted (empty when every check passed).
        complete: whether the ladder reached the target model (subset simulation: whether
            the replicates asked for at least were run).
        strong_id: the task of the estimate in the results database.
        replicates: subset simulation's independent replicates (0 for splitting).
        levels: subset simulation's levels, summarised over the replicates that reached each:
            ``level``, ``replicates``, median ``threshold`` (of the gap) and ``lineages``
            (distinct first-level ancestors of the level's samples), mean ``acceptance`` and
            ``mean_faults`` (empty for splitting).
        integration: how the ladder's ratios were integrated: ``"pivots"`` (the trapezoid of
            the rungs' pivot derivatives) or ``"bennett"`` (Bennett's acceptance ratios); with
            pivots, the one whose first ratio had the smaller variance.
        second_opinion: with pivots, the estimate per shot by the other integration of the
            same chains, with its interval (None without, or when incomplete). A
            disagreement beyond three standard deviations is a warning.
    """

    logical_error_per_shot: Interval | None
    logical_error_per_round: Interval | None
    method: str
    decoder_calls: int
    equivalent_direct_shots: float | None
    seconds: float
    worker_seconds: float
    rungs: tuple[RungSummary, ...]
    direct_shots: int
    direct_failures: int
    warnings: tuple[str, ...]
    complete: bool
    strong_id: str
    replicates: int = 0
    levels: tuple[dict[str, Any], ...] = ()
    total_worker_seconds: float | None = None
    integration: str = "bennett"
    second_opinion: Interval | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (the keys of ``qec lowrate --json``)."""
        shot = self.logical_error_per_shot
        per_round = self.logical_error_per_round
        return {
            "logical_error_per_shot": None if shot is None else shot.estimate,
            "logical_error_per_shot_ci": None if shot is None else [shot.low, shot.high],
            "logical_error_per_round": None if per_round is None else per_round.estimate,
            "logical_error_per_round_ci": (None if per_round is None
                                           else [per_round.low, per_round.high]),
            "confidence": None if shot is None else shot.confidence,
            "method": self.method,
            "decoder_calls": self.decoder_calls,
            "equivalent_direct_shots": self.equivalent_direct_shots,
            "seconds": round(self.seconds, 3),
            "worker_seconds": round(self.worker_seconds, 3),
            "total_worker_seconds": (None if self.total_worker_seconds is None
                                     else round(self.total_worker_seconds, 3)),
            "complete": self.complete,
            "direct_shots": self.direct_shots,
            "direct_failures": self.direct_failures,
            "rungs": [rung.to_json() for rung in self.rungs],
            "replicates": self.replicates,
            "levels": [dict(level) for level in self.levels],
            "warnings": list(self.warnings),
            "strong_id": self.strong_id,
            "integration": self.integration,
            "second_opinion_per_shot": (None if self.second_opinion is None
                                        else self.second_opinion.estimate),
            "second_opinion_per_shot_ci": (None if self.second_opinion is None else
                                           [self.second_opinion.low, self.second_opinion.high]),
        }


def splitting_task(task: Task, *, seed: int, chains: int, groups: int,
                   pivots: bool = False) -> Task:
    """The stored task of a splitting estimate of ``task``: the same circuit and decoder, its
    metadata plus ``estimator="splitting"`` and the method's identity (seed, chains, groups,
    and ``"pivots": true`` when the ladder is integrated by its pivots: such a ladder stores
    what a ladder without them does not, so the two are different tasks).

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit("X_ERROR(0.1) 0\\nM 0\\nDETECTOR rec[-1]\\n"
        ...                        "OBSERVABLE_INCLUDE(0) rec[-1]")
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"p": 0.1})
        >>> splitting_task(task, seed=1, chains=64, groups=16).json_metadata["estimator"]
        'splitting'
    """
    metadata = dict(task.json_metadata)
    # "model": the chains run on the mechanisms restricted to what the decoder reads
    # (MechanismModel.restricted); ladders stored before that are another task, never resumed.
    metadata.update({"estimator": "splitting", "splitting": {
        "seed": int(seed), "chains": int(chains), "groups": int(groups),
        "model": "relevant", **({"pivots": True} if pivots else {})}})
    return Task(circuit=task.circuit, decoder=task.decoder, json_metadata=metadata)
