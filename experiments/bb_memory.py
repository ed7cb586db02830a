"""Bivariate bicycle quantum memories against Bravyi et al. (Nature 627, 778 (2024)).

The [[72,12,6]], [[90,8,10]] and [[144,12,12]] codes run the paper's depth-8 syndrome cycle
(``cycle="overlapped"``) for N_c = d cycles under SD6, the paper's "every operation fails with
probability p" model, in both memory bases. Decoding uses the detectors of the memory basis
(``detectors="basis"``), as the paper's BP+OSD did. Tesseract decodes every point; BP+OSD with
the paper's settings (``bposd-bb``) decodes a few of them on the same circuits as a check.

Quantities, as in the paper: a shot of the X (Z) memory fails when any of the k logical
observables is wrong; the error per cycle of one basis is ``1 - (1 - P)^(1/N_c)``; the memory
fails in a cycle when either basis does, ``p_L = 1 - (1 - eps_X)(1 - eps_Z)``, the error per
cycle of all k logical qubits together. Per logical qubit: ``1 - (1 - p_L)^(1/k)``. The
pseudo-threshold is the p where p_L(p) = k p (break-even with k unencoded qubits), found by
log-log interpolation between the sampled points that bracket it; its interval comes from the
curves through the interval ends. Intervals: likelihood-ratio binomial intervals at
sqrt(0.95) per basis, so the combined interval covers at least 95%.

Side by side: rotated surface codes of similar distance (d = 5, 7 beside the 72 code; 11, 13
beside the 144 code) under the same SD6 model and N_c = d, decoded with PyMatching; k patches
store k logical qubits with k (2 d^2 - 1) qubits.

Run: .venv/bin/python experiments/bb_memory.py   (about 40 minutes on 2 cores; re-running
resumes from experiments/results/bb_memory.db)
"""

from __future__ import annotations

import math
import time

import matplotlib.pyplot as plt
import numpy as np
from _validation import RESULTS

from qec.codes import BivariateBicycleCode
from qec.data import binomial_interval
from qec.plotting import save_figure
from qec.sampling import collect, memory_task

CONFIDENCE = math.sqrt(0.95)
BB = {  # n -> p grid; each point: 100 errors or 20,000 shots per basis
    72: (0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008),
    90: (0.003, 0.004, 0.005, 0.006, 0.007, 0.008),
    144: (0.003, 0.004, 0.005, 0.006, 0.007, 0.008),
}
CHECKS = {72: (0.004, 0.006)}  # points also decoded with bposd-bb (144: see bench-decoders)
RELAY = {144: (0.003,)}  # points also decoded with relay-bp (10,240 shots per basis)
SURFACE = {5: 72, 7: 72, 11: 144, 13: 144}  # surface distance -> the BB code beside it
SURFACE_P = (0.003, 0.004, 0.005, 0.006)


def bb_task(n: int, p: float, basis: str, decoder: str):
    code = BivariateBicycleCode.published(n)
    return memory_task(code=f"bb:{n}", distance=code.distance, rounds=code.distance,
                       basis=basis, noise="sd6", p=p, decoder=decoder, cycle="overlapped",
                       detectors="basis")


def per_cycle(shot_error: float, cycles: int) -> float:
    return 1 - (1 - shot_error) ** (1 / cycles)


def combined(stats_x, stats_z, cycles: int) -> tuple[float, float, float]:
    """p_L per cycle (both bases) with its interval."""
    parts = []
    for s in (stats_x, stats_z):
        i = binomial_interval(errors=s.errors, shots=s.shots, confidence=CONFIDENCE)
        parts.append([per_cycle(v, cycles) for v in (i.estimate, i.low, i.high)])
    return tuple(1 - (1 - a) * (1 - b) for a, b in zip(*parts, strict=True))  # type: ignore


def pseudo_threshold(ps, values, k) -> float | None:
    """The p where the log-log interpolation of values crosses k p (None: no crossing)."""
    g = [math.log(v) - math.log(k * p) if v > 0 else -math.inf for p, v in zip(ps, values,
                                                                                  strict=True)]
    for j in range(len(ps) - 1):
        if g[j] < 0 <= g[j + 1] and math.isfinite(g[j]):
            t = -g[j] / (g[j + 1] - g[j])
            return math.exp(math.log(ps[j]) + t * (math.log(ps[j + 1]) - math.log(ps[j])))
    return None


