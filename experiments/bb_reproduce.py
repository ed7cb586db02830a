"""Bravyi et al.'s memory experiments reproduced under both boundaries, with three decoders.

For [[72,12,6]], [[90,8,10]] and [[144,12,12]] at N_c = d cycles of the paper's depth-8 cycle
under SD6 ("every operation fails with probability p"), each point (code, p, boundary,
decoder) is sampled by qec's engine into ``experiments/results/bb_reproduce.db`` (a re-run
resumes) until it has ``--max-errors`` failures or ``--max-shots`` shots. (An earlier
``--point-seconds`` passed a time-based stopping rule to ``collect``; the engine cuts a task at
the first chunk where its rule is met and deletes the chunks after it, which is right for rules
of the counts and, for a rule that turns true with time, kept only the first chunk: it threw
away 245,000 shots of one point. Stopping rules must be functions of the totals, and the
engine now refuses one that is met at zero totals; ``--point-seconds`` is now collect's
``time_limit``, which stops starting batches and cuts nothing.)

* ``authors``: the authors' boundary (a perfect code state, N_c noisy cycles, two noiseless
  cycles) with one noisy sample decoded for its X and its Z part apart (``DECODER:split=xz``,
  as their ``decoder_run.py``); a trial fails when either part gets any logical wrong, and the
  error per cycle is ``1 - (1 - P)^(1/N_c)``;
* ``noisy``: qec's default boundary (noisy preparation and readout), an X and a Z memory, each
  decoded on its basis' detectors; ``p_L = 1 - (1 - eps_X)(1 - eps_Z)`` with ``eps`` the
  error per cycle of one basis, intervals at sqrt(0.95) per basis.

Both are the error per cycle of all k logical qubits together, the paper's quantity. The
pseudo-threshold is the paper's: the p where p_L(p) = k p, by log-log interpolation between the
sampled points that bracket it (its interval from the curves through the interval ends).

Decoders (published profiles, ``qec decoders`` lists their sources): ``bposd-bb`` (the paper's
BP+OSD-CS), ``relay-bp-gross-fast`` (Relay-BP-1 of Mueller et al.) and ``tesseract-short-beam``
(Beni et al.'s short-beam profile).

Stores do not always survive a move to a new machine. ``--earlier VALIDATION_bb.md`` reads the
reproduction table printed by an earlier run (its failure counts and CPU seconds) and reports
those rows beside what the store holds; where both have a point, the store's row is printed.

Run: PYTHONPATH=. .venv/bin/python experiments/bb_reproduce.py --codes 72 --boundaries authors
     PYTHONPATH=. .venv/bin/python experiments/bb_reproduce.py --table   (prints what is stored)
"""

from __future__ import annotations

import argparse
import itertools
import math
import pathlib
import re
import time
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from _validation import RESULTS

from qec.codes import BivariateBicycleCode
from qec.data import binomial_interval
from qec.plotting import save_figure
from qec.sampling import collect, memory_task
from qec.store import ResultStore

DB = RESULTS / "bb_reproduce.db"
FIGURE = RESULTS / "bb_reproduce.png"
P_GRID = (0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008)
DECODERS = ("bposd-bb", "relay-bp-gross-fast", "tesseract-short-beam")
BOUNDARIES = ("authors", "noisy")
CODES = (72, 90, 144)
#: The paper's pseudo-thresholds: arXiv v1 Table 1 (read here) and the Nature version's Table 1
#: (a third-party transcription; VALIDATION_bb.md says what differs between the two).
PAPER_P0 = {72: ("0.78%", "0.48%"), 90: ("0.73%", "0.53%"), 144: ("0.83%", "0.65%")}
#: The authors' own code (sbravyi/BivariateBicycleCodes, their boundary and BP+OSD), (n, p) ->
#: (failed trials, trials, who ran it).
AUTHORS = {(72, 0.004): (432, 5000, "shared/REFERENCE.md"),
           (72, 0.006): (786, 2000, "shared/REFERENCE.md"),
           (90, 0.005): (58, 300, "bb_authors_reference.py, run here"),
           (144, 0.003): (212, 50000, "their issue 2, unmodified code"),
           (144, 0.005): (60, 400, "bb_authors_reference.py, run here")}


class Counts(NamedTuple):
    """One task's counts as an earlier run's table printed them (no store behind them)."""

    errors: int
    shots: int
    seconds: float


#: A row of the reproduction table: code, N_c, p, boundary, decoder, counts, ..., CPU s/shot.
ROW = re.compile(r"^\| \[\[(\d+),\d+,\d+\]\] \| \d+ \| ([\d.]+) \| (authors|noisy) \| "
                 r"([\w-]+) \| ([\d/ +]+) \| [^|]+ \| [\d.]+ \| ([\d.]+) \|")


