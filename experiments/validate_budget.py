"""Error budgets (qec budget / qec.studies.estimate_budget), validated against direct sampling.

(a) The elasticities add up to the exponent d ln(eps)/d ln(p) measured directly (P at
    p (1 +- 10%), 1,000,000 shots each), for SD6 and SI1000 at p = 0.2% and 0.4%, d = 5.
(b) Halving the largest component: the prediction from the budget's own shots (likelihood-ratio
    reweighting, and the first-order one from the elasticities) beside a direct re-simulation.
(c) Under SI1000 the readout and two-qubit-gate components lead, as the rates suggest.
Also: one budget pass against central finite differences for every component (+-20%, common
random numbers by thinning, the decoder kept fixed as in the budget, 200,000 paired shots per
component): agreement and cost.

Run: .venv/bin/python experiments/validate_budget.py   (about 10 minutes on one core)
"""

from __future__ import annotations

import math
import time

from qec import NoiseModel
from qec.codes import RotatedSurfaceCode
from qec.studies._budget import (
    estimate_budget,
    predict_shot_error,
    reweighted_shot_error,
    round_elasticities,
    scaled_noise,
)
from qec.studies._budget_checks import finite_difference_elasticity, measure_shot_error

CODE = RotatedSurfaceCode(distance=5)
ROUNDS = 5
SHOTS = 200_000


def direct_exponent(noise_name: str, p: float, h: float = 0.1, shots: int = 1_000_000):
    values = []
    for factor in (1 + h, 1 - h):
        errors, n = measure_shot_error(CODE, rounds=ROUNDS, basis="Z",
                                       noise=NoiseModel.from_name(noise_name, p * factor),
                                       decoder="pymatching", shots=shots, seed=11)
        values.append((errors, n))
    (e1, n1), (e2, n2) = values
    exponent = (math.log(e1 / n1) - math.log(e2 / n2)) / (math.log(1 + h) - math.log(1 - h))
    error = math.sqrt(1 / e1 + 1 / e2) / (math.log(1 + h) - math.log(1 - h))
    return exponent, error


def main() -> None:
    print("(a) sum of elasticities against the directly measured exponent (per shot), d = 5, "
          "5 rounds\n")
    print("| noise | p | budget shots / failures | sum of elasticities [95%] | direct "
          "d ln P / d ln p [95%] | agree |")
    print("|---|---|---|---|---|---|")
    budgets = {}
    for name in ("sd6", "si1000"):
        for p in (0.002, 0.004):
            start = time.monotonic()
            budget = estimate_budget(CODE, rounds=ROUNDS, basis="Z",
                                     noise=NoiseModel.from_name(name, p), shots=SHOTS, seed=3)
            budgets[name, p] = (budget, time.monotonic() - start)
            total, spread = budget.exponent, budget.exponent_standard_error
            direct, derror = direct_exponent(name, p)
            agree = abs(total - direct) <= 1.96 * math.hypot(spread, derror)
            print(f"| {name} | {p} | {budget.shots:,} / {budget.errors} | {total:.2f} "
                  f"[{total - 1.96 * spread:.2f}, {total + 1.96 * spread:.2f}] | {direct:.2f} "
                  f"[{direct - 1.96 * derror:.2f}, {direct + 1.96 * derror:.2f}] | "
                  f"{'yes' if agree else 'NO'} |")

    budget, seconds = budgets["si1000", 0.002]
    values, errors = round_elasticities(budget)
    print("\n(c) the budget of the rotated surface code, d = 5, 5 rounds, SI1000 at p = 0.2% "
          f"({budget.shots:,} shots, {budget.errors} failures, {seconds:.0f} s)\n")
    print("| component | rate | elasticity of eps per round [95%] | share |")
    print("|---|---|---|---|")
    noise = NoiseModel.si1000(0.002)
    total = sum(values)
    for name, value, error in zip(budget.components, values, errors, strict=True):
        print(f"| {name} | {getattr(noise, name):.4g} | {value:.3f} [{value - 1.96 * error:.3f}, "
              f"{value + 1.96 * error:.3f}] | {value / total:.1%} |")
    print(f"| total | | {total:.3f} | 100% |")

    largest = budget.components[max(range(len(values)), key=lambda i: values[i])]
    scales = {largest: 0.5}
    reweighted, spread = reweighted_shot_error(budget, CODE, rounds=ROUNDS, basis="Z",
                                               noise=noise, scales=scales)
    first = predict_shot_error(budget, scales)
    errors_, shots_ = measure_shot_error(CODE, rounds=ROUNDS, basis="Z",
                                         noise=scaled_noise(noise, scales),
                                         decoder="pymatching", shots=1_000_000, seed=12)
    direct = errors_ / shots_
    derror = math.sqrt(direct * (1 - direct) / shots_)
    agree = abs(reweighted - direct) <= 1.96 * math.hypot(spread, derror)
    print(f"\n(b) halving the largest component ({largest}), error per shot: reweighted "
          f"{reweighted:.3e} +- {1.96 * spread:.1e}, first order {first:.3e}, direct "
          f"{direct:.3e} +- {1.96 * derror:.1e} ({errors_}/{shots_}): "
          f"{'agree' if agree else 'DISAGREE'} within 95%")

    print("\nCost and cross-check: one budget pass against central finite differences "
          "(+-20%, common random numbers by thinning, decoder fixed), 200,000 shots each")
    start = time.monotonic()
    rows = []
    for name in budget.components:
        rows.append((name, *finite_difference_elasticity(
            CODE, rounds=ROUNDS, basis="Z", noise=noise, component=name, step=0.2,
            shots=SHOTS, seed=13)))
    fd_seconds = time.monotonic() - start
    print("| component | score function [95%] | finite difference [95%] | agree |")
    print("|---|---|---|---|")
    for (name, fd, fd_error), value, error in zip(rows, budget.elasticities,
                                                  budget.standard_errors, strict=True):
        agree = abs(fd - value) <= 1.96 * math.hypot(fd_error, error)
        print(f"| {name} | {value:.3f} [{value - 1.96 * error:.3f}, {value + 1.96 * error:.3f}]"
              f" | {fd:.3f} [{fd - 1.96 * fd_error:.3f}, {fd + 1.96 * fd_error:.3f}] | "
              f"{'yes' if agree else 'NO'} |")
    print(f"\nscore function: {budget.shots:,} shots, {seconds:.1f} s for all "
          f"{len(budget.components)} components; finite differences: "
          f"{2 * SHOTS * len(rows):,} shot evaluations ({SHOTS:,} paired shots per component), "
          f"{fd_seconds:.1f} s (elasticities per shot)")


if __name__ == "__main__":
    main()
