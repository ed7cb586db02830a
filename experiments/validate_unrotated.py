"""Unrotated (planar) surface code: code capacity and phenomenological noise, MWPM.

The literature values are for the planar/toric code (Wang, Harrington, Preskill, Ann. Phys. 303,
31 (2003)): 10.3% (code capacity) and 2.9% (phenomenological). The same sweeps as
validate_code_capacity.py and validate_phenomenological.py (same distances, grids and shots),
on the unrotated layout, so the two layouts can be compared row by row.
Run: .venv/bin/python experiments/validate_unrotated.py   (about 4 minutes on 2 cores)
"""

import numpy as np
from _validation import sample, threshold_row

capacity = sample("unrotated_code_capacity", code="unrotated-surface", noise="code-capacity",
                  distances=(5, 7, 9, 11), ps=np.round(np.linspace(0.08, 0.13, 11), 4),
                  rounds=1, max_shots=40_000, max_errors=None, seed=2026)
threshold_row("unrotated_code_capacity", capacity,
              label="unrotated surface, code capacity, MWPM, d=5-11",
              literature="10.3% (Wang, Harrington, Preskill 2003); nu 1.46")
phenomenological = sample("unrotated_phenomenological", code="unrotated-surface",
                          noise="phenomenological", distances=(5, 7, 9, 11),
                          ps=np.round(np.linspace(0.024, 0.034, 11), 4), rounds="d",
                          max_shots=20_000, max_errors=None, seed=2027)
threshold_row("unrotated_phenomenological", phenomenological,
              label="unrotated surface, phenomenological, MWPM, rounds=d (per_shot)",
              literature="2.9% (Wang, Harrington, Preskill 2003); nu about 1")
