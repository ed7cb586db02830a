"""Threshold by finite-size scaling: P_L = A + B x + C x^2 with x = (p - p_th) d^(1/nu).

With three or more distances the fit includes the leading correction to scaling,
``D d^-omega`` or ``d^-omega (D + E x)`` (see :func:`fit_threshold`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.special import chdtrc

from qec.analysis._crossings import (
    Crossing,
    CrossingReport,
    DriftTest,
    NoCrossing,
    crossing_report,
    drift_test,
)
from qec.analysis._extrapolate import DEFAULT_OMEGA_RANGE, _check_range
from qec.analysis._points import (
    Point,
    PointLike,
    Quantity,
    check_quantity,
    merge_points,
    rates_and_sigmas,
    rates_and_sigmas_of_counts,
)

__all__ = ["CORRECTIONS", "ThresholdFit", "fit_threshold"]

CORRECTIONS = ("auto", "none", "constant", "linear")
"""The ``correction`` values of :func:`fit_threshold`."""
_MIN_FIT_POINTS = 6
_MIN_POINTS_PER_DISTANCE = 3
_MIN_CORRECTED_DOF = 3
"""``correction="auto"`` fits a correction only when this many degrees of freedom remain."""
_POOR_FIT_LEVEL = 0.01
"""A fit whose chi-squared tail probability is below this is reported as a poor fit."""
_SIGNIFICANT_LEVEL = 0.05
"""The level at which the correction's improvement of chi-squared counts as significant."""
_EDGE = 1e-6
_NU_RANGE = (0.2, 10.0)
"""The range nu is fitted in (and its interval reported in)."""


