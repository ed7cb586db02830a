"""The standard syndrome cycle: each round has its own layers, with optional leakage removal."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import stim

from qec.circuits._annotations import _detectors
from qec.circuits._writer import _data_noise, _LayerWriter
from qec.codes import StabilizerCode
from qec.leakage import _tags
from qec.noise import LeakageModel, NoiseModel


def _round(
    writer: _LayerWriter,
    code: StabilizerCode,
    *,
    data_noise: stim.Circuit | None,
    prepare_plus: Sequence[int] = (),
    removal_pairs: Sequence[tuple[int, int]] = (),
) -> None:
    """Appends one round of stabilizer measurement (without its detectors).

    ``prepare_plus`` (CZ gate set only) lists freshly reset data qubits to rotate to |+>: their
    Hadamard merges into the round's first Hadamard layer, where two Hadamards cancel.

    With leakage (``writer.leakage``), the round opens with seepage on every qubit, records the
    leakage population just before the measurement layer, and ends with DQLR on
    ``removal_pairs`` (data, measure) when given.
    """
    noise = writer.noise
    if writer.leakage is not None and writer.leakage.seepage_per_round > 0:
        seepage = stim.Circuit(
            f"I_ERROR[{_tags.SEEPAGE}]({writer.leakage.seepage_per_round!r}) "
            + " ".join(map(str, writer.qubits))
        )
        data_noise = seepage if data_noise is None else seepage + data_noise
    writer.at_start_of_next_layer(data_noise)
    stabilizers = code.stabilizers
    measure_qubits = [s.measure_qubit for s in stabilizers]
    layers = range(code.num_layers)
    if noise.two_qubit_gate == "CX":
        x_measure = [s.measure_qubit for s in stabilizers if s.basis == "X"]
        writer.one_qubit_layer("H", x_measure)
        for layer in layers:
            pairs = []
            for s in stabilizers:
                q = s.schedule[layer]
                if q is not None:
                    pairs.append((s.measure_qubit, q) if s.basis == "X" else (q, s.measure_qubit))
            writer.two_qubit_layer("CX", pairs)
        writer.one_qubit_layer("H", x_measure)
    else:
        # CZ-native: every measure qubit starts in |+> and ends with H before its Z readout. A
        # data qubit is Hadamard-conjugated while it interacts with X-type checks, so the CZ acts
        # as a CX from the measure qubit; consecutive Hadamards on a data qubit cancel.
        in_h_frame: dict[int, bool] = dict.fromkeys(code.data_qubits, False)
        hadamards: list[set[int]] = [set() for _ in range(code.num_layers + 1)]
        hadamards[0].update(measure_qubits)
        hadamards[-1].update(measure_qubits)
        hadamards[0].symmetric_difference_update(prepare_plus)
        cz_layers: list[list[tuple[int, int]]] = []
        for layer in layers:
            pairs = []
            for s in stabilizers:
                q = s.schedule[layer]
                if q is None:
                    continue
                pairs.append((s.measure_qubit, q))
                if in_h_frame[q] != (s.basis == "X"):
                    in_h_frame[q] = not in_h_frame[q]
                    hadamards[layer].symmetric_difference_update((q,))
            cz_layers.append(pairs)
        hadamards[-1].update(q for q, flipped in in_h_frame.items() if flipped)
        writer.one_qubit_layer("H", sorted(hadamards[0]))
        for layer, pairs in enumerate(cz_layers):
            if layer > 0:
                writer.one_qubit_layer("H", sorted(hadamards[layer]))
            writer.two_qubit_layer("CZ", pairs)
        writer.one_qubit_layer("H", sorted(hadamards[-1]))
    if writer.leakage is not None:
        writer.circuit.append(stim.CircuitInstruction("I_ERROR", [], [], tag=_tags.POPULATION))
    writer.measure(measure_qubits, basis="Z", reset=True, flip=noise.measure_flip)
    if removal_pairs:
        removal_error = (
            noise.clifford_2q if writer.leakage is None else writer.leakage.removal_error
        )
        writer.leakage_removal(removal_pairs, removal_error=removal_error)


def _removal_matchings(code: StabilizerCode) -> list[list[tuple[int, int]]]:
    """(data, measure) pairings for DQLR that together cover every data qubit.

    A data qubit pairs with the measure qubit of a stabilizer that contains it; each measure
    qubit takes at most one data qubit per step. The rotated surface code has one data qubit
    more than measure qubits, so one pairing cannot cover all: the pairings returned are used
    in turn, in successive removal steps (two for the surface and repetition codes).

    Raises:
        ValueError: if some data qubit is in no stabilizer, so no measure qubit can take its
            leakage.
    """
    import networkx as nx

    graph = nx.Graph()
    for s in code.stabilizers:
        for q in s.data_qubits:
            graph.add_edge(("d", q), ("m", s.measure_qubit))
    lonely = [q for q in code.data_qubits if ("d", q) not in graph]
    if lonely:
        raise ValueError(
            f"leakage_removal='dqlr' needs a measure qubit next to every data qubit, but data "
            f"qubit {lonely[0]} of {code!r} is in no stabilizer "
            f"({len(code.measure_qubits)} measure qubits)"
        )
    covered: set[int] = set()
    matchings: list[list[tuple[int, int]]] = []
    while len(covered) < len(code.data_qubits):
        for u, v in graph.edges:
            data = u if u[0] == "d" else v
            graph.edges[u, v]["weight"] = 1 + (len(code.data_qubits) if data[1] not in covered
                                               else 0)
        matching = nx.max_weight_matching(graph, maxcardinality=True)
        pairs = sorted(
            (a[1], b[1]) if a[0] == "d" else (b[1], a[1]) for a, b in matching
        )
        covered.update(d for d, _ in pairs)
        matchings.append(pairs)
    return matchings


def _standard_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                     leakage_removal: str, removal_period: int, detectors: str
                     ) -> stim.Circuit:
    """The standard cycle of :func:`memory_circuit` (``cycle="standard"``)."""
    leaky = noise.leakage is not None or leakage_removal != "none"
    matchings = _removal_matchings(code) if leakage_removal == "dqlr" else []
    data = list(code.data_qubits)
    stabilizers = code.stabilizers
    measure_qubits = [s.measure_qubit for s in stabilizers]
    n_measure = len(measure_qubits)
    coords = code.qubit_coords
    leakage = noise.leakage
    if leaky and leakage is None:
        # Removal steps without leakage injection: tags, but nothing ever leaks.
        leakage = LeakageModel(leakage_per_gate=0.0, seepage_per_round=0.0,
                               removal_error=noise.clifford_2q)
    writer = _LayerWriter(
        noise,
        sorted(coords),
        leakage=leakage,
        reset="plain" if leakage_removal == "none" else "mlr",
    )

    def removal_pairs(round_index: int) -> list[tuple[int, int]]:
        if not matchings or (round_index + 1) % removal_period:
            return []
        step = (round_index + 1) // removal_period - 1
        return matchings[step % len(matchings)]

    # Rounds after the first repeat with this period (in the pattern of removal steps).
    cycle = removal_period * len(matchings) if matchings else 1

    writer.circuit = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords))
    )

    cz = noise.two_qubit_gate == "CZ"
    data_basis = "Z" if cz else basis
    if data_basis == "Z":
        writer.reset({"Z": sorted(data + measure_qubits)})
    else:
        writer.reset({"X": data, "Z": measure_qubits})

    def data_noise(first: bool) -> stim.Circuit | None:
        if noise.data_noise_once and not first:
            return None
        block = _data_noise(noise, data, basis)
        return block if len(block) else None

    # First round: only the stabilizers of the memory basis are deterministic.
    _round(
        writer,
        code,
        data_noise=data_noise(True),
        prepare_plus=data if cz and basis == "X" else (),
        removal_pairs=removal_pairs(0),
    )
    annotations = [code.detector_annotations(s) for s in stabilizers]
    writer.circuit += _detectors(
        (coords[s.measure_qubit], 0, [k - n_measure], annotations[k])
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    circuit = writer.circuit

    def later_rounds(count: int, pairs: Callable[[int], list[tuple[int, int]]]) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        for j in range(count):
            _round(writer, code, data_noise=data_noise(False), removal_pairs=pairs(1 + j))
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
            writer.circuit += _detectors(
                (coords[s.measure_qubit], 0, [k - n_measure, k - 2 * n_measure], annotations[k])
                for k, s in enumerate(stabilizers)
                if detectors == "all" or s.basis == basis
            )
        return writer.circuit

    repetitions, remainder = divmod(rounds - 1, cycle)
    if repetitions:
        body = later_rounds(cycle, removal_pairs)
        if repetitions == 1:
            circuit += body
        else:
            circuit.append(stim.CircuitRepeatBlock(repetitions, body))
    if remainder:
        circuit += later_rounds(remainder, removal_pairs)

    # Final readout of the data qubits.
    writer.circuit = stim.Circuit()
    if cz and basis == "X":
        writer.one_qubit_layer("H", data)
    writer.measure(data, basis=data_basis, reset=False, flip=noise.data_measure_flip)
    n_data = len(data)
    position = {q: i for i, q in enumerate(data)}
    writer.circuit += _detectors(
        (
            coords[s.measure_qubit],
            1,
            [position[q] - n_data for q in s.data_qubits] + [k - n_measure - n_data],
            annotations[k],
        )
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    for index, support in enumerate(code.logicals(basis)):
        writer.circuit.append(
            "OBSERVABLE_INCLUDE", [stim.target_rec(position[q] - n_data) for q in support], index)
    circuit += writer.circuit
    return circuit
