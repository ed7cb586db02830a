"""Experiments recorded on a device, in the layout Google publishes them.

Google's surface-code releases keep one experiment per directory. The Willow release
("Quantum error correction below the surface code threshold", Zenodo 13273331) nests them as
``<patch>/<basis>/r<rounds>/`` (patches like ``d5_at_q6_5``) and each holds::

    circuit_ideal.stim          the circuit, noiseless (detectors and observables)
    circuit_noisy_si1000.stim   the same with SI1000 noise
    measurements.b8, sweep_bits.b8
    detection_events.b8, obs_flips_actual.b8
    metadata.json               {"basis", "distance", "rounds", "shots", "data_qubit_coords",
                                 "meas_qubit_coords"}
    decoding_results/<method>/error_model.dem, obs_flips_predicted.b8

The 2022 Sycamore release (Zenodo 6804040) names its directories
``surface_code_b<basis>_d<distance>_r<rounds>_center_<row>_<col>``, keeps its metadata in
``properties.yml`` (flat ``key: value`` lines), its sweep bits in ``sweep.b8``, its observable
flips and its decoders' predictions in ``.01`` files (``obs_flips_predicted_by_<method>.01``)
and its models beside them (``circuit_detector_error_model.dem``, ``pij_from_*.dem``).
:func:`find_experiments` reads both; :func:`write_experiment` writes the first, so that a
simulated experiment can stand in for a device's (tests, validation, teaching).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
from typing import Any

import numpy as np
import stim

from qec.datasets._formats import (
    FORMATS,
    detection_events_from_measurements,
    read_shots,
    write_shots,
)

__all__ = ["Experiment", "find_experiments", "load_experiment", "shape_circuit",
           "write_experiment"]


def shape_circuit(dem: stim.DetectorErrorModel) -> stim.Circuit:
    """A noiseless circuit with the detectors (and coordinates) and observables of ``dem``:
    what stands for the circuit of data that come with a model and no circuit.

    Examples:
        >>> dem = stim.DetectorErrorModel('''
        ...     error(0.1) D0 D2 L0
        ...     detector(1, 2) D1
        ... ''')
        >>> circuit = shape_circuit(dem)
        >>> circuit.num_detectors, circuit.num_observables, circuit.get_detector_coordinates()[1]
        (3, 1, [1.0, 2.0])
    """
    coordinates = dem.get_detector_coordinates()
    circuit = stim.Circuit()
    total = dem.num_detectors + dem.num_observables
    if total:
        circuit.append("MPAD", [0] * total)
    for index in range(dem.num_detectors):
        circuit.append("DETECTOR", [stim.target_rec(index - total)], coordinates.get(index, []))
    for index in range(dem.num_observables):
        circuit.append("OBSERVABLE_INCLUDE", [stim.target_rec(dem.num_detectors + index - total)],
                       [index])
    return circuit

_METADATA_FILES = ("metadata.json", "properties.yml")
_CIRCUITS = ("circuit_ideal.stim", "circuit_noisy_si1000.stim", "circuit_noisy.stim")
_ALIASES = {
    "distance": ("distance", "d", "code_distance"),
    "rounds": ("rounds", "r", "num_rounds", "cycles"),
    "basis": ("basis", "memory_basis"),
    "shots": ("shots", "num_shots"),
}
_NAME_PATTERN = re.compile(
    r"b(?P<basis>[XZ])_d(?P<distance>\d+)_r(?P<rounds>\d+)(?:_center_(?P<center>\d+_\d+))?")


def _read_flat_yaml(path: pathlib.Path) -> dict[str, Any]:
    """``key: value`` lines (the 2022 release's ``properties.yml``), values parsed as JSON
    where they parse (numbers), else kept as text."""
    found: dict[str, Any] = {}
    for line in path.read_text().splitlines():
        key, colon, value = line.partition(":")
        if not colon or line.startswith((" ", "#", "-")) or not key.strip():
            continue
        value = value.strip().strip("'\"")
        try:
            found[key.strip()] = json.loads(value)
        except ValueError:
            found[key.strip()] = value
    return found


def _find_file(directory: pathlib.Path, stem: str) -> pathlib.Path | None:
    """``stem.<format>`` for the first stim format present."""
    for format in FORMATS:
        candidate = directory / f"{stem}.{format}"
        if candidate.is_file():
            return candidate
    return None


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One recorded memory experiment: where its files are and what its metadata says.

    Attributes:
        path: the experiment's directory.
        name: its path relative to the dataset root (``d5_at_q6_5/Z/r10``), or its directory
            name when read on its own.
        distance, rounds, basis, shots: from its metadata (checked: positive integers, basis
            ``X`` or ``Z``); None for an experiment given file by file that does not say.
        metadata: the whole metadata file, as read.
        patch: where on the device (``d5_at_q6_5``, ``center_3_5``), or None.
        files: for :meth:`from_files`, each file's path and format by its role.

    Examples:
        >>> import tempfile
        >>> circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3,
        ...                                  rounds=2, after_clifford_depolarization=0.01)
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> write_experiment(root / "d3_at_q4_5" / "Z" / "r02", circuit=circuit, shots=100,
        ...                  seed=1)
        >>> [(e.name, e.distance, e.rounds, e.basis, e.patch) for e in find_experiments(root)]
        [('d3_at_q4_5/Z/r02', 3, 2, 'Z', 'd3_at_q4_5')]
    """

    path: pathlib.Path
    name: str
    distance: int | None
    rounds: int | None
    basis: str | None
    shots: int | None
    metadata: dict[str, Any] = dataclasses.field(hash=False, compare=False)
    patch: str | None = None
    files: dict[str, tuple[str, str | None]] = dataclasses.field(
        default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_files(cls, *, circuit: str | os.PathLike[str] | None = None,
                   model: str | os.PathLike[str] | None = None,
                   detection_events: str | os.PathLike[str] | None = None,
                   observables: str | os.PathLike[str] | None = None,
                   measurements: str | os.PathLike[str] | None = None,
                   sweep_bits: str | os.PathLike[str] | None = None,
                   noisy_circuit: str | os.PathLike[str] | None = None,
                   formats: dict[str, str] | None = None, distance: int | None = None,
                   rounds: int | None = None, basis: str | None = None,
                   name: str | None = None) -> Experiment:
        """An experiment from files named one by one (not in a release's layout).

        Args:
            circuit: the ideal circuit (detectors and observables).
            model: a detector error model; without ``circuit`` it gives the sizes (and the
                experiment's circuit is :func:`shape_circuit` of it), and it is the
                experiment's ``noisy`` model.
            detection_events, observables: the recorded detection events and observable
                flips; or ``measurements`` (and ``sweep_bits``) to convert through the circuit.
            noisy_circuit: the circuit with its assumed noise, if any.
            formats: the stim format of each file by argument name (default: from the suffix).
            distance, rounds, basis: what the results database records (optional).
            name: the experiment's name in the database (default: the detection events' or
                measurements' file name).

        Raises:
            ValueError: neither detection events nor measurements, neither a circuit nor a
                model, measurements without a circuit, or a missing file.
        """
        formats = dict(formats or {})
        if circuit is None and model is None:
            raise ValueError("give the circuit, or a detector error model for the sizes")
        if circuit is None and measurements is not None:
            raise ValueError("measurements are converted through the circuit: give the circuit")
        given = {"circuit_ideal": circuit, "circuit_noisy": noisy_circuit, "model": model,
                 "detection_events": detection_events, "obs_flips_actual": observables,
                 "measurements": measurements, "sweep_bits": sweep_bits}
        keys = {"circuit_ideal": "circuit", "circuit_noisy": "noisy_circuit", "model": "model",
                "detection_events": "detection_events", "obs_flips_actual": "observables",
                "measurements": "measurements", "sweep_bits": "sweep_bits"}
        if detection_events is None and measurements is None:
            raise ValueError("give the detection events, or the measurements to convert")
        files = {}
        for stem, value in given.items():
            if value is None:
                continue
            if not pathlib.Path(value).is_file():
                raise ValueError(f"{keys[stem]}={str(value)!r}: no such file")
            files[stem] = (str(value), formats.get(keys[stem]))
        data = pathlib.Path(detection_events if detection_events is not None else measurements)
        return cls(path=data.parent, name=name or data.name, distance=distance, rounds=rounds,
                   basis=basis, shots=None, metadata={}, files=files)

    def _file(self, stem: str) -> tuple[pathlib.Path, str | None] | None:
        """The file of ``stem`` (given, or found in the directory) and its format."""
        if self.files:
            given = self.files.get(stem)
            return None if given is None else (pathlib.Path(given[0]), given[1])
        found = _find_file(self.path, stem)
        return None if found is None else (found, None)

    # Files.
    def circuit_path(self, *, noisy: bool = False) -> pathlib.Path | None:
        """``circuit_ideal.stim`` (or, with ``noisy``, the noisy circuit), None if absent."""
        if self.files:
            given = self.files.get("circuit_noisy" if noisy else "circuit_ideal")
            return None if given is None else pathlib.Path(given[0])
        names = _CIRCUITS[1:] if noisy else _CIRCUITS[:1]
        for name in names:
            if (self.path / name).is_file():
                return self.path / name
        return None

    def circuit(self, *, noisy: bool = False) -> stim.Circuit:
        """The experiment's circuit (ideal, or noisy).

        Raises:
            ValueError: the file is missing or does not parse.
        """
        path = self.circuit_path(noisy=noisy)
        if path is None and not noisy and "model" in self.files:
            model = stim.DetectorErrorModel.from_file(self.files["model"][0])
            return shape_circuit(model)
        if path is None:
            wanted = " or ".join(_CIRCUITS[1:] if noisy else _CIRCUITS[:1])
            raise ValueError(f"experiment {self.name!r} has no {wanted} in {str(self.path)!r}")
        try:
            return stim.Circuit.from_file(str(path))
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"{str(path)!r} is not a stim circuit: {exc}") from None

    def _results(self, pick: Any) -> dict[str, pathlib.Path]:
        """``decoding_results/<method>/``'s file that ``pick`` finds, by method name."""
        results = self.path / "decoding_results"
        if self.files or not results.is_dir():
            return {}
        found = {}
        for method in sorted(p for p in results.iterdir() if p.is_dir()):
            path = pick(method)
            if path is not None:
                found[method.name] = path
        return found

    def shipped_models(self) -> dict[str, pathlib.Path]:
        """The detector error models the release ships, by name.

        ``decoding_results/<method>/error_model.dem`` is named ``<method>``; a ``.dem`` file
        beside the data (the 2022 release's ``pij_from_even_for_odd.dem``) by its stem.
        """
        found = self._results(lambda method: (method / "error_model.dem") if (
            method / "error_model.dem").is_file() else None)
        if self.files:
            return found
        for dem in sorted(self.path.glob("*.dem")):
            found.setdefault(dem.stem, dem)
        return found

    def shipped_predictions(self) -> dict[str, pathlib.Path]:
        """The observable flips the release's own decoders predicted, by method name."""
        found = self._results(lambda method: _find_file(method, "obs_flips_predicted"))
        if self.files:
            return found
        prefix = "obs_flips_predicted_by_"
        for path in sorted(self.path.iterdir()):
            if path.name.startswith(prefix) and path.suffix.lstrip(".") in FORMATS:
                found.setdefault(path.stem[len(prefix):], path)
        return found

    # Data.
    def detection_events(self, circuit: stim.Circuit | None = None) -> np.ndarray:
        """The detection events, bit-packed; converted from the measurements (and sweep bits)
        through the ideal circuit when the release has no detection-event file.

        Raises:
            ValueError: the files are missing, or a size does not fit the circuit.
        """
        circuit = circuit if circuit is not None else self.circuit()
        found = self._file("detection_events")
        if found is not None:
            return read_shots(found[0], bits=circuit.num_detectors, format=found[1],
                              shots=self.shots)
        return self._converted(circuit)[0]

    def observable_flips(self, circuit: stim.Circuit | None = None) -> np.ndarray:
        """The observables' actual flips, bit-packed (from the file, or the measurements)."""
        circuit = circuit if circuit is not None else self.circuit()
        found = self._file("obs_flips_actual")
        if found is not None:
            return read_shots(found[0], bits=circuit.num_observables, format=found[1],
                              kind="observables", shots=self.shots)
        if self._file("measurements") is None:
            raise ValueError(f"experiment {self.name!r} has neither observable flips nor "
                             "measurements to take them from")
        return self._converted(circuit)[1]

    def _converted(self, circuit: stim.Circuit) -> tuple[np.ndarray, np.ndarray]:
        measurements = self._file("measurements")
        if measurements is None:
            raise ValueError(f"experiment {self.name!r} has neither detection_events nor "
                             f"measurements in {str(self.path)!r}")
        m = read_shots(measurements[0], bits=circuit.num_measurements, format=measurements[1],
                       kind="measurements", shots=self.shots)
        sweep = self._file("sweep_bits") or (None if self.files else self._file("sweep"))
        sweep_bits = None
        if sweep is not None:
            sweep_bits = read_shots(sweep[0], bits=circuit.num_sweep_bits, format=sweep[1],
                                    kind="measurements", shots=len(m))
        return detection_events_from_measurements(circuit, m, sweep_bits=sweep_bits)

    def predictions(self, method: str, *, num_observables: int) -> np.ndarray:
        """The shipped predictions of ``method``, bit-packed."""
        paths = self.shipped_predictions()
        if method not in paths:
            raise ValueError(f"experiment {self.name!r} ships no predictions of {method!r}; "
                             f"it has {', '.join(paths) or 'none'}")
        return read_shots(paths[method], bits=num_observables, kind="observables",
                          shots=self.shots)

    def labels(self) -> dict[str, Any]:
        """The metadata a results database records for a point of this experiment."""
        labels: dict[str, Any] = {"experiment": self.name}
        for key in ("distance", "rounds", "basis", "patch"):
            if getattr(self, key) is not None:
                labels[key] = getattr(self, key)
        return labels


def _metadata_value(metadata: dict[str, Any], key: str, name_match: Any, where: str) -> Any:
    for alias in _ALIASES[key]:
        if alias in metadata:
            return metadata[alias]
    if name_match is not None and key in name_match.groupdict():
        return name_match.group(key)
    raise ValueError(f"{where} has no {key!r} (looked for {', '.join(_ALIASES[key])})")


def load_experiment(path: str | os.PathLike[str], *, name: str | None = None) -> Experiment:
    """Reads one experiment directory's metadata (``metadata.json`` or ``properties.yml``).

    Args:
        path: the directory.
        name: its name in a dataset (default: the directory name).

    Returns:
        The :class:`Experiment`.

    Raises:
        ValueError: no metadata file, metadata that does not parse, or one without a positive
            integer ``distance``, ``rounds`` or ``shots`` or a basis ``X``/``Z`` (the message
            names the file and the key).
    """
    path = pathlib.Path(path)
    metadata_path = next((path / n for n in _METADATA_FILES if (path / n).is_file()), None)
    if metadata_path is None:
        raise ValueError(f"{str(path)!r} has no {' or '.join(_METADATA_FILES)}")
    try:
        if metadata_path.suffix == ".json":
            metadata = json.loads(metadata_path.read_text())
        else:
            metadata = _read_flat_yaml(metadata_path)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{str(metadata_path)!r} does not parse: {exc}") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{str(metadata_path)!r} must hold a JSON object")
    match = _NAME_PATTERN.search(path.name)
    where = repr(str(metadata_path))
    values: dict[str, Any] = {}
    for key in ("distance", "rounds", "shots"):
        value = _metadata_value(metadata, key, match, where)
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if isinstance(value, bool) or number < 1 or str(number) != str(value).strip():
            raise ValueError(f"{where}: {key}={value!r} must be a positive integer")
        values[key] = number
    basis = str(_metadata_value(metadata, "basis", match, where)).upper()
    if basis not in ("X", "Z"):
        raise ValueError(f"{where}: basis={basis!r} must be 'X' or 'Z'")
    relative = name if name is not None else path.name
    patch = next((part for part in reversed(path.resolve().parts)
                  if re.fullmatch(r"d\d+_at_q\d+_\d+", part)), None)
    if patch is None and match is not None and match.group("center"):
        patch = f"center_{match.group('center')}"
    return Experiment(path=path, name=relative, distance=values["distance"],
                      rounds=values["rounds"], basis=basis, shots=values["shots"],
                      metadata=metadata, patch=patch)


