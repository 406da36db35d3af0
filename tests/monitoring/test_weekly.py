import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.monitoring import rundir, writers
from riskmodel.monitoring.backfill import run_backfill
from riskmodel.monitoring.weekly import run_weekly

LIST_FILES = ("risk_list.json", "risk_list.csv", "xlsx/county_530102.xlsx", "xlsx/county_530103.xlsx",
              "scores.parquet", "alerts.json", "drift/summary.json", "drift/features.csv")


def files(week_dir: Path) -> dict[str, bytes]:
    return {name: (week_dir / name).read_bytes() for name in LIST_FILES}


def test_rerunning_a_week_writes_identical_files(tmp_path, panel, scorer, quick):
    first = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    before = files(tmp_path / "2025-06-02")
    second = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    assert files(tmp_path / "2025-06-02") == before
    assert first["listed"] == second["listed"] > 0
    assert "timings_s" in json.loads((tmp_path / "2025-06-02" / "run_summary.json").read_text("utf-8"))
    # no stray staging folders, nothing but the week, the drift history and the lock
    assert sorted(p.name for p in tmp_path.iterdir()) == [".weekly.lock", "2025-06-02", "drift"]


def test_summary_counts_and_list_sizes(tmp_path, panel, scorer, quick):
    summary = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick,
                         capacity={"share": 0.05, "townships": {"530102001": 3}})
    doc = json.loads((tmp_path / "2025-06-02" / "risk_list.json").read_text("utf-8"))
    sizes = {t["township_code"]: t for t in doc["townships"]}
    assert sizes["530102001"]["capacity"] == 3
    rows = pd.DataFrame(doc["rows"])
    assert rows.groupby("township_code").size().to_dict() == {k: v["capacity"] for k, v in sizes.items()}
    assert summary["eligible"] == sum(t["eligible"] for t in doc["townships"])
    assert summary["listed"] == len(rows)
    assert doc["data_cutoff"] == summary["data_cutoff"] == "2025-06-02"
    # every listed row carries its reasons
    assert rows["risk_types"].map(len).min() >= 1 and rows["measures"].map(len).min() >= 1


def test_next_week_marks_new_households_and_last_weeks_rank(tmp_path, panel, scorer, quick):
    run_weekly(None, "2025-05-26", tmp_path, panel=panel, scorer=scorer, config=quick, capacity={"share": 0.05})
    summary = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick,
                         capacity={"share": 0.05})
    last = writers.read_json_list(tmp_path / "2025-05-26" / "risk_list.json").set_index("household_id")["rank"]
    now = writers.read_json_list(tmp_path / "2025-06-02" / "risk_list.json")
    assert summary["previous_as_of"] == "2025-05-26"
    expected_new = ~now["household_id"].isin(last.index)
    assert now["new_on_list"].tolist() == expected_new.tolist()
    stayed = now[~expected_new]
    assert len(stayed) > 0
    assert stayed["previous_rank"].tolist() == last.loc[stayed["household_id"]].tolist()
    assert summary["new_on_list"] == int(expected_new.sum())


def test_a_crash_mid_write_leaves_the_previous_list_intact(tmp_path, panel, scorer, quick, monkeypatch):
    run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    before = files(tmp_path / "2025-06-02")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "write_county_xlsx", broken)  # fails after the JSON and CSV are written
    with pytest.raises(OSError, match="disk full"):
        run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick,
                   capacity={"share": 0.1})
    assert files(tmp_path / "2025-06-02") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_a_killed_run_leaves_the_previous_list_intact(tmp_path, panel, scorer, quick):
    run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    before = files(tmp_path / "2025-06-02")
    root = Path(__file__).parents[2]
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(root)!r})
        from tests.monitoring.panels import make_panel, make_scorer
        from riskmodel.monitoring import writers
        from riskmodel.monitoring.weekly import WeeklyConfig, run_weekly
        real = writers.write_csv
        def write_then_die(lists, path):
            real(lists, path)
            os.kill(os.getpid(), signal.SIGKILL)   # killed with half the files written
        writers.write_csv = write_then_die
        run_weekly(None, "2025-06-02", {str(tmp_path)!r}, panel=make_panel(seed=1, households=400, end="2025-06-30"),
                   scorer=make_scorer(), config=WeeklyConfig(evidently=False), capacity={{"share": 0.1}})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".staging")]  # the half-written folder
    assert files(tmp_path / "2025-06-02") == before
    # the next run cleans up after the killed one
    run_weekly(None, "2025-06-09", tmp_path, panel=panel, scorer=scorer, config=quick)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]
    assert files(tmp_path / "2025-06-02") == before


def test_two_runs_at_once_take_turns(tmp_path, panel, scorer, quick, monkeypatch):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with rundir.run_lock(tmp_path):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        with pytest.raises(rundir.RunLocked, match="another weekly run"):
            run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick, lock_timeout=0.3)
    finally:
        release.set()
        t.join()
    # the same run goes through once the other has finished
    assert run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)["listed"] > 0


