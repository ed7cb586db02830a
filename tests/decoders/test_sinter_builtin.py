"""sinter's built-in decoders through qec's registry get the model with parallel errors merged."""

import numpy as np
import sinter
import stim

from qec.decoders import decode, resolve_decoder
from qec.decoders._dem import merge_parallel_errors
from qec.decoders._sinter_builtin import MergedBuiltIn

# D0 D1 twice: the likelier error flips L0; sinter's fusion_blossom keeps the other's (none).
DEM = stim.DetectorErrorModel("""
    error(0.2) D0 D1 L0
    error(0.01) D0 D1
    error(0.05) D0
    error(0.05) D1 D2
    error(0.05) D2
""")


def test_the_likelier_parallel_errors_observable_is_predicted():
    dets = np.packbits(np.array([[1, 1, 0]], dtype=bool), axis=1, bitorder="little")
    raw = sinter.BUILT_IN_SAMPLERS["fusion_blossom"].compile_decoder_for_dem(dem=DEM)
    # What qec works around: the unmerged model predicts the unlikely error's observables.
    assert raw.decode_shots_bit_packed(bit_packed_detection_event_data=dets)[0, 0] == 0
    assert decode(DEM, dets, decoder="fusion_blossom")[0, 0] == 1
    assert decode(DEM, dets, decoder="exact")[0, 0] == 1


def test_only_decoders_are_wrapped():
    assert isinstance(resolve_decoder("fusion_blossom"), MergedBuiltIn)
    assert isinstance(resolve_decoder("mw_parity_factor"), MergedBuiltIn)
    assert resolve_decoder("vacuous") is sinter.BUILT_IN_SAMPLERS["vacuous"]
    assert resolve_decoder("perfectionist") is sinter.BUILT_IN_SAMPLERS["perfectionist"]


def test_the_file_interface_decodes_the_merged_model_too(tmp_path):
    dets, _, _ = DEM.compile_sampler(seed=3).sample(500, bit_packed=True)
    decoder = resolve_decoder("fusion_blossom")
    DEM.to_file(tmp_path / "model.dem")
    stim.write_shot_data_file(data=dets, path=tmp_path / "dets.b8", format="b8",
                              num_detectors=DEM.num_detectors)
    decoder.decode_via_files(num_shots=500, num_dets=DEM.num_detectors,
                             num_obs=DEM.num_observables, dem_path=tmp_path / "model.dem",
                             dets_b8_in_path=tmp_path / "dets.b8",
                             obs_predictions_b8_out_path=tmp_path / "obs.b8", tmp_dir=tmp_path)
    by_files = stim.read_shot_data_file(path=tmp_path / "obs.b8", format="b8", bit_packed=True,
                                        num_observables=DEM.num_observables)
    compiled = sinter.BUILT_IN_SAMPLERS["fusion_blossom"].compile_decoder_for_dem(
        dem=merge_parallel_errors(DEM))
    np.testing.assert_array_equal(
        by_files, compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets))
