"""Coverage of the threshold intervals on synthetic sweeps with a known correction to scaling.

Each draw is a sweep whose shot error is ``A + B x + C x^2 + D d^-omega``,
``x = (p / p_th - 1) d^(1/nu)``, p_th = 0.1, nu = 1.5, binomially sampled (the
``tests/analysis/synthetic.py`` generator). For every draw the tool's assessment
(:func:`qec.analysis.assess_threshold`) is made as ``qec threshold`` and ``qec fit`` make it,
and the script counts how often each interval holds the true p_th: the plain fit's reported
interval, the extrapolated interval, and the one the tool says to quote. The counts are
binomial: each coverage is printed with its 95% interval.

Run: .venv/bin/python experiments/threshold_coverage.py [DRAWS]   (default 100 per scenario)
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qec.analysis import assess_threshold, binomial_interval
from tests.analysis.synthetic import synthetic_sweep

DRAWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
TRUE = 0.1
SCENARIOS = [
    ("no correction, d=3,5,7", (3, 5, 7), (0.0, 1.0)),
    ("D=0.05, omega=1, d=3,5,7", (3, 5, 7), (0.05, 1.0)),
    ("D=0.05, omega=2, d=3,5,7", (3, 5, 7), (0.05, 2.0)),
    ("D=0.05, omega=1, d=3,5,7,9,11", (3, 5, 7, 9, 11), (0.05, 1.0)),
]


def cell(count: int, total: int) -> str:
    interval = binomial_interval(errors=count, shots=total)
    return f"{count / total:6.1%} [{interval.low:.1%}, {interval.high:.1%}]"


print(f"{DRAWS} draws per scenario; p_th = {TRUE}, nu = 1.5, 50,000 shots per point, "
      "7 p from 0.092 to 0.11; nominal coverage 95%")
print("| scenario | plain fit, reported | plain, statistical only | extrapolated | quoted "
      "(quote: plain/extrap./none) | median width quoted |")
print("|---|---|---|---|---|---|")
start = time.monotonic()
for label, distances, correction in SCENARIOS:
    plain = statistical = extrapolated = quoted = made = 0
    kinds = {"plain": 0, "extrapolated": 0, None: 0}
    widths = []
    for draw in range(DRAWS):
        points = synthetic_sweep(threshold=TRUE, nu=1.5, distances=distances, shots=50_000,
                                 seed=10_000 + draw, ps=np.linspace(0.092, 0.11, 7),
                                 correction=correction)
        result = assess_threshold(points, seed=draw)
        fit, extra = result.fit, result.extrapolated
        if fit is not None and fit.bound is None:
            plain += fit.threshold_low <= TRUE <= fit.threshold_high
            statistical += fit.statistical_low <= TRUE <= fit.statistical_high
        if extra is not None:
            made += 1
            extrapolated += extra.low <= TRUE <= extra.high
        kinds[result.quote] += 1
        if result.quote == "plain":
            quoted += fit.threshold_low <= TRUE <= fit.threshold_high
            widths.append(fit.threshold_high - fit.threshold_low)
        elif result.quote == "extrapolated":
            quoted += extra.low <= TRUE <= extra.high
            widths.append(extra.high - extra.low)
    extrapolated_cell = cell(extrapolated, made) if made else "n/a (two distances)"
    quoted_total = kinds["plain"] + kinds["extrapolated"]
    print(f"| {label} | {cell(plain, DRAWS)} | {cell(statistical, DRAWS)} | "
          f"{extrapolated_cell} | {cell(quoted, quoted_total)} ({kinds['plain']}/"
          f"{kinds['extrapolated']}/{kinds[None]}) | {np.median(widths):.4f} |")
print(f"{time.monotonic() - start:.0f} s")
