"""Repetition code, phenomenological noise, MWPM, rounds = d.

Literature: about 10.3%, by the mapping of the repetition code under phenomenological noise to
the 2D random-bond Ising model (same matching problem as the toric code under code capacity).
Fitted per shot (the scale-invariant quantity for rounds = d) and per round.
Run: .venv/bin/python experiments/validate_repetition.py   (about 60 s on 2 cores)
"""

import numpy as np
from _validation import sample, threshold_row

stats = sample("repetition", code="repetition", noise="phenomenological",
               distances=(5, 9, 13, 17), ps=np.round(np.linspace(0.08, 0.13, 11), 4),
               rounds="d", max_shots=20_000, max_errors=None, seed=2028)
for quantity in ("per_shot", "per_round"):
    threshold_row(f"repetition_{quantity}", stats, quantity=quantity,
                  label=f"repetition, phenomenological, MWPM, rounds=d ({quantity})",
                  literature="about 10.3% (2D random-bond Ising model mapping)")
