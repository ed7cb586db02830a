"""The bottom layer: values that every other layer shares.

Tasks (what to sample), their statistics (what was seen), intervals, estimators (how
statistics become an interval) and stopping rules. The store, the sampling engine, the analysis
and the plots all import these; nothing here imports any other part of qec except the
validators and the registry helper.

Examples:
    >>> from qec.data import TaskStats, binomial_interval
    >>> stats = TaskStats(strong_id="x", decoder="pymatching",
    ...                   json_metadata={"distance": 3, "rounds": 3, "p": 0.01},
    ...                   shots=1000, errors=10)
    >>> stats.logical_error() == binomial_interval(errors=10, shots=1000)
    True
"""

from qec.data._estimators import (
    BinomialEstimator,
    Estimator,
    SplittingEstimator,
    SubsetEstimator,
    WeightedEstimator,
    estimator_names,
    get_estimator,
    jackknife_variance,
    register_estimator,
    splitting_interval,
    subset_interval,
)
from qec.data._interval import (
    Interval,
    binomial_interval,
    likelihood_factor,
    per_round_error,
    shot_error,
)
from qec.data._stopping import MaxErrors, StoppingRule, TargetRelativeError
from qec.data._task import CHUNK_SHOTS, Task, TaskStats

__all__ = [
    "CHUNK_SHOTS",
    "BinomialEstimator",
    "Estimator",
    "Interval",
    "MaxErrors",
    "SplittingEstimator",
    "StoppingRule",
    "SubsetEstimator",
    "TargetRelativeError",
    "Task",
    "TaskStats",
    "WeightedEstimator",
    "binomial_interval",
    "estimator_names",
    "get_estimator",
    "jackknife_variance",
    "likelihood_factor",
    "per_round_error",
    "register_estimator",
    "shot_error",
    "splitting_interval",
    "subset_interval",
]
