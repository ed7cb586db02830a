"""Sampling speed of qec beside sinter.collect, the whole `qec threshold` command, Dask, memory.

1. Engine: the same 12 tasks (rotated surface code, d = 3, 5, 7 x four p from 0.003 to 0.01,
   stim_generated noise, rounds = d, PyMatching), the same worker count and the same shot budget
   (a fixed number of shots per task, no error cut-off, so both take exactly the same shots),
   sampled by `qec.sampling.collect` and by `sinter.collect`, in one run (each tool three times,
   interleaved, so that a drift in the machine's load hits both alike). Prints the median shots
   per second of each, the ratio qec / sinter (target >= 1.0), and the CPU time the workers
   used per shot (less sensitive to other processes on a shared machine).
2. Whole command: `qec threshold` (start-up, sampling, fit and figure included) against a script
   doing the same with sinter (start-up, `sinter.collect`, CSV and figure), both as fresh
   subprocesses, on a workload of about 20 seconds (each twice, same order as above). Ratio
   sinter time / qec time (target >= 1.0), and the share of the qec run spent after sampling
   (imports it needs then, fit, table, figure; target <= 3%).
3. Dask: a `distributed.LocalCluster` of the same worker count against the local pool, on the
   engine workload, each twice (order dask, local, local, dask); the cluster's start-up (and
   the imports on its workers) is reported separately. Ratio (target >= 0.9).
4. Peak memory (max RSS of the main process and of any worker) for 10x more shots of one task:
   it must not grow with the number of shots.

The machine is shared: run it once, on a machine as quiet as you can get, and read the ratios.

Run: .venv/bin/python experiments/benchmarks/bench_sampling.py [--workers N] [--shots N]
     [--parts 1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

DISTANCES = (3, 5, 7)
P_VALUES = (0.003, 0.005, 0.007, 0.01)
HERE = Path(__file__).resolve()
BIN = Path(sys.executable).parent


def _circuits():
    from qec import NoiseModel, memory_circuit
    from qec.codes import RotatedSurfaceCode

    for d in DISTANCES:
        for p in P_VALUES:
            circuit = memory_circuit(RotatedSurfaceCode(distance=d), rounds=d, basis="Z",
                                     noise=NoiseModel.stim_generated(p))
            yield {"distance": d, "rounds": d, "p": p}, circuit


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_engine(*, workers: int, shots: int) -> dict[str, dict[str, float]]:
    """Each tool three times, in the order qec, sinter, sinter, qec, qec, sinter.

    Returns per tool: the median shots per second over its runs, and the CPU seconds its worker
    processes used per million shots (summed over its runs), which scheduling noise on a shared
    machine affects much less.
    """
    import sinter

    from qec.sampling import Task, collect

    circuits = list(_circuits())
    ours = [Task(circuit=c, decoder="pymatching", json_metadata=m) for m, c in circuits]
    theirs = [sinter.Task(circuit=c, decoder="pymatching", json_metadata=m) for m, c in circuits]
    rates: dict[str, list[float]] = {"qec": [], "sinter": []}
    cpu = {"qec": 0.0, "sinter": 0.0}
    total = {"qec": 0, "sinter": 0}
    for run, tool in enumerate(("qec", "sinter", "sinter", "qec", "qec", "sinter")):
        cpu_before = _children_cpu()
        start = time.perf_counter()
        if tool == "qec":
            with tempfile.TemporaryDirectory() as tmp:
                stats = collect(ours, db=Path(tmp) / "bench.db", max_shots=shots,
                                workers=workers, seed=run)
        else:
            stats = sinter.collect(num_workers=workers, tasks=theirs, max_shots=shots,
                                   decoders=["pymatching"])
        seconds = time.perf_counter() - start
        shots_taken = sum(s.shots for s in stats)
        rates[tool].append(shots_taken / seconds)
        cpu[tool] += _children_cpu() - cpu_before
        total[tool] += shots_taken
    return {
        tool: {"rate": statistics.median(rates[tool]), "runs": rates[tool],
               "cpu_per_million": cpu[tool] / total[tool] * 1e6}
        for tool in rates
    }


_SINTER_SCRIPT = textwrap.dedent("""
    import sys
    import sinter
    from matplotlib.figure import Figure
    from qec import NoiseModel, memory_circuit
    from qec.codes import RotatedSurfaceCode

    def main():
        out, workers, shots, errors = sys.argv[1], *map(int, sys.argv[2:5])
        tasks = [sinter.Task(circuit=memory_circuit(RotatedSurfaceCode(distance=d), rounds=d,
                                                    basis="Z", noise=NoiseModel.stim_generated(p)),
                             json_metadata={"d": d, "p": p})
                 for d in (3, 5, 7) for p in (0.003, 0.005, 0.007, 0.01)]
        stats = sinter.collect(num_workers=workers, tasks=tasks, max_shots=shots,
                               max_errors=errors, decoders=["pymatching"],
                               save_resume_filepath=out + "/sinter.csv")
        ax = Figure(figsize=(6.4, 4.8)).add_subplot()
        sinter.plot_error_rate(ax=ax, stats=stats, x_func=lambda s: s.json_metadata["p"],
                               group_func=lambda s: s.json_metadata["d"],
                               failure_units_per_shot_func=lambda s: s.json_metadata["d"])
        ax.loglog()
        ax.figure.savefig(out + "/sinter.png")

    if __name__ == "__main__":
        main()
