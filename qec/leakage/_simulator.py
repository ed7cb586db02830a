"""Batch leakage simulation on ``stim.FlipSimulator`` with a bit-packed leakage mask.

The circuit is compiled once into a list of steps: runs of ordinary instructions (handed to
stim in one ``FlipSimulator.do`` call, ``REPEAT`` blocks without leakage kept whole) and the
leakage steps of :mod:`qec.leakage._tags`. A step works on the whole batch at once: the
leakage mask is a ``uint64`` array ``(num_qubits, batch_size / 64)``, one bit per qubit and
shot; random bits come from the simulator's own generator (``generate_bernoulli_samples``).
Pauli errors on given (qubit, shot) pairs (on leaked qubits' partners, on qubits returning from
leakage) are applied by appending the bit rows to the simulator's measurement record
(``append_measurement_flips``) and doing ``CX rec[-k] q`` / ``CZ rec[-k] q``: the flip simulator
applies a classically controlled Pauli exactly in the shots whose record bit is set. This costs
O(rows x shots / 64) word operations, where ``broadcast_pauli_errors(mask=...)`` walks a boolean
mask of every qubit and shot (about 10x slower here). The extra record rows are dropped before
detectors are computed. There is no per-shot Python loop.

Measurements of leaked qubits are fixed up after the batch: the measurement flips stim
recorded are overwritten where the qubit was leaked (a random bit, or the flip that makes the
result 1 against the circuit's reference sample), and detectors and observables are then
computed from the record here, as XORs of bit-packed rows. Measurement-controlled gates would
see the raw record, so circuits with leakage and feedback are rejected.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import stim

from qec.leakage import _tags

__all__ = ["LeakageSamples", "compile_leakage_circuit", "sample_leakage"]

_SKIPPED = frozenset({"DETECTOR", "OBSERVABLE_INCLUDE", "SHIFT_COORDS", "QUBIT_COORDS", "TICK"})
_RANDOMIZE = "XZ"  # a qubit returning from leakage is maximally mixed: X and Z each with 1/2


@dataclasses.dataclass(frozen=True, eq=False)
class LeakageSamples:
    """Raw output of :func:`sample_leakage`.

    Attributes:
        detection_events: ``bool`` array ``(shots, num_detectors)``, or ``uint8``
            ``(shots, ceil(num_detectors / 8))`` when bit-packed (little-endian, like stim).
        observable_flips: ``bool`` ``(shots, num_observables)`` (or bit-packed likewise).
        heralds: ``bool`` ``(shots, num_measurements)`` (or bit-packed): True where a
            measurement with ``readout=herald`` found its qubit leaked (three-level readout).
        leaked_counts: ``int64`` ``(num_records, num_qubits)``: at each ``leak-population``
            record (one per round, just before the measurement layer, in memory circuits) the
            number of shots in which each qubit was leaked.
        shots: the number of shots.
    """

    detection_events: np.ndarray
    observable_flips: np.ndarray
    heralds: np.ndarray
    leaked_counts: np.ndarray
    shots: int

    @property
    def leakage_population(self) -> np.ndarray:
        """``float64`` ``(num_records, num_qubits)``: fraction of shots with the qubit leaked."""
        return self.leaked_counts / max(self.shots, 1)


# ------------------------------------------------------------------------------- state

_REC_TARGETS: list[stim.GateTarget] = []


def _recs(k: int) -> list[stim.GateTarget]:
    """``[rec[-k], ..., rec[-1]]``."""
    while len(_REC_TARGETS) < k:
        _REC_TARGETS.append(stim.target_rec(-len(_REC_TARGETS) - 1))
    return _REC_TARGETS[k - 1:: -1]


class _State:
    """What the steps of one batch share."""

    def __init__(self, sim: stim.FlipSimulator, num_qubits: int, batch_size: int) -> None:
        self.sim = sim
        self.num_qubits = num_qubits
        self.batch_size = batch_size
        self.words = batch_size // 64
        self.leaked = np.zeros((num_qubits, self.words), dtype=np.uint64)
        self.measurements = 0  # measurements of the circuit so far
        self.rows = 0  # rows of the simulator's record (measurements and Pauli-control rows)
        self.measured_rows: list[tuple[int, int]] = []  # (first record row, count)
        self.readouts: list[tuple[int, np.ndarray, str]] = []  # (first index, rows, readout)
        self.heralds: list[tuple[int, np.ndarray]] = []
        self.counts: list[np.ndarray] = []
        self.valid = np.full(self.words, np.uint64(2**64 - 1), dtype=np.uint64)

    def bernoulli(self, rows: int, p: float) -> np.ndarray:
        """``(rows, words)`` uint64 of random bits, each set with probability p."""
        bits = self.sim.generate_bernoulli_samples(rows * self.batch_size, p=p, bit_packed=True)
        return bits.view(np.uint64).reshape(rows, self.words)

    def measured(self, count: int) -> None:
        """Notes that the circuit just recorded ``count`` measurements."""
        if count:
            self.measured_rows.append((self.rows, count))
            self.rows += count
            self.measurements += count

    def pauli(self, paulis: str, qubits: np.ndarray, rows: np.ndarray,
              cache: dict[str, stim.CircuitInstruction]) -> None:
        """Applies each Pauli in ``paulis`` with probability 1/2 where ``rows`` bits are set.

        ``qubits[i]`` is the qubit of ``rows[i]`` (a ``(len(qubits), words)`` uint64 array).
        ``cache`` (owned by the calling step, whose ``qubits`` never change) keeps the
        ``CX rec[-k] q ...`` instructions, so they are built once.
        """
        if not rows.any():
            return
        k = len(qubits)
        for pauli in paulis:
            instruction = cache.get(pauli)
            if instruction is None:
                targets: list[Any] = [None] * (2 * k)
                targets[0::2] = _recs(k)
                targets[1::2] = qubits.tolist()
                instruction = stim.CircuitInstruction("CX" if pauli == "X" else "CZ", targets)
                cache[pauli] = instruction
            self.sim.append_measurement_flips((rows & self.bernoulli(k, 0.5)).view(np.uint8))
            self.sim.do(instruction)
            self.rows += k


# ------------------------------------------------------------------------------- steps


@dataclasses.dataclass
class _Plain:
    circuit: stim.Circuit
    num_measurements: int

    def run(self, state: _State) -> None:
        state.sim.do(self.circuit)
        state.measured(self.num_measurements)


@dataclasses.dataclass
class _Repeat:
    count: int
    steps: list[Any]

    def run(self, state: _State) -> None:
        for _ in range(self.count):
            for step in self.steps:
                step.run(state)


@dataclasses.dataclass
class _Inject:
    qubits: np.ndarray
    p: float

    def run(self, state: _State) -> None:
        state.leaked[self.qubits] |= state.bernoulli(len(self.qubits), self.p)


@dataclasses.dataclass
class _Seepage:
    qubits: np.ndarray
    p: float
    cache: dict = dataclasses.field(default_factory=dict)

    def run(self, state: _State) -> None:
        rows = state.leaked[self.qubits]
        back = rows & state.bernoulli(len(self.qubits), self.p)
        if back.any():
            state.leaked[self.qubits] = rows & ~back
            state.pauli(_RANDOMIZE, self.qubits, back, self.cache)


@dataclasses.dataclass
class _Population:
    def run(self, state: _State) -> None:
        state.counts.append(np.bitwise_count(state.leaked & state.valid).sum(axis=1))


@dataclasses.dataclass
class _Gate:
    instruction: stim.CircuitInstruction
    a: np.ndarray
    b: np.ndarray
    partner: str
    transport: float
    cache: dict = dataclasses.field(default_factory=dict)
    both: np.ndarray = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.both = np.concatenate([self.a, self.b])
        self.back_cache: dict[str, stim.CircuitInstruction] = {}

    def run(self, state: _State) -> None:
        state.sim.do(self.instruction)
        la, lb = state.leaked[self.a], state.leaked[self.b]
        only_a, only_b = la & ~lb, lb & ~la
        if not (only_a.any() or only_b.any()):
            return
        if self.transport > 0:
            move_a = only_a & state.bernoulli(len(self.a), self.transport)
            move_b = only_b & state.bernoulli(len(self.b), self.transport)
            state.leaked[self.a] = (la ^ move_a) | move_b
            state.leaked[self.b] = (lb ^ move_b) | move_a
            only_a &= ~move_a
            only_b &= ~move_b
            state.pauli(_RANDOMIZE, self.both, np.concatenate([move_a, move_b]),
                        self.back_cache)
        if self.partner == "none":
            return
        hit = np.concatenate([only_b, only_a])  # a is hit where only b is leaked, and so on
        state.pauli("XZ" if self.partner == "random-pauli" else "Z", self.both, hit, self.cache)


@dataclasses.dataclass
class _Measure:
    instruction: stim.CircuitInstruction
    qubits: np.ndarray
    readout: str
    removes: bool  # a measure-and-reset whose reset is multi-level

    def run(self, state: _State) -> None:
        rows = state.leaked[self.qubits]
        if rows.any():
            state.readouts.append((state.measurements, rows, self.readout))
            if self.readout == "herald":
                state.heralds.append((state.measurements, rows))
            if self.removes:
                state.leaked[self.qubits] = 0
        state.sim.do(self.instruction)
        state.measured(len(self.qubits))


@dataclasses.dataclass
class _MultiLevelReset:
    instruction: stim.CircuitInstruction
    qubits: np.ndarray

    def run(self, state: _State) -> None:
        state.sim.do(self.instruction)
        state.leaked[self.qubits] = 0


@dataclasses.dataclass
class _LeakageIswap:
    instruction: stim.CircuitInstruction
    data: np.ndarray
    measure: np.ndarray
    cache: dict = dataclasses.field(default_factory=dict)

    def run(self, state: _State) -> None:
        state.sim.do(self.instruction)
        ld, lm = state.leaked[self.data], state.leaked[self.measure]
        move = ld & ~lm
        if move.any():
            state.leaked[self.data] = ld & ~move
            state.leaked[self.measure] = lm | move
            state.pauli(_RANDOMIZE, self.data, move, self.cache)


# ---------------------------------------------------------------------------- compiling


def _qubits(instruction: stim.CircuitInstruction) -> np.ndarray:
    values = []
    for target in instruction.targets_copy():
        if not target.is_qubit_target:
            raise ValueError(
                f"{instruction.name}[{instruction.tag}] has target {target!r}: leakage "
                "instructions take qubit targets only"
            )
        values.append(target.value)
    return np.asarray(values, dtype=np.intp)


def _probability(instruction: stim.CircuitInstruction) -> float:
    args = instruction.gate_args_copy()
    if len(args) != 1 or not 0 <= args[0] <= 1:
        raise ValueError(
            f"I_ERROR[{instruction.tag}] needs one probability argument in [0, 1], got {args}"
        )
    return float(args[0])


def _leakage_step(instruction: stim.CircuitInstruction) -> Any | None:
    """The leakage step of one instruction, or None for an ordinary one."""
    name, tag = instruction.name, instruction.tag
    gate = stim.gate_data(name)
    if name == "I_ERROR" and tag == _tags.INJECT:
        return _Inject(_qubits(instruction), _probability(instruction))
    if name == "I_ERROR" and tag == _tags.SEEPAGE:
        return _Seepage(_qubits(instruction), _probability(instruction))
    if name == "I_ERROR" and tag == _tags.POPULATION:
        return _Population()
    if tag == _tags.ISWAP:
        if not gate.is_two_qubit_gate:
            raise ValueError(f"{name}[{tag}] must be a two-qubit gate (use II)")
        qubits = _qubits(instruction)
        return _LeakageIswap(instruction, qubits[0::2], qubits[1::2])
    if tag == _tags.MLR:
        if not gate.is_reset or gate.produces_measurements:
            raise ValueError(f"{name}[{tag}]: only a reset (R, RX, RY) can be multi-level")
        return _MultiLevelReset(instruction, _qubits(instruction))
    if gate.produces_measurements and gate.is_single_qubit_gate:
        spec = _tags.parse_measure_tag(tag)
        return _Measure(instruction, _qubits(instruction), spec.readout,
                        removes=gate.is_reset and spec.reset == "mlr")
    if gate.is_two_qubit_gate and gate.is_unitary and tag.startswith(_tags.GATE):
        spec = _tags.parse_gate_tag(tag)
        if spec.partner == "none" and spec.transport == 0:
            return None
        qubits = _qubits(instruction)
        return _Gate(instruction, qubits[0::2], qubits[1::2], spec.partner, spec.transport)
    return None


def _compile(circuit: stim.Circuit, *, leaky: bool) -> list[Any]:
    steps: list[Any] = []
    plain = stim.Circuit()

    def flush() -> None:
        nonlocal plain
        if len(plain):
            steps.append(_Plain(plain, plain.num_measurements))
            plain = stim.Circuit()

    for item in circuit:
        if isinstance(item, stim.CircuitRepeatBlock):
            body = _compile(item.body_copy(), leaky=leaky)
            if all(isinstance(step, _Plain) for step in body):
                inner = stim.Circuit()
                for step in body:
                    inner += step.circuit
                if len(inner):
                    plain.append(stim.CircuitRepeatBlock(item.repeat_count, inner))
            else:
                flush()
                steps.append(_Repeat(item.repeat_count, body))
            continue
        if item.name in _SKIPPED:
            continue
        step = _leakage_step(item) if leaky else None
        if step is None:
            plain.append(item)
        else:
            flush()
            steps.append(step)
    flush()
    return steps


def _parity_index(circuit: stim.Circuit) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Measurement indices of each detector and observable, padded with num_measurements.

    Also returns the qubit of every measurement (-1 for multi-qubit measurements).
    """
    detectors: list[list[int]] = []
    observables: dict[int, set[int]] = {}
    measured: list[int] = []
    for instruction in circuit.flattened():
        name = instruction.name
        if name == "DETECTOR" or name == "OBSERVABLE_INCLUDE":
            recs = []
            for target in instruction.targets_copy():
                if not target.is_measurement_record_target:
                    raise ValueError(
                        f"{name} with target {target!r}: the leakage sampler supports "
                        "measurement-record targets only"
                    )
                recs.append(len(measured) + target.value)
            if name == "DETECTOR":
                detectors.append(recs)
            else:
                key = int(instruction.gate_args_copy()[0])
                observables.setdefault(key, set()).symmetric_difference_update(recs)
            continue
        count = instruction.num_measurements
        if count:
            gate = stim.gate_data(name)
            if gate.is_single_qubit_gate:
                measured.extend(t.value for t in instruction.targets_copy())
            else:
                measured.extend([-1] * count)
    n = len(measured)

    def padded(rows: Sequence[Sequence[int]]) -> np.ndarray:
        width = max([len(r) for r in rows] + [1])
        out = np.full((len(rows), width), n, dtype=np.intp)
        for i, r in enumerate(rows):
            out[i, : len(r)] = sorted(r)
        return out

    num_observables = circuit.num_observables
    obs_rows = [sorted(observables.get(k, ())) for k in range(num_observables)]
    return padded(detectors), padded(obs_rows), measured


