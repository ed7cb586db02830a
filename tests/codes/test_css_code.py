"""Any CSS code from its check matrices: logicals over GF(2), schedules, memories, decoding."""

import numpy as np
import pytest
import stim

import qec
from qec.codes import CSSCode, _gf2, code_from_spec, edge_coloring_schedule
from qec.data import binomial_interval
from qec.decoders import decode

REP3 = [[1, 1, 0], [0, 1, 1]]
HAMMING = [[1, 0, 1, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1]]

CODES = {
    "422": (CSSCode.four_two_two(), (4, 2, 2)),
    "steane": (CSSCode.steane(), (7, 1, 3)),
    "toric3": (CSSCode.toric(distance=3), (18, 2, 3)),
    "toric4": (CSSCode.toric(distance=4), (32, 2, 4)),
    "hgp-rep3": (CSSCode.hypergraph_product(REP3), (13, 1, None)),
    "hgp-hamming": (CSSCode.hypergraph_product(HAMMING), (58, 16, None)),
}
NOISE = {
    "noiseless": qec.NoiseModel.noiseless(),
    "sd6": qec.NoiseModel.sd6(0.002),
    "si1000": qec.NoiseModel.si1000(0.002),
    "phenomenological": qec.NoiseModel.phenomenological(0.01),
}


@pytest.mark.parametrize("name", CODES)
def test_parameters_k_and_pairing(name):
    code, parameters = CODES[name]
    code.verify()
    assert code.parameters == parameters
    n, k, _ = parameters
    assert code.num_logical_qubits == k == len(code.logical_xs) == len(code.logical_zs)
    hx, hz = code.x_check_matrix, code.z_check_matrix
    assert k == n - _gf2.rank(hx) - _gf2.rank(hz)
    lx = np.zeros((k, n), dtype=np.int64)
    lz = np.zeros((k, n), dtype=np.int64)
    for i in range(k):
        lx[i, list(code.logical_xs[i])] = 1
        lz[i, list(code.logical_zs[i])] = 1
    np.testing.assert_array_equal((lx @ lz.T) % 2, np.eye(k, dtype=np.int64))
    assert not ((lx @ hz.T) % 2).any() and not ((lz @ hx.T) % 2).any()
    assert eval(repr(code), {"CSSCode": CSSCode}) == code


@pytest.mark.parametrize("name", CODES)
def test_schedule_uses_no_qubit_twice_and_the_least_depth(name):
    code, _ = CODES[name]
    degree = max(max(code.x_check_matrix.sum(axis=0).max(), code.x_check_matrix.sum(axis=1).max()),
                 1)
    z_degree = max(code.z_check_matrix.sum(axis=0).max(), code.z_check_matrix.sum(axis=1).max())
    assert code.num_layers == degree + z_degree  # X layers, then Z layers, each of Konig depth
    for layer in range(code.num_layers):
        used = [q for s in code.stabilizers if s.schedule[layer] is not None
                for q in (s.measure_qubit, s.schedule[layer])]
        assert len(used) == len(set(used))


def test_edge_coloring_of_a_dense_graph_needs_only_the_max_degree():
    rng = np.random.default_rng(3)
    checks = [tuple(sorted(rng.choice(12, size=6, replace=False))) for _ in range(10)]
    schedule = edge_coloring_schedule(checks)
    degree = max(max(len(c) for c in checks), max(sum(q in c for c in checks) for q in range(12)))
    assert len(schedule[0]) == degree
    for check, layers in zip(checks, schedule, strict=True):
        assert sorted(q for q in layers if q is not None) == list(check)
    for layer in range(degree):
        data = [layers[layer] for layers in schedule if layers[layer] is not None]
        assert len(data) == len(set(data))


