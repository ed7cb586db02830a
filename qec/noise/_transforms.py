"""Functions that rewrite a circuit's noise: :func:`add_noise` places a
:class:`~qec.noise.NoiseModel`'s channels on any circuit, moment by moment, and
:func:`scale_noise` multiplies each channel's probability by factors of the qubits it acts on."""

from __future__ import annotations

import math

import stim

from qec._validate import is_real
from qec.noise._model import NoiseModel

_RESET_FLIPS = {"R": "X_ERROR", "RZ": "X_ERROR", "RX": "Z_ERROR", "RY": "X_ERROR"}
_MEASURE_FLIPS = {"M": "X_ERROR", "MZ": "X_ERROR", "MX": "Z_ERROR", "MY": "X_ERROR",
                  "MR": "X_ERROR", "MRZ": "X_ERROR", "MRX": "Z_ERROR", "MRY": "X_ERROR"}


def add_noise(circuit: stim.Circuit, noise: NoiseModel) -> stim.Circuit:
    """Places ``noise``'s channels on any circuit, moment by moment (between ``TICK``\\ s).

    For circuits that :func:`qec.memory_circuit` did not write, a device's ideal circuit
    among them: ``DEPOLARIZE1(clifford_1q)`` after one-qubit unitary gates,
    ``DEPOLARIZE2(clifford_2q)`` after two-qubit ones, the flip of the basis after every reset
    (``reset_flip``) and before every measurement (``measure_flip``, data qubits included:
    the circuit does not say which qubits hold data), and on every qubit a moment leaves
    alone ``DEPOLARIZE1`` of ``idle_measure_reset`` (a moment that measures or resets) or
    ``idle_gate``. Noise already in the circuit stays; other instructions (``MPP``,
    annotations) get none. The before-round data channels, which need to know the rounds,
    are not placed.

    Args:
        circuit: the circuit (repeat blocks are kept).
        noise: the model; its ``two_qubit_gate`` is not used (the circuit has its own gates).

    Returns:
        The noisy circuit.

    Raises:
        ValueError: ``noise`` carries leakage (its channels need qec's own circuits).

    Examples:
        >>> ideal = stim.Circuit("R 0 1\\nTICK\\nH 0\\nTICK\\nCZ 0 1\\nTICK\\nM 0 1")
        >>> print(add_noise(ideal, NoiseModel.si1000(0.001)))
        R 0 1
        X_ERROR(0.002) 0 1
        TICK
        H 0
        DEPOLARIZE1(0.0001) 0 1
        TICK
        CZ 0 1
        DEPOLARIZE2(0.001) 0 1
        TICK
        X_ERROR(0.005) 0 1
        M 0 1
    """
    if noise.leakage is not None:
        raise ValueError("noise carries leakage; add_noise places Pauli channels only")
    qubits = sorted(range(circuit.num_qubits))
    return _noisy_block(circuit, noise, qubits)


def _noisy_block(circuit: stim.Circuit, noise: NoiseModel, qubits: list[int]) -> stim.Circuit:
    out = stim.Circuit()
    moment = stim.Circuit()
    touched: set[int] = set()
    measures_or_resets = False

    def close_moment(*, tick: bool) -> None:
        nonlocal moment, touched, measures_or_resets
        idle = [q for q in qubits if q not in touched]
        rate = noise.idle_measure_reset if measures_or_resets else noise.idle_gate
        if len(moment) or tick:
            out.__iadd__(moment)
            if idle and rate > 0 and touched:
                out.append("DEPOLARIZE1", idle, rate)
        if tick:
            out.append("TICK")
        moment = stim.Circuit()
        touched = set()
        measures_or_resets = False

    for instruction in circuit:
        if isinstance(instruction, stim.CircuitRepeatBlock):
            close_moment(tick=False)
            out.append(stim.CircuitRepeatBlock(
                instruction.repeat_count, _noisy_block(instruction.body_copy(), noise, qubits)))
            continue
        name = instruction.name
        if name == "TICK":
            close_moment(tick=True)
            continue
        data = stim.gate_data(name)
        targets = instruction.targets_copy()
        qubit_targets = [t.value for t in targets if t.is_qubit_target]
        if name in _MEASURE_FLIPS and noise.measure_flip > 0:
            moment.append(_MEASURE_FLIPS[name], qubit_targets, noise.measure_flip)
        moment.append(instruction)
        is_channel = data.is_noisy_gate and not data.produces_measurements
        if not qubit_targets or is_channel or not (data.is_unitary or data.is_reset
                                                   or data.produces_measurements):
            continue
        touched.update(qubit_targets)
        if name in _MEASURE_FLIPS or name in _RESET_FLIPS:
            measures_or_resets = True
            flip = _RESET_FLIPS.get(name) or (_RESET_FLIPS.get("R" + name[2:]) if
                                              name.startswith("MR") else None)
            if flip is not None and noise.reset_flip > 0:
                moment.append(flip, qubit_targets, noise.reset_flip)
        elif data.is_unitary and data.is_two_qubit_gate and noise.clifford_2q > 0:
            moment.append("DEPOLARIZE2", qubit_targets, noise.clifford_2q)
        elif data.is_unitary and data.is_single_qubit_gate and noise.clifford_1q > 0:
            moment.append("DEPOLARIZE1", qubit_targets, noise.clifford_1q)
    close_moment(tick=False)
    return out


