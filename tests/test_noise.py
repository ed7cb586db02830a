import math

import pytest

from qec import NoiseModel


@pytest.mark.parametrize("p", [0.0, 1e-4, 0.001, 0.01])
def test_sd6_rates_follow_the_reference_table(p):
    noise = NoiseModel.sd6(p)
    for rate in (
        noise.clifford_1q,
        noise.clifford_2q,
        noise.reset_flip,
        noise.measure_flip,
        noise.data_measure_flip,
        noise.idle_gate,
        noise.idle_measure_reset,
    ):
        assert rate == p
    assert noise.two_qubit_gate == "CX"
    assert noise.before_round_data_depolarization == 0


@pytest.mark.parametrize("p", [1e-4, 0.001, 0.01])
def test_si1000_rates_follow_the_reference_table(p):
    noise = NoiseModel.si1000(p)
    assert noise.clifford_2q == p
    assert math.isclose(noise.clifford_1q, p / 10)
    assert math.isclose(noise.idle_gate, p / 10)
    assert math.isclose(noise.reset_flip, 2 * p)
    assert math.isclose(noise.idle_measure_reset, 2 * p)
    assert math.isclose(noise.measure_flip, 5 * p)
    assert noise.two_qubit_gate == "CZ"


def test_stim_generated_has_no_idle_noise():
    noise = NoiseModel.stim_generated(0.003)
    assert noise.idle_gate == noise.idle_measure_reset == 0
    assert noise.before_round_data_depolarization == 0.003


def test_phenomenological_and_code_capacity():
    phen = NoiseModel.phenomenological(0.02)
    assert phen.clifford_2q == phen.reset_flip == phen.data_measure_flip == 0
    assert phen.measure_flip == phen.before_round_data_flip == 0.02
    assert not phen.data_noise_once
    cc = NoiseModel.code_capacity(0.1)
    assert cc.measure_flip == 0 and cc.before_round_data_flip == 0.1 and cc.data_noise_once
    cc_dep = NoiseModel.code_capacity(0.1, depolarizing=True)
    assert cc_dep.before_round_data_flip == 0 and cc_dep.before_round_data_depolarization == 0.1


@pytest.mark.parametrize(
    "noise",
    [
        NoiseModel.sd6(0.001),
        NoiseModel.si1000(0.002),
        NoiseModel.phenomenological(0.03, depolarizing=True),
        NoiseModel.code_capacity(0.1),
        NoiseModel.stim_generated(0.004),
        NoiseModel.noiseless(),
        NoiseModel(name="custom", clifford_2q=0.01, two_qubit_gate="CZ"),
    ],
)
def test_repr_evaluates_back(noise):
    assert eval(repr(noise), {"NoiseModel": NoiseModel}) == noise
    assert hash(noise) == hash(eval(repr(noise), {"NoiseModel": NoiseModel}))


@pytest.mark.parametrize("name", ["sd6", "si1000", "phenomenological", "code-capacity",
                                  "stim-generated", "noiseless"])
def test_from_name_matches_constructors(name):
    noise = NoiseModel.from_name(name, 0.001)
    assert noise.name == name
    assert noise.p == (0.0 if name == "noiseless" else 0.001)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: NoiseModel.sd6(-0.01), r"p=-0\.01 must be a probability in \[0, 1\]"),
        (lambda: NoiseModel.sd6(1.5), r"p=1\.5 must be a probability in \[0, 1\]"),
        (lambda: NoiseModel.si1000(0.3), r"measure_flip=1\.5 \(5p with p=0\.3\)"),
        (lambda: NoiseModel.si1000(0.6), r"reset_flip=1\.2 \(2p with p=0\.6\)"),
        (lambda: NoiseModel.phenomenological(float("nan")), r"p=nan"),
        (lambda: NoiseModel.code_capacity("0.1"), r"p='0\.1' must be a probability"),
        (lambda: NoiseModel.sd6(True), r"p=True must be a probability"),
        (lambda: NoiseModel(clifford_2q=2.0), r"clifford_2q=2\.0 must be a probability"),
        (lambda: NoiseModel(two_qubit_gate="ISWAP"), r"two_qubit_gate='ISWAP' must be 'CX'"),
        (lambda: NoiseModel.from_name("depol", 0.01), r"noise='depol' is not a known noise"),
        (lambda: NoiseModel.sd6(0.1).scaled(-1), r"factor=-1 must be a non-negative number"),
        (lambda: NoiseModel.sd6(0.6).scaled(2), r"p=1\.2 must be a probability"),
    ],
)
def test_bad_rates_are_value_errors_naming_the_rate(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_noise_model_is_frozen():
    noise = NoiseModel.sd6(0.001)
    with pytest.raises(AttributeError):
        noise.clifford_2q = 0.5  # type: ignore[misc]


@pytest.mark.parametrize("name", ["si1000", "sd6"])
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_add_noise_on_the_ideal_circuit_is_memory_circuits_own_model(name, basis):
    from qec import memory_circuit
    from qec.codes import RotatedSurfaceCode
    from qec.noise import add_noise

    noise = NoiseModel.from_name(name, 0.002)
    circuit = memory_circuit(RotatedSurfaceCode(distance=5), rounds=4, basis=basis, noise=noise)
    placed = add_noise(circuit.without_noise(), noise)
    if name == "si1000":
        assert placed.detector_error_model().approx_equals(circuit.detector_error_model(),
                                                           atol=1e-12)
    else:  # SD6 is written with its own idle placement around data resets; same mechanisms
        ours = {str(i.targets_copy()) for i in placed.detector_error_model().flattened()
                if i.type == "error"}
        theirs = {str(i.targets_copy()) for i in circuit.detector_error_model().flattened()
                  if i.type == "error"}
        assert ours == theirs


def test_scale_noise_scales_each_qubits_channels_and_refuses_or_clips_overflow():
    import stim

    from qec.noise import scale_noise

    noisy = stim.Circuit("X_ERROR(0.2) 0 1\nDEPOLARIZE2(0.1) 0 1\nM(0.1) 0\nREPEAT 2 {\n"
                         "    DEPOLARIZE1(0.1) 1\n}")
    scaled = scale_noise(noisy, qubit_factors={0: 2.0}, pair_factors={(0, 1): 3.0})
    assert str(scaled) == ("X_ERROR(0.4) 0\nX_ERROR(0.2) 1\nDEPOLARIZE2(0.424264) 0 1\n"
                           "M(0.2) 0\nREPEAT 2 {\n    DEPOLARIZE1(0.1) 1\n}")
    with pytest.raises(ValueError, match=r"X_ERROR on \[0\]: 0.2 scaled by 3 is 0.6, above 0.5"):
        scale_noise(noisy, qubit_factors={0: 3.0})
    assert "X_ERROR(0.5) 0" in str(scale_noise(noisy, qubit_factors={0: 3.0}, clip=True))
    with pytest.raises(ValueError, match="must be a non-negative number"):
        scale_noise(noisy, qubit_factors={0: -1.0})
