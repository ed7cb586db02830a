"""IBM's bivariate bicycle codes: the published family, its syndrome cycle, its memories."""

import numpy as np
import pytest
import stim

import qec
from qec.cli import main
from qec.codes import (
    PUBLISHED_BB_CODES,
    BivariateBicycleCode,
    code_from_spec,
    parse_bb_polynomial,
)

# n -> (k, d) of Table 3 of Bravyi et al., Nature 627, 778 (2024).
TABLE = {72: (12, 6), 90: (8, 10), 108: (8, 10), 144: (12, 12), 288: (12, 18)}


@pytest.mark.parametrize("n", sorted(TABLE))
def test_published_codes_have_the_papers_parameters(n):
    code = BivariateBicycleCode.published(n)
    code.verify()
    k, d = TABLE[n]
    assert code.parameters == (n, k, d)
    assert code.num_qubits == 2 * n  # one measure qubit per check
    assert code.check_weight == 6
    assert set(code.x_check_matrix.sum(axis=1)) == set(code.z_check_matrix.sum(axis=1)) == {6}
    # Every column has weight 3 in each check matrix: each data qubit meets 3 X and 3 Z checks.
    assert set(code.x_check_matrix.sum(axis=0)) == {3}
    # A low-weight logical bounds the distance from above, never below it.
    found = min(len(code.low_weight_logical(basis, tries=100)) for basis in "XZ")
    assert found >= d
    assert eval(repr(code), {"BivariateBicycleCode": BivariateBicycleCode}) == code


def test_the_72_code_has_distance_6_proven_by_integer_programming():
    bound = BivariateBicycleCode.published(72).distance_bound(time_limit=60)
    assert bound.proven and bound.weight == 6
    assert len(BivariateBicycleCode.published(72).low_weight_logical(tries=50)) == 6


def test_check_matrices_are_the_polynomials():
    # H_X = [A | B], H_Z = [B^T | A^T] with x = S_l (x) I_m, y = I_l (x) S_m.
    code = BivariateBicycleCode(l=3, m=2, a="x+y", b="1+x*y")
    code.verify()  # weight-4 checks: the X-then-Z edge-colouring schedule, not the paper's
    assert code.check_weight == 4 and code.num_layers == 8
    shift3 = np.roll(np.eye(3, dtype=int), 1, axis=1)
    shift2 = np.roll(np.eye(2, dtype=int), 1, axis=1)
    x, y = np.kron(shift3, np.eye(2, dtype=int)), np.kron(np.eye(3, dtype=int), shift2)
    a, b = (x + y) % 2, (np.eye(6, dtype=int) + x @ y) % 2
    np.testing.assert_array_equal(code.x_check_matrix, np.hstack([a, b]))
    np.testing.assert_array_equal(code.z_check_matrix, np.hstack([b.T, a.T]))


def test_the_syndrome_cycle_is_the_papers():
    code = BivariateBicycleCode.published(144)
    assert code.num_layers == 7
    xs = [s for s in code.stabilizers if s.basis == "X"]
    zs = [s for s in code.stabilizers if s.basis == "Z"]
    assert all(s.schedule[0] is None and None not in s.schedule[1:] for s in xs)
    assert all(s.schedule[6] is None and None not in s.schedule[:6] for s in zs)
    # X check 0, neighbours labelled 0..5 (A1, A2, A3 on the left, B1, B2, B3 on the right),
    # visited in the order 1, 4, 3, 5, 0, 2 from the second layer on.
    half = 72
    (a1, a2, a3), (b1, b2, b3) = [
        [int(np.flatnonzero(block[0])[0]) for block in blocks]
        for blocks in code._blocks]
    assert xs[0].schedule[1:] == (a2, half + b2, half + b1, half + b3, a1, a3)
    # Every layer after the first couples every X check and every Z check: 144 CNOTs.
    for layer in range(1, 6):
        assert sum(s.schedule[layer] is not None for s in code.stabilizers) == 144


