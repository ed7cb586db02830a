"""Circuit-level distances of the colour-code memory circuits (issue: colour codes).

For d = 3, 5, 7, both memory bases and both cycles of :class:`qec.codes.ColorCode`
(``superdense``, the default, and the bare-ancilla ``standard`` baseline), under SD6 with
rounds = d: the fewest circuit faults that flip the observable and no detector, found by stim's
``search_for_undetectable_logical_errors`` (the error model is not graphlike, so
``shortest_graphlike_error`` does not apply). That search gives an upper bound; where the
MILP of :func:`qec.circuit_distance_bound` finishes within its time limit, the table also
gives its proven lower bound.

Run: .venv/bin/python experiments/color_distance.py   (about 30 minutes on one core)
"""

from __future__ import annotations

import sys
import time

from qec import NoiseModel, memory_circuit
from qec.circuits import circuit_distance_bound
from qec.codes import ColorCode


def search(circuit) -> int:
    found = circuit.search_for_undetectable_logical_errors(
        dont_explore_detection_event_sets_with_size_above=4,
        dont_explore_edges_with_degree_above=4,
        dont_explore_edges_increasing_symptom_degree=False,
        canonicalize_circuit_errors=True)
    return len(found)


def main() -> None:
    distances = [int(a) for a in sys.argv[1:]] or [3, 5, 7]
    print("| d | basis | cycle | qubits | stim search (upper bound) | MILP lower bound "
          "(time limit) | seconds |")
    print("|---|---|---|---|---|---|---|")
    for d in distances:
        code = ColorCode(distance=d)
        for cycle in ("superdense", "standard"):
            for basis in "XZ":
                circuit = memory_circuit(code, rounds=d, basis=basis,
                                         noise=NoiseModel.sd6(1e-3), cycle=cycle)
                start = time.monotonic()
                upper = search(circuit)
                bound = circuit_distance_bound(circuit, time_limit=60) if d <= 5 else None
                lower = ("not run" if bound is None else
                         f"{bound.lower} ({'proven' if bound.proven else '60 s limit'})")
                print(f"| {d} | {basis} | {cycle} | {circuit.num_qubits} | {upper} | {lower} | "
                      f"{time.monotonic() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