def _check_feedback(circuit: stim.Circuit) -> None:
    for instruction in circuit.flattened():
        if instruction.name in _SKIPPED:
            continue
        for target in instruction.targets_copy():
            if target.is_measurement_record_target or target.is_sweep_bit_target:
                raise ValueError(
                    f"{instruction.name} {target!r}: measurement- or sweep-controlled gates are "
                    "not supported in a circuit with leakage (they would see the raw record)"
                )


class CompiledLeakageCircuit:
    """A circuit compiled for :func:`sample_leakage` (see the module docstring).

    Args:
        circuit: a stim circuit, usually from :func:`qec.memory_circuit` with leakage.

    Raises:
        ValueError: a malformed leakage tag or argument, or feedback in a leaky circuit.
    """

    def __init__(self, circuit: stim.Circuit) -> None:
        if not isinstance(circuit, stim.Circuit):
            raise ValueError(f"circuit={circuit!r:.60} must be a stim.Circuit")
        self.circuit = circuit
        text = str(circuit)
        self.leaky = _tags.has_leakage(text)
        if self.leaky:
            _check_feedback(circuit)
        self.steps = _compile(circuit, leaky=self.leaky)
        self.num_qubits = circuit.num_qubits
        self.num_measurements = circuit.num_measurements
        self.num_detectors = circuit.num_detectors
        self.num_observables = circuit.num_observables
        self.detector_index, self.observable_index, self.measured_qubits = _parity_index(circuit)
        self.readout_one = "readout=one" in text
        self._reference: np.ndarray | None = None

    def reference(self) -> np.ndarray:
        """The noiseless reference sample of every measurement (``bool``)."""
        if self._reference is None:
            self._reference = np.asarray(self.circuit.reference_sample(), dtype=np.bool_)
        return self._reference

    def run_batch(self, sim: stim.FlipSimulator, *, shots: int) -> tuple[np.ndarray, ...]:
        """Runs one batch on ``sim`` (whose batch size is a multiple of 64 and >= shots).

        Returns:
            Bit-packed, measurement-major ``uint64`` arrays: detectors ``(num_detectors,
            words)``, observables ``(num_observables, words)``, heralds ``(num_measurements,
            words)``; and leaked counts ``(num_records, num_qubits)`` over the first ``shots``.
        """
        sim.clear()
        batch = sim.batch_size
        state = _State(sim, max(self.num_qubits, 1), batch)
        if shots < batch:
            state.valid = np.packbits(np.arange(batch) < shots, bitorder="little").view(np.uint64)
        for step in self.steps:
            step.run(state)
        words = state.words
        record = np.zeros((self.num_measurements + 1, words), dtype=np.uint64)
        if self.num_measurements:
            flips = sim.get_measurement_flips(bit_packed=True)
            if state.rows != state.measurements:  # drop the Pauli-control rows
                flips = flips[np.concatenate(
                    [np.arange(first, first + n) for first, n in state.measured_rows])]
            record[:-1] = np.ascontiguousarray(flips).view(np.uint64)
        for first, rows, readout in state.readouts:
            index = slice(first, first + len(rows))
            if readout == "one":
                ones = ~self.reference()[index]  # the flip that makes the result 1
                value = np.where(ones[:, None], np.uint64(2**64 - 1), np.uint64(0))
            else:
                value = state.bernoulli(len(rows), 0.5)
            record[index] = (record[index] & ~rows) | (value & rows)
        detectors = np.bitwise_xor.reduce(record[self.detector_index], axis=1)
        observables = np.bitwise_xor.reduce(record[self.observable_index], axis=1)
        heralds = np.zeros((self.num_measurements, words), dtype=np.uint64)
        for first, rows in state.heralds:
            heralds[first: first + len(rows)] |= rows
        counts = (np.stack(state.counts) if state.counts
                  else np.zeros((0, state.num_qubits), dtype=np.int64))
        return (detectors[: self.num_detectors], observables[: self.num_observables], heralds,
                counts.astype(np.int64))


