"""Coverage of the threshold intervals on synthetic sweeps with a known correction to scaling.

Each draw is a sweep whose shot error is ``A + B x + C x^2 + d^-omega (D + E x)``,
``x = (p / p_th - 1) d^(1/nu)``, p_th = 0.1, nu = 1.5, binomially sampled (the
``tests/analysis/synthetic.py`` generator); E = 0 (the x-independent correction of Wang,
Harrington, Preskill) except in the last scenario, whose correction also tilts the curves of
small codes, as on the ``make demo`` data. For every draw the tool's assessment
(:func:`qec.analysis.assess_threshold`) is made as ``qec threshold`` and ``qec fit`` make it,
and the script counts how often each interval holds the true p_th: the fit's reported interval
(with three or more distances the fit includes the correction to scaling, ``D d^-omega``, or
``d^-omega (D + E x)`` when that fails its chi-squared test), its statistical interval alone,
the extrapolated interval, the one the tool says to quote, and, for reference, the plain fit
without correction (``fit_threshold(correction="none")``, the fit before the correction was
added). The counts are binomial: each coverage is printed with its 95% interval.

Run: .venv/bin/python experiments/threshold_coverage.py [DRAWS]   (default 100 per scenario)
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qec.analysis import assess_threshold, binomial_interval, fit_threshold
from tests.analysis.synthetic import synthetic_sweep

DRAWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
TRUE = 0.1
SCENARIOS = [
    ("no correction, d=3,5,7", (3, 5, 7), (0.0, 1.0)),
    ("D=0.05, omega=1, d=3,5,7", (3, 5, 7), (0.05, 1.0)),
    ("D=0.05, omega=2, d=3,5,7", (3, 5, 7), (0.05, 2.0)),
    ("D=0.05, omega=1, d=3,5,7,9,11", (3, 5, 7, 9, 11), (0.05, 1.0)),
    ("D=0.05, E=0.3, omega=1, d=3,5,7", (3, 5, 7), (0.05, 1.0, 0.3)),
]
QUOTES = ("corrected", "extrapolated", "plain", None)


def cell(count: int, total: int) -> str:
    if not total:
        return "n/a"
    interval = binomial_interval(errors=count, shots=total)
    return f"{count / total:6.1%} [{interval.low:.1%}, {interval.high:.1%}]"


def holds(fit) -> bool:
    return fit.bound is None and fit.threshold_low <= TRUE <= fit.threshold_high


print(f"{DRAWS} draws per scenario; p_th = {TRUE}, nu = 1.5, A, B, C = 0.1, 0.3, 0.2, 50,000 "
      "shots per point, 7 p from 0.092 to 0.11; nominal coverage 95%")
print("| scenario | fit (corrected), reported | fit, statistical only | extrapolated | quoted "
      "(quote: corrected/extrap./plain/none) | median width quoted | model (none/constant/"
      "linear) | plain fit (no correction), reported | median chi2/dof, fit / plain |")
print("|---|---|---|---|---|---|---|---|---|")
start = time.monotonic()
for label, distances, correction in SCENARIOS:
    reported = statistical = extrapolated = quoted = made = plain = 0
    kinds = dict.fromkeys(QUOTES, 0)
    widths, chi2s, plain_chi2s = [], [], []
    models = {"none": 0, "constant": 0, "linear": 0}
    for draw in range(DRAWS):
        points = synthetic_sweep(threshold=TRUE, nu=1.5, distances=distances, shots=50_000,
                                 seed=10_000 + draw, ps=np.linspace(0.092, 0.11, 7),
                                 correction=correction)
        result = assess_threshold(points, seed=draw)
        fit, extra = result.fit, result.extrapolated
        if fit is not None:
            reported += holds(fit)
            statistical += fit.bound is None and fit.statistical_low <= TRUE <= fit.statistical_high
            chi2s.append(fit.chi2_per_dof)
            models[fit.correction] += 1
        if extra is not None:
            made += 1
            extrapolated += extra.low <= TRUE <= extra.high
        kinds[result.quote] += 1
        if result.quote in ("corrected", "plain"):
            quoted += holds(fit)
            widths.append(fit.threshold_high - fit.threshold_low)
        elif result.quote == "extrapolated":
            quoted += extra.low <= TRUE <= extra.high
            widths.append(extra.high - extra.low)
        uncorrected = fit_threshold(points, seed=draw, correction="none")
        plain += holds(uncorrected)
        plain_chi2s.append(uncorrected.chi2_per_dof)
    quoted_total = DRAWS - kinds[None]
    print(f"| {label} | {cell(reported, DRAWS)} | {cell(statistical, DRAWS)} | "
          f"{cell(extrapolated, made)} | {cell(quoted, quoted_total)} "
          f"({'/'.join(str(kinds[k]) for k in QUOTES)}) | {np.median(widths):.4f} | "
          f"{'/'.join(str(n) for n in models.values())} | {cell(plain, DRAWS)} | "
          f"{np.median(chi2s):.2f} / {np.median(plain_chi2s):.2f} |",
          flush=True)
print(f"{time.monotonic() - start:.0f} s")