@pytest.mark.parametrize("n", [72, 90])
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("noise", ["sd6", "si1000"])
def test_memory_is_deterministic_without_noise_with_all_k_observables(n, basis, noise):
    code = BivariateBicycleCode.published(n)
    model = getattr(qec.NoiseModel, noise)(0.001)
    circuit = qec.memory_circuit(code, rounds=3, basis=basis, noise=model)
    assert circuit.num_observables == TABLE[n][0]
    dets, obs = circuit.without_noise().compile_detector_sampler(seed=1).sample(
        32, separate_observables=True)
    assert not dets.any() and not obs.any()
    circuit.detector_error_model()  # every detector is deterministic, or stim raises


@pytest.mark.parametrize("basis", ["X", "Z"])
def test_each_observable_is_its_logical(basis):
    code = BivariateBicycleCode.published(72)
    flip_basis = "Z" if basis == "X" else "X"
    circuit = qec.memory_circuit(code, rounds=1, basis=basis, noise=qec.NoiseModel.noiseless())
    text = str(circuit)
    cut = text.rindex("\nM")
    for i, support in enumerate(code.logicals(flip_basis)):
        flipped = stim.Circuit(text[:cut] + f"\n{flip_basis}_ERROR(1) "
                               + " ".join(map(str, support)) + text[cut:])
        dets, obs = flipped.compile_detector_sampler(seed=2).sample(2, separate_observables=True)
        assert not dets.any()
        assert obs[0].tolist() == [j == i for j in range(12)]


def test_specs_and_the_command_line(tmp_path, capsys):
    assert code_from_spec("bb:144") == BivariateBicycleCode.published(144)
    assert code_from_spec("bb:n=90").parameters == (90, 8, 10)
    custom = code_from_spec("bivariate-bicycle:l=6,m=6,a=x^3+y+y^2,b=y^3+x+x^2")
    assert custom.parameters == (72, 12, None)
    out = tmp_path / "bb.stim"
    assert main(["circuit", "--code", "bb:72", "--rounds", "2", "--noise", "sd6", "--p",
                 "0.001", "--out", str(out)]) == 0
    assert stim.Circuit.from_file(out).num_observables == 12
    assert main(["circuit", "--code", "bb:100"]) == 2
    assert "n=100 is not a published bivariate bicycle code" in capsys.readouterr().err


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"a": "x^3+y+x^3"}, r"a='x\^3\+y\+x\^3': the term 'x\^3' repeats 'x\^3'"),
    ({"a": "x^3+y+x^9"}, r"the term 'x\^9' repeats 'x\^3' \(x\^6 = 1 with l=6"),
    ({"b": "y^3+z+x^2"}, r"b='y\^3\+z\+x\^2': 'z' is not a term"),
    ({"b": "y^3+2x+x^2"}, r"'2x' is not a term"),
    ({"b": "y^-1+x"}, r"'y\^-1' is not a term"),
    ({"a": ""}, r"a='' must be a polynomial in x and y"),
    ({"a": "x^3++y"}, r"'' is not a term"),
    ({"l": 0}, r"l=0 must be an integer from 1 to 64"),
    ({"m": -2}, r"m=-2 must be an integer from 1 to 64"),
    ({"l": 65}, r"l=65 must be an integer from 1 to 64"),
    ({"l": 2.5}, r"l=2.5 must be an integer"),
    ({"a": "1", "b": "1"}, r"leave no logical qubit \(k = 0\)"),
    ({"distance": 0}, r"distance=0 must be an integer from 1 to 72"),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    arguments = {"l": 6, "m": 6, "a": "x^3+y+y^2", "b": "y^3+x+x^2", **kwargs}
    with pytest.raises(ValueError, match=message):
        BivariateBicycleCode(**arguments)


def test_numpy_integers_are_numbers_and_a_bad_basis_is_refused():
    code = BivariateBicycleCode(l=np.int64(6), m=np.int32(6), a="x^3+y+y^2", b="y^3+x+x^2")
    assert (code.l, code.m) == (6, 6) and type(code.l) is int
    assert parse_bb_polynomial("x^2*y", l=3, m=3) == ((2, 1),)
    with pytest.raises(ValueError, match="basis"):
        qec.memory_circuit(code, rounds=1, basis="Y", noise=qec.NoiseModel.sd6(0.001))
    with pytest.raises(ValueError, match=r"basis='W' must be 'X' or 'Z'"):
        code.low_weight_logical("W")
    assert set(PUBLISHED_BB_CODES) == set(TABLE)