def test_concurrent_runs_of_the_same_week_both_succeed_and_agree(tmp_path, panel, scorer, quick):
    results, errors = [], []

    def go():
        try:
            results.append(run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors and len(results) == 2
    one = files(tmp_path / "2025-06-02")
    run_weekly(None, "2025-06-02", tmp_path / "solo", panel=panel, scorer=scorer, config=quick)
    assert one == files(tmp_path / "solo" / "2025-06-02")


def test_backfill_runs_weeks_in_order_and_chains_previous_weeks(tmp_path, panel, scorer, quick):
    seen = []
    out = run_backfill(None, "2025-05-12", "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick,
                       progress=lambda stage, done, total: seen.append(stage))
    weeks = [s["as_of"] for s in out]
    assert weeks == ["2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02"]
    assert [s["previous_as_of"] for s in out] == [None, *weeks[:-1]]
    assert [m for m in seen if m.startswith("week")] == [f"week {w}" for w in weeks]
    with pytest.raises(ValueError, match="after TO"):
        run_backfill(None, "2025-06-02", "2025-05-12", tmp_path, panel=panel, scorer=scorer)


def test_lists_and_drift_summary_go_to_the_store(tmp_path, panel, scorer, quick):
    from riskmodel.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    run_weekly(None, "2025-05-26", tmp_path / "out", panel=panel, scorer=scorer, config=quick, store=store)
    summary = run_weekly(None, "2025-06-02", tmp_path / "out", panel=panel, scorer=scorer, config=quick, store=store)
    stored = store.risk_list("2025-06-02")
    files_rows = writers.read_json_list(tmp_path / "out" / "2025-06-02" / "risk_list.json")
    assert len(stored) == summary["listed"]
    merged = stored.merge(files_rows, on="household_id", suffixes=("_db", "_file"))
    assert (merged["rank_db"] == merged["rank_file"]).all()
    assert (merged["new_on_list_db"] == merged["new_on_list_file"]).all()
    drift = store.latest_drift()
    assert str(drift["as_of"]) == "2025-06-02"
    assert drift["summary"]["share_drifted"] == summary["drift"]["share_drifted"]


def test_dask_partitions_give_the_same_files(tmp_path, panel, scorer, quick):
    from distributed import Client, LocalCluster

    run_weekly(None, "2025-06-02", tmp_path / "local", panel=panel, scorer=scorer, config=quick)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        summary = run_weekly(None, "2025-06-02", tmp_path / "dask", panel=panel, scorer=scorer, config=quick,
                             scheduler=client)
    assert summary["partitions"] > 1
    assert files(tmp_path / "local" / "2025-06-02") == files(tmp_path / "dask" / "2025-06-02")


def test_matured_weeks_get_a_performance_report(tmp_path, panel, scorer, quick):
    run_weekly(None, "2024-11-04", tmp_path, panel=panel, scorer=scorer, config=quick, capacity={"share": 0.1})
    summary = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    assert summary["performance"]["matured_weeks"] == ["2024-11-04"]  # 26 weeks later: 2025-05-05 ≤ cut-off
    report = json.loads((tmp_path / "performance" / "2024-11-04.json").read_text("utf-8"))
    from riskmodel.labels import outcomes

    labels = outcomes(panel.as_of("2025-06-02"), "2024-11-04").set_index("household_id")["label"]
    listed = writers.read_json_list(tmp_path / "2024-11-04" / "risk_list.json")["household_id"]
    assert report["positives"] == int(labels.sum()) > 0
    assert report["true_positives_listed"] == int(labels.loc[listed].sum())
    assert report["recall_at_capacity"] == pytest.approx(labels.loc[listed].sum() / labels.sum(), abs=1e-6)
    assert 0 < report["pr_auc"] <= 1
    assert len(report["calibration"]["deciles"]) == 10


def test_drift_is_logged_to_mlflow_against_the_model_version(tmp_path, panel, quick):
    import mlflow

    from tests.monitoring.panels import make_scorer
    from riskmodel.settings import get_settings

    summary = run_weekly(None, "2025-06-02", tmp_path / "out", panel=panel, scorer=make_scorer(model_version="3"),
                         config=quick)
    settings = get_settings()
    client = mlflow.tracking.MlflowClient(settings.mlflow_tracking_uri)
    exp = client.get_experiment_by_name(settings.weekly_experiment)
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.data.tags["model_version"] == "3" and run.data.tags["as_of"] == "2025-06-02"
    assert run.data.tags["kind"] == "weekly"
    assert run.data.metrics["share_drifted"] == summary["drift"]["share_drifted"]
    assert run.data.metrics["listed"] == summary["listed"]
