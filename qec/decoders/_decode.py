"""Decoding a batch of detection events with any registered decoder."""

from __future__ import annotations

import numpy as np
import sinter
import stim

from qec.decoders._dem import detector_error_model_for_circuit
from qec.decoders._files import compile_decoder
from qec.decoders._registry import check_decoder, get_decoder


def decode(
    circuit_or_dem: stim.Circuit | stim.DetectorErrorModel,
    detection_events: np.ndarray,
    *,
    decoder: str | sinter.Decoder = "pymatching",
) -> np.ndarray:
    """Predicts the observable flips of a batch of shots.

    The decoder is compiled for the model on each call; for many batches of the same model,
    compile once with ``get_decoder(name).compile_decoder_for_dem(dem=...)`` instead.

    Array contract (bit order is little-endian within each byte, as in stim and sinter:
    detector ``k`` is bit ``k % 8`` of byte ``k // 8``):

    - bit-packed input: ``dtype=np.uint8``, shape ``(shots, ceil(num_detectors / 8))``, as from
      ``sampler.sample(shots, bit_packed=True)``;
    - unpacked input: ``dtype=np.bool_``, shape ``(shots, num_detectors)``, as from
      ``sampler.sample(shots)``. An unpacked 0/1 array of another dtype must be converted with
      ``.astype(bool)`` first (a uint8 array is always read as bit-packed).
    - output, always bit-packed: ``dtype=np.uint8``, shape ``(shots, ceil(num_observables / 8))``.
      Unpack it with ``np.unpackbits(out, axis=1, count=num_observables, bitorder="little")``.

    Args:
        circuit_or_dem: a stim circuit (its model is made as sinter makes it: decomposed when
            possible) or a detector error model.
        detection_events: the detection events of the shots, bit-packed or unpacked (above).
        decoder: a decoder name (see :func:`qec.decoders.resolve_decoder`) or a
            ``sinter.Decoder`` object (one that implements only ``decode_via_files`` works too).

    Returns:
        The predicted observable flips, bit-packed, ``uint8``, ``(shots, ceil(num_observables/8))``.

    Raises:
        ValueError: unknown decoder name, a model the decoder cannot handle, or detection events
            whose dtype or shape does not match the model.

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=5,
        ...                                  before_round_data_depolarization=0.02)
        >>> sampler = circuit.compile_detector_sampler(seed=1)
        >>> dets, obs = sampler.sample(1000, separate_observables=True, bit_packed=True)
        >>> predictions = decode(circuit, dets)
        >>> predictions.dtype, predictions.shape
        (dtype('uint8'), (1000, 1))
        >>> int(np.count_nonzero(predictions != obs)) < 20
        True
    """
    if isinstance(circuit_or_dem, stim.Circuit):
        dem = detector_error_model_for_circuit(circuit_or_dem)
    elif isinstance(circuit_or_dem, stim.DetectorErrorModel):
        dem = circuit_or_dem
    else:
        raise ValueError(
            f"circuit_or_dem must be a stim.Circuit or stim.DetectorErrorModel, "
            f"not {type(circuit_or_dem).__name__}"
        )
    packed = pack_detection_events(detection_events, num_detectors=dem.num_detectors)
    decoder_object = get_decoder(decoder)
    check_decoder(decoder_object, dem=dem)
    compiled = compile_decoder(decoder_object, dem=dem)
    predictions = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=packed)
    expected_shape = (packed.shape[0], (dem.num_observables + 7) // 8)
    if predictions.dtype != np.uint8 or predictions.shape != expected_shape:
        raise ValueError(
            f"decoder {decoder!r} returned dtype={predictions.dtype}, shape={predictions.shape}; "
            f"sinter's contract is dtype=uint8, shape={expected_shape}"
        )
    return predictions


def pack_detection_events(detection_events: np.ndarray, *, num_detectors: int) -> np.ndarray:
    """Returns detection events bit-packed and C-contiguous, checking dtype and shape.

    Args:
        detection_events: ``uint8`` bit-packed ``(shots, ceil(num_detectors / 8))``, or ``bool``
            unpacked ``(shots, num_detectors)``.
        num_detectors: the number of detectors of the model.

    Returns:
        ``uint8`` array of shape ``(shots, ceil(num_detectors / 8))``, little-endian bit order.

    Raises:
        ValueError: another dtype, or a shape that does not match ``num_detectors``.

    Examples:
        >>> pack_detection_events(np.array([[True, False, True]]), num_detectors=3)
        array([[5]], dtype=uint8)
    """
    events = np.asarray(detection_events)
    num_bytes = (num_detectors + 7) // 8
    if events.ndim != 2:
        raise ValueError(
            f"detection_events has shape {events.shape}; expected a 2-D array (shots, ...)"
        )
    if events.dtype == np.bool_:
        if events.shape[1] != num_detectors:
            raise ValueError(
                f"detection_events is unpacked bool with shape {events.shape}; the model has "
                f"{num_detectors} detectors, so expected shape (shots, {num_detectors})"
            )
        return np.packbits(events, axis=1, bitorder="little")
    if events.dtype == np.uint8:
        if events.shape[1] != num_bytes:
            raise ValueError(
                f"detection_events is uint8 with shape {events.shape}, read as bit-packed; the "
                f"model has {num_detectors} detectors, so expected shape (shots, {num_bytes}); "
                "for an unpacked 0/1 array pass detection_events.astype(bool)"
            )
        return np.ascontiguousarray(events)
    raise ValueError(
        f"detection_events has dtype={events.dtype}; expected uint8 (bit-packed) or bool (unpacked)"
    )
