"""What direct sampling of a task costs on this machine, measured: the other side of the
rare-event estimators' ledger.

A rare-event estimate (splitting or subset simulation) reports the shots direct sampling would
need for the same precision, ``(1 - P) / (P sigma^2)``. Shots are not seconds: the estimators'
decoder calls are of configurations near or past failure, often at noisier models, and cost many
times a direct shot at the target (20-60 times, measured on the gross code at p = 0.1% with
Tesseract). So whether an estimate was worth its cost is a question of seconds, and this module
measures the seconds of a direct shot: stim's sampler of the task's circuit and the task's
decoder, compiled once (compilation not counted), on one core, in batches that double until
enough time has been spent for a stable figure.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from qec._validate import positive_int, positive_number
from qec.data import Task
from qec.decoders import compile_decoder, detector_error_model_for_circuit, resolve_decoder

_FIRST_BATCH = 256


@dataclasses.dataclass(frozen=True)
class DirectCost:
    """Direct sampling's cost per shot, measured.

    Attributes:
        seconds_per_shot: one core's seconds per shot (sampling and decoding).
        shots: the shots measured.
        failures: how many of them the decoder got wrong (a by-product; too few to estimate
            a rare rate, which is why the estimators exist).
    """

    seconds_per_shot: float
    shots: int
    failures: int

    def seconds_for(self, shots: float) -> float:
        """One core's seconds for ``shots`` direct shots at this cost.

        Examples:
            >>> DirectCost(seconds_per_shot=2e-4, shots=4096, failures=0).seconds_for(1e6)
            200.0
        """
        return float(shots) * self.seconds_per_shot


def measure_direct_cost(task: Task, *, seed: int = 0, min_seconds: float = 1.0,
                        max_shots: int = 1 << 17) -> DirectCost:
    """Measures one core's seconds per shot of direct sampling of ``task`` in this process.

    The circuit's detector sampler and the task's decoder are compiled first (not timed); then
    batches of 256, 512, ... shots are sampled and decoded until at least ``min_seconds`` have
    been spent or ``max_shots`` taken.

    Args:
        task: the task (circuit and registry decoder) of the estimate.
        seed: the sampler's seed.
        min_seconds: time to spend measuring, at least (the last batch may overrun it).
        max_shots: a cap on the shots measured.

    Returns:
        The :class:`DirectCost`.

    Raises:
        ValueError: ``min_seconds`` not a positive number or ``max_shots`` not a positive
            integer.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=5,
        ...                                  before_round_data_depolarization=0.01)
        >>> cost = measure_direct_cost(Task(circuit=circuit, decoder="pymatching"),
        ...                            min_seconds=0.01, max_shots=1000)
        >>> 0 < cost.shots <= 1000 and cost.seconds_per_shot > 0
        True
    """
    positive_number("min_seconds", min_seconds)
    positive_int("max_shots", max_shots)
    if not isinstance(task, Task):
        raise ValueError(f"task={task!r} must be a qec.sampling.Task")
    dem = detector_error_model_for_circuit(task.circuit)
    decoder = compile_decoder(resolve_decoder(task.decoder), dem=dem)
    sampler = task.circuit.compile_detector_sampler(seed=int(seed))
    obs_bytes = (task.circuit.num_observables + 7) // 8
    shots = failures = 0
    spent = 0.0
    batch = min(_FIRST_BATCH, int(max_shots))
    while True:
        start = time.perf_counter()
        dets, obs = sampler.sample(batch, bit_packed=True, separate_observables=True)
        predicted = np.asarray(decoder.decode_shots_bit_packed(
            bit_packed_detection_event_data=dets))
        failures += int(np.any(predicted[:, :obs_bytes] != obs, axis=1).sum())
        spent += time.perf_counter() - start
        shots += batch
        if spent >= min_seconds or shots >= max_shots:
            break
        batch = min(2 * batch, int(max_shots) - shots)
    return DirectCost(seconds_per_shot=spent / shots, shots=shots, failures=failures)
