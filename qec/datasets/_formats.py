"""Shot data files in every stim result format, read with their sizes checked.

stim writes and reads six formats (``01``, ``b8``, ``r8``, ``ptb64``, ``hits``, ``dets``); a
file does not say how many bits a shot has, so the reader is told (from the circuit or the
detector error model) and checks that the file holds a whole number of shots of that size,
with zero padding where the format pads. A wrong size is a ``ValueError`` that names the file,
the format, the bits per shot expected and what the file holds.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np
import stim

from qec._validate import int_at_least, one_of

__all__ = ["FORMATS", "detection_events_from_measurements", "read_shots", "write_shots"]

FORMATS = ("01", "b8", "r8", "ptb64", "hits", "dets")
"""stim's result formats (stim's documentation: ``doc/result_formats.md``)."""

_KINDS = ("measurements", "detectors", "observables")


def _suffix_format(path: pathlib.Path) -> str | None:
    suffix = path.suffix.lstrip(".")
    return suffix if suffix in FORMATS else None


def _format_of(path: pathlib.Path, format: str | None) -> str:
    """``format`` checked, or the one the file's suffix names."""
    if format is None:
        format = _suffix_format(path)
        if format is None:
            raise ValueError(f"{str(path)!r}: cannot tell its format from the suffix "
                             f"{path.suffix!r}; name one of {', '.join(FORMATS)}")
    return one_of("format", format, FORMATS)


def _check_size(path: pathlib.Path, format: str, bits: int) -> None:
    """Checks that a fixed-size format's file holds a whole number of shots of ``bits`` bits.

    Raises:
        ValueError: the size is not a whole number of shots of ``bits`` bits.
    """
    size = path.stat().st_size
    per_shot = (bits + 7) // 8
    if format == "b8" and per_shot and size % per_shot:
        raise ValueError(
            f"{str(path)!r} ({format}) holds {size} bytes, not a whole number of shots of "
            f"{bits} bits ({per_shot} bytes each); is the bit count right?")
    if format == "ptb64" and bits and size % (8 * bits):
        raise ValueError(
            f"{str(path)!r} ({format}) holds {size} bytes, not a whole number of groups of "
            f"64 shots of {bits} bits ({8 * bits} bytes each); is the bit count right?")


