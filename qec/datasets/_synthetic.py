"""A simulated device whose qubits are not all alike: the stand-in for real data in tests.

:func:`simulated_device` draws a factor per qubit and per coupled pair around a uniform
model (log-normal), makes a few qubits much worse, and gives the circuit that hides it;
:func:`sample_with_bursts` samples it with rare shots in which a region of the device is far
noisier for the whole shot, as after a cosmic-ray impact (McEwen et al., Nat. Phys. 18, 107
(2022): a burst spreads over tens of qubits and outlasts a memory experiment).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import stim

from qec._validate import int_at_least, number_in, probability
from qec.noise import NoiseModel, add_noise, scale_noise

__all__ = ["SimulatedDevice", "sample_with_bursts", "simulated_device"]


@dataclasses.dataclass(frozen=True)
class SimulatedDevice:
    """A device model hidden in a circuit.

    Attributes:
        ideal: the noiseless circuit.
        assumed: the ideal circuit under the uniform model (what one would assume).
        true: the ideal circuit under the device's own rates (what the data come from).
        qubit_factors: the factor of every qubit's rates.
        pair_factors: the extra factor of every coupled pair's two-qubit gate.
        bad_qubits: the qubits made much worse.
    """

    ideal: stim.Circuit
    assumed: stim.Circuit
    true: stim.Circuit
    qubit_factors: dict[int, float]
    pair_factors: dict[tuple[int, int], float]
    bad_qubits: tuple[int, ...]


def _pairs(circuit: stim.Circuit) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for instruction in circuit.flattened():
        data = stim.gate_data(instruction.name)
        if data.is_two_qubit_gate and data.is_unitary:
            targets = [t.value for t in instruction.targets_copy()]
            found.update(tuple(sorted(targets[i:i + 2])) for i in range(0, len(targets), 2))
    return found


def simulated_device(ideal: stim.Circuit, *, noise: NoiseModel, spread: float = 0.3,
                     bad_qubits: int = 2, bad_factor: float = 5.0,
                     seed: int | None = None) -> SimulatedDevice:
    """Hides a non-uniform device model in ``ideal``: every qubit's rates and every pair's
    two-qubit rate multiplied by log-normal factors of ``spread`` (standard deviation of the
    log), and ``bad_qubits`` qubits (chosen at random among those the circuit uses) by
    ``bad_factor`` more.

    Args:
        ideal: the noiseless circuit.
        noise: the uniform model around which the device is drawn.
        spread: the standard deviation of the log of each factor, non-negative.
        bad_qubits: how many qubits are made worse.
        bad_factor: how much worse, at least 1.
        seed: the draw's seed.

    Returns:
        A :class:`SimulatedDevice`.

    Examples:
        >>> ideal = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=2)
        >>> device = simulated_device(ideal, noise=NoiseModel.si1000(0.001), seed=1)
        >>> len(device.bad_qubits), device.true.num_detectors == ideal.num_detectors
        (2, True)
    """
    spread = number_in("spread", spread, 0, 3)
    bad_qubits = int_at_least("bad_qubits", bad_qubits, 0)
    bad_factor = number_in("bad_factor", bad_factor, 1, 1000)
    rng = np.random.default_rng(seed)
    qubits = sorted({t.value for ins in ideal.flattened() for t in ins.targets_copy()
                     if t.is_qubit_target and ins.name != "QUBIT_COORDS"})
    if bad_qubits > len(qubits):
        raise ValueError(f"bad_qubits={bad_qubits} exceeds the {len(qubits)} qubits used")
    factors = {q: float(math.exp(rng.normal(0, spread))) for q in qubits}
    pairs = {pair: float(math.exp(rng.normal(0, spread))) for pair in sorted(_pairs(ideal))}
    bad = tuple(sorted(int(q) for q in rng.choice(qubits, size=bad_qubits, replace=False)))
    for q in bad:
        factors[q] *= bad_factor
    assumed = add_noise(ideal, noise)
    true = scale_noise(assumed, qubit_factors=factors, pair_factors=pairs)
    return SimulatedDevice(ideal=ideal, assumed=assumed, true=true, qubit_factors=factors,
                           pair_factors=pairs, bad_qubits=bad)


def sample_with_bursts(circuit: stim.Circuit, *, shots: int, burst_rate: float = 0.0,
                       burst_factor: float = 1e6, burst_qubits: int = 10, seed: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Samples measurements, with a fraction of shots struck by a burst.

    In a burst shot the rates of ``burst_qubits`` qubits nearest a random qubit (by the
    circuit's ``QUBIT_COORDS``) are ``burst_factor`` times higher for the whole shot (capped
    at each channel's maximum).

    Args:
        circuit: the noisy circuit.
        shots: shots to take.
        burst_rate: the probability that a shot is a burst shot.
        burst_factor: how much noisier the struck region is.
        burst_qubits: how many qubits a burst strikes.
        seed: the seed.

    Returns:
        ``(measurements, bursts)``: bit-packed measurements and a boolean mask of burst shots.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=2,
        ...                                  before_round_data_depolarization=0.01)
        >>> m, bursts = sample_with_bursts(circuit, shots=100, burst_rate=0.1, seed=2)
        >>> m.shape, int(bursts.sum()) > 0
        ((100, 1), True)
    """
    shots = int_at_least("shots", shots, 1)
    burst_rate = probability("burst_rate", burst_rate)
    rng = np.random.default_rng(seed)
    bursts = rng.random(shots) < burst_rate
    measurements = circuit.compile_sampler(seed=int(rng.integers(2**62))).sample(
        shots, bit_packed=True)
    coords = circuit.get_final_qubit_coordinates()
    qubits = sorted(coords) or list(range(circuit.num_qubits))
    for index in np.flatnonzero(bursts):
        centre = qubits[int(rng.integers(len(qubits)))]
        here = np.array(coords.get(centre, [centre]))
        struck = sorted(qubits, key=lambda q: float(np.sum(
            (np.array(coords.get(q, [q])) - here) ** 2)))[:burst_qubits]
        noisy = scale_noise(circuit, qubit_factors=dict.fromkeys(struck, burst_factor),
                            clip=True)
        measurements[index] = noisy.compile_sampler(seed=int(rng.integers(2**62))).sample(
            1, bit_packed=True)[0]
    return measurements, bursts