def earlier_rows(path: pathlib.Path) -> dict:
    """The reproduction table's rows in ``path``: (n, p, boundary, decoder) -> [Counts]."""
    rows = {}
    for line in path.read_text().splitlines():
        found = ROW.match(line)
        if found is None:
            continue
        n, p, boundary, decoder, counts, per_shot = found.groups()
        parts = [tuple(map(int, c.strip().split("/"))) for c in counts.split("+")]
        rows[int(n), float(p), boundary, decoder] = [
            Counts(errors=e, shots=s, seconds=s * float(per_shot)) for e, s in parts]
    return rows


def tasks(n: int, p: float, boundary: str, decoder: str) -> list:
    """The tasks of one point: one (authors) or an X and a Z memory (noisy)."""
    d = BivariateBicycleCode.published(n).distance
    if boundary == "authors":
        return [memory_task(code=f"bb:{n}", distance=d, rounds=d, basis="Z", noise="sd6", p=p,
                            decoder=f"{decoder}:split=xz", boundary="authors")]
    return [memory_task(code=f"bb:{n}", distance=d, rounds=d, basis=basis, noise="sd6", p=p,
                        decoder=decoder, cycle="overlapped", detectors="basis")
            for basis in ("X", "Z")]


def per_cycle(shot_error: float, cycles: int) -> float:
    return 1 - (1 - shot_error) ** (1 / cycles)


def point_rate(stats: list, cycles: int) -> tuple[float, float, float]:
    """p_L per cycle of all k logicals, with its interval (module docstring)."""
    if len(stats) == 1:
        i = binomial_interval(errors=stats[0].errors, shots=stats[0].shots)
        return tuple(per_cycle(v, cycles) for v in (i.estimate, i.low, i.high))
    confidence = math.sqrt(0.95)
    parts = [binomial_interval(errors=s.errors, shots=s.shots, confidence=confidence)
             for s in stats]
    combined = []
    for field in ("estimate", "low", "high"):
        survive = 1.0
        for part in parts:
            survive *= 1 - per_cycle(getattr(part, field), cycles)
        combined.append(1 - survive)
    return tuple(combined)


def reference(n: int, p: float, cycles: int) -> str:
    """The authors' code's error per cycle at this point, with its interval, or ''."""
    if (n, p) not in AUTHORS:
        return ""
    failed, trials, _ = AUTHORS[n, p]
    i = binomial_interval(errors=failed, shots=trials)
    low, value, high = (per_cycle(v, cycles) for v in (i.low, i.estimate, i.high))
    return f"{failed}/{trials}: {value:.2e} [{low:.2e}, {high:.2e}]"


