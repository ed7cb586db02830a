"""Where the splitting ladder's time goes: its chains against PyMatching's own decoding.

Samples failing configurations of a rotated surface-code memory (SI1000, p = 0.1%, rounds = d)
at one scale of the ladder (``--scale``: odds times s, as the ladder's rungs), runs the
ladder's chains (``run_chains``: 128 chains, single-fault and block moves, as a rung does) under
cProfile in this process, and prints the share of the time spent in PyMatching's
``decode_batch`` and the time per decoder call. The rest is qec's Python and numpy around the
chains: what a faster implementation of the same moves could save at most.

Run: PYTHONPATH=. .venv/bin/python experiments/benchmarks/profile_ladder.py --distance 15 --scale 5
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

from qec.sampling import memory_task
from qec.sampling._splitting_kernel import ChainContext, run_chains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distance", type=int, default=15)
    parser.add_argument("--scale", type=float, default=5.0,
                        help="the rung's scale; pick one where about 1%% of shots fail")
    parser.add_argument("--chains", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    d = args.distance
    task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise="si1000", p=0.001)
    context = ChainContext(str(task.circuit), "pymatching")
    model = context.model
    sampler = context.sampler(args.scale, 5)
    members: list[np.ndarray] = []
    while len(members) < args.chains:
        dets, obs, errs = sampler.sample(20_000, bit_packed=True, return_errors=True)
        fail = context.failing(
            np.unpackbits(dets, axis=1, bitorder="little", count=model.num_detectors),
            np.unpackbits(obs, axis=1, bitorder="little", count=model.num_observables))
        members += [np.flatnonzero(np.unpackbits(errs[r], bitorder="little",
                                                 count=model.num_mechanisms))
                    for r in np.flatnonzero(fail)]
    members = members[:args.chains]
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    result = run_chains(context, scale=args.scale, members=members,
                        iterations=args.iterations, seed=(1,), block=0.1)
    profile.disable()
    seconds = time.perf_counter() - start
    stats = pstats.Stats(profile)
    decoding = sum(row[2] for key, row in stats.stats.items() if "decode_batch" in key[2])
    print(f"d = {d}, scale {args.scale}: {len(members)} chains x {args.iterations} iterations, "
          f"mean |E| {np.mean([len(m) for m in members]):.0f}")
    print(f"{seconds:.1f} s, {result.decoder_calls} decoder calls, "
          f"{1e3 * seconds / result.decoder_calls:.3f} ms a call; PyMatching's decode_batch "
          f"{decoding:.1f} s ({decoding / seconds:.0%} of the time, "
          f"{1e3 * decoding / result.decoder_calls:.3f} ms a call)")


if __name__ == "__main__":
    main()