""")


_FINISH_SCRIPT = textwrap.dedent("""
    import sys, time
    from qec.plotting import FigureProcess, new_axes
    figures = FigureProcess()  # started first, as the command starts it
    from qec.sampling import Task  # what the command has imported when sampling ends
    from qec.store import ResultStore
    with ResultStore(sys.argv[1]) as store:
        stats = [s for s in store.read_stats() if s.kept_shots > 0]
    figures.draw(new_axes, sys.argv[2])  # wait until it has imported (sampling is longer)
    figures.wait()
    start = time.perf_counter()
    from qec.analysis import assess_threshold
    from qec.cli._threshold import _table
    from qec.plotting import plot_threshold
    assessment = assess_threshold(stats, quantity="per_shot", seed=0)
    assessment.as_dict()
    figures.draw(plot_threshold, sys.argv[2], points=stats, quantity="per_shot",
                 threshold=assessment.fit, extrapolated=assessment.extrapolated, title="finish")
    _table(stats, "per_shot")
    figures.wait()
    print(time.perf_counter() - start)
    figures.close()
""")



def bench_command(*, workers: int, shots: int, errors: int, repeats: int
                  ) -> dict[str, list[float]]:
    """Seconds of each command, run ``repeats`` times each in the order qec, sinter, sinter, qec.

    Also ``after``: for each qec run, the seconds its finish (the imports that sampling did not
    need, the fit, the table and the figure) takes on that run's database, timed in a fresh
    process that has imported what the command had imported when its sampling ended, with a
    figure process started first and ready, as in the command.
    """
    times: dict[str, list[float]] = {"qec": [], "sinter": [], "after": []}
    order = [("qec", "sinter") if run % 2 == 0 else ("sinter", "qec") for run in range(repeats)]
    for tool in [tool for pair in order for tool in pair]:
        with tempfile.TemporaryDirectory() as tmp:
            if tool == "sinter":
                script = Path(tmp) / "sinter_threshold.py"
                script.write_text(_SINTER_SCRIPT)
                command = [sys.executable, str(script), tmp, str(workers), str(shots),
                           str(errors)]
            else:
                command = [
                    str(BIN / "qec"), "threshold", "--noise", "stim-generated", "--distances",
                    "3,5,7", "--p", ",".join(map(str, P_VALUES)), "--max-shots", str(shots),
                    "--max-errors", str(errors), "--workers", str(workers), "--out", tmp,
                    "--quiet"]
            start = time.perf_counter()
            subprocess.run(command, check=True)
            times[tool].append(time.perf_counter() - start)
            if tool == "qec":
                finish = subprocess.run(
                    [sys.executable, "-c", _FINISH_SCRIPT, str(Path(tmp) / "threshold.db"),
                     str(Path(tmp) / "finish.png")],
                    check=True, capture_output=True, text=True)
                times["after"].append(float(finish.stdout))
    return times


def bench_dask(*, workers: int, shots: int) -> tuple[dict[str, dict[str, float]], float]:
    """Shots per second on a LocalCluster and on the local pool, order dask, local, local, dask.

    Also, per executor, the fraction of worker time spent sampling and decoding (the rest is
    idle: scheduling round trips, the tail of the run) and the worker seconds per shot (the
    cost of a shot with everything else that runs on the machine).
    """
    import distributed

    from qec.sampling import Task, collect
    from qec.sampling._executors import _warm_up

    tasks = [Task(circuit=c, decoder="pymatching", json_metadata=m) for m, c in _circuits()]
    start = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    client = distributed.Client(cluster)
    client.run(_warm_up)  # imports on the workers: start-up, like forking the local pool
    startup = time.perf_counter() - start
    shots_taken = {"dask": 0, "local": 0}
    seconds = {"dask": 0.0, "local": 0.0}
    busy = {"dask": 0.0, "local": 0.0}
    try:
        for run, where in enumerate(("dask", "local", "local", "dask")):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                stats = collect(tasks, db=Path(tmp) / "r.db", max_shots=shots, seed=run,
                                workers=workers, dask=client if where == "dask" else None)
                seconds[where] += time.perf_counter() - start
                shots_taken[where] += sum(s.shots for s in stats)
                busy[where] += sum(s.seconds for s in stats)
    finally:
        client.close()
        cluster.close()
    summary = {where: {"rate": shots_taken[where] / seconds[where],
                       "busy": busy[where] / (workers * seconds[where]),
                       "us_per_shot": 1e6 * busy[where] / shots_taken[where]}
               for where in ("dask", "local")}
    return summary, startup


_MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys, tempfile
    from qec.sampling import collect, memory_task
    task = memory_task(code="surface", distance=5, rounds=5, basis="Z", noise="stim-generated",
                       p=0.005)
    with tempfile.TemporaryDirectory() as tmp:
        collect([task], db=tmp + "/m.db", max_shots=int(sys.argv[1]), workers=int(sys.argv[2]),
                seed=3)
    print(json.dumps({
        "main_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "worker_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }))
""")


