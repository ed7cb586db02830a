import logging
import re
import sys

import distributed
import pytest

from qec.sampling import Task, collect
from qec.sampling._executors import DaskExecutor, ExecutorError
from qec.sampling._worker import BatchSpec, TaskPayload
from tests.sampling.sampling_circuits import repetition_task
from tests.sampling.test_engine import DieOnceDecoder


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def test_dask_gives_the_same_results_as_the_local_pool(tmp_path, client, tasks):
    on_dask = collect(tasks, db=tmp_path / "dask.db", max_shots=20_000, max_errors=300,
                      dask=client, seed=12)
    local = collect(tasks, db=tmp_path / "local.db", max_shots=20_000, max_errors=300,
                    workers=2, seed=12)
    assert [(s.shots, s.errors) for s in on_dask] == [(s.shots, s.errors) for s in local]
    assert all(s.errors >= 300 or s.shots == 20_000 for s in on_dask)


def test_dask_resumes_a_local_database(tmp_path, client, tasks):
    db = tmp_path / "r.db"
    collect(tasks, db=db, max_shots=3000, workers=1, seed=1)
    stats = collect(tasks, db=db, max_shots=9000, dask=client, seed=1)
    assert [s.shots for s in stats] == [9000, 9000]


def test_lost_payload_is_sent_inline(tmp_path, client):
    # Simulates a payload lost with its worker: the batch is sent again with the payload.
    executor = DaskExecutor(address=client, workers=1)
    task = repetition_task()
    payload = TaskPayload(strong_id=task.strong_id, circuit_text=str(task.circuit),
                          decoder_name="pymatching")
    spec = BatchSpec(batch_id=1, strong_id=task.strong_id, seed=3, first_chunk=0, num_chunks=1,
                     last_chunk_shots=500)
    executor.submit(spec, payload)
    first = executor._futures[1][0]
    first.cancel()  # as if its worker and the scattered payload vanished
    results = []
    while not results:
        results = executor.wait(timeout=5)
    executor.close()
    assert results[0].shots.tolist() == [500] and results[0].error is None


class _LostFuture:
    """A future whose batch finished and was lost with its worker before it was gathered:
    Dask then cancels the key, and ``result()`` raises (CI saw this once, as a flaky
    failure of the dying-worker test below)."""

    status = "finished"

    def __init__(self, key):
        self.key = key

    def result(self):
        raise distributed.client.FutureCancelledError(self.key, reason="unknown")


def test_a_result_lost_before_it_was_gathered_is_run_again(client):
    executor = DaskExecutor(address=client, workers=1)
    payload, spec = _payload_and_spec(repetition_task(), 1)
    executor.submit(spec, payload)
    real, *rest = executor._futures[1]
    lost = _LostFuture(real.key)
    executor._futures[1] = (lost, *rest)  # the real one's callback now finds no batch
    executor._done.put(lost)
    results = []
    while not results:
        results = executor.wait(timeout=5)
    executor.close()
    assert results[0].shots.tolist() == [200] and results[0].error is None


def _payload_and_spec(task, batch_id):
    payload = TaskPayload(strong_id=task.strong_id, circuit_text=str(task.circuit),
                          decoder_name="pymatching")
    spec = BatchSpec(batch_id=batch_id, strong_id=task.strong_id, seed=3, first_chunk=batch_id,
                     num_chunks=1, last_chunk_shots=200)
    return payload, spec


def _wait_for(executor, count):
    results = []
    while len(results) < count:
        results += executor.wait(timeout=5)
    return results


