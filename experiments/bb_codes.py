"""IBM's bivariate bicycle codes: parameters, code distances and circuit-level distance bounds.

For each code of Table 3 of Bravyi et al., Nature 627, 778 (2024): verify() (n, k, weight-6
checks, the schedule measures [A|B] and [B^T|A^T]), the code distance (proven by integer
programming where the time limit allows, else an upper bound from a low-weight logical), and an
upper bound on the circuit-level distance of a Z-basis memory under SD6 (the paper's
"every operation fails with probability p" model) with the paper's syndrome cycle, from an
integer program over the detector error model, against the paper's statement that the gross
code's circuit-level distance is at most 10.

Run: .venv/bin/python experiments/bb_codes.py [SECONDS]   (time limit per integer program,
default 60; the circuit bounds take a few of those per code)
"""

import sys
import time

import qec
from qec.circuits import circuit_distance_bound
from qec.codes import BivariateBicycleCode

LIMIT = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
ROUNDS = 3  # enough cycles for time-like and hook faults to combine, small enough to solve

print(f"time limit {LIMIT:g} s per integer program; circuit bounds on {ROUNDS}-round Z memories, "
      "SD6")
print("| code | l, m | A | B | verify | k | code distance (paper) | found | circuit distance |")
print("|---|---|---|---|---|---|---|---|---|")
for n in (72, 90, 108, 144, 288):
    code = BivariateBicycleCode.published(n)
    start = time.monotonic()
    code.verify()
    _, k, paper = code.parameters
    if n == 72:
        bound = code.distance_bound(time_limit=LIMIT)
        found = f"{bound.weight} ({'proven' if bound.proven else 'upper bound'})"
    else:
        weight = min(len(code.low_weight_logical(basis, tries=400)) for basis in "XZ")
        found = f"<= {weight} (low-weight logical)"
    circuit_cell = "-"
    if n in (72, 90, 144):
        circuit = qec.memory_circuit(code, rounds=ROUNDS, basis="Z",
                                     noise=qec.NoiseModel.sd6(0.001))
        try:
            bound = circuit_distance_bound(circuit, time_limit=LIMIT, observables=[0])
            circuit_cell = (f"{bound.weight} (proven)" if bound.proven
                            else f"<= {bound.weight} (lower bound {bound.lower})")
        except TimeoutError as exc:
            circuit_cell = f"no bound ({exc})"
    print(f"| [[{n},{k},{paper}]] | {code.l}, {code.m} | {code.a} | {code.b} | ok | {k} | {paper} "
          f"| {found} | {circuit_cell} | ({time.monotonic() - start:.0f} s)")
