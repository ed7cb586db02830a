"""``LeakageSampler``: leakage simulation plus decoding, as a ``sinter.Sampler``."""

from __future__ import annotations

import collections
import dataclasses
import math
import time
from typing import Any

import numpy as np
import sinter
import stim

from qec.decoders import compile_decoder, detector_error_model_for_circuit, get_decoder
from qec.leakage._decoding import HeraldedMatching
from qec.leakage._simulator import CompiledLeakageCircuit, _shots_major
from qec.leakage._tags import pauli_equivalent

__all__ = ["HERALD_DECODER", "CompiledLeakageSampler", "LeakageSampler"]

HERALD_DECODER = "leakage-aware"
"""The decoder name that selects :class:`qec.leakage.HeraldedMatching`."""


@dataclasses.dataclass(frozen=True)
class LeakageSampler(sinter.Sampler):
    """Samples a circuit's leakage (read from its tags) and decodes, as a ``sinter.Sampler``.

    Give it to ``sinter.collect(custom_decoders={"leakage": LeakageSampler()})`` or to
    ``qec.sampling.collect(custom_decoders=...)``: the task's circuit is simulated by
    :func:`qec.leakage.sample_leakage` and decoded; the stats count shots whose observables the
    decoder got wrong. ``custom_counts`` carries ``heralded_shots``, the shots in which some
    measurement heralded leakage.

    Attributes:
        decoder: ``"pymatching"`` (the default) or any name known to
            :func:`qec.decoders.get_decoder`, a ``sinter.Decoder`` object, or
            ``"leakage-aware"`` for :class:`qec.leakage.HeraldedMatching`, which uses heralds.
        batch_size: shots simulated at once (rounded up to a multiple of 256); memory per
            worker grows with it.
        pauli_prior: decode with the detector error model of
            :func:`qec.leakage.pauli_equivalent` of the circuit, so the decoder expects a Pauli
            error wherever leakage may start, at the leakage rate (default False: the
            circuit's own, leakage-free model).
        seed: seed of each compiled sampler's stim generator. None (the default) draws fresh
            entropy, which is what several workers sampling one task need; a fixed seed makes
            single-process runs reproducible but gives every compiled copy the same shots.

    Examples:
        >>> import qec
        >>> noise = qec.NoiseModel.si1000(0.002).with_leakage(leakage_per_gate=0.002)
        >>> circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=3,
        ...                              basis="Z", noise=noise, leakage_removal="dqlr")
        >>> task = sinter.Task(circuit=circuit, decoder="leakage")
        >>> stats = LeakageSampler(seed=5).compiled_sampler_for_task(task).sample(1000)
        >>> stats.shots, 0 < stats.errors < 200
        (1000, True)
    """

    decoder: Any = "pymatching"
    batch_size: int = 16384
    seed: int | None = None
    pauli_prior: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.decoder, (str, sinter.Decoder))
                or hasattr(self.decoder, "compile_decoder_for_dem")):
            raise ValueError(
                f"decoder={self.decoder!r} must be a decoder name or a sinter.Decoder")
        if isinstance(self.decoder, str) and self.decoder != HERALD_DECODER:
            get_decoder(self.decoder)  # an unknown name fails here, listing the known ones
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or (
                self.batch_size < 1):
            raise ValueError(f"batch_size={self.batch_size!r} must be a positive integer")
        if not isinstance(self.pauli_prior, bool):
            raise ValueError(f"pauli_prior={self.pauli_prior!r} must be True or False")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(
                self.seed, int) or not 0 <= self.seed < 2**64):
            raise ValueError(f"seed={self.seed!r} must be None or an integer in [0, 2**64)")

    def compiled_sampler_for_task(self, task: sinter.Task) -> CompiledLeakageSampler:
        """Compiles the task's circuit and decoder (the detector error model ignores leakage)."""
        return CompiledLeakageSampler(
            task.circuit,
            decoder=self.decoder,
            batch_size=self.batch_size,
            seed=self.seed,
            dem=None if self.pauli_prior else task.detector_error_model,
            pauli_prior=self.pauli_prior,
        )


class CompiledLeakageSampler(sinter.CompiledSampler):
    """A compiled :class:`LeakageSampler` for one circuit (see there for the arguments)."""

    def __init__(
        self,
        circuit: stim.Circuit,
        *,
        decoder: Any = "pymatching",
        batch_size: int = 16384,
        seed: int | None = None,
        dem: stim.DetectorErrorModel | None = None,
        pauli_prior: bool = False,
    ) -> None:
        self.circuit = CompiledLeakageCircuit(circuit)
        if dem is None:
            dem = detector_error_model_for_circuit(
                pauli_equivalent(circuit) if pauli_prior else circuit)
        self.heralded: HeraldedMatching | None = None
        self.decoder: sinter.CompiledDecoder | None = None
        if isinstance(decoder, str) and decoder == HERALD_DECODER:
            self.heralded = HeraldedMatching(circuit, dem=dem)
        else:
            self.decoder = compile_decoder(get_decoder(decoder), dem=dem)
        self.batch_size = 256 * math.ceil(batch_size / 256)
        self.seed = seed
        self._sims: dict[int, stim.FlipSimulator] = {}

    def _simulator(self, shots: int) -> stim.FlipSimulator:
        batch = min(self.batch_size, 256 * math.ceil(shots / 256))
        if batch not in self._sims:
            self._sims[batch] = stim.FlipSimulator(
                batch_size=batch, num_qubits=self.circuit.num_qubits, seed=self.seed)
        return self._sims[batch]

    def reseed(self, seed: int) -> None:
        """Seeds the next :meth:`sample` call (qec's engine seeds every chunk this way).

        Examples:
            >>> import qec
            >>> noise = qec.NoiseModel.sd6(0.01).with_leakage(leakage_per_gate=0.01)
            >>> circuit = qec.memory_circuit(qec.codes.RepetitionCode(distance=3), rounds=3,
            ...                              basis="Z", noise=noise)
            >>> compiled = CompiledLeakageSampler(circuit)
            >>> runs = []
            >>> for _ in range(2):
            ...     compiled.reseed(11)
            ...     runs.append(compiled.sample(500).errors)
            >>> runs[0] == runs[1]
            True
        """
        self.seed = int(seed) % 2**64
        self._sims.clear()

    def sample(self, suggested_shots: int) -> sinter.AnonTaskStats:
        """Samples ``suggested_shots`` shots (at least one) and counts logical errors."""
        t0 = time.monotonic()
        total = max(1, int(suggested_shots))
        errors = heralded = done = 0
        while done < total:
            sim = self._simulator(total - done)
            n = min(sim.batch_size, total - done)
            dets, obs, heralds, _ = self.circuit.run_batch(sim, shots=n)
            dets = _shots_major(dets, n, bit_packed=True)
            obs = _shots_major(obs, n, bit_packed=True)
            any_herald = np.bitwise_or.reduce(heralds, axis=0, keepdims=True)
            heralded += int(np.unpackbits(any_herald.view(np.uint8), bitorder="little")[:n].sum())
            if self.heralded is not None:
                heralds = _shots_major(heralds, n, bit_packed=True)
                predictions = self.heralded.decode(dets, heralds)
            else:
                predictions = self.decoder.decode_shots_bit_packed(
                    bit_packed_detection_event_data=dets)
            errors += int(np.count_nonzero(np.any(predictions != obs, axis=1)))
            done += n
        return sinter.AnonTaskStats(
            shots=total,
            errors=errors,
            seconds=time.monotonic() - t0,
            custom_counts=collections.Counter({"heralded_shots": heralded}),
        )
