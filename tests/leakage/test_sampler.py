"""LeakageSampler as a sinter.Sampler, through qec's sampling engine and result store."""

import pytest
import sinter

import qec
from qec.analysis import binomial_interval
from qec.codes import RotatedSurfaceCode
from qec.leakage import LeakageSampler
from qec.noise import NoiseModel
from qec.sampling import Task, collect
from qec.store import ResultStore


def _task(noise, *, removal="none", decoder="leakage", rounds=3):
    circuit = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=rounds, basis="Z",
                                 noise=noise, leakage_removal=removal)
    metadata = {"code": "surface", "distance": 3, "rounds": rounds, "basis": "Z",
                "noise": noise.name, "p": noise.p, "decoder": decoder,
                "leakage_removal": removal}
    return Task(circuit=circuit, decoder=decoder, json_metadata=metadata)


def test_through_the_engine_and_the_store(tmp_path):
    db = tmp_path / "leakage.db"
    noise = NoiseModel.si1000(0.002).with_leakage(leakage_per_gate=0.003)
    tasks = [_task(noise, removal="dqlr"), _task(noise, removal="none", decoder="aware")]
    samplers = {"leakage": LeakageSampler(), "aware": LeakageSampler(decoder="leakage-aware")}
    stats = collect(tasks, db=db, max_shots=3000, workers=1, seed=1, custom_decoders=samplers)
    assert [s.shots for s in stats] == [3000, 3000]
    assert all(0 < s.errors < 3000 and s.custom_counts["heralded_shots"] > 0 for s in stats)
    with ResultStore(db, create=True) as store:
        stored = store.read_stats(leakage_removal="dqlr")
    assert [(s.strong_id, s.shots, s.errors) for s in stored] == [
        (stats[0].strong_id, 3000, stats[0].errors)]
    # resuming samples nothing more
    again = collect(tasks, db=db, max_shots=3000, workers=1, seed=1, custom_decoders=samplers)
    assert [(s.shots, s.errors) for s in again] == [(s.shots, s.errors) for s in stats]


def test_leakage_off_gives_the_logical_error_rate_of_plain_sampling(tmp_path):
    noise = NoiseModel.si1000(0.005)
    leaky, plain = _task(noise), _task(noise, decoder="pymatching")
    shots = 20_000
    a, b = collect([leaky, plain], db=tmp_path / "r.db", max_shots=shots, workers=1, seed=2,
                   custom_decoders={"leakage": LeakageSampler()})
    ia = binomial_interval(errors=a.errors, shots=a.shots, confidence=0.999)
    ib = binomial_interval(errors=b.errors, shots=b.shots, confidence=0.999)
    assert ia.low <= ib.high and ib.low <= ia.high
    assert a.custom_counts.get("heralded_shots", 0) == 0


def test_as_a_sinter_sampler_object():
    noise = NoiseModel.si1000(0.002).with_leakage(leakage_per_gate=0.002)
    task = sinter.Task(circuit=_task(noise, removal="mlr").circuit, decoder="leakage")
    sampler = LeakageSampler(decoder="leakage-aware", batch_size=300, seed=3)
    assert isinstance(sampler, sinter.Sampler)
    compiled = sampler.compiled_sampler_for_task(task)
    assert isinstance(compiled, sinter.CompiledSampler)
    stats = compiled.sample(700)  # three batches of at most 512 shots (300 rounded up)
    assert isinstance(stats, sinter.AnonTaskStats) and stats.shots == 700
    assert stats.errors > 0 and stats.custom_counts["heralded_shots"] > 0
    assert compiled.sample(0).shots == 1  # at least one shot, as sinter requires


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"decoder": "mwpm"}, r"decoder='mwpm' is not a known decoder"),
    ({"decoder": 3}, r"decoder=3 must be a decoder name or a sinter\.Decoder"),
    ({"batch_size": 0}, r"batch_size=0 must be a positive integer"),
    ({"seed": -1}, r"seed=-1 must be None or an integer"),
])
def test_bad_sampler_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LeakageSampler(**kwargs)


def test_pauli_prior_decodes_with_the_pauli_equivalent_model():
    noise = NoiseModel.si1000(0.002).with_leakage(leakage_per_gate=0.01)
    circuit = _task(noise, removal="dqlr").circuit
    task = sinter.Task(circuit=circuit, decoder="leakage")
    plain = LeakageSampler(seed=1).compiled_sampler_for_task(task)
    prior = LeakageSampler(seed=1, pauli_prior=True).compiled_sampler_for_task(task)
    # the same shots (same seed) decoded against two models: the prior knows more errors
    assert prior.decoder is not None and plain.decoder is not None
    a, b = plain.sample(2000), prior.sample(2000)
    assert a.custom_counts == b.custom_counts and a.shots == b.shots == 2000
    assert qec.leakage.pauli_equivalent(circuit).detector_error_model(
        decompose_errors=True).num_errors > circuit.detector_error_model(
        decompose_errors=True).num_errors
    with pytest.raises(ValueError, match=r"pauli_prior='yes' must be True or False"):
        LeakageSampler(pauli_prior="yes")


def test_leaky_tasks_by_name_are_simulated_with_their_leakage(tmp_path):
    from qec.sampling import memory_task

    common = {"code": "surface", "distance": 3, "rounds": 5, "basis": "Z", "noise": "si1000",
              "p": 0.002}
    plain = memory_task(**common)
    leaky = memory_task(**common, leakage=0.01)
    aware = memory_task(**common, leakage=0.01, decoder="leakage-aware")
    tasks = [plain, leaky, aware]
    stats = collect(tasks, db=tmp_path / "a.db", max_shots=6000, workers=2, seed=5)
    assert [s.shots for s in stats] == [6000] * 3
    # heralds are counted only by the leakage simulator: the named decoder did not let stim
    # sample the leaky circuit without its leakage
    assert stats[0].custom_counts.get("heralded_shots", 0) == 0
    assert stats[1].custom_counts["heralded_shots"] > 1000
    low = binomial_interval(errors=stats[1].errors, shots=6000, confidence=0.999).low
    assert low > binomial_interval(errors=stats[0].errors, shots=6000, confidence=0.999).high
    # chunks are reseeded: a seeded run gives the same counts again, on any worker count
    again = collect(tasks, db=tmp_path / "b.db", max_shots=6000, workers=1, seed=5)
    assert [(s.errors, s.custom_counts) for s in again] == [
        (s.errors, s.custom_counts) for s in stats]


def test_leakage_options_of_memory_task_are_validated():
    from qec.sampling import memory_task

    common = {"code": "surface", "distance": 3, "rounds": 3, "basis": "Z", "noise": "si1000",
              "p": 0.002}
    with pytest.raises(ValueError, match=r"leakage_removal='dqlr' .* need leakage"):
        memory_task(**common, leakage_removal="dqlr")
    with pytest.raises(ValueError, match=r"leakage_per_gate=1.5"):
        memory_task(**common, leakage=1.5)
    with pytest.raises(ValueError, match=r"leakage_removal='sometimes'"):
        memory_task(**common, leakage=0.001, leakage_removal="sometimes")
