"""The `make demo` sweep: rotated surface code, SI1000, MWPM, rounds = d, d = 3, 5, 7.

The same tasks as `qec threshold` with its defaults (12 log-spaced p, at most 2,000,000 shots
or 20,000 errors per point), with a fixed seed, assessed as `qec threshold` assesses them:
per shot, the plain fit, the drift extrapolation, which to quote, and the warnings.
Run: .venv/bin/python experiments/validate_demo.py   (about two minutes on 2 cores)
"""

from _validation import grid, sample, threshold_row

from qec.cli._threshold import DEFAULT_MAX_ERRORS, DEFAULT_MAX_SHOTS, DEFAULT_P

low, high, count = DEFAULT_P.split(":")
stats = sample("demo", code="surface", noise="si1000", distances=(3, 5, 7),
               ps=grid(float(low), float(high), int(count)), rounds="d",
               max_shots=DEFAULT_MAX_SHOTS, max_errors=DEFAULT_MAX_ERRORS, seed=2030)
threshold_row("demo", stats, label="surface, SI1000, MWPM, rounds=d, d=3,5,7 (make demo)",
              literature="no published value for this model; 0.50%-1.14% by model "
                         "(Stephens 2014)")
