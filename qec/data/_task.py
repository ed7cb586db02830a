"""Tasks (what to sample) and their statistics (what was seen): the values every layer shares."""

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

from qec._validate import is_integer, is_real, positive_int
from qec.data._estimators import get_estimator
from qec.data._interval import Interval

__all__ = ["CHUNK_SHOTS", "Task", "TaskStats"]

CHUNK_SHOTS = 1024
"""Shots per seeded chunk of the sampling engine (sinter also samples at most 1024 shots per
call): the unit a seeded run's shots are drawn in, and the unit a decoder that keeps a random
stream (Relay-BP) restarts it at, so that its predictions do not depend on how chunks were
grouped into batches."""


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
            :func:`qec.decoders.resolve_decoder`, or a key of the ``custom_decoders`` given to
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

    @property
    def num_observables(self) -> int:
        """The number of logical observables of the circuit (k for a code with k qubits)."""
        return self.circuit.num_observables

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Task) and self.strong_id == other.strong_id

    def __hash__(self) -> int:
        return hash(self.strong_id)


@dataclasses.dataclass(frozen=True)
class TaskStats:
    """The accumulated statistics of one task.

    As in sinter, ``shots`` counts every shot taken, discarded ones included; the logical error
    rate is ``errors / (shots - discards)``.

    Beside the integer counts, ``sums`` holds float accumulators that an estimator other than
    plain Monte Carlo fills (for example the summed weights of importance-sampled shots). Which
    estimator turns the statistics into a logical error with its interval is named by the
    metadata key ``estimator`` (default ``"binomial"``; see :func:`qec.data.get_estimator`).

    Attributes:
        strong_id: the task's content hash (:attr:`Task.strong_id`).
        decoder: the decoder name.
        json_metadata: the task's metadata.
        shots: shots taken.
        errors: shots whose observable the decoder got wrong (any of the observables).
        discards: shots discarded by postselection.
        seconds: worker time spent sampling and decoding.
        custom_counts: extra counters reported by custom samplers (often empty).
        sums: float accumulators of non-binomial estimators (often empty).
        num_observables: the number of logical observables of the task's circuit.

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
    sums: dict[str, float] = dataclasses.field(default_factory=dict, hash=False)
    num_observables: int = 1

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
            if not is_integer(value) or value < 0:
                raise ValueError(f"{name}={value!r} must be a non-negative integer")
            object.__setattr__(self, name, int(value))
        if self.errors + self.discards > self.shots:
            raise ValueError(
                f"errors={self.errors} plus discards={self.discards} exceed shots={self.shots}"
            )
        seconds = self.seconds
        if not is_real(seconds) or not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"seconds={seconds!r} must be a non-negative number")
        object.__setattr__(self, "seconds", float(seconds))
        object.__setattr__(
            self, "custom_counts", {str(k): int(v) for k, v in dict(self.custom_counts).items()}
        )
        sums = {}
        for key, value in dict(self.sums).items():
            if not is_real(value) or not math.isfinite(value):
                raise ValueError(f"sums[{key!r}]={value!r} must be a finite number")
            sums[str(key)] = float(value)
        object.__setattr__(self, "sums", sums)
        object.__setattr__(self, "num_observables",
                           positive_int("num_observables", self.num_observables))

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

    @property
    def estimator(self) -> str:
        """The name of the estimator of these statistics (metadata ``estimator``, default
        ``"binomial"``)."""
        return str(self.json_metadata.get("estimator", "binomial"))

    def logical_error(self, *, confidence: float = 0.95) -> Interval:
        """The error per shot with its interval, from the task's estimator.

        For plain Monte Carlo (the ``"binomial"`` estimator) this is
        :func:`qec.data.binomial_interval` of ``errors`` over the kept shots.

        Raises:
            ValueError: if no shot was kept, or the estimator is unknown.
        """
        return get_estimator(self.estimator).interval(self, confidence=confidence)

    def per_round_error(self, *, confidence: float = 0.95) -> Interval:
        """The logical error per round with its binomial interval.

        Uses the metadata ``rounds`` and the number of observables
        (:func:`qec.data.per_round_error` with ``values=num_observables``).

        Raises:
            ValueError: if no shot was kept or the metadata has no positive ``rounds``.
        """
        if self.rounds is None:
            raise ValueError(f"task {self.strong_id[:12]} has no 'rounds' in its metadata")
        return self.logical_error(confidence=confidence).per_round(
            rounds=self.rounds, values=self.num_observables)

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
        sums = dict(self.sums)
        for key, value in other.sums.items():
            sums[key] = sums.get(key, 0.0) + value
        return dataclasses.replace(
            self,
            shots=self.shots + other.shots,
            errors=self.errors + other.errors,
            discards=self.discards + other.discards,
            seconds=self.seconds + other.seconds,
            custom_counts=dict(counts),
            sums=sums,
        )

    def to_sinter(self) -> sinter.TaskStats:
        """The same statistics as a ``sinter.TaskStats`` (for ``sinter`` plotting and CSV).

        A task with several observables carries their number as metadata
        ``num_observables`` (sinter's statistics have no such field; :meth:`from_sinter` reads
        it back).

        Raises:
            ValueError: the statistics hold float accumulators (``sums``), which sinter's
                statistics cannot carry.
        """
        if self.sums:
            raise ValueError(
                f"task {self.strong_id[:12]} has float accumulators {sorted(self.sums)} of the "
                f"{self.estimator!r} estimator, which sinter's statistics cannot carry")
        metadata = dict(self.json_metadata)
        if self.num_observables > 1:
            metadata.setdefault("num_observables", self.num_observables)
        return sinter.TaskStats(
            strong_id=self.strong_id,
            decoder=self.decoder,
            json_metadata=metadata,
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
            num_observables=metadata.get("num_observables", 1),
        )