def test_slots_queue_batches_on_each_worker_and_follow_compiled_tasks(client):
    executor = DaskExecutor(address=client, workers=1)
    try:
        addresses = sorted(client.nthreads())
        slots = executor.free_slots()
        # Four queued batches per worker thread, the workers taken in turn.
        assert [slot for slot, _ in slots] == [a for _ in range(4) for a in executor._workers]
        assert sorted(set(slot for slot, _ in slots)) == addresses
        assert all(compiled == set() for _, compiled in slots)
        task = repetition_task()
        payload, spec = _payload_and_spec(task, 1)
        executor.prepare([payload])
        executor.submit(spec, payload, slot=addresses[0])
        slots = executor.free_slots()
        assert [slot for slot, _ in slots].count(addresses[0]) == 3
        assert [slot for slot, _ in slots].count(addresses[1]) == 4
        [result] = _wait_for(executor, 1)
        assert result.error is None and result.shots.tolist() == [200]
        # The worker that ran the batch is offered with the task it compiled, the other without.
        compiled = dict(executor.free_slots())
        assert compiled[addresses[0]] == {task.strong_id}
        assert compiled[addresses[1]] == set()
        assert len(executor.free_slots()) == 8
    finally:
        executor.close()


def test_a_batch_for_a_departed_worker_runs_on_another(client):
    executor = DaskExecutor(address=client, workers=1)
    try:
        task = repetition_task()
        payload, spec = _payload_and_spec(task, 1)
        executor.prepare([payload])
        executor._workers["tcp://127.0.0.1:9"] = executor._workers.popitem()[1]  # gone since
        executor.submit(spec, payload, slot="tcp://127.0.0.1:9")
        [result] = _wait_for(executor, 1)
        assert result.error is None and result.shots.tolist() == [200]
        executor._refresh_workers()
        assert sorted(executor._workers) == sorted(client.nthreads())
    finally:
        executor.close()


@pytest.mark.timeout(60)
def test_a_worker_joining_the_cluster_gets_slots():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    with distributed.Client(cluster) as client:
        executor = DaskExecutor(address=client, workers=1)
        assert executor.num_workers == 1 and len(executor.free_slots()) == 4
        cluster.scale(2)
        client.wait_for_workers(2)
        executor._refreshed -= 60  # as if the refresh interval had passed
        assert len(executor.free_slots()) == 8 and executor.num_workers == 2
        executor.close()
    cluster.close()


@pytest.mark.timeout(60)
def test_a_lost_scheduler_is_a_clear_executor_error():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    level = logging.getLogger("distributed.client").level
    executor = DaskExecutor(address=cluster.scheduler_address, workers=1)
    # The executor reports the loss itself, so the client it owns does not log tracebacks.
    assert logging.getLogger("distributed.client").level == logging.CRITICAL
    cluster.close()
    executor._refreshed -= 60  # as if the refresh interval had passed
    with pytest.raises(ExecutorError, match=r"lost the Dask scheduler at .*run again to resume"):
        executor.free_slots()
    executor.close()
    assert logging.getLogger("distributed.client").level == level


@pytest.mark.timeout(60)
def test_unreachable_scheduler_is_a_clear_error(tmp_path, tasks):
    with pytest.raises(ValueError, match=re.escape("could not connect to the Dask scheduler at "
                                                   "--dask='tcp://127.0.0.1:9' within 3 s")):
        DaskExecutor(address="tcp://127.0.0.1:9", workers=1, connect_timeout=3)


def test_missing_dask_says_how_to_install(tmp_path, tasks, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ValueError, match=r"pip install 'qec-lab\[dask\]'"):
        collect(tasks, db=tmp_path / "r.db", max_shots=100, dask="local")


@pytest.mark.timeout(120)
def test_a_dask_worker_dying_mid_batch_costs_only_that_batch(tmp_path):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    flag = tmp_path / "flag"
    task = Task(circuit=repetition_task(p=0.05).circuit, decoder="die-once", json_metadata={})
    decoders = {"die-once": DieOnceDecoder(str(flag))}
    with distributed.Client(cluster) as client:
        [stats] = collect([task], db=tmp_path / "dask.db", max_shots=40_000, dask=client,
                          seed=21, max_batch_seconds=0.001, custom_decoders=decoders)
    cluster.close()
    assert flag.read_text() == "died"
    [expected] = collect([task], db=tmp_path / "local.db", max_shots=40_000, workers=1, seed=21,
                         custom_decoders=decoders)
    assert (stats.shots, stats.errors) == (40_000, expected.errors)


