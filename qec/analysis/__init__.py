"""Statistics of logical errors: binomial intervals, per-round error, crossings, thresholds, Lambda.

Functions take any iterable of objects with attributes ``distance, rounds,
physical_error_rate, shots, errors`` (optionally ``discards``), such as
``qec.sampling.TaskStats``, or the :class:`Point` value type for hand-made data.
"""

from qec.analysis._crossings import (
    Crossing,
    CrossingReport,
    DriftTest,
    NoCrossing,
    crossing_report,
    crossings,
    drift_test,
)
from qec.analysis._cycles import CycleFit, DeviceFit, fit_device
from qec.analysis._extrapolate import (
    ThresholdExtrapolation,
    crossing_shift,
    extrapolate_threshold,
)
from qec.analysis._lambda import (
    DistanceProjection,
    LambdaFit,
    boundary_amplitude,
    fit_lambda,
    fit_per_round_error,
    lambda_from_errors,
)
from qec.analysis._points import Point, PointLike, Quantity, logical_error, merge_points
from qec.analysis._precision import (
    PrecisionSweep,
    allocate_shots,
    precision_sweep,
    relative_half_width,
)
from qec.analysis._series import AXIS_KEYS, SERIES_KEYS, series_key, series_label, split_series
from qec.analysis._summary import (
    ThresholdAssessment,
    assess_threshold,
    extrapolation_dict,
    lambda_dict,
    threshold_dict,
    threshold_summary,
)
from qec.analysis._threshold import ThresholdFit, fit_threshold
from qec.data._interval import (
    Interval,
    binomial_interval,
    likelihood_factor,
    per_round_error,
    shot_error,
)

__all__ = [
    "AXIS_KEYS",
    "SERIES_KEYS",
    "Crossing",
    "CrossingReport",
    "CycleFit",
    "DeviceFit",
    "DistanceProjection",
    "DriftTest",
    "Interval",
    "LambdaFit",
    "NoCrossing",
    "Point",
    "PointLike",
    "PrecisionSweep",
    "Quantity",
    "ThresholdAssessment",
    "ThresholdExtrapolation",
    "ThresholdFit",
    "allocate_shots",
    "assess_threshold",
    "binomial_interval",
    "boundary_amplitude",
    "crossing_report",
    "crossing_shift",
    "crossings",
    "drift_test",
    "extrapolate_threshold",
    "extrapolation_dict",
    "fit_device",
    "fit_lambda",
    "fit_per_round_error",
    "fit_threshold",
    "lambda_dict",
    "lambda_from_errors",
    "likelihood_factor",
    "logical_error",
    "merge_points",
    "per_round_error",
    "precision_sweep",
    "relative_half_width",
    "series_key",
    "series_label",
    "shot_error",
    "split_series",
    "threshold_dict",
    "threshold_summary",
]