@pytest.mark.parametrize("name", CODES)
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("noise", NOISE)
def test_memory_is_deterministic_without_noise_and_has_k_observables(name, basis, noise):
    code, (_, k, _) = CODES[name]
    circuit = qec.memory_circuit(code, rounds=2, basis=basis, noise=NOISE[noise])
    assert circuit.num_observables == k
    # First round: the checks of the basis; second round: all; the readout: the basis's again.
    same = sum(s.basis == basis for s in code.stabilizers)
    assert circuit.num_detectors == len(code.stabilizers) + 2 * same
    noiseless = circuit.without_noise()
    dets, obs = noiseless.compile_detector_sampler(seed=1).sample(64, separate_observables=True)
    assert not dets.any() and not obs.any()
    circuit.detector_error_model()  # every detector is deterministic, or stim raises


@pytest.mark.parametrize("name", ["422", "steane", "toric3", "hgp-rep3"])
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_each_observable_is_its_logical(name, basis):
    # A logical operator of the other basis applied just before the readout flips exactly its
    # own observable and no detector.
    code, (_, k, _) = CODES[name]
    flip_basis = "Z" if basis == "X" else "X"
    circuit = qec.memory_circuit(code, rounds=1, basis=basis, noise=qec.NoiseModel.noiseless())
    text = str(circuit)
    cut = text.rindex("\nM")
    for i, support in enumerate(code.logicals(flip_basis)):
        error = f"\n{flip_basis}_ERROR(1) " + " ".join(map(str, support))
        flipped = stim.Circuit(text[:cut] + error + text[cut:])
        dets, obs = flipped.compile_detector_sampler(seed=2).sample(
            4, separate_observables=True)
        assert not dets.any()
        expected = np.zeros(k, dtype=bool)
        expected[i] = True
        assert (obs == expected).all(), (i, obs[0])


@pytest.mark.parametrize("name", ["steane", "toric3", "hgp-rep3"])
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_bposd_decodes_hyperedges_close_to_exact_maximum_likelihood(name, basis):
    code, _ = CODES[name]
    circuit = qec.memory_circuit(code, rounds=1, basis=basis, noise=qec.NoiseModel.sd6(0.003))
    shots = 20_000
    dets, obs = circuit.compile_detector_sampler(seed=2).sample(
        shots, separate_observables=True, bit_packed=True)
    failures = {}
    for decoder in ("exact", "bposd"):
        predictions = decode(circuit, dets, decoder=decoder)
        failures[decoder] = int((predictions != obs).any(axis=1).sum())
    undecoded = int(obs.any(axis=1).sum())
    exact = binomial_interval(errors=failures["exact"], shots=shots)
    bposd = binomial_interval(errors=failures["bposd"], shots=shots)
    raw = binomial_interval(errors=undecoded, shots=shots)
    assert bposd.high < raw.low  # it corrects
    assert bposd.high >= exact.low  # and cannot beat maximum likelihood beyond noise


@pytest.mark.parametrize("name", ["steane", "toric3"])
@pytest.mark.parametrize("decoder", ["relay-bp", "tesseract"])
def test_qldpc_decoders_correct_hyperedges_and_stay_behind_maximum_likelihood(name, decoder):
    # Fewer shots than for BP+OSD: Relay-BP takes milliseconds per shot through sinter here.
    code, _ = CODES[name]
    circuit = qec.memory_circuit(code, rounds=1, basis="Z", noise=qec.NoiseModel.sd6(0.003))
    shots = 2_000
    dets, obs = circuit.compile_detector_sampler(seed=5).sample(
        shots, separate_observables=True, bit_packed=True)
    wrong = {d: int((decode(circuit, dets, decoder=d) != obs).any(axis=1).sum())
             for d in ("exact", decoder)}
    raw = binomial_interval(errors=int(obs.any(axis=1).sum()), shots=shots)
    exact = binomial_interval(errors=wrong["exact"], shots=shots)
    found = binomial_interval(errors=wrong[decoder], shots=shots)
    assert found.high < raw.low, wrong  # it corrects
    assert found.high >= exact.low, wrong  # and cannot beat maximum likelihood beyond noise