def compile_leakage_circuit(circuit: stim.Circuit) -> CompiledLeakageCircuit:
    """Compiles a circuit for repeated leakage sampling (see :class:`CompiledLeakageCircuit`)."""
    return CompiledLeakageCircuit(circuit)


def _shots_major(rows: np.ndarray, shots: int, *, bit_packed: bool) -> np.ndarray:
    """Measurement-major packed uint64 rows -> shots-major bool or bit-packed uint8."""
    bits = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")[:, :shots]
    # Pack along the measurement axis first (eight shifted ORs of contiguous rows, much faster
    # than np.packbits along axis 0), so the transposing copy moves 8x fewer bytes.
    pad = (-len(rows)) % 8
    if pad:
        bits = np.concatenate([bits, np.zeros((pad, bits.shape[1]), dtype=np.uint8)])
    octets = bits.reshape(-1, 8, bits.shape[1])
    packed = octets[:, 0].copy()
    for k in range(1, 8):
        packed |= octets[:, k] << k
    packed = np.ascontiguousarray(packed.T)
    if bit_packed:
        return packed
    return np.unpackbits(packed, axis=1, bitorder="little", count=len(rows)).view(np.bool_)


def batch_sizes(shots: int, batch_size: int) -> list[int]:
    """Splits ``shots`` into batches of at most ``batch_size`` (itself a multiple of 64)."""
    return [min(batch_size, shots - start) for start in range(0, shots, batch_size)]


