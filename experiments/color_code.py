"""The triangular colour code (superdense cycle, Chromobius) beside the surface code.

1. Code capacity (independent bit flips, perfect measurement, one round): threshold of
   Chromobius on d = 5-13, against 8.2% for concatenated matching (Lee, Li, Bartlett,
   arXiv 2404.07482).
2. Circuit noise (SD6, the "every operation fails with probability p" model): threshold of
   the superdense circuit with Chromobius on d = 7-13, rounds = d, X basis, per round, against
   0.46% (Lee, Li, Bartlett; their circuits and decoder).
3. The teraquop footprint at p = 0.1% (SD6): the colour code (superdense, Chromobius) and the
   rotated surface code (correlated matching, as Gidney and Jones compared), d = 3-11 and
   3-9, rounds = 4d, both bases; Lambda fitted by :func:`qec.analysis.fit_lambda` (over all
   distances, and from d = 5 on), the distance for 1e-12 per round from
   ``project_distance`` (the larger of the two bases), and its qubit
   count: 2 n - 1 for both codes (n data qubits and n - 1 measure qubits). Gidney and Jones
   (arXiv 2312.08813) report about 1,250 qubits for the colour code (their mid-out circuit)
   and about 650 for the surface code under their uniform noise model. Their superdense data
   (the chromobius repository's assets/stats.csv) at p = 0.1%, X basis, r = 4d, is printed
   beside ours.

Run: .venv/bin/python experiments/color_code.py   (about 30 minutes on 2 cores; re-running
resumes from experiments/results/color_code*.db)
"""

from __future__ import annotations

import math

from _validation import RESULTS, grid, threshold_row

from qec.analysis import fit_lambda, fit_per_round_error
from qec.codes import ColorCode, RotatedSurfaceCode
from qec.sampling import collect, memory_task

# Gidney and Jones's superdense colour code, X basis, uniform noise, p = 0.1%, r = 4d,
# Chromobius: (shots, errors) from the chromobius repository's assets/stats.csv.
PUBLISHED_SUPERDENSE = {3: (23816, 1008), 5: (28865, 1031), 7: (91127, 1004),
                        9: (233926, 1007), 11: (609438, 1008)}


def qubits(code) -> int:
    return code.num_qubits


def main() -> None:
    capacity = collect(
        [memory_task(code="color", distance=d, rounds=1, basis="Z", noise="code-capacity",
                     p=p, decoder="chromobius")
         for d in (5, 7, 9, 11, 13) for p in grid(0.065, 0.12, 7)],
        db=RESULTS / "color_code_capacity.db", max_shots=200_000, max_errors=400, workers=2,
        seed=2041)
    circuit = collect(
        [memory_task(code="color", distance=d, rounds=d, basis="X", noise="sd6", p=p,
                     decoder="chromobius")
         for d in (7, 9, 11, 13) for p in grid(0.0038, 0.0062, 7)],
        db=RESULTS / "color_code_sd6.db", max_shots=100_000, max_errors=300, workers=2,
        seed=2042)
    print("| model | fit | drift extrapolation | quote | details | literature | warnings |")
    print("|---|---|---|---|---|---|---|")
    threshold_row("color_code_capacity", capacity, label="colour code, bit flips, Chromobius",
                  literature="8.2% (concatenated matching, Lee-Li-Bartlett)")
    threshold_row("color_code_sd6", circuit, quantity="per_round",
                  label="colour code superdense, SD6, Chromobius, r = d, d = 7-13",
                  literature="0.46% (Lee-Li-Bartlett: their circuits and decoder)")

    footprint = collect(
        [memory_task(code=code, distance=d, rounds=4 * d, basis=basis, noise="sd6", p=0.001,
                     decoder=decoder)
         for code, decoder, distances in (("color", "chromobius", (3, 5, 7, 9, 11)),
                                          ("surface", "pymatching-correlated", (3, 5, 7, 9)))
         for d in distances for basis in "XZ"],
        db=RESULTS / "color_code_footprint.db", max_shots=4_000_000, max_errors=200,
        workers=2, seed=2043)
    print()
    print("| code | basis | d | rounds | errors / shots | eps per round [95%] | "
          "Gidney-Jones superdense (uniform noise) |")
    print("|---|---|---|---|---|---|---|")
    for s in sorted(footprint, key=lambda s: (s.json_metadata["code"], s.json_metadata["basis"],
                                              s.json_metadata["distance"])):
        m = s.json_metadata
        eps = fit_per_round_error([s])
        published = ""
        if m["code"] == "color" and m["basis"] == "X" and m["distance"] in PUBLISHED_SUPERDENSE:
            shots, errors = PUBLISHED_SUPERDENSE[m["distance"]]
            theirs = fit_per_round_error([_Published(m["distance"], 4 * m["distance"], shots,
                                                     errors)])
            published = f"{theirs.estimate:.2e} ({errors}/{shots})"
        print(f"| {m['code']} | {m['basis']} | {m['distance']} | {m['rounds']} | "
              f"{s.errors}/{s.shots} | {eps.estimate:.2e} [{eps.low:.2e}, {eps.high:.2e}] | "
              f"{published} |")
    print()
    print("| code | basis | distances fitted | Lambda [95%] | pairwise Lambda | d for 1e-12 per "
          "round [range] | qubits [range] |")
    print("|---|---|---|---|---|---|---|")
    for name, build in (("color", lambda d: ColorCode(distance=d)),
                        ("surface", lambda d: RotatedSurfaceCode(distance=d))):
        for smallest in (3, 5):
            worst = None
            for basis in "XZ":
                pts = [s for s in footprint if s.json_metadata["code"] == name
                       and s.json_metadata["basis"] == basis
                       and s.json_metadata["distance"] >= smallest]
                fit = fit_lambda(pts)
                proj = fit.project_distance(1e-12)
                size = [qubits(build(x)) if x > 0 else math.inf
                        for x in (proj.distance, proj.low, proj.high)]
                pairs = ", ".join(f"{r.estimate:.1f}" for r in fit.pairwise)
                print(f"| {name} | {basis} | {fit.distances[0]}-{fit.distances[-1]} | "
                      f"{fit.lambda_.estimate:.2f} [{fit.lambda_.low:.2f}, "
                      f"{fit.lambda_.high:.2f}] | {pairs} | {proj.distance} [{proj.low}, "
                      f"{proj.high}] | {size[0]} [{size[1]}, {size[2]}] |")
                if worst is None or proj.distance > worst[0]:
                    worst = (proj.distance, size)
            print(f"| {name} | worse basis | from d >= {smallest} | | | {worst[0]} | "
                  f"**{worst[1][0]}** [{worst[1][1]}, {worst[1][2]}] |")
    print(f"\nfigures and databases: {RESULTS}/color_code_*")


class _Published:
    """A published point in the shape fit_per_round_error reads."""

    def __init__(self, distance: int, rounds: int, shots: int, errors: int) -> None:
        self.distance, self.rounds, self.shots, self.errors = distance, rounds, shots, errors
        self.physical_error_rate = 0.001
        self.discards = 0


if __name__ == "__main__":
    main()
