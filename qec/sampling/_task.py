"""Tasks (what to sample) and their statistics (what was seen)."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import sinter
import stim

from qec.analysis import Interval, binomial_interval

__all__ = ["Task", "TaskStats", "memory_task"]


def _canonical_json(value: Any, *, name: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} must be JSON-serializable: {exc}") from None


@dataclasses.dataclass(frozen=True)
class Task:
    """A circuit to sample and decode, with the metadata that describes it.

    A task is identified by ``strong_id``: the SHA-256 of the circuit text, the decoder name and
    the metadata (canonical JSON). Two tasks with the same id are the same experiment, so a
    store never samples one twice by accident; changing the circuit, the decoder or any metadata
    value makes a new task.

    Attributes:
        circuit: the stim circuit; it must have at least one observable.
        decoder: the name of the decoder (or ``sinter.Sampler``) used for it: a name known to
            :func:`qec.decoders.get_decoder`, or a key of the ``custom_decoders`` given to
            :func:`qec.sampling.collect`.
        json_metadata: JSON-serializable metadata; the standard keys are ``code``, ``distance``,
            ``rounds``, ``basis``, ``noise``, ``p`` and ``decoder``.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
        ...                                  before_round_data_depolarization=0.01)
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"distance": 3})
        >>> len(task.strong_id)
        64
        >>> task.strong_id == Task(circuit=circuit, decoder="pymatching",
        ...                        json_metadata={"distance": 3}).strong_id
        True
    """

    circuit: stim.Circuit
    decoder: str
    json_metadata: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False)
    strong_id: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.circuit, stim.Circuit):
            raise ValueError(f"circuit={self.circuit!r:.80} must be a stim.Circuit")
        if self.circuit.num_observables < 1:
            raise ValueError(
                "circuit has no OBSERVABLE_INCLUDE: a task needs at least one observable"
            )
        if not isinstance(self.decoder, str) or not self.decoder:
            raise ValueError(
                f"decoder={self.decoder!r} must be a non-empty decoder name; pass decoder "
                "objects by name through collect(custom_decoders={name: decoder})"
            )
        if not isinstance(self.json_metadata, Mapping):
            raise ValueError(f"json_metadata={self.json_metadata!r} must be a dict")
        metadata = dict(self.json_metadata)
        metadata_text = _canonical_json(metadata, name="json_metadata")
        object.__setattr__(self, "json_metadata", metadata)
        digest = hashlib.sha256()
        for part in (str(self.circuit), self.decoder, metadata_text):
            encoded = part.encode()
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
        object.__setattr__(self, "strong_id", digest.hexdigest())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Task) and self.strong_id == other.strong_id

    def __hash__(self) -> int:
        return hash(self.strong_id)


def memory_task(
    *,
    code: str,
    distance: int,
    rounds: int,
    basis: str,
    noise: str,
    p: float,
    decoder: str = "pymatching",
    leakage: float | None = None,
    leakage_removal: str = "none",
    removal_period: int = 1,
) -> Task:
    """The :class:`Task` of a memory experiment built by :func:`qec.memory_circuit`.

    With ``leakage`` the noise model gets :meth:`qec.NoiseModel.with_leakage` at that rate
    per qubit per two-qubit gate (other leakage parameters at their defaults), and the engine
    samples the task with :class:`qec.leakage.LeakageSampler`, decoding with ``decoder``
    (``"leakage-aware"`` for the herald-using decoder).

    Args:
        code: a code family name for :func:`qec.codes.code_from_name` (``"surface"``,
            ``"unrotated-surface"``, ``"repetition"``).
        distance: the code distance.
        rounds: rounds of stabilizer measurement.
        basis: ``"X"`` or ``"Z"``.
        noise: a noise model name for :meth:`qec.NoiseModel.from_name`.
        p: the physical error rate.
        decoder: the decoder name.
        leakage: leakage probability per qubit per two-qubit gate, or None for no leakage.
        leakage_removal: ``"none"``, ``"mlr"`` or ``"dqlr"`` (see :func:`qec.memory_circuit`).
        removal_period: rounds between DQLR steps.

    Returns:
        A task whose metadata holds all of the above under the standard keys (the leakage keys
        ``leakage``, ``leakage_removal`` and ``removal_period`` only when ``leakage`` is given).

    Raises:
        ValueError: for an invalid code, distance, rounds, basis, noise name, p or leakage
            option.

    Examples:
        >>> task = memory_task(code="repetition", distance=3, rounds=3, basis="Z",
        ...                    noise="sd6", p=0.01)
        >>> task.json_metadata["distance"], task.decoder
        (3, 'pymatching')
        >>> leaky = memory_task(code="surface", distance=3, rounds=3, basis="Z", noise="si1000",
        ...                     p=0.002, leakage=0.001, leakage_removal="dqlr")
        >>> leaky.json_metadata["leakage"], leaky.json_metadata["leakage_removal"]
        (0.001, 'dqlr')
    """
    import qec

    model = qec.NoiseModel.from_name(noise, p)
    if leakage is not None:
        model = model.with_leakage(leakage_per_gate=leakage)
    elif leakage_removal != "none" or removal_period != 1:
        raise ValueError(
            f"leakage_removal={leakage_removal!r} and removal_period={removal_period!r} need "
            "leakage: give leakage=RATE too")
    circuit = qec.memory_circuit(
        qec.codes.code_from_name(code, distance=distance),
        rounds=rounds,
        basis=basis,
        noise=model,
        leakage_removal=leakage_removal,
        removal_period=removal_period,
    )
    metadata = {
        "code": code,
        "distance": distance,
        "rounds": rounds,
        "basis": basis,
        "noise": noise,
        "p": p,
        "decoder": decoder,
    }
    if leakage is not None:
        metadata.update(leakage=leakage, leakage_removal=leakage_removal,
                        removal_period=removal_period)
    return Task(circuit=circuit, decoder=decoder, json_metadata=metadata)


@dataclasses.dataclass(frozen=True)
class TaskStats:
    """The accumulated statistics of one task.

    As in sinter, ``shots`` counts every shot taken, discarded ones included; the logical error
    rate is ``errors / (shots - discards)``.

    Attributes:
        strong_id: the task's content hash (:attr:`Task.strong_id`).
        decoder: the decoder name.
        json_metadata: the task's metadata.
        shots: shots taken.
        errors: shots whose observable the decoder got wrong.
        discards: shots discarded by postselection.
        seconds: worker time spent sampling and decoding.
        custom_counts: extra counters reported by custom samplers (often empty).

    Examples:
        >>> stats = TaskStats(strong_id="ab", decoder="pymatching",
        ...                   json_metadata={"distance": 3, "rounds": 3, "p": 0.01},
        ...                   shots=1000, errors=30, discards=0, seconds=0.5)
        >>> stats.distance, stats.physical_error_rate, stats.logical_error_rate
        (3, 0.01, 0.03)
        >>> round(stats.per_round_error().estimate, 5)
        0.01021
        >>> eval(repr(stats)) == stats
        True
    """

    strong_id: str
    decoder: str
    json_metadata: dict[str, Any] = dataclasses.field(hash=False)
    shots: int = 0
    errors: int = 0
    discards: int = 0
    seconds: float = 0.0
    custom_counts: dict[str, int] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.strong_id, str) or not self.strong_id:
            raise ValueError(f"strong_id={self.strong_id!r} must be a non-empty string")
        if not isinstance(self.decoder, str):
            raise ValueError(f"decoder={self.decoder!r} must be a string")
        if not isinstance(self.json_metadata, Mapping):
            raise ValueError(f"json_metadata={self.json_metadata!r} must be a dict")
        object.__setattr__(self, "json_metadata", dict(self.json_metadata))
        for name in ("shots", "errors", "discards"):
            value = getattr(self, name)
            if isinstance(value, bool) or not hasattr(value, "__index__") or value < 0:
                raise ValueError(f"{name}={value!r} must be a non-negative integer")
            object.__setattr__(self, name, int(value))
        if self.errors + self.discards > self.shots:
            raise ValueError(
                f"errors={self.errors} plus discards={self.discards} exceed shots={self.shots}"
            )
        seconds = self.seconds
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
            math.isfinite(seconds) and seconds >= 0
        ):
            raise ValueError(f"seconds={seconds!r} must be a non-negative number")
        object.__setattr__(self, "seconds", float(seconds))
        object.__setattr__(
            self, "custom_counts", {str(k): int(v) for k, v in dict(self.custom_counts).items()}
        )

    # Convenience views of the standard metadata keys (None when absent).
    @property
    def code(self) -> str | None:
        """The code family name (metadata ``code``)."""
        return self.json_metadata.get("code")

    @property
    def distance(self) -> int | None:
        """The code distance: metadata ``distance``, else ``d`` (the key of sinter's examples).

        Examples:
            >>> TaskStats(strong_id="ab", decoder="pymatching", json_metadata={"d": 5, "r": 15},
            ...           shots=10, errors=1).distance
            5
        """
        return self.json_metadata.get("distance", self.json_metadata.get("d"))

    @property
    def rounds(self) -> int | None:
        """Rounds of stabilizer measurement per shot: metadata ``rounds``, else ``r``."""
        return self.json_metadata.get("rounds", self.json_metadata.get("r"))

    @property
    def basis(self) -> str | None:
        """The memory basis (metadata ``basis``)."""
        return self.json_metadata.get("basis")

    @property
    def noise(self) -> str | None:
        """The noise model name (metadata ``noise``)."""
        return self.json_metadata.get("noise")

    @property
    def physical_error_rate(self) -> float | None:
        """The physical error rate p (metadata ``p``)."""
        return self.json_metadata.get("p")

    @property
    def kept_shots(self) -> int:
        """Shots not discarded, ``shots - discards``."""
        return self.shots - self.discards

    @property
    def logical_error_rate(self) -> float:
        """``errors / (shots - discards)``; NaN when no shot was kept."""
        return self.errors / self.kept_shots if self.kept_shots else math.nan

    def logical_error(self, *, confidence: float = 0.95) -> Interval:
        """The error per shot with its binomial interval (:func:`qec.analysis.binomial_interval`).

        Raises:
            ValueError: if no shot was kept.
        """
        return binomial_interval(errors=self.errors, shots=self.kept_shots, confidence=confidence)

    def per_round_error(self, *, confidence: float = 0.95) -> Interval:
        """The logical error per round with its binomial interval.

        Uses the metadata ``rounds`` (:func:`qec.analysis.per_round_error`).

        Raises:
            ValueError: if no shot was kept or the metadata has no positive ``rounds``.
        """
        if self.rounds is None:
            raise ValueError(f"task {self.strong_id[:12]} has no 'rounds' in its metadata")
        return self.logical_error(confidence=confidence).per_round(rounds=self.rounds)

    def __add__(self, other: TaskStats) -> TaskStats:
        if not isinstance(other, TaskStats):
            return NotImplemented
        if other.strong_id != self.strong_id:
            raise ValueError(
                f"cannot add stats of different tasks {self.strong_id[:12]} and "
                f"{other.strong_id[:12]}"
            )
        counts = collections.Counter(self.custom_counts)
        counts.update(other.custom_counts)
        return dataclasses.replace(
            self,
            shots=self.shots + other.shots,
            errors=self.errors + other.errors,
            discards=self.discards + other.discards,
            seconds=self.seconds + other.seconds,
            custom_counts=dict(counts),
        )

    def to_sinter(self) -> sinter.TaskStats:
        """The same statistics as a ``sinter.TaskStats`` (for ``sinter`` plotting and CSV)."""
        return sinter.TaskStats(
            strong_id=self.strong_id,
            decoder=self.decoder,
            json_metadata=self.json_metadata,
            shots=self.shots,
            errors=self.errors,
            discards=self.discards,
            seconds=self.seconds,
            custom_counts=collections.Counter(self.custom_counts),
        )

    @classmethod
    def from_sinter(cls, stats: sinter.TaskStats) -> TaskStats:
        """Converts a ``sinter.TaskStats`` (e.g. read from a sinter CSV file).

        Examples:
            >>> s = sinter.TaskStats(strong_id="x", decoder="pymatching", json_metadata={},
            ...                      shots=10, errors=1)
            >>> TaskStats.from_sinter(s).to_sinter() == s
            True
        """
        metadata = stats.json_metadata
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, Mapping):
            metadata = {"json_metadata": metadata}
        return cls(
            strong_id=stats.strong_id,
            decoder=stats.decoder,
            json_metadata=dict(metadata),
            shots=stats.shots,
            errors=stats.errors,
            discards=stats.discards,
            seconds=stats.seconds,
            custom_counts=dict(stats.custom_counts),
        )