def test_bposd_decodes_the_four_two_two_code_no_worse_than_guessing():
    circuit = qec.memory_circuit(CSSCode.four_two_two(), rounds=1, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.003))
    dets, obs = circuit.compile_detector_sampler(seed=4).sample(
        20_000, separate_observables=True, bit_packed=True)
    predictions = decode(circuit, dets, decoder="bposd")
    assert predictions.shape == (20_000, 1)
    exact = int((decode(circuit, dets, decoder="exact") != obs).any(axis=1).sum())
    bposd = int((predictions != obs).any(axis=1).sum())
    assert binomial_interval(errors=bposd, shots=20_000).high >= binomial_interval(
        errors=exact, shots=20_000).low


def test_hypergraph_product_of_repetition_codes_is_the_planar_code():
    code = CSSCode.hypergraph_product(REP3)
    assert code.parameters[:2] == (13, 1)
    planar = code_from_spec("unrotated-surface:distance=3")
    assert sorted(len(s.data_qubits) for s in code.stabilizers) == sorted(
        len(s.data_qubits) for s in planar.stabilizers)


def test_specs_name_the_css_families():
    assert code_from_spec("steane") == CSSCode.steane()
    assert code_from_spec("422") == CSSCode.four_two_two()
    assert code_from_spec("toric:distance=3") == CSSCode.toric(distance=3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x_checks": [[1, 2]], "z_checks": [[1, 1]]}, r"x_checks must hold only 0 and 1"),
        ({"x_checks": [[1, 1, 0]], "z_checks": [[1, 1]]}, r"same number of columns"),
        ({"x_checks": [[1, 1, 0]], "z_checks": [[1, 0, 0]]}, r"anticommute"),
        ({"x_checks": [[0, 0]], "z_checks": [[1, 1]]}, r"x_checks row 0 is all zeros"),
        ({"x_checks": [[1, 1]], "z_checks": [[1, 1]], "distance": 0}, r"distance=0 must be"),
        ({"x_checks": [], "z_checks": []}, r"both empty"),
        ({"x_checks": [[1, 0], [0, 1]], "z_checks": []}, r"no logical qubit \(k = 0\)"),
        ({"x_checks": [1, 1], "z_checks": [[1, 1]]}, r"x_checks must be a 2-D binary matrix"),
    ],
)
def test_bad_check_matrices_are_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CSSCode(**kwargs)


def test_a_classical_code_supports_one_basis_only():
    code = CSSCode(x_checks=[], z_checks=REP3)
    assert code.supported_bases == ("Z",) and code.parameters[1] == 1
    with pytest.raises(ValueError, match=r"basis='X' is not supported"):
        qec.memory_circuit(code, rounds=1, basis="X", noise=qec.NoiseModel.sd6(0.001))


def test_single_logical_accessors_refuse_codes_with_several():
    code = CSSCode.toric(distance=3)
    with pytest.raises(ValueError, match=r"k=2 logical qubits; use logical_xs"):
        _ = code.logical_x


class _ColouredSteane(CSSCode):
    """The Steane code with a colour on every detector, through the annotation hook."""

    def detector_annotations(self, stabilizer):
        colour = [s.measure_qubit for s in self.stabilizers if s.basis == stabilizer.basis].index(
            stabilizer.measure_qubit)
        return (colour + (0 if stabilizer.basis == "X" else 3),)


def test_detector_annotations_add_a_fourth_coordinate():
    steane = CSSCode.steane()
    code = _ColouredSteane(x_checks=steane.x_checks, z_checks=steane.z_checks, distance=3)
    circuit = qec.memory_circuit(code, rounds=3, basis="X", noise=qec.NoiseModel.sd6(0.001))
    coords = circuit.get_detector_coordinates()
    assert all(len(c) == 4 for c in coords.values())
    assert {c[3] for c in coords.values()} == {0, 1, 2, 3, 4, 5}
    assert {c[2] for c in coords.values()} == {0, 1, 2, 3}  # the round, shifted as before
    plain = qec.memory_circuit(steane, rounds=3, basis="X", noise=qec.NoiseModel.sd6(0.001))
    assert all(len(c) == 3 for c in plain.get_detector_coordinates().values())
    def errors(c):
        return [str(i) for i in c.detector_error_model().flattened() if i.type == "error"]

    assert errors(plain) == errors(circuit)  # the same model: only the coordinates differ
