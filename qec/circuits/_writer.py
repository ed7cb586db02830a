"""The layer writer every syndrome cycle writes through, and the helpers they share.

:class:`_LayerWriter` appends one hardware moment at a time with the noise the
:class:`~qec.noise.NoiseModel` asks for; :class:`_FrameLowering` writes CX-gate-set layers to it
natively or as CZ with Hadamards; :func:`_data_noise` is the start-of-round data noise and
:func:`_rounds_in_order` folds the rounds of a memory into a ``REPEAT`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import stim

from qec.leakage import _tags
from qec.noise import LeakageModel, NoiseModel


class _LayerWriter:
    """Appends layers of operations with their noise to a target circuit.

    Every layer starts with a TICK (except the first of the circuit) so that stim's tools see
    one moment per layer. The target can be swapped to write a REPEAT body.
    """

    def __init__(
        self,
        noise: NoiseModel,
        qubits: Sequence[int],
        *,
        leakage: LeakageModel | None = None,
        reset: str = "plain",
    ) -> None:
        self.noise = noise
        self.qubits = tuple(qubits)
        self.circuit = stim.Circuit()
        self._first_layer = True
        self._pending = stim.Circuit()
        # With a leakage model, gates and measurements carry leakage tags (see qec.leakage);
        # ``reset`` is what the reset of a measure-and-reset does to leakage ("mlr"/"plain").
        self.leakage = leakage
        self.leak_reset = reset

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

    def _append(
        self, name: str, targets: Iterable[int], arg: float | None = None, *, tag: str = ""
    ) -> None:
        # Parsing one line of text is far faster than Circuit.append with a long Python list.
        text = " ".join(map(str, targets))
        if not text or (arg is not None and arg <= 0):
            return
        head = f"{name}[{tag}]" if tag else name
        head = head if arg is None else f"{head}({arg!r})"
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
        leakage = self.leakage
        tag = "" if leakage is None else _tags.gate_tag(
            partner=leakage.partner_error, transport=leakage.transport)
        self._append(gate, flat, tag=tag)
        self._append("DEPOLARIZE2", flat, self.noise.clifford_2q)
        if leakage is not None:
            self._append("I_ERROR", flat, leakage.leakage_per_gate, tag=_tags.INJECT)
        self._idle(flat, self.noise.idle_gate)

    def leakage_removal(self, pairs: Sequence[tuple[int, int]], *, removal_error: float) -> None:
        """DQLR: LeakageISWAP on (data, measure) pairs, then multi-level reset of the measure
        qubits (two layers, with their idle noise)."""
        self._tick()
        flat = [q for pair in pairs for q in pair]
        self._append("II", flat, tag=_tags.ISWAP)
        self._append("DEPOLARIZE2", flat, removal_error)
        self._idle(flat, self.noise.idle_gate)
        self._tick()
        measure = sorted(m for _, m in pairs)
        self._append("R", measure, tag=_tags.MLR)
        self._append("X_ERROR", measure, self.noise.reset_flip)
        self._idle(measure, self.noise.idle_measure_reset)

    def mixed_layer(
        self,
        *,
        pairs: Sequence[tuple[int, int]] = (),
        measures: Sequence[tuple[str, Sequence[int], float]] = (),
        resets: dict[str, Sequence[int]] | None = None,
        idle: float = 0.0,
    ) -> None:
        """One moment holding CX gates, measurements and resets on disjoint qubits.

        ``measures`` holds ``(basis, qubits, flip)``: measurements flipped with probability
        ``flip`` before, recorded in the order given. Then resets (flipped with ``reset_flip``
        after), then the CX gates with their two-qubit depolarization; every other qubit idles
        with ``DEPOLARIZE1(idle)``.
        """
        self._tick()
        busy: list[int] = []
        for basis, qubits, flip in measures:
            self._append(self._flip(basis), qubits, flip)
            self._append("M" if basis == "Z" else "MX", qubits)
            busy.extend(qubits)
        for basis, qubits in (resets or {}).items():
            self._append("R" if basis == "Z" else "RX", qubits)
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
            busy.extend(qubits)
        flat = [q for pair in pairs for q in pair]
        self._append("CX", flat)
        self._append("DEPOLARIZE2", flat, self.noise.clifford_2q)
        self._idle(busy + flat, idle)

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
        tag = "" if self.leakage is None else _tags.measure_tag(
            readout=self.leakage.leaked_readout, reset=self.leak_reset if reset else None)
        self._append(name[(basis, reset)], qubits, tag=tag)
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


class _FrameLowering:
    """Writes CX-gate-set layers to a :class:`_LayerWriter`, natively or as CZ with Hadamards.

    With the CZ gate set (SI1000) a CX is H-CZ-H on its target, an X-basis reset is R then H
    and an X-basis measurement H then M. Each qubit carries a pending Hadamard until the next
    operation that needs the other frame, so two Hadamards in a row on a qubit cancel and the
    rest merge into one layer before each CZ or measurement layer.
    """

    def __init__(self, writer: _LayerWriter) -> None:
        self.writer = writer
        self.cz = writer.noise.two_qubit_gate == "CZ"
        self.pending: set[int] = set()

    def _hadamards(self, wanted: Iterable[int], involved: Iterable[int]) -> None:
        """Brings ``involved`` to the frame where exactly ``wanted`` get a Hadamard."""
        flips = set(wanted).symmetric_difference(self.pending.intersection(involved))
        self.pending.difference_update(involved)
        self.writer.one_qubit_layer("H", sorted(flips))

    def cx(self, pairs: Sequence[tuple[int, int]]) -> None:
        if not self.cz:
            self.writer.two_qubit_layer("CX", pairs)
            return
        targets = [t for _, t in pairs]
        self._hadamards(targets, [q for pair in pairs for q in pair])
        self.writer.two_qubit_layer("CZ", pairs)
        self.pending.update(targets)

    def measure_and_reset(self, *, measures: Sequence[tuple[str, Sequence[int], float]],
                          resets: dict[str, Sequence[int]], idle: float) -> None:
        """One layer of measurements (in record order), then resets of the given qubits."""
        if not self.cz:
            self.writer.mixed_layer(measures=measures, resets=resets, idle=idle)
            return
        measured = [q for _, qubits, _ in measures for q in qubits]
        self._hadamards([q for basis, qubits, _ in measures if basis == "X" for q in qubits],
                        measured)
        self.writer.mixed_layer(measures=[("Z", qubits, flip) for _, qubits, flip in measures],
                                resets={"Z": [q for qs in resets.values() for q in qs]},
                                idle=idle)
        self.pending.update(resets.get("X", ()))


def _rounds_in_order(header: stim.Circuit, one_round: Callable[[bool, bool], stim.Circuit],
                     rounds: int) -> stim.Circuit:
    """The header, the first round, the middle rounds in a REPEAT block, the final round.

    ``one_round(first, final)`` writes one round; the final one also reads out the data.
    """
    circuit = header + one_round(True, rounds == 1)
    if rounds > 2:
        body = one_round(False, False)
        if rounds == 3:
            circuit += body
        else:
            circuit.append(stim.CircuitRepeatBlock(rounds - 2, body))
    if rounds > 1:
        circuit += one_round(False, True)
    return circuit