@pytest.mark.parametrize(("decoder", "shots"), [("relay-bp", 100), ("tesseract", 100),
                                                ("bposd", 40), ("bposd-bb", 20)])
def test_qldpc_decoders_decode_the_72_code(decoder, shots):
    # Smoke test on the real circuit (2 rounds, SD6 at 0.3%): every decoder removes most of
    # the logical errors. Accuracy against maximum likelihood is tested on small models.
    from qec.decoders import decode

    circuit = qec.memory_circuit(BivariateBicycleCode.published(72), rounds=2, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.003))
    dets, obs = circuit.compile_detector_sampler(seed=2).sample(
        shots, separate_observables=True, bit_packed=True)
    raw = int(obs.any(axis=1).sum())
    wrong = int((decode(circuit, dets, decoder=decoder) != obs).any(axis=1).sum())
    assert raw > 0.6 * shots  # undecoded, almost every shot fails
    assert wrong < 0.2 * raw, (decoder, wrong, raw)


@pytest.mark.parametrize("n", [72, 90])
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("rounds", [1, 2, 4])
@pytest.mark.parametrize("detectors", ["all", "basis"])
def test_the_overlapped_cycle_is_deterministic_and_depth_8(n, basis, rounds, detectors):
    code = BivariateBicycleCode.published(n)
    circuit = qec.memory_circuit(code, rounds=rounds, basis=basis,
                                 noise=qec.NoiseModel.sd6(0.001), cycle="overlapped",
                                 detectors=detectors)
    assert circuit.num_observables == TABLE[n][0]
    # The preparation layer, then 8 moments a cycle (the readout shares the last one).
    assert circuit.num_ticks == 8 * rounds
    per_basis = n // 2
    expected = (rounds + 1) * per_basis if detectors == "basis" else (
        (2 * rounds) * per_basis)
    assert circuit.num_detectors == expected
    dets, obs = circuit.without_noise().compile_detector_sampler(seed=1).sample(
        16, separate_observables=True)
    assert not dets.any() and not obs.any()
    circuit.detector_error_model()  # deterministic detectors, or stim raises


def test_the_overlapped_cycle_has_the_papers_noise_locations():
    # Per cycle of the [[72,12,6]] code under SD6: 7 x 72 - 72 CNOTs (each check is idle in
    # one layer), a flip on each of the 72 preparations and 72 measurements, and idle data:
    # 36 in the first CNOT layer, 36 in the last, all 72 in the readout layer (2n = 144, as
    # in the authors' cycle); measure qubits never idle.
    code = BivariateBicycleCode.published(72)
    circuit = qec.memory_circuit(code, rounds=4, basis="Z", noise=qec.NoiseModel.sd6(0.001),
                                 cycle="overlapped")
    body = next(op for op in circuit if isinstance(op, stim.CircuitRepeatBlock)).body_copy()
    counts = {name: 0 for name in ("DEPOLARIZE2", "DEPOLARIZE1", "X_ERROR", "Z_ERROR", "CX")}
    for op in body:
        if op.name in counts:
            counts[op.name] += len(op.targets_copy())
    assert counts["CX"] == 2 * 432 and counts["DEPOLARIZE2"] == 2 * 432
    assert counts["DEPOLARIZE1"] == 144
    assert counts["X_ERROR"] + counts["Z_ERROR"] == 144
    idle = {t.value for op in body if op.name == "DEPOLARIZE1" for t in op.targets_copy()}
    assert idle <= set(code.data_qubits)


def test_basis_detectors_keep_the_memory_basis_checks():
    code = BivariateBicycleCode.published(72)
    full = qec.memory_circuit(code, rounds=3, basis="X", noise=qec.NoiseModel.sd6(0.002),
                              cycle="standard", detectors="all")
    basis_only = qec.memory_circuit(code, rounds=3, basis="X", noise=qec.NoiseModel.sd6(0.002),
                                    cycle="standard", detectors="basis")
    assert basis_only.num_detectors == 4 * 36 < full.num_detectors
    # The same observables flip: the basis detectors are a subset of the full ones.
    _, obs_full = full.compile_detector_sampler(seed=3).sample(200, separate_observables=True)
    _, obs_basis = basis_only.compile_detector_sampler(seed=3).sample(
        200, separate_observables=True)
    assert (obs_full == obs_basis).all()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cycle": "fast"}, r"cycle='fast' must be one of 'standard', 'overlapped'"),
    ({"detectors": "x"}, r"detectors='x' must be one of 'all', 'basis'"),
    ({"cycle": "overlapped", "noise": qec.NoiseModel.si1000(0.001)}, "needs the CX gate set"),
    ({"cycle": "overlapped", "noise": qec.NoiseModel.sd6(0.001).with_leakage(
        leakage_per_gate=1e-3)}, "does not model leakage"),
])
def test_overlapped_cycle_bad_input(kwargs, message):
    arguments = {"rounds": 2, "basis": "Z", "noise": qec.NoiseModel.sd6(0.001)} | kwargs
    with pytest.raises(ValueError, match=message):
        qec.memory_circuit(BivariateBicycleCode.published(72), **arguments)


