"""Decoding the X-type and Z-type checks apart (``NAME:split=xz``, qec/decoders/_split.py).

The parts are checked against exact maximum likelihood: each part's model is the exact marginal
of the whole model's joint distribution, the split exact decoder predicts the marginal's most
likely observables, and on a model whose errors never touch both parts the split decodes as the
whole. The models have detector counts that are not multiples of 8, with the two types
interleaved, so that a reader of bit-packed shots that takes the padding of the last byte, or
the wrong columns, gets different predictions.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.codes import RotatedSurfaceCode
from qec.data import binomial_interval
from qec.decoders import (
    ExactDecoder,
    SplitDecoder,
    canonical_decoder_name,
    decode,
    decoder_info,
    decoder_parameters,
    detector_error_model_for_circuit,
    exact_joint_distribution,
    resolve_decoder,
    split_detector_error_model,
)

Z = 4.0
SHOTS = 4000


def _model(*, num_detectors: int, num_observables: int, correlated: bool, seed: int
           ) -> stim.DetectorErrorModel:
    """A random tagged model: detectors alternate X, Z, Z, X, ... (so neither type is a block
    of whole bytes), observables alternate X, Z; each type has a path of edges, a boundary
    edge at each detector and each observable on a few of its edges; with ``correlated``, Y-type
    errors: an X-type edge and a Z-type edge together."""
    rng = np.random.default_rng(seed)
    kinds = [("X", "Z", "Z", "X")[d % 4] for d in range(num_detectors)]
    observable_kinds = [("X", "Z")[o % 2] for o in range(num_observables)]
    errors: dict[str, list[tuple[list[int], list[int]]]] = {"X": [], "Z": []}
    for basis in ("X", "Z"):
        own = [d for d in range(num_detectors) if kinds[d] == basis]
        edges = [list(pair) for pair in itertools.pairwise(own)] + [[d] for d in own]
        edges += [sorted(rng.choice(own, 2, replace=False).tolist()) for _ in range(2)]
        flips: list[list[int]] = [[] for _ in edges]
        for o in (o for o in range(num_observables) if observable_kinds[o] == basis):
            for edge in rng.choice(len(edges), 2, replace=False):
                flips[edge].append(o)
        errors[basis] = list(zip(edges, flips, strict=True))
    dem = stim.DetectorErrorModel()

    def add(p: float, parts: list[tuple[list[int], list[int]]]) -> None:
        targets: list[stim.DemTarget] = []
        for detectors, observables in parts:
            if targets:
                targets.append(stim.target_separator())
            targets += [stim.target_relative_detector_id(d) for d in detectors]
            targets += [stim.target_logical_observable_id(o) for o in observables]
        dem.append("error", p, targets)

    for basis in ("X", "Z"):
        for edge in errors[basis]:
            add(float(rng.uniform(0.01, 0.05)), [edge])
    if correlated:
        for _ in range(num_detectors):
            x = errors["X"][rng.integers(len(errors["X"]))]
            z = errors["Z"][rng.integers(len(errors["Z"]))]
            add(float(rng.uniform(0.01, 0.04)), [x, z])
    for d, kind in enumerate(kinds):
        dem.append("detector", [d, 0], [stim.target_relative_detector_id(d)], tag=f"basis={kind}")
    for o, kind in enumerate(observable_kinds):
        dem.append("logical_observable", [], [stim.target_logical_observable_id(o)],
                   tag=f"basis={kind}")
    return dem


def _marginal(joint: np.ndarray, *, detectors: tuple[int, ...], observables: tuple[int, ...],
              num_detectors: int, num_observables: int) -> np.ndarray:
    """The joint distribution of some detectors and observables, summed from the whole one."""
    cube = joint.reshape((2,) * (num_detectors + num_observables))
    # joint[s, o]: detector k is bit k of s, observable j bit j of o; in C order the last
    # axes are the lowest bits, so detector k is axis num_detectors-1-k, observable j is axis
    # num_detectors+num_observables-1-j.
    keep = [num_detectors - 1 - d for d in detectors[::-1]] + [
        num_detectors + num_observables - 1 - o for o in observables[::-1]]
    drop = tuple(axis for axis in range(cube.ndim) if axis not in keep)
    summed = cube.sum(axis=drop)
    order = sorted(keep)
    return np.transpose(summed, [order.index(a) for a in keep]).reshape(
        1 << len(detectors), 1 << len(observables))


MODELS = [(11, 2), (13, 3), (17, 4)]


@pytest.mark.parametrize(("num_detectors", "num_observables"), MODELS)
def test_each_part_is_the_exact_marginal_of_the_whole_model(num_detectors, num_observables):
    dem = _model(num_detectors=num_detectors, num_observables=num_observables, correlated=True,
                 seed=num_detectors)
    joint = exact_joint_distribution(dem)
    for part in split_detector_error_model(dem):
        assert part.dem.num_detectors == len(part.detectors)
        assert part.dem.num_observables == len(part.observables)
        expected = _marginal(joint, detectors=part.detectors, observables=part.observables,
                             num_detectors=num_detectors, num_observables=num_observables)
        np.testing.assert_allclose(exact_joint_distribution(part.dem), expected, rtol=1e-9,
                                   atol=1e-15)


@pytest.mark.parametrize(("num_detectors", "num_observables"), MODELS)
def test_the_split_exact_decoder_predicts_each_parts_most_likely_observables(
        num_detectors, num_observables):
    dem = _model(num_detectors=num_detectors, num_observables=num_observables, correlated=True,
                 seed=num_detectors + 1)
    dets, obs, _ = dem.compile_sampler(seed=3).sample(SHOTS, bit_packed=True)
    predictions = decode(dem, dets, decoder=SplitDecoder(ExactDecoder()))
    assert predictions.shape == obs.shape and predictions.dtype == np.uint8
    events = np.unpackbits(dets, axis=1, count=num_detectors, bitorder="little")
    flips = np.unpackbits(predictions, axis=1, count=num_observables, bitorder="little")
    joint = exact_joint_distribution(dem)
    for part in split_detector_error_model(dem):
        marginal = _marginal(joint, detectors=part.detectors, observables=part.observables,
                             num_detectors=num_detectors, num_observables=num_observables)
        syndrome = events[:, part.detectors] @ (1 << np.arange(len(part.detectors)))
        predicted = flips[:, part.observables] @ (1 << np.arange(len(part.observables)))
        # The predicted observables are the most likely given the part's syndrome (up to
        # rounding, where two are equally likely).
        best = marginal[syndrome].max(axis=1)
        assert (marginal[syndrome, predicted] >= best * (1 - 1e-9)).all()
    # No prediction bit beyond the observables.
    assert not np.any(predictions[:, -1] >> (num_observables % 8 or 8))


@pytest.mark.parametrize(("num_detectors", "num_observables"), MODELS)
@pytest.mark.parametrize("inner", ["exact", "pymatching", "bposd"])
def test_without_y_type_errors_the_split_decodes_as_the_whole(num_detectors, num_observables,
                                                              inner):
    dem = _model(num_detectors=num_detectors, num_observables=num_observables, correlated=False,
                 seed=num_detectors + 2)
    dets, _, _ = dem.compile_sampler(seed=4).sample(SHOTS, bit_packed=True)
    np.testing.assert_array_equal(decode(dem, dets, decoder=f"{inner}:split=xz"),
                                  decode(dem, dets, decoder=inner))


@pytest.mark.parametrize(("num_detectors", "num_observables"), MODELS)
def test_with_y_type_errors_the_split_is_no_better_than_whole_maximum_likelihood(
        num_detectors, num_observables):
    dem = _model(num_detectors=num_detectors, num_observables=num_observables, correlated=True,
                 seed=num_detectors + 3)
    dets, obs, _ = dem.compile_sampler(seed=5).sample(SHOTS, bit_packed=True)
    split_wrong = np.any(decode(dem, dets, decoder="exact:split=xz") != obs, axis=1)
    whole_wrong = np.any(decode(dem, dets, decoder="exact") != obs, axis=1)
    better = int(np.count_nonzero(split_wrong & ~whole_wrong))
    worse = int(np.count_nonzero(whole_wrong & ~split_wrong))
    # Whole maximum likelihood is optimal: the split cannot beat it beyond chance.
    assert worse - better <= Z * math.sqrt(max(better + worse, 1)), (better, worse)


def test_on_an_sd6_circuit_each_part_fails_at_its_exact_rate():
    # The authors' boundary on the d = 3 surface code, one noisy cycle: each part (12
    # detectors, one observable) decoded by exact maximum likelihood fails at the rate its
    # marginal model predicts, 1 - sum over syndromes of the likeliest observable's probability.
    circuit = memory_circuit(RotatedSurfaceCode(distance=3), rounds=1, basis="Z",
                             noise=NoiseModel.sd6(0.01), boundary="authors")
    dem = detector_error_model_for_circuit(circuit)
    dets, obs = circuit.compile_detector_sampler(seed=11).sample(
        20_000, separate_observables=True, bit_packed=True)
    wrong = decode(dem, dets, decoder="exact:split=xz") ^ obs  # bit j: observable j wrong
    for part in split_detector_error_model(dem):
        (observable,) = part.observables
        failures = int(np.count_nonzero((wrong[:, 0] >> observable) & 1))
        expected = 1 - exact_joint_distribution(part.dem).max(axis=1).sum()
        interval = binomial_interval(errors=failures, shots=20_000, confidence=0.9999)
        assert interval.low <= expected <= interval.high, (part.basis, failures, expected)
        assert 0.005 < expected < 0.1  # the test sees failures of both parts
    # PyMatching on the parts fails about as often: both are at maximum likelihood's margin.
    matching_wrong = np.any(decode(dem, dets, decoder="pymatching:split=xz") != obs, axis=1)
    exact_wrong = wrong[:, 0] != 0
    assert matching_wrong.sum() <= 1.25 * exact_wrong.sum() + Z * math.sqrt(exact_wrong.sum())


def test_a_circuit_without_y_type_errors_splits_into_the_same_decoding():
    # Phenomenological noise flips data qubits (X) and measurement results, never both types.
    circuit = memory_circuit(RotatedSurfaceCode(distance=4), rounds=3, basis="Z",
                             noise=NoiseModel.phenomenological(0.02), boundary="authors")
    dem = detector_error_model_for_circuit(circuit)
    dets, _ = circuit.compile_detector_sampler(seed=12).sample(
        2000, separate_observables=True, bit_packed=True)
    assert dem.num_detectors == 15 * 5  # 15 checks, 3 + 2 cycles: not a multiple of 8
    np.testing.assert_array_equal(decode(dem, dets, decoder="pymatching:split=xz"),
                                  decode(dem, dets, decoder="pymatching"))


def test_the_registry_spells_the_split_as_a_spec_parameter():
    assert canonical_decoder_name("BPOSD-BB:Split=XZ") == "bposd-bb:split=xz"
    assert canonical_decoder_name("relay-bp:split=xz,num_sets=3e2") == (
        "relay-bp:num_sets=300,split=xz")
    decoder = resolve_decoder("relay-bp:split=xz,num_sets=300")
    assert isinstance(decoder, SplitDecoder) and decoder.inner.num_sets == 300
    assert decoder_parameters("bposd-bb:split=xz")["osd_order"] == 7
    assert decoder_info("bposd-bb:split=xz").name == "bposd-bb"


@pytest.mark.parametrize(("spec", "message"), [
    ("pymatching:split=yes", r"split='yes' must be xz"),
    ("leakage-aware:split=xz", r"'leakage-aware' is a sampler"),
    ("pymatching:split=xz,foo=1", r"no parameter 'foo'"),
])
def test_a_bad_split_spec_names_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        resolve_decoder(spec)


def test_a_split_spec_samples_through_the_workers(tmp_path):
    from qec.sampling import collect, memory_task

    task = memory_task(code="surface", distance=3, rounds=2, basis="Z", noise="sd6", p=0.005,
                       decoder="pymatching:split=xz", boundary="authors")
    (stats,) = collect([task], db=tmp_path / "r.db", max_shots=4096, workers=1, seed=1)
    assert stats.shots == 4096 and stats.decoder == "pymatching:split=xz"
    assert 0 < stats.errors < 1000


def test_an_untagged_model_is_refused_with_where_tags_come_from():
    dem = stim.DetectorErrorModel("error(0.1) D0 L0\nerror(0.1) D0 D1")
    dets = np.zeros((4, 1), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"detector D0 has no check-type tag .* "
                                         r"boundary='authors'.* detectors='basis'"):
        decode(dem, dets, decoder="pymatching:split=xz")