def crossing(points: list[tuple[float, float, float, float]], k: int) -> tuple | None:
    """The p where each of the three curves (estimate, low, high) meets k p; None if none."""
    found = []
    for column in (1, 2, 3):
        value = None
        for (p0, *r0), (p1, *r1) in itertools.pairwise(points):
            g0, g1 = r0[column - 1] / (k * p0), r1[column - 1] / (k * p1)
            if g0 > 0 and g1 > 0 and (g0 - 1) * (g1 - 1) <= 0 and g0 != g1:
                t = math.log(g0) / (math.log(g0) - math.log(g1))
                value = math.exp(math.log(p0) + t * (math.log(p1) - math.log(p0)))
                break
        found.append(value)
    return None if found[0] is None else tuple(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", default=",".join(map(str, CODES)))
    parser.add_argument("--p", default=",".join(map(str, P_GRID)))
    parser.add_argument("--decoders", default=",".join(DECODERS))
    parser.add_argument("--boundaries", default=",".join(BOUNDARIES))
    parser.add_argument("--max-errors", type=int, default=100)
    parser.add_argument("--max-shots", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--point-seconds", type=float, default=None,
                        help="start no new batch of a point after this many seconds (collect's "
                             "time_limit: the point stays resumable, nothing stored is cut)")
    parser.add_argument("--table", action="store_true", help="print the stored table only")
    parser.add_argument("--earlier", type=pathlib.Path, default=None,
                        help="a document holding an earlier run's reproduction table: its rows "
                             "are reported where the store has none")
    args = parser.parse_args()
    codes = [int(c) for c in args.codes.split(",")]
    grid = [float(p) for p in args.p.split(",")]
    decoders = args.decoders.split(",")
    boundaries = args.boundaries.split(",")
    if not args.table:
        for n in codes:
            for boundary in boundaries:
                for decoder in decoders:
                    for p in grid:
                        start = time.perf_counter()
                        found = collect(tasks(n, p, boundary, decoder), db=DB,
                                        max_shots=args.max_shots, max_errors=args.max_errors,
                                        workers=args.workers, seed=args.seed,
                                        time_limit=args.point_seconds)
                        print(f"[[{n}]] p={p} {boundary} {decoder}: "
                              + ", ".join(f"{s.errors}/{s.shots}" for s in found)
                              + f" ({time.perf_counter() - start:.0f} s)", flush=True)
    report(codes, grid, decoders, boundaries,
           earlier=earlier_rows(args.earlier) if args.earlier else {})


def report(codes, grid, decoders, boundaries, earlier: dict | None = None) -> None:
    """Prints the reproduction table and the pseudo-threshold table from the store."""
    print("\n| code | N_c | p | boundary | decoder | failed/shots | p_L per cycle (all k) [95%] "
          "| k p | CPU s/shot | the authors' code, same p |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    curves = {}
    store = ResultStore(DB, read_only=True) if DB.exists() else None
    for n in codes:
        code = BivariateBicycleCode.published(n)
        k, d = code.num_logical_qubits, code.distance
        for boundary in boundaries:
            for decoder in decoders:
                for p in grid:
                    found = [store.stats_for(t.strong_id) for t in
                             tasks(n, p, boundary, decoder)] if store else []
                    if not found or any(s is None or s.shots == 0 for s in found):
                        found = (earlier or {}).get((n, p, boundary, decoder))
                    if not found:
                        continue
                    rate = point_rate(found, d)
                    curves.setdefault((n, boundary, decoder), []).append((p, *rate))
                    shots = sum(s.shots for s in found)
                    seconds = sum(s.seconds for s in found) / shots
                    counts = " + ".join(f"{s.errors}/{s.shots}" for s in found)
                    print(f"| [[{n},{k},{d}]] | {d} | {p} | {boundary} | {decoder} | {counts} | "
                          f"{rate[0]:.2e} [{rate[1]:.2e}, {rate[2]:.2e}] | {k * p:.3f} | "
                          f"{seconds:.3f} | {reference(n, p, d)} |")
    print("\n| code | boundary | decoder | pseudo-threshold [95%] | paper: arXiv v1 / Nature |")
    print("|---|---|---|---|---|")
    for (n, boundary, decoder), points in curves.items():
        k = BivariateBicycleCode.published(n).num_logical_qubits
        found = crossing(sorted(points), k)
        if found is None:
            text = "no crossing in the sampled range"
        else:
            # The curve through the upper interval ends breaks even at the lower p.
            low, high = found[2], found[1]
            text = (f"{found[0]:.2%} [{'below the range' if low is None else f'{low:.2%}'}, "
                    f"{'above the range' if high is None else f'{high:.2%}'}]")
        v1, v2 = PAPER_P0[n]
        print(f"| [[{n}]] | {boundary} | {decoder} | {text} | {v1} / {v2} |")
    if curves:
        figure(curves)


def figure(curves: dict) -> None:
    """p_L per cycle against p, one panel per code, with the break-even line k p."""
    codes = sorted({n for n, _, _ in curves})
    fig, axes = plt.subplots(1, len(codes), figsize=(4.2 * len(codes), 4.0), squeeze=False)
    for ax, n in zip(axes[0], codes, strict=True):
        k = BivariateBicycleCode.published(n).num_logical_qubits
        for (m, boundary, decoder), points in sorted(curves.items()):
            if m != n:
                continue
            p, rate, low, high = np.array(sorted(points)).T
            ax.errorbar(p, rate, yerr=[rate - low, high - rate], capsize=2,
                        marker="o" if boundary == "authors" else "s", markersize=3,
                        linestyle="-" if boundary == "authors" else "--",
                        label=f"{decoder}, {boundary}")
        grid = np.array(P_GRID)
        ax.plot(grid, k * grid, color="black", linewidth=0.8, label="k p (break-even)")
        ax.set(xscale="log", yscale="log", xlabel="physical error rate p",
               ylabel="p_L per cycle, all k logicals",
               title=f"[[{n},{k},{BivariateBicycleCode.published(n).distance}]], N_c = d")
        ax.set_xticks(grid, [f"{v:.1%}" for v in grid], minor=False)
        ax.set_xticks([], minor=True)
        ax.legend(fontsize=6)
    save_figure(fig, FIGURE)
    print(f"\nfigure: {FIGURE}; database: {DB}")


if __name__ == "__main__":
    main()
