"""Cost of subset simulation's score against PyMatching's ordinary decode, in one process.

For rotated surface code memories (Z basis, rounds = d, SI1000 at p = 0.1%), 200 direct
samples are scored by ``GapScore.evaluate`` uncapped and capped at several levels, and decoded
by PyMatching on the whole model; printed per configuration, with the ratio to the ordinary
decode. The capped searches are what the chains pay at a level of that depth.

    python experiments/benchmarks/bench_subset_score.py [--distances 15,19,25]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pymatching

from qec.decoders import detector_error_model_for_circuit
from qec.sampling import memory_task
from qec.sampling._subset_kernel import GapScore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distances", default="15,19,25")
    parser.add_argument("--shots", type=int, default=200)
    args = parser.parse_args()
    print("| d | score | ms per configuration | ratio to PyMatching's decode |")
    print("|---|---|---|---|")
    for d in (int(x) for x in args.distances.split(",")):
        task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise="si1000",
                           p=0.001)
        dem = detector_error_model_for_circuit(task.circuit)
        score = GapScore(dem)
        matching = pymatching.Matching.from_detector_error_model(dem)
        dets, obs, _ = dem.compile_sampler(seed=2).sample(args.shots)
        dets, obs = dets.astype(np.uint8), obs.astype(np.uint8)
        matching.decode_batch(dets[:5])
        t0 = time.perf_counter()
        matching.decode_batch(dets)
        plain = (time.perf_counter() - t0) / args.shots
        print(f"| {d} | PyMatching on the whole model | {plain * 1e3:.3f} | 1 |")
        for floor in (None, -60.0, -30.0, -10.0, -3.0):
            score.evaluate(dets[:5], obs[:5], floor=floor)  # builds the capped graph
            t0 = time.perf_counter()
            score.evaluate(dets, obs, floor=floor)
            cost = (time.perf_counter() - t0) / args.shots
            label = "gap, uncapped" if floor is None else f"gap, capped at level {floor:g}"
            print(f"| {d} | {label} | {cost * 1e3:.3f} | {cost / plain:.1f} |", flush=True)


if __name__ == "__main__":
    main()