def test_splitting_on_dask_gives_the_local_numbers(client):
    from qec.sampling._splitting import estimate_rare_error
    from tests.sampling.test_splitting import task_of

    task = task_of(11, 0.02)
    on_dask = estimate_rare_error(task, dask=client, seed=4, chains=64, relative_error=0.5)
    local = estimate_rare_error(task, workers=2, seed=4, chains=64, relative_error=0.5)
    assert on_dask.complete and local.complete
    assert on_dask.logical_error_per_shot == local.logical_error_per_shot
    assert on_dask.decoder_calls == local.decoder_calls


def test_recorded_experiments_decode_on_dask_as_on_the_local_pool(tmp_path, client):
    import stim

    from qec.datasets import decode_experiments, find_experiments, write_experiment

    circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=3,
                                     after_clifford_depolarization=0.05)
    write_experiment(tmp_path / "data" / "d5_at_q1_1" / "Z" / "r03", circuit=circuit,
                     shots=5000, seed=1)
    experiments = find_experiments(tmp_path / "data")
    on_dask = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"],
                                 db=tmp_path / "dask.db", dask=client)["stats"]
    local = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"],
                               db=tmp_path / "local.db", workers=2)["stats"]
    assert [(s.shots, s.errors) for s in on_dask] == [(s.shots, s.errors) for s in local]
    assert on_dask[0].shots == 5000 and on_dask[0].errors > 0


def test_splitting_divides_into_a_unit_per_chain_group_on_eight_dask_workers(monkeypatch):
    # Sixteen units of work per round (one per chain group), so eight workers all take part,
    # and the numbers are those of two local workers: they depend on the groups, never on the
    # workers.
    from qec.sampling._splitting import estimate_rare_error
    from qec.sampling._splitting_ladder import _Ladder
    from tests.sampling.test_splitting import task_of

    sizes = []
    real = _Ladder._run

    def recording(self, works):
        sizes.append(len(works))
        return real(self, works)

    monkeypatch.setattr(_Ladder, "_run", recording)
    task = task_of(11, 0.02)
    cluster = distributed.LocalCluster(n_workers=8, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    with distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream:
            on_dask = estimate_rare_error(task, dask=client, seed=4, chains=64,
                                          relative_error=0.5)
        workers_used = {record["worker"] for record in stream.data}
    cluster.close()
    local = estimate_rare_error(task, workers=2, seed=4, chains=64, relative_error=0.5)
    assert {n for n in sizes if n > 1} == {16} and sizes.count(16) > 3  # (the pilot is one)
    assert len(workers_used) == 8
    assert on_dask.complete and on_dask.logical_error_per_shot == local.logical_error_per_shot
    assert on_dask.decoder_calls == local.decoder_calls


def test_subset_simulation_runs_a_replicate_per_unit_on_eight_dask_workers():
    # Replicates are the units of work: with sixteen of them, all eight workers take part, and
    # the numbers are those of two local workers (a function of the seed, not the workers).
    from qec.sampling import estimate_subset
    from tests.sampling.test_splitting import task_of

    task = task_of(11, 0.03)
    options = dict(seed=4, samples=100, steps=4, min_replicates=16, max_replicates=16,
                   relative_error=10)
    cluster = distributed.LocalCluster(n_workers=8, threads_per_worker=1, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    with distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream:
            on_dask = estimate_subset(task, dask=client, **options)
        workers_used = {record["worker"] for record in stream.data}
        units = len(stream.data)
    cluster.close()
    local = estimate_subset(task, workers=2, **options)
    assert units >= 16 and len(workers_used) == 8
    assert on_dask.replicates == 16
    assert on_dask.logical_error_per_shot == local.logical_error_per_shot
    assert on_dask.decoder_calls == local.decoder_calls