@dataclasses.dataclass(frozen=True)
class ThresholdFit:
    """A finite-size-scaling fit of logical-error data across distances.

    The model is ``P_L = A + B x + C x^2`` with ``x = (p - threshold) d^(1/nu)``, where ``P_L`` is
    the logical error per round or per shot (``quantity``), plus, when :attr:`correction` is not
    ``"none"``, the leading correction to scaling ``d^-omega D`` (``"constant"``) or
    ``d^-omega (D + E x)`` (``"linear"``); the threshold is then the crossing of infinitely large
    codes, not of the distances sampled.

    The reported interval ``[threshold_low, threshold_high]`` holds every error the fit knows
    of: the statistical (bootstrap) interval, which with a correction includes the uncertainty
    of its exponent and amplitudes, widened by :attr:`scale_factor` when the model fits worse
    than the statistics allow, and, for a fit without correction, extended to the crossing of
    the largest distances when the crossings drift with distance (:attr:`drift`). What the fit
    cannot vouch for is in :attr:`warnings`, plain sentences, empty only when nothing is wrong.

    Attributes:
        threshold: the fitted threshold p_th; with :attr:`bound` set, only a bound.
        threshold_low: lower end of the reported interval.
        threshold_high: upper end of the reported interval.
        nu: the fitted critical exponent (or the value it was fixed at).
        nu_low: lower end of its interval (equal to ``nu`` when fixed).
        nu_high: upper end of its interval (equal to ``nu`` when fixed).
        coefficients: ``(A, B, C)``.
        chi2: the weighted sum of squared residuals at the best fit.
        dof: degrees of freedom, points used minus parameters fitted.
        quantity: ``"per_round"`` or ``"per_shot"``.
        window: the inclusion rule's bound on ``|p / p_th - 1| d^(1/nu)``.
        confidence: the coverage of the intervals.
        bootstrap: the number of bootstrap redraws behind the intervals.
        points: the (merged) points the fit used, sorted.
        excluded: how many points the window rule left out.
        crossings: the pairwise crossings of consecutive distances, over all points.
        statistical_low: lower end of the bootstrap percentile interval alone.
        statistical_high: upper end of the bootstrap percentile interval alone.
        scale_factor: ``sqrt(chi2 / dof)`` when above 1, else 1: the factor the statistical
            interval (of the threshold, nu and omega) was widened by, as the Particle Data
            Group scales the errors of inconsistent measurements.
        drift: the test of the crossings for drift with distance (None with fewer than two).
        bound: ``"lower"`` when the fit ran into the upper edge of the sampled range (the data
            say only ``p_th > threshold``), ``"upper"`` at the lower edge, else None.
        open_low: the reported interval runs into the lower edge of the range fitted.
        open_high: the reported interval runs into the upper edge.
        missing_crossings: pairs of consecutive distances whose curves do not cross.
        warnings: why the numbers may not be quoted as they stand; empty when nothing is wrong.
        correction: the model fitted: ``"none"`` (the plain form), ``"constant"`` (plus
            ``D d^-omega``) or ``"linear"`` (plus ``d^-omega (D + E x)``).
        omega: the fitted correction exponent (None without a correction).
        omega_low: lower end of its interval (None without a correction).
        omega_high: upper end of its interval (None without a correction).
        omega_range: the range omega was fitted in (None without a correction).
        correction_coefficients: ``(D,)`` or ``(D, E)`` (``E`` in units of the absolute
            ``x``, as ``B``); empty without a correction.
        plain_threshold: the threshold of the plain form fitted to the same points (equal to
            :attr:`threshold` without a correction): how far the correction moved it.
        plain_chi2: the plain form's chi-squared on the same points.
        plain_dof: its degrees of freedom.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
        ...              errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
        ...        for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
        >>> fit = fit_threshold(pts, quantity="per_shot", bootstrap=20)
        >>> round(fit.threshold, 4), round(fit.nu, 2), fit.distances, fit.correction
        (0.1, 1.5, (3, 5, 7), 'constant')
    """

    threshold: float
    threshold_low: float
    threshold_high: float
    nu: float
    nu_low: float
    nu_high: float
    coefficients: tuple[float, float, float]
    chi2: float
    dof: int
    quantity: Quantity
    window: float
    confidence: float
    bootstrap: int
    points: tuple[Point, ...]
    excluded: int
    crossings: tuple[Crossing, ...]
    statistical_low: float | None = None
    statistical_high: float | None = None
    scale_factor: float = 1.0
    drift: DriftTest | None = None
    bound: str | None = None
    open_low: bool = False
    open_high: bool = False
    missing_crossings: tuple[NoCrossing, ...] = ()
    warnings: tuple[str, ...] = ()
    correction: str = "none"
    omega: float | None = None
    omega_low: float | None = None
    omega_high: float | None = None
    omega_range: tuple[float, float] | None = None
    correction_coefficients: tuple[float, ...] = ()
    plain_threshold: float | None = None
    plain_chi2: float | None = None
    plain_dof: int | None = None

    def __post_init__(self) -> None:
        check_quantity(self.quantity)
        object.__setattr__(self, "coefficients", tuple(float(c) for c in self.coefficients))
        object.__setattr__(self, "correction_coefficients",
                           tuple(float(c) for c in self.correction_coefficients))
        for name in ("points", "crossings", "missing_crossings", "warnings"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.statistical_low is None:
            object.__setattr__(self, "statistical_low", self.threshold_low)
        if self.statistical_high is None:
            object.__setattr__(self, "statistical_high", self.threshold_high)
        if self.plain_threshold is None:
            object.__setattr__(self, "plain_threshold", self.threshold)
        if self.plain_chi2 is None:
            object.__setattr__(self, "plain_chi2", self.chi2)
        if self.plain_dof is None:
            object.__setattr__(self, "plain_dof", self.dof)
        if self.bound not in (None, "lower", "upper"):
            raise ValueError(f"bound={self.bound!r} must be None, 'lower' or 'upper'")
        if not self.scale_factor >= 1:
            raise ValueError(f"scale_factor={self.scale_factor!r} must be at least 1")
        for name in ("threshold", "threshold_low", "threshold_high", "nu", "nu_low", "nu_high",
                     "chi2", "window", "confidence", "statistical_low", "statistical_high",
                     "plain_threshold", "plain_chi2"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be finite")
            object.__setattr__(self, name, value)
        if not self.threshold_low <= self.threshold <= self.threshold_high:
            raise ValueError(
                f"need threshold_low <= threshold <= threshold_high, got {self.threshold_low!r}, "
                f"{self.threshold!r}, {self.threshold_high!r}"
            )
        if not self.nu_low <= self.nu <= self.nu_high:
            raise ValueError(
                f"need nu_low <= nu <= nu_high, got {self.nu_low!r}, {self.nu!r}, {self.nu_high!r}"
            )
        if self.dof < 1:
            raise ValueError(f"dof={self.dof!r} must be at least 1")
        self._check_correction()

    def _check_correction(self) -> None:
        if self.correction not in _CORRECTION_COLUMNS:
            raise ValueError(f"correction={self.correction!r} must be one of "
                             f"{tuple(_CORRECTION_COLUMNS)}")
        expected = _CORRECTION_COLUMNS[self.correction]
        if len(self.correction_coefficients) != expected:
            raise ValueError(f"correction={self.correction!r} needs {expected} correction "
                             f"coefficients, got {self.correction_coefficients!r}")
        omegas = (self.omega, self.omega_low, self.omega_high, self.omega_range)
        if self.correction == "none":
            if any(v is not None for v in omegas):
                raise ValueError("omega, its interval and omega_range must be None without a "
                                 "correction")
            return
        if any(v is None for v in omegas):
            raise ValueError(f"correction={self.correction!r} needs omega, omega_low, "
                             "omega_high and omega_range")
        object.__setattr__(self, "omega_range", tuple(float(v) for v in self.omega_range))
        for name in ("omega", "omega_low", "omega_high"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be finite")
            object.__setattr__(self, name, value)
        if not self.omega_low <= self.omega <= self.omega_high:
            raise ValueError(f"need omega_low <= omega <= omega_high, got {self.omega_low!r}, "
                             f"{self.omega!r}, {self.omega_high!r}")

    @property
    def chi2_per_dof(self) -> float:
        """The reduced chi-squared, ``chi2 / dof``: about 1 when the model fits the data."""
        return self.chi2 / self.dof

    @property
    def p_value(self) -> float:
        """The chi-squared tail probability of the fit (below 1%: a poor fit, with a warning)."""

        return float(chdtrc(self.dof, self.chi2))

    @property
    def reliable(self) -> bool:
        """True when :attr:`warnings` is empty: the interval can be quoted as it stands."""
        return not self.warnings

    def describe(self) -> str:
        """The threshold as a line to quote: ``p_th = 0.1003 [0.0998, 0.1008]``, or a bound.

        An open side of the interval is written as the edge it reached, with ``>=`` or ``<=``.
        """
        if self.bound is not None:
            relation = ">" if self.bound == "lower" else "<"
            return (f"p_th {relation} {self.threshold:.4g} (a bound: the fit ran into the edge "
                    "of the sampled range)")
        low = ("<= " if self.open_low else "") + f"{self.threshold_low:.4g}"
        high = (">= " if self.open_high else "") + f"{self.threshold_high:.4g}"
        return f"p_th = {self.threshold:.4g} [{low}, {high}]"

    @property
    def form(self) -> str:
        """The form fitted: ``"A + B x + C x^2"``, plus ``" + D d^-omega"`` or
        ``" + d^-omega (D + E x)"``."""
        if self.correction == "none":
            return "A + B x + C x^2"
        return f"A + B x + C x^2 + {_CORRECTION_FORMS[self.correction]}"

    def describe_model(self) -> str:
        """The form fitted with omega, e.g. ``A + B x + C x^2 + d^-omega (D + E x), omega =
        0.648 [0.5, 0.967]``."""
        if self.correction == "none":
            return self.form
        return (f"{self.form}, omega = {self.omega:.3g} [{self.omega_low:.3g}, "
                f"{self.omega_high:.3g}]")

    @property
    def distances(self) -> tuple[int, ...]:
        """The distances of the points used, ascending."""
        return tuple(sorted({pt.distance for pt in self.points}))

    @property
    def physical_error_rates(self) -> tuple[float, ...]:
        """The physical error rates of the points used, ascending."""
        return tuple(sorted({pt.physical_error_rate for pt in self.points}))

    def scaling_variable(self, *, distance: float, physical_error_rate: float) -> float:
        """``x = (p - threshold) d^(1/nu)``, the abscissa of the data-collapse plot."""
        return (physical_error_rate - self.threshold) * distance ** (1 / self.nu)

    def correction_term(self, x: float, *, distance: float) -> float:
        """The fitted correction to scaling at ``x`` and ``distance``: ``d^-omega (D + E x)``
        (0 without a correction). ``model(x) + correction_term(x, distance=d)`` is the fitted
        logical error of distance ``d``."""
        if self.correction == "none":
            return 0.0
        amplitude = self.correction_coefficients[0]
        if self.correction == "linear":
            amplitude += self.correction_coefficients[1] * x
        return distance**-self.omega * amplitude

    def model(self, x: float, *, distance: float | None = None) -> float:
        """The fitted ``A + B x + C x^2`` (the infinite-distance curve), plus the correction to
        scaling of ``distance`` when one is given."""
        a, b, c = self.coefficients
        value = a + b * x + c * x * x
        if distance is not None:
            value += self.correction_term(x, distance=distance)
        return value

    def relative_parameters(self) -> np.ndarray:
        """The full parameter vector of the fitted model in relative units (internal use):
        ``(p_th, nu, omega, A, B p_th, C p_th^2[, D[, E p_th]])``."""
        a, b, c = self.coefficients
        th = self.threshold
        extra = list(self.correction_coefficients)
        if self.correction == "linear":
            extra[1] *= th
        omega = 1.0 if self.omega is None else self.omega
        return np.array([th, self.nu, omega, a, b * th, c * th * th, *extra])

    def gradients(self, points: Iterable[PointLike]) -> np.ndarray:
        """The model's gradient at each point with respect to its fitted parameters.

        One row per point, one column per parameter the fit adjusted (the threshold first),
        in the relative units of :meth:`relative_parameters`; a fixed nu or omega has no
        column (a zero-width interval marks it as fixed).
        """
        items = list(points)
        ps = np.array([pt.physical_error_rate for pt in items])
        ds = np.array([pt.distance for pt in items], dtype=np.float64)
        omega_range = self.omega_range or (1.0, 1.0)
        model = _Model(ps, ds, self.nu if self.nu_low == self.nu_high else None,
                       self.correction, omega_range)
        return model.jacobian(self.relative_parameters(), ps, ds)[:, model.free]


_CORRECTION_COLUMNS = {"none": 0, "constant": 1, "linear": 2}
_CORRECTION_FORMS = {"constant": "D d^-omega", "linear": "d^-omega (D + E x)"}
_GRID = (24, 12, 6)
"""Grid of the corrected fit's global search: thresholds, 1/nu values, omegas."""
_BOOTSTRAP_GRID = (12, 8, 4)
"""The coarser grid of the bootstrap's refits, which start from the best fit."""


def _relative_x(params: np.ndarray, ps: np.ndarray, ds: np.ndarray) -> np.ndarray:
    threshold, nu = params[0], params[1]
    return (ps / threshold - 1) * ds ** (1 / nu)


def _select(ps: np.ndarray, ds: np.ndarray, *, threshold: float, nu: float, window: float
            ) -> np.ndarray:
    return np.abs(ps / threshold - 1) * ds ** (1 / nu) <= window


def _initial_abc(ys: np.ndarray, sigmas: np.ndarray, xs: np.ndarray) -> np.ndarray:
    design = np.stack([np.ones_like(xs), xs, xs * xs], axis=1) / sigmas[:, None]
    abc, *_ = np.linalg.lstsq(design, ys / sigmas, rcond=None)
    return abc


class _Model:
    """Weighted least squares of the scaling form in relative units, ``x = (p/p_th - 1) d^(1/nu)``.

    The full parameter vector is ``(p_th, nu, omega, A, B, C[, D[, E]])``: the model is
    ``A + B x + C x^2`` plus ``d^-omega D`` (``"constant"``) or ``d^-omega (D + E x)``
    (``"linear"``). A fixed nu, a fixed omega (``omega_range`` of zero width) and omega without
    a correction are left out of the fitted vector.
    """

    def __init__(self, ps: np.ndarray, ds: np.ndarray, fixed_nu: float | None,
                 correction: str = "none", omega_range: tuple[float, float] = (1.0, 1.0)
                 ) -> None:
        self.ps, self.ds, self.fixed_nu = ps, ds, fixed_nu
        self.correction = correction
        self.omega_range = omega_range
        self.n_linear = 3 + _CORRECTION_COLUMNS[correction]
        omega_free = correction != "none" and omega_range[0] < omega_range[1]
        self.free = np.array([True, fixed_nu is None, omega_free] + [True] * self.n_linear)
        self.fixed = np.array([np.nan, 1.0 if fixed_nu is None else fixed_nu,
                               omega_range[0]] + [np.nan] * self.n_linear)

    @property
    def n_free(self) -> int:
        return int(self.free.sum())

    def full(self, params: np.ndarray) -> np.ndarray:
        full = self.fixed.copy()
        full[self.free] = params
        return full

    def reduce(self, full: np.ndarray) -> np.ndarray:
        return np.asarray(full, dtype=np.float64)[self.free]

    def columns(self, threshold, nu, omega, ps: np.ndarray, ds: np.ndarray) -> np.ndarray:
        """The linear part's design matrix, ``(..., n, n_linear)``; broadcasts over the first
        three arguments (given with a trailing unit axis)."""
        x = (ps / threshold - 1) * ds ** (1 / nu)
        columns = [np.ones_like(x), x, x * x]
        if self.correction != "none":
            g = ds ** -np.asarray(omega, dtype=np.float64) * np.ones_like(x)
            columns.append(g)
            if self.correction == "linear":
                columns.append(g * x)
        return np.stack(columns, axis=-1)

    def predict(self, full: np.ndarray, ps: np.ndarray, ds: np.ndarray) -> np.ndarray:
        return self.columns(full[0], full[1], full[2], ps, ds) @ full[3:]

    def jacobian(self, full: np.ndarray, ps: np.ndarray, ds: np.ndarray) -> np.ndarray:
        """d(model)/d(full parameters), ``(n, 3 + n_linear)``."""
        threshold, nu, omega = full[0], full[1], full[2]
        coefficients = full[3:]
        scale = ds ** (1 / nu)
        x = (ps / threshold - 1) * scale
        slope = coefficients[1] + 2 * coefficients[2] * x
        d_omega = np.zeros_like(x)
        if self.correction != "none":
            g = ds**-omega
            amplitude = coefficients[3] * np.ones_like(x)
            if self.correction == "linear":
                slope = slope + coefficients[4] * g
                amplitude = amplitude + coefficients[4] * x
            d_omega = -np.log(ds) * g * amplitude
        columns = [slope * (-ps / threshold**2) * scale,
                   slope * x * np.log(ds) * (-1 / nu**2),
                   d_omega]
        linear = self.columns(threshold, nu, omega, ps, ds)
        return np.concatenate([np.stack(columns, axis=1), linear], axis=1)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([self.ps.min(), _NU_RANGE[0], self.omega_range[0]]
                       + [-np.inf] * self.n_linear)
        high = np.array([self.ps.max(), _NU_RANGE[1], self.omega_range[1]]
                        + [np.inf] * self.n_linear)
        return self.reduce(low), self.reduce(high)

    def local_fit(self, ys: np.ndarray, sigmas: np.ndarray, start: np.ndarray
                  ) -> tuple[np.ndarray, float]:
        """Least squares from ``start`` (a full vector), within the bounds."""
        from scipy.optimize import least_squares

        def residuals(params: np.ndarray) -> np.ndarray:
            return (self.predict(self.full(params), self.ps, self.ds) - ys) / sigmas

        def jacobian(params: np.ndarray) -> np.ndarray:
            full_jac = self.jacobian(self.full(params), self.ps, self.ds) / sigmas[:, None]
            return full_jac[:, self.free]

        low, high = self.bounds()
        x0 = np.clip(self.reduce(start), low, high)
        result = least_squares(residuals, x0, jac=jacobian, bounds=(low, high), x_scale="jac")
        return self.full(result.x), float(np.sum(result.fun**2))

    def grid_start(self, ys: np.ndarray, sigmas: np.ndarray, grid: tuple[int, int, int] = _GRID
                   ) -> tuple[np.ndarray, float]:
        """The best point of a grid over (p_th, 1/nu, omega), the linear part solved exactly.

        The corrected model's chi-squared surface has several minima (omega trades off against
        nu and the amplitudes), so a local fit from one start can stop in the wrong one.
        """
        n_threshold, n_nu, n_omega = grid
        thresholds = np.geomspace(self.ps.min(), self.ps.max(), n_threshold)
        inverse_nus = (np.array([1 / self.fixed_nu]) if self.fixed_nu is not None
                       else np.linspace(0.25, 2.0, n_nu))
        omegas = (np.linspace(*self.omega_range, n_omega) if self.free[2]
                  else np.array([self.omega_range[0]]))
        t, n, o = np.meshgrid(thresholds, 1 / inverse_nus, omegas, indexing="ij")
        design = (self.columns(t[..., None], n[..., None], o[..., None], self.ps, self.ds)
                  / sigmas[:, None])
        weighted = ys / sigmas
        transposed = np.swapaxes(design, -1, -2)
        normal = transposed @ design
        rhs = transposed @ weighted
        try:
            beta = np.linalg.solve(normal, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = (np.linalg.pinv(normal) @ rhs[..., None])[..., 0]
        chi2 = np.sum((weighted - (design @ beta[..., None])[..., 0]) ** 2, axis=-1)
        chi2 = np.where(np.isfinite(chi2), chi2, np.inf)
        best = np.unravel_index(int(np.argmin(chi2)), chi2.shape)
        return np.concatenate([[t[best], n[best], o[best]], beta[best]]), float(chi2[best])

    def fit(self, ys: np.ndarray, sigmas: np.ndarray, start: np.ndarray, *,
            thorough: bool = True) -> tuple[np.ndarray, float]:
        """The best fit from ``start`` and, with a correction, from the grid's best point.

        With ``thorough=False`` (the bootstrap's refits, started at the best fit) the grid's
        point is refined only when it is already better than the fit from ``start``, i.e.
        when the redraw moved the minimum to another basin.
        """
        best = self.local_fit(ys, sigmas, start)
        if self.correction != "none":
            grid_point, grid_chi2 = self.grid_start(
                ys, sigmas, _GRID if thorough else _BOOTSTRAP_GRID)
            if thorough or grid_chi2 < best[1]:
                other = self.local_fit(ys, sigmas, grid_point)
                if other[1] < best[1]:
                    best = other
        return best


def fit_threshold(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    window: float = 1.0,
    nu: float | None = None,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    max_iterations: int = 10,
    correction: str = "auto",
    omega_range: tuple[float, float] = DEFAULT_OMEGA_RANGE,
) -> ThresholdFit:
    """Fits the threshold by finite-size scaling, with the leading correction to scaling.

    Model: ``P_L = A + B x + C x^2 + d^-omega (D + E x)``, ``x = (p - p_th) d^(1/nu)``, fitted
    by ``scipy.optimize.least_squares`` with each point weighted by its binomial standard error
    ``sqrt(q (1 - q) / shots)`` (``q = (errors + 1/2) / (shots + 1)``, carried to the per-round
    error when ``quantity="per_round"``). ``p_th`` is then the crossing of infinitely large
    codes; the crossings of the distances sampled drift towards it as ``d^-(omega + 1/nu)``.

    The quadratic is the expansion of the scaling function that Wang, Harrington and Preskill
    fitted (Ann. Phys. 303, 31 (2003), arXiv:quant-ph/0207088), who added to it a non-universal,
    ``x``-independent correction ``D L^(-1/mu)`` (here ``D d^-omega``, ``correction="constant"``).
    The general leading correction to scaling (the irrelevant scaling field; Wegner, Phys. Rev.
    B 5, 4529 (1972)) is ``d^-omega G(x)``; ``"linear"`` expands ``G`` to first order,
    ``G(x) = D + E x``, which also lets the slope, not only the level, of small codes differ.
    The default takes the smallest of these the data justify: the constant form, unless it
    fails its chi-squared test or the linear term improves the fit significantly. The constant
    form is not enough for real decoders at high statistics: on a ``make demo`` sweep (SI1000,
    MWPM, d = 3, 5, 7, 20,000 errors per point) the plain form gives chi2/dof = 12.3 over 19
    dof (p-value 5e-39), the constant correction 2.4 over 17 (p-value 0.001, omega at the edge
    0.5) and the linear one 1.06 over 16 (p-value 0.39), on the same 24 points.

    ``correction``:

    - ``"auto"`` (default): with three or more distances in the window, ``"constant"``, or
      ``"linear"`` if the constant form fails its chi-squared test (p-value below 1%) or the
      linear term lowers chi-squared significantly (a likelihood-ratio test at 5%, in units
      of the fit's scatter when chi2/dof > 1), each only when it leaves at least 3 degrees of
      freedom (with too few points, ``"none"`` and a warning); the bootstrap refits the form
      chosen. With two distances ``"none"``, since a correction cannot then be told from the
      threshold (the fit is biased by finite-size effects by an amount it cannot estimate, and
      :func:`qec.analysis.assess_threshold` says so);
    - ``"none"``: the plain form alone (the fit before corrections were added);
    - ``"constant"`` / ``"linear"``: that correction (three or more distances needed).

    omega is fitted within ``omega_range`` (default [0.5, 3], as the drift extrapolation; pass
    ``(w, w)`` to fix it). The corrected model's chi-squared surface has several local minima
    (omega trades off against nu and the amplitudes), so it is fitted from the best point of a
    grid over (p_th, 1/nu, omega) with the linear coefficients solved exactly, and from the
    plain fit, keeping the better.

    Which error: the default ``"per_shot"`` is the finite-size-scaling quantity when the rounds
    grow with the distance (``rounds = d``: the decoding volume is ``d x d x d``, and at the
    threshold its failure probability is scale invariant). The error per round divides it by a
    distance-dependent number of rounds, a factor the scaling form lacks, which moves the
    crossings of ``rounds = d`` sweeps to higher p at small distances. With a fixed number of
    rounds (code capacity: 1) both give the same crossing.

    Inclusion rule (stated, not by hand): a point is used when
    ``|p / p_th - 1| d^(1/nu) <= window``, i.e. when it lies within ``window`` (relative to
    ``p_th``) of the crossing in the scaled variable. It starts from the mean of the pairwise
    crossings with ``nu = 1`` (or the fixed ``nu``) and is iterated with the plain fit's values
    until the selection stops changing (at most ``max_iterations`` times). The corrected model
    is fitted to the same points: its chi-squared is then directly comparable with the plain
    one (nested models), and the selection does not chase the extra parameters (iterating it
    with the corrected p_th and nu oscillates on real data, since nu moves with omega).

    Uncertainty: a parametric bootstrap over the binomial data: the errors of every used point
    are redrawn from ``Binomial(shots, errors / shots)`` ``bootstrap`` times (seeded) and the
    model chosen (correction and omega included) is refitted with the same selection; the
    statistical intervals are the percentiles at ``(1 +- confidence) / 2``. Each refit starts
    from the best fit and moves to the best point of a coarse grid when that is better, so a
    redraw whose minimum lies in another basin of the chi-squared surface is followed there.
    (A profile-likelihood interval joined to it was tried: on the synthetic sweeps of
    ``experiments/threshold_coverage.py`` it covered 98.75% of 400 draws, too conservative,
    where the bootstrap alone covered 96.0%.) The reported interval adds what the fit knows
    beyond statistics:

    - a poor fit (chi-squared p-value below 1%) and any ``chi2/dof > 1`` widen the interval (of
      the threshold, nu and omega) by ``sqrt(chi2/dof)`` (the Particle Data Group's scale
      factor); this applies to whichever model was fitted;
    - without a correction, crossings that drift with distance (:func:`qec.analysis.drift_test`)
      extend it to the crossing of the largest distances, since the fit is then biased towards
      the small ones (with a correction the drift is part of the model);
    - a fit that runs into the edge of the range it fitted is a bound (``bound``), and an
      interval that reaches an edge is open there (``open_low`` / ``open_high``).

    Each of these, curves that do not cross, crossing intervals that reach an edge, too few
    points in the window (fewer than 3 at a distance, or under 3 dof), a significant correction
    whose omega sits at an edge of ``omega_range``, and a significant correction fixed by only
    three distances (its power of d is then fitted, not tested) add a sentence to ``warnings``.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``
            (e.g. ``qec.sampling.TaskStats``); equal (distance, rounds, p) are merged. Give one
            decoder, noise model and basis at a time.
        quantity: fit the logical error ``"per_shot"`` (default) or ``"per_round"``.
        window: the inclusion bound on ``|p / p_th - 1| d^(1/nu)``, positive.
        nu: fix the critical exponent instead of fitting it (e.g. 1.46 for code capacity).
        confidence: the coverage of the intervals, in (0, 1).
        bootstrap: the number of bootstrap redraws, at least 10.
        seed: seeds the bootstrap.
        max_iterations: the bound on refits of the selection, positive.
        correction: ``"auto"``, ``"none"``, ``"constant"`` or ``"linear"`` (above).
        omega_range: the range of the correction exponent, ``0.05 <= low <= high <= 10``.

    Returns:
        A :class:`ThresholdFit`.

    Raises:
        ValueError: fewer than two distances, a point with zero shots, curves that never cross,
            fewer than six points (or two distances) within the window of the crossing, a
            correction asked for with fewer than three distances or too few points in the
            window, or an invalid parameter; the message says what is missing.
    """
    check_quantity(quantity)
    if not window > 0:
        raise ValueError(f"window={window!r} must be positive")
    if nu is not None and not 0.2 <= nu <= 10:
        raise ValueError(f"nu={nu!r} must be between 0.2 and 10, or None to fit it")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    if bootstrap < 10:
        raise ValueError(f"bootstrap={bootstrap!r} must be at least 10")
    if max_iterations < 1:
        raise ValueError(f"max_iterations={max_iterations!r} must be positive")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction={correction!r} must be one of {CORRECTIONS}")
    omega_range = _check_range("omega_range", omega_range, 0.05, 10)
    merged = merge_points(points)
    distances = sorted({pt.distance for pt in merged})
    if len(distances) < 2:
        raise ValueError(
            f"a threshold fit needs points at two or more distances, got distances={distances}"
        )
    sampled_ps = sorted({pt.physical_error_rate for pt in merged})
    if len(sampled_ps) < 2:
        raise ValueError(
            f"a threshold fit needs a sweep over two or more physical error rates, got "
            f"p={sampled_ps}"
        )
    report = crossing_report(merged, quantity=quantity, confidence=confidence,
                             bootstrap=bootstrap, seed=seed)
    found = report.crossings
    if not found:
        reasons = "; ".join(m.describe() for m in report.missing)
        raise ValueError(
            f"the curves of distances {distances} do not cross for p in "
            f"[{sampled_ps[0]:g}, {sampled_ps[-1]:g}]: no points near a crossing to fit "
            f"({reasons}); sample physical error rates on both sides of the threshold"
        )
    ps = np.array([pt.physical_error_rate for pt in merged])
    ds = np.array([pt.distance for pt in merged], dtype=np.float64)
    ys_all, sigmas_all = rates_and_sigmas(merged, quantity=quantity)
    params = np.array(
        [float(np.mean([c.physical_error_rate for c in found])), 1.0 if nu is None else nu,
         omega_range[0], 0.0, 0.0, 0.0]
    )
    n_params = 5 if nu is None else 4
    selection = np.zeros(len(merged), dtype=bool)
    for _ in range(max_iterations):
        new_selection = _select(ps, ds, threshold=params[0], nu=params[1], window=window)
        if np.array_equal(new_selection, selection):
            break
        selection = new_selection
        used_ds = sorted({int(d) for d in ds[selection]})
        if selection.sum() < max(_MIN_FIT_POINTS, n_params + 1) or len(used_ds) < 2:
            raise ValueError(
                f"only {int(selection.sum())} points at distances {used_ds} lie within "
                f"window={window} of the crossing near p={params[0]:.4g} "
                f"(|p/p_th - 1| d^(1/nu) <= window); a fit needs at least "
                f"{max(_MIN_FIT_POINTS, n_params + 1)} points at two or more distances: "
                "sample more physical error rates near the crossing or widen the window"
            )
        model = _Model(ps[selection], ds[selection], nu)
        xs = _relative_x(params, ps[selection], ds[selection])
        params[3:] = _initial_abc(ys_all[selection], sigmas_all[selection], xs)
        params, chi2 = model.fit(ys_all[selection], sigmas_all[selection], params)
    used = [pt for pt, keep in zip(merged, selection, strict=True) if keep]
    ys_used, sigmas_used = ys_all[selection], sigmas_all[selection]
    plain_threshold, plain_chi2, plain_dof = float(params[0]), chi2, len(used) - n_params
    candidates, notes = _choose_correction(correction, used, nu=nu, omega_range=omega_range)
    chosen = "none"
    start = np.concatenate([params[:2], [float(np.sqrt(omega_range[0] * omega_range[1]))],
                            params[3:]])
    for name in candidates:
        # The smallest correction the data justify: each larger one starts from the smaller
        # one's fit (its extra coefficient at 0), and replaces it when the smaller one fails
        # its chi-squared test or the larger one improves chi-squared significantly.
        larger = _Model(ps[selection], ds[selection], nu, name, omega_range)
        start = np.concatenate([start, np.zeros(larger.n_linear + 3 - len(start))])
        fitted, fitted_chi2 = larger.fit(ys_used, sigmas_used, start)
        if chosen != "none" and not _needs_larger(
                chi2, len(used) - model.n_free, fitted_chi2, len(used) - larger.n_free):
            break
        model, params, chi2, chosen, start = larger, fitted, fitted_chi2, name, fitted
    shots = np.array([pt.kept_shots for pt in used], dtype=np.int64)
    rounds = np.array([pt.rounds for pt in used], dtype=np.float64)
    rates = np.array([pt.errors for pt in used], dtype=np.float64) / shots
    values = np.array([pt.num_observables for pt in used], dtype=np.float64)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(bootstrap):
        ys, sigmas = rates_and_sigmas_of_counts(
            errors=rng.binomial(shots, rates).astype(np.float64), shots=shots.astype(np.float64),
            rounds=rounds, quantity=quantity, values=values,
        )
        sample, _ = model.fit(ys, sigmas, params, thorough=False)
        samples.append(sample[:3])
    samples_arr = np.array(samples)
    tail = (1 - confidence) / 2
    lows = np.quantile(samples_arr, tail, axis=0)
    highs = np.quantile(samples_arr, 1 - tail, axis=0)
    threshold, fitted_nu, fitted_omega = (float(v) for v in params[:3])
    stat_low, stat_high = min(threshold, float(lows[0])), max(threshold, float(highs[0]))
    dof = len(used) - model.n_free
    assessment = _assess(
        threshold=threshold, statistical=(stat_low, stat_high),
        chi2=chi2, dof=dof, report=report, fitted_range=(float(ps[selection].min()),
                                                         float(ps[selection].max())),
        used=used, confidence=confidence, correction=chosen,
        omega=(fitted_omega, omega_range, bool(model.free[2])),
        plain=(plain_chi2, plain_dof), notes=notes,
    )
    scale = assessment["scale_factor"]

    def widened(value: float, low: float, high: float) -> tuple[float, float]:
        return (value - scale * (value - min(value, low)),
                value + scale * (max(value, high) - value))

    nu_low, nu_high = fitted_nu, fitted_nu
    if nu is None:
        nu_low, nu_high = widened(fitted_nu, float(lows[1]), float(highs[1]))
        # The widened interval stays inside the range nu is fitted in.
        nu_low, nu_high = max(nu_low, min(fitted_nu, _NU_RANGE[0])), min(nu_high, _NU_RANGE[1])
    a, b_rel, c_rel = (float(v) for v in params[3:6])
    corrections = [float(v) for v in params[6:]]
    if chosen == "linear":
        corrections[1] /= threshold
    omega_fields = {}
    if chosen != "none":
        omega_low, omega_high = widened(fitted_omega, float(lows[2]), float(highs[2]))
        omega_fields = {
            "omega": fitted_omega,
            "omega_low": max(omega_low, omega_range[0]),
            "omega_high": min(omega_high, omega_range[1]),
            "omega_range": omega_range,
        }
    return ThresholdFit(
        threshold=threshold,
        nu=fitted_nu,
        nu_low=nu_low,
        nu_high=nu_high,
        coefficients=(a, b_rel / threshold, c_rel / threshold**2),
        chi2=chi2,
        dof=dof,
        quantity=quantity,
        window=window,
        confidence=confidence,
        bootstrap=bootstrap,
        points=tuple(used),
        excluded=len(merged) - len(used),
        crossings=found,
        missing_crossings=report.missing,
        correction=chosen,
        correction_coefficients=tuple(corrections),
        plain_threshold=plain_threshold,
        plain_chi2=plain_chi2,
        plain_dof=plain_dof,
        **omega_fields,
        **assessment,
    )


def _chi2_p_value(chi2: float, dof: int) -> float:

    return float(chdtrc(dof, chi2))


def _needs_larger(chi2: float, dof: int, larger_chi2: float, larger_dof: int) -> bool:
    """Whether the larger of two nested fits is justified: the smaller fails its chi-squared
    test (p-value below 1%), or the larger improves chi-squared significantly (a likelihood-
    ratio test at 5%, the improvement in units of the larger fit's own scatter when its
    chi2/dof exceeds 1)."""
    if _chi2_p_value(chi2, dof) < _POOR_FIT_LEVEL:
        return True
    improvement = max(chi2 - larger_chi2, 0.0) / max(1.0, larger_chi2 / larger_dof)
    return _chi2_p_value(improvement, max(dof - larger_dof, 1)) < _SIGNIFICANT_LEVEL


def _choose_correction(correction: str, used: list[Point], *, nu: float | None,
                       omega_range: tuple[float, float]) -> tuple[list[str], list[str]]:
    """The corrections to try, smallest first, and why none can be fitted (a warning)."""
    n_distances = len({pt.distance for pt in used})
    base = (5 if nu is None else 4) + (omega_range[0] < omega_range[1])

    def dof(name: str) -> int:
        return len(used) - base - _CORRECTION_COLUMNS[name]

    if correction in ("constant", "linear"):
        if n_distances < 3:
            raise ValueError(
                f"correction={correction!r} needs points at three or more distances in the "
                f"window (got {n_distances}): with two, a correction to scaling cannot be told "
                "from the threshold; use correction='none'")
        if dof(correction) < 1:
            raise ValueError(
                f"correction={correction!r} fits {base + _CORRECTION_COLUMNS[correction]} "
                f"parameters to {len(used)} points in the window: sample more physical error "
                "rates near the crossing, widen the window or use a smaller correction")
        return [correction], []
    if correction == "none" or n_distances < 3:
        return [], []
    candidates = [name for name in ("constant", "linear") if dof(name) >= _MIN_CORRECTED_DOF]
    if candidates:
        return candidates, []
    return [], [
        f"too few points in the window ({len(used)}) to fit the correction to scaling "
        f"(d^-omega D needs {base + 1 + _MIN_CORRECTED_DOF}): the plain fit's finite-size bias is "
        "not estimated; sample more physical error rates near the crossing"]


def _turning_crossings(crossings: Sequence[Crossing]) -> str:
    """The crossings as text when they turn back as d grows (a move one way, then the other,
    each larger than the two crossings' own uncertainty), else ''."""
    values = [(c.physical_error_rate, (c.high - c.low) / 2) for c in crossings]
    moves = []
    for (a, wa), (b, wb) in itertools.pairwise(values):
        moves.append(b - a if abs(b - a) > math.hypot(wa, wb) else 0.0)
    turns = any(m1 * m2 < 0 for m1, m2 in itertools.pairwise(moves))
    if not turns:
        return ""
    return ", ".join(f"d={c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.4g}"
                     for c in crossings)


def _assess(*, threshold: float, statistical: tuple[float, float], chi2: float, dof: int,
            report: CrossingReport, fitted_range: tuple[float, float], used: list[Point],
            confidence: float, correction: str = "none",
            omega: tuple[float, tuple[float, float], bool] = (1.0, (1.0, 1.0), False),
            plain: tuple[float, int] | None = None, notes: Iterable[str] = ()) -> dict:
    """The reported interval and the warnings of a fit: widening, drift, edges, thin data."""

    warnings = [m.describe() for m in report.missing]
    for c in report.crossings:
        for is_open, edge, side in ((c.open_low, c.low, "lower"), (c.open_high, c.high, "upper")):
            if is_open:
                warnings.append(
                    f"the interval of the d={c.distances[0]}/d={c.distances[1]} crossing reaches "
                    f"the {side} edge of the sampled range (p = {edge:.4g}): the crossing may lie "
                    f"{'below' if side == 'lower' else 'above'} it; sample p beyond it")
    warnings.extend(notes)
    stat_low, stat_high = statistical
    scale = max(1.0, math.sqrt(chi2 / dof))
    p_value = float(chdtrc(dof, chi2))
    low = threshold - scale * (threshold - stat_low)
    high = threshold + scale * (stat_high - threshold)
    corrected = correction != "none"
    form = ("the scaling form with its correction "
            f"{_CORRECTION_FORMS[correction]}" if corrected else "the scaling form")
    if p_value < _POOR_FIT_LEVEL:
        warnings.append(
            f"{form} fits poorly: chi2/dof = {chi2 / dof:.3g} over {dof} dof "
            f"(p-value {p_value:.2g}); the interval is widened by sqrt(chi2/dof) = {scale:.3g}, "
            "which assumes the misfit is random scatter; narrow the window or fix nu to check")
    drift = drift_test(report)
    significant = False
    if corrected and plain is not None:
        plain_chi2, plain_dof = plain
        # The improvement in units of the fit's own scatter (an F-test when chi2/dof > 1).
        improvement = max(plain_chi2 - chi2, 0.0) / max(1.0, chi2 / dof)
        significant = float(chdtrc(max(plain_dof - dof, 1), improvement)) \
            < _SIGNIFICANT_LEVEL
    if drift is not None and drift.significant and not corrected:
        last = report.crossings[-1]
        listed = ", ".join(f"d={c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.4g}"
                           for c in report.crossings)
        low, high = min(low, last.low), max(high, last.high)
        warnings.append(
            f"the crossings drift with distance by more than their statistical error ({listed}; "
            f"chi2 = {drift.chi2:.3g} over {drift.dof} dof, p-value {drift.p_value:.2g}): "
            "finite-size corrections bias the fit towards the small distances; its interval is "
            f"extended to the d={last.distances[0]}/{last.distances[1]} crossing, and the "
            "extrapolated estimate (which models the drift) is the one to quote")
    if corrected and significant:
        value, (omega_low, omega_high), free = omega
        at_edge = free and (value <= omega_low * (1 + 1e-3) or value >= omega_high * (1 - 1e-3))
        if at_edge:
            warnings.append(
                f"the fitted correction exponent omega = {value:.3g} is at the edge of the range "
                f"allowed [{omega_low:g}, {omega_high:g}]: the data prefer a correction outside "
                "it, which the interval does not include; widen omega_range to check")
        if len({pt.distance for pt in used}) == 3:
            warnings.append(
                f"the correction to scaling is significant (chi2 {plain[0]:.3g} without it, "
                f"{chi2:.3g} with it) and three distances fix its power of d (omega = "
                f"{value:.3g}) without testing it: the threshold assumes one power of d; add a "
                "distance to test it")
    turn = _turning_crossings(report.crossings)
    if turn:
        warnings.append(
            f"the crossings do not move one way as d grows ({turn}): one power of d, the "
            "correction any fit here assumes, cannot describe them, so the interval may not "
            "hold the threshold of large codes; compare it with the extrapolated estimate, and "
            "sample larger distances or more shots")
    p_low, p_high = fitted_range
    bound = None
    if threshold >= p_high * (1 - _EDGE):
        bound = "lower"
        warnings.append(
            f"the fit ran into the upper edge of the range it fitted: p_th > {p_high:.4g} is a "
            "bound, not an estimate; sample higher physical error rates")
    elif threshold <= p_low * (1 + _EDGE):
        bound = "upper"
        warnings.append(
            f"the fit ran into the lower edge of the range it fitted: p_th < {p_low:.4g} is a "
            "bound, not an estimate; sample lower physical error rates")
    open_low = low <= p_low * (1 + _EDGE)
    open_high = high >= p_high * (1 - _EDGE)
    low, high = max(low, p_low), min(high, p_high)
    if bound is None:
        for is_open, edge, side in ((open_low, p_low, "lower"), (open_high, p_high, "upper")):
            if is_open:
                warnings.append(
                    f"the threshold's interval reaches the {side} edge of the fitted range "
                    f"(p = {edge:.4g}): p_th may lie {'below' if side == 'lower' else 'above'} "
                    "it; sample p beyond it")
    counts = {}
    for pt in used:
        counts[pt.distance] = counts.get(pt.distance, 0) + 1
    thin = sorted(d for d, n in counts.items() if n < _MIN_POINTS_PER_DISTANCE)
    if thin or dof < 3:
        described = ", ".join(f"d={d}: {counts[d]}" for d in thin)
        warnings.append(
            f"few points inside the window ({len(used)} points, {dof} dof"
            + (f"; {described}" if thin else "")
            + "): the fit cannot check its own form; sample more p near the crossing")
    return {
        "threshold_low": min(low, threshold),
        "threshold_high": max(high, threshold),
        "statistical_low": stat_low,
        "statistical_high": stat_high,
        "scale_factor": scale,
        "drift": drift,
        "bound": bound,
        "open_low": open_low,
        "open_high": open_high,
        "warnings": tuple(warnings),
    }