def bench_memory(*, workers: int, shots: int) -> list[tuple[int, dict[str, int]]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "memory.py"
        script.write_text(_MEMORY_SCRIPT)
        for n in (shots, 10 * shots):
            done = subprocess.run([sys.executable, str(script), str(n), str(workers)],
                                  check=True, capture_output=True, text=True)
            results.append((n, json.loads(done.stdout)))
    return results


def _report_engine(*, workers: int, shots: int) -> None:
    engine = bench_engine(workers=workers, shots=shots)
    print(f"\n1. engine, 12 tasks x {shots:,} shots = {12 * shots:,} shots per run, "
          "three runs per tool (order qec, sinter, sinter, qec, qec, sinter)")
    for tool, name in (("qec", "qec.sampling.collect"), ("sinter", "sinter.collect")):
        runs = ", ".join(f"{r:,.0f}" for r in engine[tool]["runs"])
        print(f"   {name:<21} median {engine[tool]['rate']:9,.0f} shots/s  (runs: {runs});"
              f"  worker CPU {engine[tool]['cpu_per_million']:5.1f} s per million shots")
    print(f"   ratio qec/sinter: {engine['qec']['rate'] / engine['sinter']['rate']:.2f} in shots/s"
          "   (target >= 1.0);  "
          f"{engine['sinter']['cpu_per_million'] / engine['qec']['cpu_per_million']:.2f} in "
          "worker CPU per shot")


def _report_command(*, workers: int, repeats: int) -> None:
    times = bench_command(workers=workers, shots=400_000, errors=40_000, repeats=repeats)
    print(f"\n2. whole command, 12 tasks, max_shots 400,000, max_errors 40,000, fresh processes, "
          f"{repeats} runs each (order qec, sinter, sinter, qec, ...)")
    for tool, label in (("qec", "qec threshold (sample, fit, figure):"),
                        ("sinter", "sinter.collect + CSV + figure:      ")):
        runs = ", ".join(f"{t:.2f}" for t in times[tool])
        print(f"   {label} median {statistics.median(times[tool]):6.2f} s  (runs: {runs})")
    ratio = statistics.median(times["sinter"]) / statistics.median(times["qec"])
    print(f"   ratio sinter/qec: {ratio:.3f}   (target >= 1.0)")
    after = times["after"]
    print(f"   qec's work after sampling (the finish: imports it needs, fit, table, figure), "
          f"in process: median {statistics.median(after):.3f} s, "
          f"{statistics.median(after) / statistics.median(times['qec']):.1%} of the run "
          "(target <= 3%)")


def _report_dask(*, workers: int, shots: int) -> None:
    dask, startup = bench_dask(workers=workers, shots=shots)
    print(f"\n3. Dask LocalCluster ({workers} workers) vs local pool, 12 tasks x "
          f"{shots:,} shots, two runs each (cluster start-up {startup:.1f} s, not included)")
    for where, label in (("dask", "dask:      "), ("local", "local pool:")):
        row = dask[where]
        print(f"   {label} {row['rate']:12,.0f} shots/s   workers busy {row['busy']:.0%} of the "
              f"time, {row['us_per_shot']:.2f} us of worker time per shot")
    print(f"   ratio:      {dask['dask']['rate'] / dask['local']['rate']:12.2f}   "
          "(target >= 0.9)")


def _report_memory(*, workers: int) -> None:
    print("\n4. peak memory, d=5 task, max RSS in MiB")
    for n, usage in bench_memory(workers=workers, shots=200_000):
        print(f"   {n:>10,} shots: main {usage['main_kib'] / 1024:7.1f}, "
              f"largest worker {usage['worker_kib'] / 1024:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shots", type=int, default=100_000, help="shots per task, engine part")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each tool in part 2 (default: 2)")
    parser.add_argument("--parts", default="1,2,3,4",
                        help="which parts to run, a comma list of 1 to 4 (default: all)")
    args = parser.parse_args()
    parts = {int(part) for part in args.parts.split(",")}
    if not parts <= {1, 2, 3, 4}:
        parser.error(f"--parts={args.parts} must be a comma list of 1, 2, 3 and 4")
    load = os.getloadavg()[0]
    print(f"workers={args.workers}, cores={os.cpu_count()}, load average before start={load:.2f}")

    if 1 in parts:
        _report_engine(workers=args.workers, shots=args.shots)
    if 2 in parts:
        _report_command(workers=args.workers, repeats=args.repeats)
    if 3 in parts:
        _report_dask(workers=args.workers, shots=2 * args.shots)
    if 4 in parts:
        _report_memory(workers=args.workers)
    print(f"\nload average at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