def find_experiments(root: str | os.PathLike[str]) -> list[Experiment]:
    """Every experiment under ``root`` (a directory with a metadata file), sorted by name.

    Raises:
        ValueError: ``root`` is not a directory, holds no experiment, or an experiment's
            metadata is unreadable (the message names it).
    """
    root = pathlib.Path(root)
    if not root.is_dir():
        raise ValueError(f"{str(root)!r} is not a directory")
    found = []
    for directory, _, files in os.walk(root):
        if any(name in files for name in _METADATA_FILES):
            path = pathlib.Path(directory)
            name = path.relative_to(root).as_posix()
            found.append(load_experiment(path, name=path.name if name == "." else name))
    if not found:
        raise ValueError(f"{str(root)!r} holds no experiment (no directory with "
                         f"{' or '.join(_METADATA_FILES)})")
    return sorted(found, key=lambda e: (e.name.count("/"), e.name))


def write_experiment(path: str | os.PathLike[str], *, circuit: stim.Circuit, shots: int,
                     seed: int | None = None, ideal: stim.Circuit | None = None,
                     data: tuple[np.ndarray, np.ndarray] | None = None,
                     metadata: dict[str, Any] | None = None,
                     shipped: dict[str, stim.DetectorErrorModel] | None = None) -> None:
    """Writes a simulated experiment in the Willow release's layout.

    The measurements are sampled from ``circuit`` (or ``data``'s are written as given); the
    detection events and observable flips are converted from them through the ideal circuit,
    as the release's README converts its own. ``metadata.json`` gets ``shots``, and ``basis``,
    ``distance`` and ``rounds`` read from the path (``d5_at_q6_5/Z/r10``, or
    ``surface_code_bZ_d5_r10``) where ``metadata`` does not give them.

    Args:
        path: the experiment directory (created).
        circuit: the circuit to sample (with its noise).
        shots: how many.
        seed: the sampler's seed.
        ideal: the noiseless circuit written as ``circuit_ideal.stim`` (default:
            ``circuit.without_noise()``).
        data: ``(measurements, sweep_bits)`` bit-packed, to write instead of sampling
            (``sweep_bits`` may be None).
        metadata: extra or overriding ``metadata.json`` entries.
        shipped: detector error models to ship as ``decoding_results/<name>/error_model.dem``.

    Raises:
        ValueError: ``shots`` is not positive, or ``data`` does not match the circuit.
    """
    path = pathlib.Path(path)
    if shots < 1:
        raise ValueError(f"shots={shots!r} must be positive")
    ideal = ideal if ideal is not None else circuit.without_noise()
    if data is None:
        measurements = circuit.compile_sampler(seed=seed).sample(shots, bit_packed=True)
        sweep_bits = None
    else:
        measurements, sweep_bits = data
    dets, obs = detection_events_from_measurements(ideal, measurements, sweep_bits=sweep_bits)
    path.mkdir(parents=True, exist_ok=True)
    (path / "circuit_ideal.stim").write_text(str(ideal) + "\n")
    (path / "circuit_noisy_si1000.stim").write_text(str(circuit) + "\n")
    write_shots(path / "measurements.b8", measurements, bits=ideal.num_measurements,
                kind="measurements")
    if sweep_bits is not None:
        write_shots(path / "sweep_bits.b8", sweep_bits, bits=ideal.num_sweep_bits,
                    kind="measurements")
    write_shots(path / "detection_events.b8", dets, bits=ideal.num_detectors)
    write_shots(path / "obs_flips_actual.b8", obs, bits=ideal.num_observables,
                kind="observables")
    described: dict[str, Any] = {"shots": len(measurements)}
    match = _NAME_PATTERN.search(path.name)
    if re.fullmatch(r"r\d+", path.name):
        described["rounds"] = int(path.name[1:])
    if path.parent.name in ("X", "Z"):
        described["basis"] = path.parent.name
        patch = re.fullmatch(r"d(\d+)_at_q\d+_\d+", path.parent.parent.name)
        if patch is not None:
            described["distance"] = int(patch.group(1))
    if match is not None:
        described.update(basis=match.group("basis"), distance=int(match.group("distance")),
                         rounds=int(match.group("rounds")))
    described.update(metadata or {})
    (path / "metadata.json").write_text(json.dumps(described, indent=2) + "\n")
    for name, dem in (shipped or {}).items():
        folder = path / "decoding_results" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "error_model.dem").write_text(str(dem) + "\n")
