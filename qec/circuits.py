"""Memory-experiment circuits generated from code objects under a noise model.

:func:`memory_circuit` walks the code's stabilizer schedule layer by layer. Each layer is one
moment of the hardware: resets, one-qubit gates, two-qubit gates or measurements. The
:class:`_LayerWriter` appends the operations and the noise the :class:`~qec.noise.NoiseModel`
asks for after them, including idle noise on every qubit that sits the layer out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import stim

from qec.codes import StabilizerCode
from qec.noise import NoiseModel

__all__ = ["memory_circuit"]


def _validate(code: object, rounds: object, basis: object, noise: object) -> None:
    if not isinstance(code, StabilizerCode):
        raise ValueError(
            f"code={code!r} must be a code object such as qec.codes.RotatedSurfaceCode(distance=3)"
        )
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds={rounds!r} must be an integer >= 1")
    if basis not in ("X", "Z"):
        raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")
    if basis not in code.supported_bases:
        raise ValueError(
            f"basis={basis!r} is not supported by {type(code).__name__}: it protects only "
            f"against bit flips, so only a {' or '.join(code.supported_bases)}-basis memory "
            f"is meaningful; use basis={code.supported_bases[0]!r}"
        )
    if not isinstance(noise, NoiseModel):
        raise ValueError(
            f"noise={noise!r} must be a qec.NoiseModel, for example qec.NoiseModel.si1000(0.001)"
        )


class _LayerWriter:
    """Appends layers of operations with their noise to a target circuit.

    Every layer starts with a TICK (except the first of the circuit) so that stim's tools see
    one moment per layer. The target can be swapped to write a REPEAT body.
    """

    def __init__(self, noise: NoiseModel, qubits: Sequence[int]) -> None:
        self.noise = noise
        self.qubits = tuple(qubits)
        self.circuit = stim.Circuit()
        self._first_layer = True
        self._pending = stim.Circuit()

    def at_start_of_next_layer(self, block: stim.Circuit | None) -> None:
        """Queues noise (e.g. start-of-round data errors) to open the next layer."""
        if block is not None:
            self._pending += block

    def _tick(self) -> None:
        if not self._first_layer:
            self.circuit.append("TICK")
        self._first_layer = False
        if len(self._pending):
            self.circuit += self._pending
            self._pending = stim.Circuit()

    def _append(self, name: str, targets: Iterable[int], arg: float | None = None) -> None:
        # Parsing one line of text is far faster than Circuit.append with a long Python list.
        text = " ".join(map(str, targets))
        if not text or (arg is not None and arg <= 0):
            return
        head = name if arg is None else f"{name}({arg!r})"
        self.circuit += stim.Circuit(f"{head} {text}")

    def _idle(self, busy: Iterable[int], rate: float) -> None:
        if rate > 0:
            busy_set = set(busy)
            self._append("DEPOLARIZE1", [q for q in self.qubits if q not in busy_set], rate)

    @staticmethod
    def _flip(basis: str) -> str:
        return "X_ERROR" if basis == "Z" else "Z_ERROR"

    def reset(self, qubits_by_basis: dict[str, Sequence[int]]) -> None:
        """A layer of resets (``R`` / ``RX``) followed by flips of probability reset_flip."""
        self._tick()
        busy: list[int] = []
        for basis, qubits in qubits_by_basis.items():
            self._append("R" if basis == "Z" else "RX", qubits)
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
            busy.extend(qubits)
        self._idle(busy, self.noise.idle_measure_reset)

    def one_qubit_layer(self, gate: str, qubits: Sequence[int]) -> None:
        """A layer of one-qubit gates (nothing at all when ``qubits`` is empty)."""
        if not qubits:
            return
        self._tick()
        self._append(gate, sorted(qubits))
        self._append("DEPOLARIZE1", sorted(qubits), self.noise.clifford_1q)
        self._idle(qubits, self.noise.idle_gate)

    def two_qubit_layer(self, gate: str, pairs: Sequence[tuple[int, int]]) -> None:
        """A layer of two-qubit gates, each pair ``(control, target)``."""
        if not pairs:
            return
        self._tick()
        flat = [q for pair in pairs for q in pair]
        self._append(gate, flat)
        self._append("DEPOLARIZE2", flat, self.noise.clifford_2q)
        self._idle(flat, self.noise.idle_gate)

    def measure(
        self,
        qubits: Sequence[int],
        *,
        basis: str,
        reset: bool,
        flip: float,
    ) -> None:
        """A layer of measurements (with reset when ``reset``), results flipped with ``flip``."""
        self._tick()
        self._append(self._flip(basis), qubits, flip)
        name = {("Z", False): "M", ("Z", True): "MR", ("X", False): "MX", ("X", True): "MRX"}
        self._append(name[(basis, reset)], qubits)
        if reset:
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
        self._idle(qubits, self.noise.idle_measure_reset)


def _data_noise(noise: NoiseModel, data: Sequence[int], basis: str) -> stim.Circuit:
    """The start-of-round data noise: depolarization and the flip the memory detects."""
    circuit = stim.Circuit()
    if noise.before_round_data_depolarization > 0:
        circuit.append("DEPOLARIZE1", data, noise.before_round_data_depolarization)
    if noise.before_round_data_flip > 0:
        flip = "X_ERROR" if basis == "Z" else "Z_ERROR"
        circuit.append(flip, data, noise.before_round_data_flip)
    return circuit


def _detectors(specs: Iterable[tuple[tuple[int, int], int, Sequence[int]]]) -> stim.Circuit:
    """DETECTOR instructions from ((x, y), t, measurement-record offsets) triples."""
    return stim.Circuit(
        "\n".join(
            f"DETECTOR({x}, {y}, {t}) " + " ".join(f"rec[{r}]" for r in recs)
            for (x, y), t, recs in specs
        )
    )


def _round(
    writer: _LayerWriter,
    code: StabilizerCode,
    *,
    data_noise: stim.Circuit | None,
    prepare_plus: Sequence[int] = (),
) -> None:
    """Appends one round of stabilizer measurement (without its detectors).

    ``prepare_plus`` (CZ gate set only) lists freshly reset data qubits to rotate to |+>: their
    Hadamard merges into the round's first Hadamard layer, where two Hadamards cancel.
    """
    noise = writer.noise
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
    writer.measure(measure_qubits, basis="Z", reset=True, flip=noise.measure_flip)


def memory_circuit(
    code: StabilizerCode,
    *,
    rounds: int,
    basis: str,
    noise: NoiseModel,
) -> stim.Circuit:
    """Builds a noisy memory experiment: prepare, measure stabilizers ``rounds`` times, read out.

    The data qubits are prepared in the ``basis`` eigenstate of the logical operator; each round
    measures every stabilizer through its measure qubit (reset after each measurement); the data
    qubits are finally measured in ``basis``. Detectors compare each stabilizer with its previous
    value (the first round only for stabilizers of ``basis``, which the preparation fixes; the
    last from the data readout). ``OBSERVABLE_INCLUDE(0)`` is the logical operator of ``basis``.

    Gate set: with ``noise.two_qubit_gate == "CX"`` (SD6, phenomenological, code capacity,
    stim-generated) X checks are H-CX-H and Z checks plain CX, as in ``stim.Circuit.generated``,
    with ``R``/``RX`` and ``M``/``MX`` on the data qubits. With ``"CZ"`` (SI1000) every check is
    H-CZ-H on its measure qubit with Hadamards on the data qubits around the X-type interactions,
    and only Z-basis resets and measurements (X-basis preparation and readout use Hadamards).
    The two-qubit gate order is stim's "N"/"Z" order, so hook errors do not reduce the distance.

    Coordinates: ``QUBIT_COORDS`` are the code's; detectors carry ``(x, y, round)`` with the
    round counted from 0 through ``SHIFT_COORDS`` (the final data-readout detectors have round
    ``rounds``).

    Args:
        code: the code, e.g. ``qec.codes.RotatedSurfaceCode(distance=3)``.
        rounds: number of stabilizer-measurement rounds, an integer >= 1.
        basis: ``"Z"`` (protects logical |0>) or ``"X"`` (logical |+>).
        noise: the noise model, e.g. ``qec.NoiseModel.si1000(0.001)``.

    Returns:
        The circuit; rounds after the first are folded into a ``REPEAT`` block.

    Raises:
        ValueError: for a non-code, rounds < 1, an unknown basis, a basis the code does not
            protect (``"X"`` for the repetition code), or a noise argument of the wrong type.

    Examples:
        >>> from qec.codes import RotatedSurfaceCode
        >>> circuit = memory_circuit(
        ...     RotatedSurfaceCode(distance=3), rounds=3, basis="Z", noise=NoiseModel.sd6(0.001)
        ... )
        >>> circuit.num_detectors, circuit.num_observables
        (24, 1)
        >>> len(circuit.shortest_graphlike_error())
        3
    """
    _validate(code, rounds, basis, noise)
    data = list(code.data_qubits)
    stabilizers = code.stabilizers
    measure_qubits = [s.measure_qubit for s in stabilizers]
    n_measure = len(measure_qubits)
    coords = code.qubit_coords
    writer = _LayerWriter(noise, sorted(coords))

    writer.circuit = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({coords[q][0]}, {coords[q][1]}) {q}" for q in sorted(coords))
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
    )
    writer.circuit += _detectors(
        (coords[s.measure_qubit], 0, [k - n_measure])
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    circuit = writer.circuit

    if rounds > 1:
        writer.circuit = stim.Circuit()
        _round(writer, code, data_noise=data_noise(False))
        writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0, [k - n_measure, k - 2 * n_measure])
            for k, s in enumerate(stabilizers)
        )
        body = writer.circuit
        if rounds - 1 == 1:
            circuit += body
        else:
            circuit.append(stim.CircuitRepeatBlock(rounds - 1, body))

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
        )
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    writer.circuit.append(
        "OBSERVABLE_INCLUDE",
        [stim.target_rec(position[q] - n_data) for q in code.logical(basis)],
        0,
    )
    circuit += writer.circuit
    return circuit
