"""Compiling any sinter decoder, including one that only decodes through files.

sinter's ``Decoder`` protocol has two methods: ``compile_decoder_for_dem`` (decode arrays in
memory) and ``decode_via_files`` (read a model and detection events from files, write the
predictions to a file). sinter falls back on the second when the first is not implemented;
:func:`compile_decoder` does the same for qec, so a decoder written for sinter's command line
works with ``qec.decoders.decode`` and qec's sampling engine unchanged.
"""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

import numpy as np
import sinter
import stim

__all__ = ["FileDecoder", "compile_decoder", "relevant_detectors"]


def relevant_detectors(compiled: Any, num_detectors: int) -> np.ndarray:
    """The detectors whose events can change a compiled decoder's predictions.

    A compiled decoder may declare them with a method ``relevant_detectors(num_detectors)``
    returning a bool array of shape (num_detectors,) (or None: all): its prediction must then
    be the same for any two syndromes that agree on those detectors. Plain PyMatching declares
    the detectors of the connected components of its graph that can flip an observable; a
    decoder that declares nothing depends on every detector. Rare-event estimators use this to
    leave out what cannot change whether the decoder fails.

    Args:
        compiled: a ``sinter.CompiledDecoder``.
        num_detectors: the model's detector count.

    Returns:
        bool array of shape (num_detectors,).

    Examples:
        >>> from qec.decoders import PyMatchingDecoder
        >>> dem = stim.DetectorErrorModel(
        ...     "error(0.1) D0 L0\\nerror(0.1) D0 D1\\nerror(0.1) D2\\nerror(0.1) D2 D3")
        >>> compiled = compile_decoder(PyMatchingDecoder(), dem=dem)
        >>> relevant_detectors(compiled, dem.num_detectors).tolist()
        [True, True, False, False]
        >>> correlated = compile_decoder(PyMatchingDecoder(correlated=True), dem=dem)
        >>> relevant_detectors(correlated, dem.num_detectors).tolist()
        [True, True, True, True]
    """
    declare = getattr(compiled, "relevant_detectors", None)
    mask = declare(num_detectors) if callable(declare) else None
    if mask is None:
        return np.ones(num_detectors, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (num_detectors,):
        raise ValueError(f"the decoder declared relevant detectors of shape {mask.shape}; "
                         f"expected ({num_detectors},)")
    return mask


def compile_decoder(decoder: Any, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
    """``decoder.compile_decoder_for_dem(dem=dem)``, or a :class:`FileDecoder` when the decoder
    implements only ``decode_via_files``.

    Raises:
        ValueError: the decoder implements neither method.

    Examples:
        >>> from qec.decoders import PyMatchingDecoder
        >>> dem = stim.DetectorErrorModel("error(0.1) D0 L0")
        >>> compiled = compile_decoder(PyMatchingDecoder(), dem=dem)
        >>> isinstance(compiled, sinter.CompiledDecoder)
        True
    """
    compile_for_dem = getattr(decoder, "compile_decoder_for_dem", None)
    if compile_for_dem is not None:
        try:
            return compile_for_dem(dem=dem)
        except NotImplementedError:
            pass
    if callable(getattr(decoder, "decode_via_files", None)):
        return FileDecoder(decoder, dem=dem)
    raise ValueError(f"decoder {decoder!r} implements neither compile_decoder_for_dem nor "
                     "decode_via_files")


class FileDecoder(sinter.CompiledDecoder):
    """Decodes bit-packed shots by writing them to files for ``decoder.decode_via_files``.

    Args:
        decoder: an object with sinter's ``decode_via_files(*, num_shots, num_dets, num_obs,
            dem_path, dets_b8_in_path, obs_predictions_b8_out_path, tmp_dir)``.
        dem: the detector error model the shots come from.
    """

    def __init__(self, decoder: Any, *, dem: stim.DetectorErrorModel) -> None:
        self.decoder = decoder
        self.dem = dem

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray
                                ) -> np.ndarray:
        """Writes the shots and the model to a temporary folder, decodes, reads the result."""
        dets = np.ascontiguousarray(bit_packed_detection_event_data)
        num_obs = self.dem.num_observables
        with tempfile.TemporaryDirectory(prefix="qec-decode-") as folder:
            tmp = pathlib.Path(folder)
            dem_path, dets_path, obs_path = tmp / "dem.dem", tmp / "dets.b8", tmp / "obs.b8"
            self.dem.to_file(dem_path)
            stim.write_shot_data_file(data=dets, path=str(dets_path), format="b8",
                                      num_detectors=self.dem.num_detectors)
            work = tmp / "work"
            work.mkdir()
            self.decoder.decode_via_files(
                num_shots=dets.shape[0], num_dets=self.dem.num_detectors, num_obs=num_obs,
                dem_path=dem_path, dets_b8_in_path=dets_path,
                obs_predictions_b8_out_path=obs_path, tmp_dir=work)
            if not obs_path.exists():
                raise ValueError(f"decoder {self.decoder!r} wrote no predictions to "
                                 f"{obs_path.name}")
            return stim.read_shot_data_file(path=str(obs_path), format="b8", bit_packed=True,
                                            num_observables=num_obs, num_detectors=0)
