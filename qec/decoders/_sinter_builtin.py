"""sinter's built-in decoders, given models they decode correctly.

sinter's ``fusion_blossom`` adapter (and the graphs of its other built-ins) keys an error by the
detectors it flips: of several errors with the same detectors and different observables it keeps
the observables of one of them, whatever their probabilities. No decoder can tell such errors
apart from their syndrome, and the maximum-likelihood choice is the observables of the likeliest;
measured on the adapter audit's random models (``experiments/adapter_audit.py``), sinter's
``fusion_blossom`` failed 111 times in 3,000 shots where maximum likelihood failed 56, and 59 on
the merged model. qec hands every built-in decoder of sinter (not ``vacuous``, which decodes
nothing) the model with those errors merged first (``qec.decoders._dem.merge_parallel_errors``),
as it does for the check-matrix decoders; a model without such errors reaches it unchanged.
"""

from __future__ import annotations

import pathlib
from typing import Any

import sinter
import stim

from qec.decoders._dem import merge_parallel_errors


class MergedBuiltIn(sinter.Decoder):
    """One of sinter's built-in decoders, run on the model with its parallel errors merged.

    Args:
        name: sinter's name of the decoder.
        inner: the decoder (``sinter.BUILT_IN_SAMPLERS[name]``).

    Examples:
        >>> import sinter
        >>> decoder = MergedBuiltIn("fusion_blossom", sinter.BUILT_IN_SAMPLERS["fusion_blossom"])
        >>> decoder
        MergedBuiltIn('fusion_blossom')
    """

    def __init__(self, name: str, inner: Any) -> None:
        self.name = name
        self.inner = inner

    def __repr__(self) -> str:
        return f"MergedBuiltIn({self.name!r})"

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """sinter's decoder compiled for the merged model (see ``sinter.Decoder``)."""
        return self.inner.compile_decoder_for_dem(dem=merge_parallel_errors(dem))

    def decode_via_files(self, *, num_shots: int, num_dets: int, num_obs: int,
                         dem_path: pathlib.Path, dets_b8_in_path: pathlib.Path,
                         obs_predictions_b8_out_path: pathlib.Path,
                         tmp_dir: pathlib.Path) -> None:
        """sinter's file interface, with the merged model written beside the inputs."""
        merged_path = pathlib.Path(tmp_dir) / "merged_parallel_errors.dem"
        merge_parallel_errors(stim.DetectorErrorModel.from_file(dem_path)).to_file(merged_path)
        self.inner.decode_via_files(
            num_shots=num_shots, num_dets=num_dets, num_obs=num_obs, dem_path=merged_path,
            dets_b8_in_path=dets_b8_in_path,
            obs_predictions_b8_out_path=obs_predictions_b8_out_path, tmp_dir=tmp_dir)
