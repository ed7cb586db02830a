"""Rotated surface code, phenomenological noise (data flips p before each round, results flipped
with p, perfect final readout), MWPM, rounds = d.

Literature: 2.9% (Wang, Harrington, Preskill 2003, toric code, failure over the whole memory).
Fitted per shot (the scale-invariant quantity for rounds = d, as in the literature) and
per round.
Run: .venv/bin/python experiments/validate_phenomenological.py   (about 60 s on 2 cores)
"""

import numpy as np
from _validation import sample, threshold_row

stats = sample("phenomenological", code="surface", noise="phenomenological",
               distances=(5, 7, 9, 11), ps=np.round(np.linspace(0.024, 0.034, 11), 4),
               rounds="d", max_shots=20_000, max_errors=None, seed=2027)
for quantity in ("per_shot", "per_round"):
    threshold_row(f"phenomenological_{quantity}", stats, quantity=quantity,
                  label=f"surface, phenomenological, MWPM, rounds=d ({quantity})",
                  literature="2.9% (Wang, Harrington, Preskill 2003); nu about 1")