def test_overlapped_cycle_refuses_a_schedule_it_does_not_fit():
    with pytest.raises(ValueError, match="X checks idle in the first"):
        qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=2, basis="Z",
                           noise=qec.NoiseModel.sd6(0.001), cycle="overlapped")


def test_bposd_bb_uses_the_papers_scaling_and_tasks_record_the_cycle():
    from qec.decoders import get_decoder
    from qec.decoders._ldpc_family import BpOsdDecoder
    from qec.sampling import memory_task

    decoder = get_decoder("bposd-bb")
    assert (decoder.bp_method, decoder.ms_scaling_factor, decoder.osd_order) == (
        "minimum_sum", 0.0, 7)
    assert BpOsdDecoder(ms_scaling_factor=np.float32(0.5)).ms_scaling_factor == 0.5
    with pytest.raises(ValueError, match=r"ms_scaling_factor=-1 must be a number in \[0, 1\]"):
        BpOsdDecoder(ms_scaling_factor=-1)
    plain = memory_task(code="bb:72", distance=6, rounds=2, basis="Z", noise="sd6", p=0.003,
                        cycle="standard", detectors="all")
    paper = memory_task(code="bb:72", distance=6, rounds=2, basis="Z", noise="sd6", p=0.003,
                        cycle="overlapped", detectors="basis")
    assert "cycle" not in plain.json_metadata and "detectors" not in plain.json_metadata
    assert (paper.json_metadata["cycle"], paper.json_metadata["detectors"]) == (
        "overlapped", "basis")
    assert plain.strong_id != paper.strong_id
    # The family's defaults are the paper's circuit (under a CX model), recorded as such.
    default = memory_task(code="bb:72", distance=6, rounds=2, basis="Z", noise="sd6", p=0.003)
    assert default == paper
    under_cz = memory_task(code="bb:72", distance=6, rounds=2, basis="Z", noise="si1000",
                           p=0.003)
    assert "cycle" not in under_cz.json_metadata  # the overlapped cycle is CX-only
    assert under_cz.json_metadata["detectors"] == "basis"


def test_circuit_distance_search_finds_the_72_codes_distance_in_a_cycle():
    from qec.circuits import circuit_distance_search

    circuit = qec.memory_circuit(BivariateBicycleCode.published(72), rounds=1, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.001), cycle="overlapped")
    bound = circuit_distance_search(circuit, tries=10, seed=1)
    assert bound.weight == 6 and not bound.proven
    # The support is a real silent logical error of the model.
    dem = circuit.detector_error_model()
    errors = [e for e in dem.flattened() if e.type == "error"]
    flipped_d, flipped_o = set(), set()
    for index in bound.support:
        for t in errors[index].targets_copy():
            group = flipped_d if t.is_relative_detector_id() else flipped_o
            group ^= {t.val}
    assert not flipped_d and flipped_o


def test_circuit_distance_search_bad_input():
    from qec.circuits import circuit_distance_search

    with pytest.raises(ValueError, match="no observable"):
        circuit_distance_search(stim.Circuit("M 0\nDETECTOR rec[-1]"))
    circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=1, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.001))
    with pytest.raises(ValueError, match="tries=0"):
        circuit_distance_search(circuit, tries=0)
    with pytest.raises(ValueError, match="observable 3 is out of range"):
        circuit_distance_search(circuit, observables=[3])
    with pytest.raises(ValueError, match=r"must be a stim\.Circuit"):
        circuit_distance_search("not a circuit")
