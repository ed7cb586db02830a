"""The human summary of a threshold estimate, shared by ``qec threshold`` and ``qec fit``."""

from __future__ import annotations

import argparse
from typing import Any

QUANTITIES = {"per-shot": "per_shot", "per-round": "per_round"}
"""``--quantity`` values and the analysis quantity each names."""

QUANTITY_WORDS = {"per_shot": "the logical error per shot",
                  "per_round": "the logical error per round"}


def add_quantity_option(parser: argparse.ArgumentParser) -> None:
    """Adds ``--quantity {per-shot,per-round}``: one quantity for the fit, table and figure."""
    parser.add_argument(
        "--quantity", choices=tuple(QUANTITIES), default="per-shot",
        help="fit, tabulate and plot the logical error per shot (default: the scale-invariant "
             "quantity of rounds = d memories) or per round")


def _interval(ci: list[float | None]) -> str:
    low, high = ci
    low_text = "beyond the lowest p sampled" if low is None else f"{low:.4g}"
    high_text = "beyond the highest p sampled" if high is None else f"{high:.4g}"
    return f"{low_text} to {high_text}"


def threshold_lines(summary: dict[str, Any], *, confidence: float = 0.95) -> list[str]:
    """The threshold part of a summary (:func:`qec.analysis.threshold_summary`) as text lines.

    Says which quantity was fitted, the plain fit (or its bound), the extrapolated estimate,
    which of them to quote, and every warning, each on a line starting ``warning:``.

    Examples:
        >>> lines = threshold_lines({"quantity": "per_shot", "crossings": [],
        ...     "crossings_missing": [], "threshold": None, "threshold_lower_bound": None,
        ...     "threshold_upper_bound": None, "fit_error": "too few points",
        ...     "threshold_extrapolated": None, "quote": None,
        ...     "warnings": ["no threshold: too few points"]})
        >>> lines[-1]
        'warning: no threshold: too few points'
    """
    level = f"{confidence:.0%}"
    words = QUANTITY_WORDS[summary["quantity"]]
    lines = [f"fitted quantity: {words}"]
    for c in summary["crossings"]:
        d1, d2 = c["distances"]
        lines.append(f"crossing d={d1}/{d2}: p = {c['physical_error_rate']:.4g}  "
                     f"({level} interval {_interval(c['ci'])})")
    lines.extend(f"crossing: {text}" for text in summary.get("crossings_missing", []))
    if summary["threshold"] is not None:
        distances = ",".join(map(str, summary["distances_used"]))
        widened = (f", widened x{summary['scale_factor']:.3g} for chi2/dof"
                   if summary.get("scale_factor", 1.0) > 1 else "")
        corrected = summary.get("correction") not in (None, "none")
        omega = (f", correction {summary['correction_form'].removeprefix('A + B x + C x^2 + ')}"
                 f" with omega = {summary['omega']:.3g}" if corrected else "")
        lines.append(
            f"threshold (finite-size scaling, d={distances}): p_th = {summary['threshold']:.4g}  "
            f"({level} interval {_interval(summary['threshold_ci'])}{widened}), "
            f"nu = {summary['nu']:.3g}{omega}, chi2/dof = {summary['chi2_per_dof']:.3g}")
    elif summary.get("threshold_lower_bound") is not None:
        lines.append(f"threshold (finite-size scaling): p_th > "
                     f"{summary['threshold_lower_bound']:.4g} (a bound, not an estimate)")
    elif summary.get("threshold_upper_bound") is not None:
        lines.append(f"threshold (finite-size scaling): p_th < "
                     f"{summary['threshold_upper_bound']:.4g} (a bound, not an estimate)")
    else:
        lines.append(f"threshold: no fit ({summary['fit_error']})")
    if summary.get("threshold_extrapolated") is not None:
        low, high = summary["threshold_extrapolated_ci"]
        omega = summary["extrapolation"]["omega_range"]
        lines.append(
            f"threshold extrapolated from the crossings' drift: p_th = "
            f"{summary['threshold_extrapolated']:.4g}  ({level} interval {low:.4g} to "
            f"{high:.4g}; correction exponent omega in [{omega[0]:g}, {omega[1]:g}])")
    quote = summary.get("quote")
    caveat = " (read the warnings)" if summary["warnings"] else ""
    if quote == "plain":
        lines.append("to quote: the finite-size-scaling threshold" + caveat)
    elif quote == "corrected":
        lines.append("to quote: the corrected finite-size-scaling threshold (its fit includes "
                     "the leading correction to scaling; the extrapolation is a cross-check)"
                     + caveat)
    elif quote == "extrapolated":
        lines.append("to quote: the extrapolated threshold (its interval includes the "
                     "finite-size correction)" + caveat)
    elif summary.get("threshold_lower_bound") is not None:
        lines.append(f"to quote: only the bound p_th > {summary['threshold_lower_bound']:.4g} "
                     "(no estimate; see the warnings)")
    elif summary.get("threshold_upper_bound") is not None:
        lines.append(f"to quote: only the bound p_th < {summary['threshold_upper_bound']:.4g} "
                     "(no estimate; see the warnings)")
    else:
        lines.append("to quote: no threshold estimate (see the warnings)")
    lines.extend(f"warning: {text}" for text in summary["warnings"])
    return lines


def lambda_warnings(row: dict[str, Any], threshold: dict[str, Any]) -> list[str]:
    """Why a Lambda row (``qec.analysis.lambda_dict``) is not an error-suppression factor.

    Lambda means suppression only below threshold: a row at ``p`` at or above the threshold
    (its interval's lower end, or a lower bound), or whose Lambda is not above 1, is flagged.

    Examples:
        >>> lambda_warnings({"physical_error_rate": 0.01, "lambda": 0.8, "lambda_ci": [0.7, 0.9]},
        ...                 {"threshold": 0.008, "threshold_ci": [0.0075, 0.0085]})[0][:40]
        'Lambda at p=0.01 is computed above the t'
    """
    p = row["physical_error_rate"]
    warnings = []
    low = None
    if threshold.get("threshold") is not None:
        low = threshold["threshold_ci"][0] if threshold["threshold_ci"][0] is not None else None
    if threshold.get("threshold_extrapolated") is not None and threshold.get("quote") == \
            "extrapolated":
        low = threshold["threshold_extrapolated_ci"][0]
    if low is not None and p >= low:
        warnings.append(
            f"Lambda at p={p:g} is computed above the threshold's lower end ({low:.4g}): it "
            "is not an error-suppression factor there")
    if row.get("lambda") is not None and row["lambda_ci"][0] <= 1:
        warnings.append(
            f"Lambda at p={p:g} is {row['lambda']:.3g} with an interval reaching "
            f"{row['lambda_ci'][0]:.3g} <= 1: errors may not fall with distance at this p")
    return warnings