def sample_leakage(
    circuit: stim.Circuit | CompiledLeakageCircuit,
    *,
    shots: int,
    seed: int | None = None,
    batch_size: int = 16384,
    bit_packed: bool = False,
) -> LeakageSamples:
    """Samples a circuit with leakage: detection events, observable flips, heralds, populations.

    The circuit's leakage is read from its tags (:mod:`qec.leakage`); a circuit without them is
    sampled exactly as stim would (statistically: the same distribution as
    ``compile_detector_sampler``).

    Args:
        circuit: the circuit, or one compiled with :func:`compile_leakage_circuit`.
        shots: number of shots, a positive integer.
        seed: seeds stim's generator (all randomness comes from it); None for fresh entropy.
            Results for a seed are reproducible with the same stim version and machine.
        batch_size: shots simulated at once (rounded up to a multiple of 256); memory grows
            with it, not with ``shots``.
        bit_packed: return detection events, observables and heralds bit-packed (``uint8``,
            little-endian along each shot, as stim does).

    Returns:
        A :class:`LeakageSamples`.

    Raises:
        ValueError: invalid shots or batch size, or a circuit the sampler cannot run.

    Examples:
        >>> import qec
        >>> noise = qec.NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=0.01)
        >>> circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=5,
        ...                              basis="Z", noise=noise)
        >>> samples = sample_leakage(circuit, shots=1000, seed=1)
        >>> samples.detection_events.shape, samples.heralds.shape
        ((1000, 40), (1000, 49))
        >>> samples.leakage_population.shape  # one record per round, per qubit
        (5, 17)
        >>> bool(samples.leakage_population[-1].mean() > samples.leakage_population[0].mean())
        True
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValueError(f"shots={shots!r} must be a positive integer")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer")
    compiled = circuit if isinstance(circuit, CompiledLeakageCircuit) else (
        CompiledLeakageCircuit(circuit))
    batch = 256 * math.ceil(min(batch_size, shots) / 256)
    sim = stim.FlipSimulator(batch_size=batch, num_qubits=compiled.num_qubits, seed=seed)
    parts: dict[str, list[np.ndarray]] = {"d": [], "o": [], "h": []}
    counts = None
    for n in batch_sizes(int(shots), batch):
        dets, obs, heralds, leaked = compiled.run_batch(sim, shots=n)
        parts["d"].append(_shots_major(dets, n, bit_packed=bit_packed))
        parts["o"].append(_shots_major(obs, n, bit_packed=bit_packed))
        parts["h"].append(_shots_major(heralds, n, bit_packed=bit_packed))
        counts = leaked if counts is None else counts + leaked
    return LeakageSamples(
        detection_events=np.concatenate(parts["d"]),
        observable_flips=np.concatenate(parts["o"]),
        heralds=np.concatenate(parts["h"]),
        leaked_counts=counts,
        shots=int(shots),
    )
