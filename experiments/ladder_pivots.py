"""The pivots' integration against Bennett's, on the equilibrated rungs of stored ladders.

The splitting ladder can be integrated two ways from the same chains (issue 28): Bennett's
acceptance ratios between neighbouring rungs, from the number of faults ``|E|`` of their
samples, or the trapezoid of ``f = d ln P / d ln s = E[D]`` over the rungs, ``D`` the pivots
of a failing configuration (the faults it needs less the mechanisms that would cure it:
:mod:`qec.sampling._splitting_kernel`). This takes every complete ladder stored in a results
database (by ``qec lowrate`` or ``bench_lowrate.py``, with or without pivots), starts the
chains of each rung from its stored final configurations (which the ladder ran to
equilibrium), runs them ``--iterations`` more at the rung's scale with a pivot evaluation
every ``--every`` iterations, and integrates the rungs' derivatives:

* per rung: the derivative and its standard error over the 16 chain groups, beside the
  stored ratio over the rung's step in ``ln s`` (Bennett's, or the pivots' for a ladder that
  had them: the average of ``f`` over the step);
* per ladder: ``ln P`` by the pivots' trapezoid with its jackknife interval (the stored
  direct start included), beside the stored estimate, and the decoder calls each took.

Because every rung restarts from the stored chains, the rungs' estimates are nearly
independent here; in a ladder run the chains carry on from rung to rung, which correlates
consecutive rungs (the jackknife of the ladder sees that).

    python experiments/ladder_pivots.py --db experiments/results/lowrate_pivots.db
        [--iterations 400] [--every 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
from scipy.special import stdtrit

from qec.data import jackknife_variance
from qec.sampling._splitting import from_bytes
from qec.sampling._splitting_kernel import (
    ChainContext,
    removal_pivots,
    run_chains,
    unpack_members,
)
from qec.store import ResultStore

GROUPS = 16


def rung_derivative(context: ChainContext, members: list[np.ndarray], scale: float, *,
                    block: float, iterations: int, every: int, seed: tuple[int, ...]
                    ) -> tuple[np.ndarray, int]:
    """Per chain group, the pivots' derivative over ``iterations`` more of the chains, and
    the decoder calls (chains and pivots)."""
    rng = np.random.default_rng([*seed, 2])
    removal = []
    cure = np.zeros(len(members))
    draws = np.zeros(len(members))
    calls = 0
    for start in range(0, iterations, every):
        result = run_chains(context, scale=scale, members=members, iterations=every,
                            seed=(*seed, start), block=block, pivots=True)
        members = unpack_members(result.flat, result.lengths)
        cure += result.cure
        draws += result.add_draws
        values, pivot_calls = removal_pivots(context, members, scale, rng)
        removal.append(values)
        calls += result.decoder_calls + pivot_calls
    by_group = np.mean(removal, axis=0).reshape(GROUPS, -1).mean(axis=1)
    return (by_group - cure.reshape(GROUPS, -1).sum(axis=1)
            / draws.reshape(GROUPS, -1).sum(axis=1)), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    quantile = float(stdtrit(GROUPS - 1, 0.975))
    with ResultStore(args.db, read_only=True) as store:
        for stats in store.read_stats(estimator="splitting"):
            meta = stats.json_metadata
            if meta.get("splitting", {}).get("model") != "relevant":
                continue  # ladders of the whole model move other mechanisms
            stored = store.read_checkpoints(stats.strong_id)
            infos = {level: json.loads(bytes(from_bytes(data)["info"]).decode())
                     for level, data in stored.items()}
            if not infos or infos[max(infos)]["scale"] != 1.0:
                continue  # incomplete
            context = ChainContext(store.circuit_text(stats.strong_id), stats.decoder)
            print(f"\n{meta['noise']} d = {meta['distance']}, seed {meta['splitting']['seed']}"
                  f" ({'pivots' if meta['splitting'].get('pivots') else 'Bennett only'})")
            print("| level | scale | f (pivots, now) | stored ratio / step |")
            print("|---|---|---|---|")
            logs, derivatives, stored_log, calls = [], [], 0.0, 0
            for level in sorted(stored):
                data, info = from_bytes(stored[level]), infos[level]
                summary = info["summary"]
                scale = info["scale"]
                values, used = rung_derivative(
                    context, unpack_members(data["flat"], data["lengths"]), scale,
                    block=info.get("block", 0.1), iterations=args.iterations,
                    every=args.every, seed=(args.seed, level))
                calls += used
                logs.append(math.log(scale))
                derivatives.append(values)
                stored_log += info["sums"]["log_estimate"]
                slope = ("-" if level == 0 else
                         f"{-summary['log_ratio'] / (logs[-2] - logs[-1]):.3f}")
                print(f"| {level} | {scale:.4f} | {values.mean():.3f} +- "
                      f"{values.std(ddof=1) / math.sqrt(GROUPS):.3f} | {slope} |", flush=True)
            start = infos[0]["sums"]
            steps = -np.diff(logs)
            f = np.asarray(derivatives)
            per_group = (steps[:, None] * (f[:-1] + f[1:]) / 2).sum(axis=0)
            log_p = start["log_estimate"] - per_group.mean()
            replicates = [np.delete(per_group, g).mean() for g in range(GROUPS)]
            sd = math.sqrt(jackknife_variance(replicates) + start["var_extra"])
            print(f"pivots on the stored rungs: ln P = {log_p:.4f} +- {sd:.4f}, P = "
                  f"{math.exp(log_p):.4e} [{math.exp(log_p - quantile * sd):.3e}, "
                  f"{math.exp(log_p + quantile * sd):.3e}], {calls:.3g} decoder calls; stored: "
                  f"ln P = {stored_log:.4f}, P = {math.exp(stored_log):.4e}, "
                  f"{sum(i['decoder_calls'] for i in infos.values()):.3g} decoder calls")


if __name__ == "__main__":
    main()