def main() -> None:
    start = time.monotonic()
    tasks = [bb_task(n, p, basis, "tesseract") for n, ps in BB.items() for p in ps
             for basis in "XZ"]
    stats = collect(tasks, db=RESULTS / "bb_memory.db", max_shots=20_000, max_errors=100,
                    workers=2, seed=2024)
    checks = [bb_task(n, p, basis, "bposd-bb") for n, ps in CHECKS.items() for p in ps
              for basis in "XZ"]
    check_stats = collect(checks, db=RESULTS / "bb_memory.db", max_shots=2_000, max_errors=40,
                          workers=2, seed=2025)
    relay = [bb_task(n, p, basis, "relay-bp") for n, ps in RELAY.items() for p in ps
             for basis in "XZ"]
    relay_stats = collect(relay, db=RESULTS / "bb_memory.db", max_shots=10_240, max_errors=100,
                          workers=2, seed=2027)
    surface = [memory_task(code="surface", distance=d, rounds=d, basis=basis, noise="sd6", p=p)
               for d in SURFACE for p in SURFACE_P for basis in "XZ"]
    surface_stats = collect(surface, db=RESULTS / "bb_memory.db", max_shots=400_000,
                            max_errors=100, workers=2, seed=2026)
    print(f"sampling: {time.monotonic() - start:.0f} s this run (0 when resumed)\n")

    def lookup(pool, **want):
        found = [s for s in pool if all(s.json_metadata.get(k) == v for k, v in want.items())]
        assert len(found) == 1, want
        return found[0]

    print("| code | qubits | N_c | p | decoder | X memory fails | Z memory fails | p_L per cycle "
          "(all k) [95%] | per logical qubit | k p |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    curves = {}
    for n, ps in BB.items():
        code = BivariateBicycleCode.published(n)
        k, cycles = code.num_logical_qubits, code.distance
        pool = [s for s in stats if s.json_metadata["distance"] == code.distance]
        rows = []
        for p in ps:
            sx = lookup(pool, p=p, basis="X")
            sz = lookup(pool, p=p, basis="Z")
            est, low, high = combined(sx, sz, cycles)
            rows.append((p, est, low, high))
            print(f"| [[{n},{k},{code.distance}]] | {2 * n} | {cycles} | {p:.3f} | tesseract | "
                  f"{sx.errors}/{sx.shots} | {sz.errors}/{sz.shots} | {est:.2e} "
                  f"[{low:.2e}, {high:.2e}] | {1 - (1 - est) ** (1 / k):.2e} | {k * p:.3f} |")
            for extra, pool_extra, name in ((CHECKS, check_stats, "bposd-bb"),
                                            (RELAY, relay_stats, "relay-bp")):
                if p not in extra.get(n, ()):
                    continue
                cx = lookup(pool_extra, p=p, basis="X", distance=code.distance)
                cz = lookup(pool_extra, p=p, basis="Z", distance=code.distance)
                e2, l2, h2 = combined(cx, cz, cycles)
                print(f"| [[{n},{k},{code.distance}]] | {2 * n} | {cycles} | {p:.3f} | {name} "
                      f"| {cx.errors}/{cx.shots} | {cz.errors}/{cz.shots} | {e2:.2e} "
                      f"[{l2:.2e}, {h2:.2e}] | {1 - (1 - e2) ** (1 / k):.2e} | {k * p:.3f} |")
        curves[n] = (k, rows)
    print()
    print("| code | pseudo-threshold p_L(p) = k p [from the interval ends] | paper |")
    print("|---|---|---|")
    for n, (k, rows) in curves.items():
        ps = [r[0] for r in rows]
        mid = pseudo_threshold(ps, [r[1] for r in rows], k)
        # The high curve crosses first (lower p), the low curve last.
        lo = pseudo_threshold(ps, [r[3] for r in rows], k)
        hi = pseudo_threshold(ps, [r[2] for r in rows], k)

        def show(x):
            return "outside the sampled range" if x is None else f"{x:.2%}"
        print(f"| [[{n},{k},{BivariateBicycleCode.published(n).distance}]] | {show(mid)} "
              f"[{show(lo)}, {show(hi)}] | about 0.8% (BP+OSD; threshold about 0.7%) |")
    print()
    print("| surface d | qubits for k = 12 | p | X fails | Z fails | p_L per cycle per logical "
          "qubit [95%] | beside |")
    print("|---|---|---|---|---|---|---|")
    surface_curves = {}
    for d, n in SURFACE.items():
        rows = []
        for p in SURFACE_P:
            pool = [s for s in surface_stats if s.json_metadata["distance"] == d]
            sx, sz = lookup(pool, p=p, basis="X"), lookup(pool, p=p, basis="Z")
            est, low, high = combined(sx, sz, d)
            rows.append((p, est, low, high))
            print(f"| {d} | {12 * (2 * d * d - 1)} | {p:.3f} | {sx.errors}/{sx.shots} | "
                  f"{sz.errors}/{sz.shots} | {est:.2e} [{low:.2e}, {high:.2e}] | "
                  f"[[{n},12,{BivariateBicycleCode.published(n).distance}]] ({2 * n} qubits) |")
        surface_curves[d] = rows

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for n, (k, rows) in curves.items():
        p = np.array([r[0] for r in rows])
        est, low, high = (np.array([r[j] for r in rows]) for j in (1, 2, 3))
        ax.errorbar(p, est / k, yerr=[(est - low) / k, (high - est) / k], marker="o",
                    capsize=2, label=f"[[{n},{k}]] BB, {2 * n} qubits")
    for d, rows in surface_curves.items():
        p = np.array([r[0] for r in rows])
        est, low, high = (np.array([r[j] for r in rows]) for j in (1, 2, 3))
        ax.errorbar(p, est, yerr=[est - low, high - est], marker="s", ls="--", capsize=2,
                    label=f"surface d={d}, {12 * (2 * d * d - 1)} qubits for 12")
    grid = np.array([0.002, 0.008])
    ax.plot(grid, grid, ls=":", color="gray", label="p (break-even per qubit)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("physical error rate p (SD6)")
    ax.set_ylabel("logical error per cycle per logical qubit")
    ax.set_title("BB codes (paper's cycle, N_c = d) beside rotated surface codes")
    ax.legend(fontsize=7)
    save_figure(fig, RESULTS / "bb_memory.png")
    print(f"\nfigure: {RESULTS / 'bb_memory.png'}; database: {RESULTS / 'bb_memory.db'}")


if __name__ == "__main__":
    main()
