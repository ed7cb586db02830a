"""Rotated surface code under circuit noise, SD6 and SI1000, MWPM and correlated MWPM, rounds = d.

Literature: thresholds between 0.502% and 1.140% per gate depending on the noise model,
circuits and decoder (Stephens, arXiv 1311.5003); no published value for these exact models.
Modest budget (2 shared cores): d = 3, 5, 7; at most 20,000 shots or 2,000 errors per point.
Run: .venv/bin/python experiments/validate_circuit_noise.py   (a few minutes on 2 cores)
"""

from _validation import grid, sample, threshold_row

# Log grids of 11 points around the crossings seen in a coarse scan (7 points, 0.4-1.2% for
# SD6 and 0.25-0.8% for SI1000), so that several points fall inside the fit window.
GRIDS = {"sd6": grid(0.0035, 0.0085, 11), "si1000": grid(0.003, 0.0075, 11)}
DECODERS = ("pymatching", "pymatching-correlated")
for noise, ps in GRIDS.items():
    stats = sample(f"circuit_{noise}", code="surface", noise=noise, distances=(3, 5, 7), ps=ps,
                   rounds="d", decoders=DECODERS, max_shots=20_000, max_errors=2_000, seed=2029)
    for decoder in DECODERS:
        threshold_row(f"circuit_{noise}_{decoder}", [s for s in stats if s.decoder == decoder],
                      label=f"surface, {noise}, {decoder}, rounds=d",
                      literature="0.50%-1.14% by model (Stephens 2014)")
