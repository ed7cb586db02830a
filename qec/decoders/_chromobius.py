"""Chromobius, the colour-code decoder of Gidney and Jones, behind sinter's interface."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sinter
import stim

from qec.decoders._dem import import_optional


def require_color_annotations(dem: stim.DetectorErrorModel, *, decoder: str) -> None:
    """Raises ``ValueError`` unless every detector of an error carries a colour coordinate.

    Chromobius reads each detector's fourth coordinate: 0, 1, 2 for red, green, blue X-type
    checks, 3, 4, 5 for Z-type ones, -1 for a detector to ignore (:class:`qec.codes.ColorCode`
    circuits carry it).

    Args:
        dem: the detector error model.
        decoder: the decoder name, quoted in the message.

    Raises:
        ValueError: naming the first detector without a valid fourth coordinate.

    Examples:
        >>> dem = stim.DetectorErrorModel("detector(0, 0, 0, 4) D0\\nerror(0.1) D0 L0")
        >>> require_color_annotations(dem, decoder="chromobius")
        >>> require_color_annotations(stim.DetectorErrorModel("error(0.1) D0"),
        ...                           decoder="chromobius")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: decoder 'chromobius' needs colour-code detectors: detector D0 has ...
    """
    coordinates = dem.get_detector_coordinates()
    used: set[int] = set()
    for instruction in dem.flattened():
        if instruction.type == "error":
            used.update(t.val for t in instruction.targets_copy() if t.is_relative_detector_id())
    for detector in sorted(used):
        coords = coordinates.get(detector, [])
        if len(coords) < 4 or coords[3] not in (-1, 0, 1, 2, 3, 4, 5):
            raise ValueError(
                f"decoder {decoder!r} needs colour-code detectors: detector D{detector} has "
                f"coordinates {list(coords)}, without a fourth coordinate in -1..5 (colour + 3 "
                "for Z-type); use a circuit of qec.codes.ColorCode, or a decoder for any model "
                "such as 'bposd' or 'tesseract'")


@dataclasses.dataclass(frozen=True)
class ChromobiusDecoder(sinter.Decoder):
    """Chromobius: the Möbius decoder for colour codes, by matching on a doubled graph.

    Gidney and Jones, "New circuits and an open source decoder for the color code",
    arXiv 2312.08813 (2023); the ``chromobius`` package (an optional extra). It decodes models
    whose detectors carry their colour and basis as a fourth coordinate
    (:func:`require_color_annotations`) and whose bulk errors flip one detector of each colour;
    any other model is rejected before decoding.

    Examples:
        >>> ChromobiusDecoder().name
        'chromobius'
    """

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "chromobius"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ImportError`` without chromobius, ``ValueError`` for an unannotated model."""
        import_optional("chromobius", decoder=self.name)
        require_color_annotations(dem, decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the Chromobius decoder for ``dem`` (see ``sinter.Decoder``)."""
        chromobius = import_optional("chromobius", decoder=self.name)
        self.check_dem(dem)
        try:
            compiled = chromobius.compile_decoder_for_dem(dem)
        except ValueError as exc:
            raise ValueError(f"decoder 'chromobius' cannot decode this model: {exc}") from exc
        return _CompiledChromobius(compiled, dem.num_observables)


class _CompiledChromobius(sinter.CompiledDecoder):
    def __init__(self, compiled: Any, num_observables: int) -> None:
        self._compiled = compiled
        self._bytes = (num_observables + 7) // 8

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray
                                ) -> np.ndarray:
        shots = bit_packed_detection_event_data
        if shots.shape[1] == 0:
            return np.zeros((shots.shape[0], self._bytes), dtype=np.uint8)
        return self._compiled.predict_obs_flips_from_dets_bit_packed(shots)
