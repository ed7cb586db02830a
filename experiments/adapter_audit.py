"""The adapter audit's table (issue 27, item 1), from the audit's own models and direct calls.

``tests/decoders/test_adapter_audit.py`` asserts, for every registry decoder, on small random
models of 8, 11, 16, 13 and 10 detectors with 1, 2, 9, 12 and 12 observables (3,000 shots each,
seed 7): failures within a margin of exact maximum likelihood, and predictions through qec equal
to the same decoder called through its own package. This script prints what those assertions
see, one row per decoder and model: the failures, exact maximum likelihood's failures on the
same shots, and whether the predictions through qec equal the direct call's ("-" where no
package offers the same decoder to call: union-find, qec's own code over mwpf's solver).

Run: PYTHONPATH=. .venv/bin/python experiments/adapter_audit.py
"""

from __future__ import annotations

import numpy as np

from qec.decoders import decode
from tests.decoders.test_adapter_audit import AUDITED, DIRECT, MODELS, SHOTS, _direct, _model


def main() -> None:
    print("| decoder | " + " | ".join(f"{n} dets, {k} obs" for n, k in MODELS) + " |")
    print("|---|" + "---|" * len(MODELS))
    data = []
    for n, k in MODELS:
        dem = _model(n, k, seed=n * 100 + k)
        dets, obs, _ = dem.compile_sampler(seed=7).sample(SHOTS, bit_packed=True)
        exact = int(np.any(decode(dem, dets, decoder="exact") != obs, axis=1).sum())
        data.append((dem, dets, obs, exact))
    print("| exact (maximum likelihood) | "
          + " | ".join(f"{exact}/{SHOTS}" for *_, exact in data) + " |")
    for name in AUDITED:
        cells = []
        for dem, dets, obs, _exact in data:
            ours = decode(dem, dets, decoder=name)
            wrong = int(np.any(ours != obs, axis=1).sum())
            same = ("-" if name not in DIRECT else
                    "= direct" if np.array_equal(ours, _direct(name, dem, dets)) else "DIFFERS")
            cells.append(f"{wrong} ({same})")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