def read_shots(path: str | os.PathLike[str], *, bits: int, format: str | None = None,
               kind: str = "detectors", shots: int | None = None) -> np.ndarray:
    """Reads a stim result file into a bit-packed ``uint8`` array, one row per shot.

    Args:
        path: the file.
        bits: bits per shot (detectors, observables or measurements), from the circuit or the
            model; a file whose size does not fit it is an error.
        format: one of :data:`FORMATS`; None takes it from the file's suffix.
        kind: what the bits are (``"detectors"``, ``"observables"``, ``"measurements"``): it
            decides the prefix of the ``dets`` format (``D``, ``L``, ``M``).
        shots: the shot count expected (from ``metadata.json``), checked when given.

    Returns:
        ``uint8`` array of shape ``(shots, ceil(bits / 8))``, little-endian bit order within a
        byte (``np.unpackbits(..., bitorder="little", count=bits)`` gives the bits).

    Raises:
        ValueError: an unknown format, a missing file, a file that does not hold whole shots of
            ``bits`` bits (a padding bit set in ``b8``, a line of the wrong length in ``01``,
            an index out of range in ``hits`` or ``dets``), or a shot count other than
            ``shots``.

    Examples:
        >>> import tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> data = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.bool_)
        >>> write_shots(folder / "d.b8", data, format="b8")
        >>> np.unpackbits(read_shots(folder / "d.b8", bits=3), axis=1, bitorder="little",
        ...               count=3).tolist()
        [[1, 0, 1], [0, 0, 1]]
        >>> read_shots(folder / "d.b8", bits=17)
        Traceback (most recent call last):
            ...
        ValueError: ...holds 2 bytes, not a whole number of shots of 17 bits (3 bytes each)...
    """
    path = pathlib.Path(path)
    bits = int_at_least("bits", bits, 0)
    one_of("kind", kind, _KINDS)
    format = _format_of(path, format)
    if not path.is_file():
        raise ValueError(f"{str(path)!r}: no such file")
    _check_size(path, format, bits)
    if format == "b8" and bits:  # b8 is the bit-packed layout itself: read it as it is
        data = np.fromfile(path, dtype=np.uint8).reshape(-1, (bits + 7) // 8)
        if bits % 8 and len(data) and np.any(data[:, -1] >> (bits % 8)):
            raise ValueError(
                f"{str(path)!r} ({format}) has bits set beyond bit {bits - 1} of a shot (the "
                f"padding of its last byte): it holds shots of more than {bits} bits")
    else:
        counts = {"measurements": 0, "detectors": 0, "observables": 0}
        counts[kind] = bits
        try:
            data = stim.read_shot_data_file(
                path=str(path), format=format, num_measurements=counts["measurements"],
                num_detectors=counts["detectors"], num_observables=counts["observables"],
                bit_packed=True)
        except (ValueError, RuntimeError) as exc:
            raise ValueError(f"{str(path)!r} ({format}) is not a file of shots of {bits} "
                             f"{kind}: {exc}") from None
        data = np.asarray(data, dtype=np.uint8).reshape(-1, (bits + 7) // 8)
    if shots is not None and len(data) != shots:
        raise ValueError(f"{str(path)!r} ({format}) holds {len(data)} shots of {bits} {kind}, "
                         f"not the {shots} expected")
    return data


def write_shots(path: str | os.PathLike[str], data: np.ndarray, *, format: str | None = None,
                kind: str = "detectors", bits: int | None = None) -> None:
    """Writes shots (a boolean array, or bit-packed ``uint8`` with ``bits``) in a stim format.

    Args:
        path: the file to write.
        data: ``bool`` array of shape ``(shots, bits)``, or bit-packed ``uint8`` of shape
            ``(shots, ceil(bits / 8))`` together with ``bits``.
        format: one of :data:`FORMATS`; None takes it from the file's suffix.
        kind: what the bits are (decides the ``dets`` prefix).
        bits: bits per shot when ``data`` is bit-packed.

    Raises:
        ValueError: an unknown format or kind, or an array of the wrong shape.

    Examples:
        >>> import tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_shots(folder / "o.01", np.array([[True], [False]]), kind="observables")
        >>> (folder / "o.01").read_text()
        '1\\n0\\n'
    """
    path = pathlib.Path(path)
    one_of("kind", kind, _KINDS)
    format = _format_of(path, format)
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"data has shape {data.shape}; expected (shots, bits)")
    if bits is None:
        if data.dtype != np.bool_:
            raise ValueError("data must be a bool array, or bit-packed uint8 with bits=...")
        bits = data.shape[1]
        packed = np.packbits(data, axis=1, bitorder="little")
    else:
        bits = int_at_least("bits", bits, 0)
        if data.shape[1] != (bits + 7) // 8:
            raise ValueError(f"data has {data.shape[1]} bytes a shot; {bits} bits need "
                             f"{(bits + 7) // 8}")
        packed = data.astype(np.uint8)
    counts = {"measurements": 0, "detectors": 0, "observables": 0}
    counts[kind] = bits
    stim.write_shot_data_file(
        data=packed, path=str(path), format=format, num_measurements=counts["measurements"],
        num_detectors=counts["detectors"], num_observables=counts["observables"])


def detection_events_from_measurements(circuit: stim.Circuit, measurements: np.ndarray, *,
                                       sweep_bits: np.ndarray | None = None
                                       ) -> tuple[np.ndarray, np.ndarray]:
    """Detection events and observable flips from recorded measurements, through the circuit.

    stim's measurements-to-detections converter (``Circuit.compile_m2d_converter``): each
    detector is the parity of its measurement records (and the sweep bits that control the
    circuit's ``sweep[k]`` targets), less its value in the noiseless reference sample.

    Args:
        circuit: the circuit the measurements were recorded from.
        measurements: bit-packed ``uint8`` of shape ``(shots, ceil(num_measurements / 8))``.
        sweep_bits: bit-packed ``uint8`` sweep bits per shot, or None.

    Returns:
        ``(detection_events, observable_flips)``, both bit-packed ``uint8``.

    Raises:
        ValueError: the arrays' shapes do not match the circuit.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=2,
        ...                                  before_round_data_depolarization=0.1)
        >>> m = circuit.compile_sampler(seed=1).sample(5, bit_packed=True)
        >>> dets, obs = detection_events_from_measurements(circuit, m)
        >>> dets.shape, obs.shape
        ((5, 1), (5, 1))
    """
    measurements = np.asarray(measurements, dtype=np.uint8)
    expected = (circuit.num_measurements + 7) // 8
    if measurements.ndim != 2 or measurements.shape[1] != expected:
        raise ValueError(f"measurements have shape {measurements.shape}; the circuit's "
                         f"{circuit.num_measurements} measurements need (shots, {expected})")
    converter = circuit.compile_m2d_converter()
    kwargs = {}
    if sweep_bits is not None:
        sweep_bits = np.asarray(sweep_bits, dtype=np.uint8)
        if sweep_bits.shape[0] != measurements.shape[0]:
            raise ValueError(f"sweep_bits have {sweep_bits.shape[0]} shots, measurements "
                             f"{measurements.shape[0]}")
        kwargs["sweep_bits"] = sweep_bits
    dets, obs = converter.convert(measurements=measurements, separate_observables=True,
                                  bit_packed=True, **kwargs)
    return np.asarray(dets, dtype=np.uint8), np.asarray(obs, dtype=np.uint8)
