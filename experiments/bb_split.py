"""Decoding the X and Z parts apart against decoding the whole model, on the same shots.

Bravyi et al. decoded the X-type and the Z-type checks of their memories as two problems
(``NAME:split=xz``, :class:`qec.decoders.SplitDecoder`); a decoder of the whole model also
sees the correlations between them (a Y error is an X and a Z error together). This script
measures what the split costs: one circuit with the authors' boundary (``boundary="authors"``:
perfect start, N_c noisy cycles, two noiseless cycles, every X and Z logical observed, so that
a shot fails when either part does), SD6 noise, sampled once; every decoder decodes the same
shots whole and split. Printed: failures/shots with 95% likelihood-ratio binomial intervals,
the error per cycle ``1 - (1 - P)^(1/N_c)`` as the authors quote it, the shots that only one
of the two gets wrong (the paired comparison), and the decoding CPU time per shot.

Cases: ``bb72`` (the [[72,12,6]] code, the paper's overlapped cycle, N_c = 6) and ``surface5``
(the rotated surface code, d = 5, standard cycle, N_c = 5).

Run: PYTHONPATH=. .venv/bin/python experiments/bb_split.py --case bb72 --p 0.004 \\
         --decoders tesseract --shots 1500
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qec import NoiseModel, memory_circuit
from qec.codes import BivariateBicycleCode, RotatedSurfaceCode
from qec.data import binomial_interval
from qec.decoders import detector_error_model_for_circuit, get_decoder

CASES = {  # name -> (code, noisy cycles N_c, cycle)
    "bb72": (BivariateBicycleCode.published(72), 6, "overlapped"),
    "surface5": (RotatedSurfaceCode(distance=5), 5, "standard"),
}


def per_cycle(shot_error: float, cycles: int) -> float:
    return 1 - (1 - shot_error) ** (1 / cycles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), required=True)
    parser.add_argument("--p", type=float, default=0.004)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--decoders", default="pymatching")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    code, cycles, cycle = CASES[args.case]
    circuit = memory_circuit(code, rounds=cycles, basis="Z", noise=NoiseModel.sd6(args.p),
                             cycle=cycle, boundary="authors")
    dem = detector_error_model_for_circuit(circuit)
    dets, obs = circuit.compile_detector_sampler(seed=args.seed).sample(
        args.shots, separate_observables=True, bit_packed=True)
    print(f"{args.case}: {circuit.num_detectors} detectors, {circuit.num_observables} "
          f"observables, N_c = {cycles}, SD6 p = {args.p}, {args.shots} shots (seed {args.seed})")
    print("| case | p | decoder | fails | shot error [95%] | per cycle | only this one wrong | "
          "CPU ms/shot |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.decoders.split(","):
        wrong = {}
        for spec in (name, f"{name}:split=xz"):
            start = time.process_time()
            compiled = get_decoder(spec).compile_decoder_for_dem(dem=dem)
            predicted = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
            seconds = time.process_time() - start
            wrong[spec] = (np.any(predicted != obs, axis=1), seconds)
        (whole, _), (split, _) = wrong.values()
        for spec, (failed, seconds) in wrong.items():
            errors = int(failed.sum())
            interval = binomial_interval(errors=errors, shots=args.shots)
            other = split if spec == name else whole
            print(f"| {args.case} | {args.p} | {spec} | {errors}/{args.shots} | "
                  f"{interval.estimate:.2e} [{interval.low:.2e}, {interval.high:.2e}] | "
                  f"{per_cycle(interval.estimate, cycles):.2e} | "
                  f"{int(np.count_nonzero(failed & ~other))} | "
                  f"{1e3 * seconds / args.shots:.3g} |", flush=True)


if __name__ == "__main__":
    main()
