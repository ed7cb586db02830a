"""Lambda of the rotated surface code under SI1000 at p = 0.1%, MWPM, d = 3, 5, 7, 9.

Each distance runs rounds = d and rounds = 3d, so eps_d is fitted over both, with
P_L(r) = (1 - (1 - 2 eps)^r) / 2, and again with a boundary amplitude,
1 - 2 P_L(r) = A (1 - 2 eps)^r, whose eps is the error of a bulk round.
Budget: 200 errors or 4,000,000 shots per point.
Literature (hardware, not this model): Lambda 2.14 and eps_7 = 0.143% per cycle
(Google, Nature 638, 920 (2025)).
Run: .venv/bin/python experiments/validate_lambda.py   (a few minutes on 2 cores)
"""

from _validation import lambda_row, sample

stats = sample("lambda_si1000", code="surface", noise="si1000", distances=(3, 5, 7, 9),
               ps=[0.001], rounds="d", max_shots=4_000_000, max_errors=200, seed=2030)
stats += sample("lambda_si1000", code="surface", noise="si1000", distances=(3, 5, 7, 9),
                ps=[0.001], rounds="3d", max_shots=4_000_000, max_errors=200, seed=2031)
for offset in (False, True):
    lambda_row("lambda_si1000" + ("_offset" if offset else ""), stats, boundary_offset=offset,
               label="surface, si1000 p=0.1%, MWPM, d=3-9" + (", bulk rounds" if offset else ""),
               literature="2.14 (Google 2025, hardware; eps_7 = 0.143%)")
