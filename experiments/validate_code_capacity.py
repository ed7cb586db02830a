"""Rotated surface code, code capacity (independent X flips once, perfect measurements), MWPM.

Literature: 10.3% (Wang, Harrington, Preskill, Ann. Phys. 303, 31 (2003), toric code).
Two sweeps show the finite-size drift: d = 5..11, then d = 9..17 nearer the threshold.
Run: .venv/bin/python experiments/validate_code_capacity.py   (about 70 s on 2 cores)
"""

import numpy as np
from _validation import sample, threshold_row

LITERATURE = "10.3% (Wang, Harrington, Preskill 2003); nu 1.46"
small = sample("code_capacity", code="surface", noise="code-capacity", distances=(5, 7, 9, 11),
               ps=np.round(np.linspace(0.08, 0.13, 11), 4), rounds=1,
               max_shots=40_000, max_errors=None, seed=2026)
threshold_row("code_capacity", small, label="surface, code capacity, MWPM, d=5-11",
              literature=LITERATURE)
large = sample("code_capacity_large", code="surface", noise="code-capacity",
               distances=(9, 11, 13, 15, 17), ps=np.round(np.linspace(0.09, 0.115, 11), 4),
               rounds=1, max_shots=60_000, max_errors=None, seed=5)
threshold_row("code_capacity_large", large, label="surface, code capacity, MWPM, d=9-17",
              literature=LITERATURE)
