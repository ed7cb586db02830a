"""The superdense syndrome cycle (codes with a ``superdense_schedule``, like the colour code)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import stim

from qec.circuits._annotations import _data_readout_annotations, _detectors
from qec.circuits._writer import _data_noise, _FrameLowering, _LayerWriter, _rounds_in_order
from qec.codes import StabilizerCode
from qec.noise import NoiseModel


def _superdense_flows(code: StabilizerCode, plan: Sequence[Any], basis: str
                      ) -> tuple[dict[int, list[int]], dict[int, list[int]], list[list[int]]]:
    """Which measurements of one noiseless superdense round reveal each check and logical.

    Returns ``(start, end, logical)``: ``start[k]`` the round's measurement indices whose parity
    is stabilizer ``k`` before the round, ``end[k]`` those whose parity is stabilizer ``k``
    after it, and ``logical[i]`` those that multiply logical ``i`` of ``basis`` on its way
    through the round. stim's flow solver finds them.
    """
    qubits = max(code.qubit_coords) + 1
    circuit = stim.Circuit()
    circuit.append("RX", [p.x_measure for p in plan])
    circuit.append("R", [p.z_measure for p in plan])
    for pairs in _superdense_layers(plan):
        circuit.append("CX", [q for pair in pairs for q in pair])
    circuit.append("MX", [p.x_measure for p in plan])
    circuit.append("M", [p.z_measure for p in plan])

    def pauli(kind: str, support: Iterable[int]) -> stim.PauliString:
        string = stim.PauliString(qubits)
        for q in support:
            string[q] = kind
        return string

    none = stim.PauliString(qubits)
    flows = []
    for s in code.stabilizers:
        flows.append(stim.Flow(input=pauli(s.basis, s.data_qubits), output=none))
        flows.append(stim.Flow(input=none, output=pauli(s.basis, s.data_qubits)))
    for support in code.logicals(basis):
        flows.append(stim.Flow(input=pauli(basis, support), output=pauli(basis, support)))
    solved = circuit.solve_flow_measurements(flows)
    if any(s is None for s in solved):
        raise ValueError(f"{code!r}: the superdense round does not preserve every check; its "
                         "superdense_schedule is not a valid one")
    size = len(code.stabilizers)
    start = {k: list(solved[2 * k]) for k in range(size)}
    end = {k: list(solved[2 * k + 1]) for k in range(size)}
    return start, end, [list(m) for m in solved[2 * size:]]


def _superdense_layers(plan: Sequence[Any]) -> list[list[tuple[int, int]]]:
    """The eight CX layers (control, target) of one superdense round."""
    bell = [(p.x_measure, p.z_measure) for p in plan]
    width = max(len(p.x_half) for p in plan)
    gather = [[(half[t], m) for p in plan for m, half in ((p.x_measure, p.x_half),
                                                           (p.z_measure, p.z_half))
               if half[t] is not None] for t in range(width)]
    spread = [[(c, t) for t, c in layer] for layer in gather]
    return [bell, *gather, *spread, bell]


def _superdense_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                       leakage_removal: str, detectors: str) -> stim.Circuit:
    """The superdense cycle of :func:`memory_circuit` (``cycle="superdense"``)."""
    plan = getattr(code, "superdense_schedule", None)
    if plan is None:
        raise ValueError(f"cycle='superdense' needs a code with a superdense_schedule (like "
                         f"ColorCode); {code!r} has none: use cycle='standard'")
    if noise.leakage is not None or leakage_removal != "none":
        raise ValueError("cycle='superdense' does not model leakage; use cycle='standard'")
    stabilizers = code.stabilizers
    start, end, through = _superdense_flows(code, plan, basis)
    data = list(code.data_qubits)
    coords = code.qubit_coords
    x_anc = [p.x_measure for p in plan]
    z_anc = [p.z_measure for p in plan]
    size = len(x_anc) + len(z_anc)
    n_data = len(data)
    annotations = [code.detector_annotations(s) for s in stabilizers]
    layers = _superdense_layers(plan)
    writer = _LayerWriter(noise, sorted(coords))
    lowering = _FrameLowering(writer)
    header = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords)))
    writer.circuit = header
    resets = {"X": list(x_anc), "Z": list(z_anc)}
    resets[basis] = resets[basis] + data
    lowering.measure_and_reset(measures=(), resets=resets, idle=noise.idle_measure_reset)

    def recs(indices: Iterable[int], back: int) -> list[int]:
        """Record offsets of this round's measurements ``back`` rounds ago."""
        return [i - size * (back + 1) for i in indices]

    def one_round(first: bool, final: bool) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        if not (noise.data_noise_once and not first):
            block = _data_noise(noise, data, basis)
            writer.at_start_of_next_layer(block if len(block) else None)
        for pairs in layers:
            lowering.cx(pairs)
        measures = [("X", x_anc, noise.measure_flip), ("Z", z_anc, noise.measure_flip)]
        if final:
            lowering.measure_and_reset(measures=[*measures, (basis, data,
                                                             noise.data_measure_flip)],
                                       resets={}, idle=noise.idle_measure_reset)
        else:
            lowering.measure_and_reset(measures=measures, resets={"X": x_anc, "Z": z_anc},
                                       idle=noise.idle_measure_reset)
        tail = n_data if final else 0
        if not first:
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0,
             [r - tail for r in recs(start[k], 0)]
             + ([] if first else [r - tail for r in recs(end[k], 1)]),
             annotations[k])
            for k, s in enumerate(stabilizers)
            if s.basis == basis or not (first or detectors == "basis"))
        for index, indices in enumerate(through):
            if indices:
                writer.circuit.append("OBSERVABLE_INCLUDE",
                                      [stim.target_rec(r - tail) for r in recs(indices, 0)],
                                      index)
        return writer.circuit

    circuit = _rounds_in_order(header, one_round, rounds)
    return circuit + _data_readout_annotations(
        code, basis=basis, annotations=annotations,
        last_round=lambda k: [r - n_data for r in recs(end[k], 0)])
