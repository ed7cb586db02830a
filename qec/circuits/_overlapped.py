"""The overlapped (depth-8 for bivariate bicycle codes) syndrome cycle of Bravyi et al."""

from __future__ import annotations

from collections.abc import Sequence

import stim

from qec.circuits._annotations import _data_readout_annotations, _detectors
from qec.circuits._writer import _data_noise, _LayerWriter, _rounds_in_order
from qec.codes import StabilizerCode
from qec.noise import NoiseModel


def _check_overlapped(code: StabilizerCode, noise: NoiseModel, leakage_removal: str) -> None:
    """Raises ``ValueError`` unless the overlapped cycle fits the code, gate set and leakage."""
    if noise.two_qubit_gate != "CX":
        raise ValueError(f"cycle='overlapped' needs the CX gate set; this noise model's gate is "
                         f"{noise.two_qubit_gate} (use cycle='standard', or a CX model like SD6)")
    if noise.leakage is not None or leakage_removal != "none":
        raise ValueError("cycle='overlapped' does not model leakage; use cycle='standard'")
    last = code.num_layers - 1
    late_x = [s for s in code.stabilizers if s.basis == "X" and s.schedule[0] is not None]
    early_z = [s for s in code.stabilizers if s.basis == "Z" and s.schedule[last] is not None]
    if code.num_layers < 2 or late_x or early_z:
        raise ValueError(
            f"cycle='overlapped' needs X checks idle in the first two-qubit layer and Z checks "
            f"idle in the last (like the bivariate bicycle schedule); {code!r} does not have "
            "that schedule")


def _overlapped_order(code: StabilizerCode) -> list[int]:
    """The stabilizers in the order a round records them: Z checks (read in the last CX
    layer), then X checks."""
    stabilizers = code.stabilizers
    return [k for k, s in enumerate(stabilizers) if s.basis == "Z"] + [
        k for k, s in enumerate(stabilizers) if s.basis == "X"]


def _overlapped_round(writer: _LayerWriter, code: StabilizerCode, *,
                      data_readout: tuple[str, Sequence[int]] | None = None) -> None:
    """Appends the layers of one overlapped round, with the noise of ``writer.noise``.

    X measure qubits are prepared in the first CX layer and read in the round's final layer,
    Z measure qubits read in the last CX layer and prepared again in the final layer (so the
    Z measure qubits must be reset before the first round). With ``data_readout`` (basis,
    data qubits), the final layer reads the data instead of preparing the Z measure qubits.
    """
    noise = writer.noise
    stabilizers = code.stabilizers
    last = code.num_layers - 1
    x_anc = [s.measure_qubit for s in stabilizers if s.basis == "X"]
    z_anc = [s.measure_qubit for s in stabilizers if s.basis == "Z"]
    for layer in range(code.num_layers):
        pairs = []
        for s in stabilizers:
            q = s.schedule[layer]
            if q is not None:
                pairs.append((s.measure_qubit, q) if s.basis == "X" else (q, s.measure_qubit))
        writer.mixed_layer(
            pairs=pairs,
            resets={"X": x_anc} if layer == 0 else None,
            measures=[("Z", z_anc, noise.measure_flip)] if layer == last else (),
            idle=noise.idle_gate)
    if data_readout is not None:
        basis, data = data_readout
        writer.mixed_layer(measures=[("X", x_anc, noise.measure_flip),
                                     (basis, data, noise.data_measure_flip)],
                           idle=noise.idle_measure_reset)
    else:
        writer.mixed_layer(measures=[("X", x_anc, noise.measure_flip)], resets={"Z": z_anc},
                           idle=noise.idle_measure_reset)


def _overlapped_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                       leakage_removal: str, detectors: str) -> stim.Circuit:
    """The depth-(L+1) overlapped cycle of :func:`memory_circuit` (``cycle="overlapped"``)."""
    _check_overlapped(code, noise, leakage_removal)
    stabilizers = code.stabilizers
    data = list(code.data_qubits)
    coords = code.qubit_coords
    z_anc = [s.measure_qubit for s in stabilizers if s.basis == "Z"]
    position = {k: i for i, k in enumerate(_overlapped_order(code))}
    size = len(stabilizers)
    n_data = len(data)
    annotations = [code.detector_annotations(s) for s in stabilizers]
    writer = _LayerWriter(noise, sorted(coords))
    header = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords)))
    resets = {"Z": sorted(data + z_anc)} if basis == "Z" else {"X": data, "Z": z_anc}
    writer.circuit = header
    writer.mixed_layer(resets=resets)

    def one_round(first: bool, final: bool) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        if not (noise.data_noise_once and not first):
            block = _data_noise(noise, data, basis)
            writer.at_start_of_next_layer(block if len(block) else None)
        _overlapped_round(writer, code, data_readout=(basis, data) if final else None)
        tail = n_data if final else 0
        if not first:
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0,
             [position[k] - size - tail] + ([] if first else [position[k] - 2 * size - tail]),
             annotations[k])
            for k, s in enumerate(stabilizers)
            if s.basis == basis or not (first or detectors == "basis"))
        return writer.circuit

    circuit = _rounds_in_order(header, one_round, rounds)
    return circuit + _data_readout_annotations(
        code, basis=basis, annotations=annotations,
        last_round=lambda k: [position[k] - size - n_data])
