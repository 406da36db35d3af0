"""The Dask cluster a job runs on (riskmodel.cluster)."""

from __future__ import annotations

import os

import pytest

from riskmodel.cluster import dask_client


@pytest.mark.slow
def test_local_workers_run_with_glibcs_own_malloc_settings():
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ (a county then costs ~1.4x the CPU); its other settings stay."""
    client, opened = dask_client(None, 1)
    try:
        assert opened
        assert set(client.run(lambda name: __import__("os").environ.get(name), "MALLOC_TRIM_THRESHOLD_").values()) == {None}
        assert set(client.run(lambda name: __import__("os").environ.get(name), "OMP_NUM_THREADS").values()) == {"1"}
    finally:
        client.close()


def test_no_scheduler_and_no_workers_is_a_plain_loop():
    assert dask_client(None, 0) == (None, False)


def test_a_negative_number_of_local_workers_is_refused():
    with pytest.raises(ValueError, match="workers: -1"):
        dask_client(None, -1)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: nothing listens there


def test_an_address_no_scheduler_answers_at_is_a_usage_error_naming_it(monkeypatch):
    from riskmodel import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    with pytest.raises(cluster.SchedulerUnreachable, match=rf"no Dask scheduler answered at {address} within 1 s"):
        dask_client(address)


def test_the_commands_report_an_unreachable_scheduler_without_a_traceback(monkeypatch, tmp_path):
    """``riskmodel score --scheduler`` on a partitioned folder, a model registered: one error line, exit 2."""
    from typer.testing import CliRunner

    from riskmodel import cluster
    from riskmodel.cli.app import app
    from riskmodel.training import lifecycle

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    monkeypatch.setattr("riskmodel.training.scorers.load_scorer", lambda uri=None: object())
    monkeypatch.setattr("riskmodel.features.counties.is_partitioned", lambda data_dir: True)
    assert lifecycle.dask_client is dask_client  # the one way a job connects
    address = f"tcp://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(app, ["score", str(tmp_path), "--as-of", "2024-06-30", "--out",
                                      str(tmp_path / "s.csv"), "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: no Dask scheduler answered at {address} within 1 s")
    assert "Traceback" not in result.output and not (tmp_path / "s.csv").exists()


def test_more_local_workers_than_cores_is_a_usage_error():
    from riskmodel.cluster import local_cores

    cores = local_cores()
    with pytest.raises(ValueError, match=rf"--workers {cores + 1}: this machine runs {cores} at once.*at most {cores}"):
        dask_client(None, cores + 1)


def test_dasks_own_failures_become_one_cluster_error_and_others_pass():
    from distributed.client import FutureCancelledError

    from riskmodel.cluster import ClusterError, cluster_errors

    with pytest.raises(ClusterError, match=r"lost the run's work \(FutureCancelledError: .*county-1.*nothing was "
                                           r"published"):
        with cluster_errors():
            raise FutureCancelledError("county-1", reason="already forgotten")
    with pytest.raises(KeyError, match="mine"), cluster_errors():
        raise KeyError("mine")


@pytest.mark.slow
def test_a_worker_killed_under_a_task_is_a_cluster_error():
    """A real one: the worker process dies mid-task (as the nanny kills one over its memory limit)."""
    import dask

    from riskmodel.cluster import ClusterError, cluster_errors

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        client, _opened = dask_client(None, 1)
        try:
            with pytest.raises(ClusterError, match=r"KilledWorker: .*memory"), cluster_errors():
                client.submit(os._exit, 1, pure=False).result()
        finally:
            client.close()


def _breaks_the_contract(value: str):
    from riskmodel.contract.validate import ContractError, Problem, Problems

    problems = Problems()
    problems.add(Problem("income", 7, "household_id", value, "references", "not found in households.household_id"))
    raise ContractError(problems)


def _fails_with_unpicklable_error():
    class Local(Exception):  # defined in a function: cannot travel back as itself
        pass

    raise Local("a county's own words")


def test_a_task_error_comes_back_whole_and_no_worker_logs_its_text(caplog):
    """A worker logs a failed task with its exception's text ("Compute Failed"); a contract error's
    text names rows and values. The task's error travels back as its result and is raised here."""
    from distributed import Client, LocalCluster

    from riskmodel.cluster import WorkerTraceback, gather, result, submit, submit_map
    from riskmodel.contract.validate import ContractError

    caplog.set_level("DEBUG")
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        with pytest.raises(ContractError) as err:
            result(submit(client, _breaks_the_contract, "H-CANARY-7"))
        with pytest.raises(ContractError):
            gather(submit_map(client, _breaks_the_contract, ["H-CANARY-8", "H-CANARY-9"]))
        with pytest.raises(RuntimeError, match="^Local: a county's own words$") as odd:
            result(submit(client, _fails_with_unpicklable_error))
        assert gather(submit_map(client, str.upper, ["a", "b"])) == ["A", "B"]
    (problem,) = err.value.problems.examples
    assert (problem.table, problem.row, problem.value, problem.rule) == ("income", 7, "H-CANARY-7", "references")
    assert isinstance(err.value.__cause__, WorkerTraceback) and "_breaks_the_contract" in str(err.value.__cause__)
    assert "_fails_with_unpicklable_error" in str(odd.value.__cause__)  # its frames travel too
    assert "CANARY" not in caplog.text and "own words" not in caplog.text


def test_tasks_keep_their_functions_names_on_the_cluster():
    from distributed import Client, LocalCluster

    from riskmodel.cluster import gather, submit, submit_map

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        one = submit(client, str.upper, "a")
        many = submit_map(client, str.lower, ["A", "B"])
        assert one.key.startswith("upper-") and all(f.key.startswith("lower-") for f in many)
        assert len({f.key for f in many}) == 2
        assert gather([one, *many]) == ["A", "a", "b"]