def scale_noise(circuit: stim.Circuit, *, qubit_factors: dict[int, float] | None = None,
                pair_factors: dict[tuple[int, int], float] | None = None,
                clip: bool = False) -> stim.Circuit:
    """Multiplies the probability of every noise channel by factors of the qubits it acts on.

    A one-qubit channel on qubit ``q`` (or a noisy measurement's flip) is scaled by
    ``qubit_factors[q]``; a two-qubit channel on ``(a, b)`` by the geometric mean of its two
    qubits' factors times ``pair_factors[(min, max)]``. Missing qubits and pairs have factor 1.
    A device whose qubits and gates are not all alike, from a uniform model.

    Args:
        circuit: a noisy circuit.
        qubit_factors: non-negative factor per qubit.
        pair_factors: non-negative factor per qubit pair (smaller index first).
        clip: cap a scaled probability at its channel's maximum instead of raising.

    Returns:
        The circuit with scaled channels (split per target where the factors differ).

    Raises:
        ValueError: a negative factor, or a scaled probability above its channel's maximum.

    Examples:
        >>> noisy = stim.Circuit("DEPOLARIZE1(0.01) 0 1\\nDEPOLARIZE2(0.01) 0 1\\nM(0.02) 1")
        >>> print(scale_noise(noisy, qubit_factors={1: 4.0}))
        DEPOLARIZE1(0.01) 0
        DEPOLARIZE1(0.04) 1
        DEPOLARIZE2(0.02) 0 1
        M(0.08) 1
    """
    qubit_factors = dict(qubit_factors or {})
    pair_factors = dict(pair_factors or {})
    for key, value in [*qubit_factors.items(), *pair_factors.items()]:
        if not is_real(value) or value < 0:
            raise ValueError(f"factor {key!r}: {value!r} must be a non-negative number")

    def factor(group: list[int]) -> float:
        if len(group) == 1:
            return float(qubit_factors.get(group[0], 1.0))
        a, b = sorted(group)
        return math.sqrt(qubit_factors.get(a, 1.0) * qubit_factors.get(b, 1.0)) * float(
            pair_factors.get((a, b), 1.0))

    out = stim.Circuit()
    for instruction in circuit:
        if isinstance(instruction, stim.CircuitRepeatBlock):
            out.append(stim.CircuitRepeatBlock(
                instruction.repeat_count,
                scale_noise(instruction.body_copy(), qubit_factors=qubit_factors,
                            pair_factors=pair_factors, clip=clip)))
            continue
        data = stim.gate_data(instruction.name)
        args = instruction.gate_args_copy()
        # Noise channels, and measurements with a flip probability (M(0.01)); not
        # annotations or noiseless measurements.
        if not args or not (data.is_noisy_gate or data.produces_measurements) or (
                data.is_unitary or instruction.name in ("DETECTOR", "OBSERVABLE_INCLUDE",
                                                        "SHIFT_COORDS", "QUBIT_COORDS")):
            out.append(instruction)
            continue
        width = 2 if data.is_two_qubit_gate else 1
        targets = instruction.targets_copy()
        for start in range(0, len(targets), width):
            group = targets[start:start + width]
            f = factor([t.value for t in group])
            scaled = [a * f for a in args]
            limit = {"DEPOLARIZE1": 0.75, "DEPOLARIZE2": 0.9375}.get(instruction.name, 0.5)
            if (data.produces_measurements or len(scaled) == 1) and scaled[0] > limit:
                if clip:
                    scaled = [limit]
                    out.append(instruction.name, group, scaled)
                    continue
                raise ValueError(f"{instruction.name} on {[t.value for t in group]}: "
                                 f"{args[0]} scaled by {f:g} is {scaled[0]:g}, above {limit}")
            out.append(instruction.name, group, scaled)
    return out
