"""``benchmark_decoders``: stopping each decoder at ``max_errors`` on a prefix of the same shots."""

import numpy as np
import pymatching
import pytest

from qec import NoiseModel, memory_circuit
from qec.codes import code_from_spec
from qec.studies import benchmark_decoders


def test_max_errors_stops_each_decoder_on_a_prefix_that_pymatching_decodes_alike():
    rows = benchmark_decoders(distances=[3], physical_error_rates=[0.01], shots=7_001,
                              decoders=["pymatching", "pymatching-correlated"],
                              latency_shots=5, seed=13, max_errors=np.int64(37))
    # The benchmark's one circuit and sample, rebuilt, decoded by PyMatching directly.
    circuit = memory_circuit(code_from_spec("surface", distance=3), rounds=3, basis="Z",
                             noise=NoiseModel.from_name("si1000", 0.01))
    dets, obs = circuit.compile_detector_sampler(seed=13).sample(
        7_001, separate_observables=True)
    matching = pymatching.Matching.from_detector_error_model(
        circuit.detector_error_model(decompose_errors=True))
    wrong = np.any(matching.decode_batch(dets) != obs, axis=1)
    assert wrong.sum() > 100  # the whole sample has far more errors than the goal
    for row in rows:
        assert 37 <= row.errors < 55  # stopped close to the goal, not a chunk past it
        assert row.shots < 7_001
        assert f"{row.shots} of 7001 shots: 37 errors reached" == row.note
    plain, correlated = rows
    assert plain.decoder == "pymatching"
    assert plain.errors == int(wrong[:plain.shots].sum())
    assert plain.pymatching_errors == plain.errors
    # PyMatching stopped at its 37th error: no paired count for shots it did not decode.
    if correlated.shots > plain.shots:
        assert correlated.pymatching_errors is None
    else:
        assert correlated.pymatching_errors == int(wrong[:correlated.shots].sum())


def test_max_errors_is_checked_before_any_sampling():
    with pytest.raises(ValueError, match="max_errors=0 must be a positive integer"):
        benchmark_decoders(distances=[3], physical_error_rates=[0.01], decoders=["pymatching"],
                           shots=10, latency_shots=1, max_errors=0)


def test_progress_reports_each_decoder_while_it_decodes(monkeypatch):
    import qec.studies._decoder_benchmark as bench

    monkeypatch.setattr(bench, "PROGRESS_SECONDS", 0.0)  # a line after every chunk
    lines: list[str] = []
    rows = benchmark_decoders(distances=[3], physical_error_rates=[0.01], shots=3_001,
                              decoders=["pymatching"], latency_shots=5, seed=13,
                              max_errors=40, progress=lines.append)
    (row,) = rows
    head = "d=3 p=0.01 pymatching:"
    assert all(line.startswith(head) for line in lines)
    assert "compiled in" in lines[0] and "decoding 5 shots one at a time" in lines[0]
    assert "batch of up to 3001 shots or 40 errors" in lines[1]
    during = [line for line in lines[2:-1] if "errors after" in line]
    assert len(during) == len(lines) - 3 >= 2  # one per chunk, counts that only grow
    counts = [int(line.split()[3].split("/")[1]) for line in during]
    assert counts == sorted(counts) and counts[-1] == row.shots
    assert lines[-1].startswith(f"{head} {row.errors}/{row.shots} errors,")
