"""The weekly run over county partitions writes what the one-process run writes.

One generated panel (4 counties) is written twice: as one file per table and county-partitioned.
The same two weeks (the second one late enough for the first one's labels to mature) are run
(a) on the one-file folder in one process, (b) on the partitioned folder in a plain loop over
counties and (c) on it with a 2-worker Dask ``LocalCluster``, each with the same offices' visits
in its own store; every list, score, drift, alert, precision and performance file must be
byte-identical. Twice: with a model carrying a training reference sample (as ``train_job``
logs), and without one (the reference is then the panel a year earlier, scored by partition).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel.monitoring.backfill import run_backfill
from riskmodel.monitoring.weekly import run_weekly

WEEKS = ("2024-06-03", "2024-12-30")
COMPARED = ("risk_list.json", "risk_list.csv", "scores.parquet", "alerts.json", "drift/summary.json",
            "drift/features.csv", "visit_precision.csv")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from riskmodel.contract import atomic_dir, write_panel
    from riskmodel.contract.policy import POLICY_FILE
    from riskmodel.synth import generate

    r = generate(households=2500, counties=4, start="2021-01-01", end="2024-12-31", seed=5, scenario="flood")
    root = tmp_path_factory.mktemp("panels")
    out = {}
    for name, partitioned in (("single", False), ("partitioned", True)):
        with atomic_dir(root / name) as tmp:
            write_panel(r.tables, tmp, partitioned=partitioned)
            (tmp / POLICY_FILE).write_text(r.policy.to_yaml(), encoding="utf-8")
        out[name] = root / name
    return out


def _reference_scorer(folder: Path):
    """The transparent test model with a training-style reference: two earlier dates' features
    and probabilities, with as-of dates and row numbers (no identifiers)."""
    from riskmodel.contract import load
    from riskmodel.features import build_features
    from riskmodel.scoring import Scorer
    from tests.monitoring.panels import make_scorer

    plain = make_scorer()
    panel = load(folder)
    frames = []
    for t in ("2023-05-29", "2023-06-05"):
        feats = build_features(panel, pd.Timestamp(t))
        scored = plain.score_features(feats, panel, pd.Timestamp(t))
        f = feats.merge(scored[["household_id", "probability"]], on="household_id").drop(
            columns=["household_id", "region_code"])
        frames.append(f.assign(as_of=pd.Timestamp(t)))
    ref = pd.concat(frames, ignore_index=True)
    ref["reference_row"] = np.arange(len(ref))
    return Scorer(plain.model, model_name="riskmodel", capacity_share=0.02, reference=ref)


def _visits(store, folder: Path) -> None:
    """The same offices' visits in every run's store: 30 households visited in the autumn."""
    households = pd.read_parquet(folder / "households.parquet")
    ids = sorted(households["household_id"].astype(str))[::80][:30]
    outcomes = ("confirmed_at_risk", "not_at_risk", "already_assisted", "not_home")
    for i, hid in enumerate(ids):
        store.add_visit(hid, pd.Timestamp("2024-10-07") + pd.Timedelta(days=7 * (i % 8)), outcomes[i % 4])


def _run(folder: Path, out: Path, scorer, quick, client=None) -> dict[str, bytes]:
    from riskmodel.store import Store

    store = Store(f"sqlite:///{out.parent / (out.name + '.db')}")
    store.migrate()
    _visits(store, folder.parent / "single")
    for week in WEEKS:
        summary = run_weekly(folder, week, out, scorer=scorer, config=quick, store=store, scheduler=client,
                             log_mlflow=False)
    assert summary["performance"]["matured_weeks"] == [WEEKS[0]]
    assert summary["listed"] > 0 and summary["drift"]["status"] == "ok"
    got = {f"{w}/{name}": (out / w / name).read_bytes() for w in WEEKS for name in COMPARED}
    books = {f"{w}/{p.relative_to(out / w).as_posix()}": p.read_bytes() for w in WEEKS
             for p in sorted((out / w / "xlsx").glob("*.xlsx"))}
    assert len(books) == 2 * 4  # a workbook per county and week
    got |= books
    got[f"performance/{WEEKS[0]}.json"] = (out / "performance" / f"{WEEKS[0]}.json").read_bytes()
    got["partitions"] = summary["partitions"]
    return got


@pytest.mark.parametrize("reference", [True, False], ids=["training-reference", "year-earlier"])
def test_partitioned_runs_write_the_one_process_files(tmp_path, folders, quick, reference):
    from distributed import Client, LocalCluster

    from tests.monitoring.panels import make_scorer

    scorer = _reference_scorer(folders["single"]) if reference else make_scorer()
    one = _run(folders["single"], tmp_path / "one", scorer, quick)
    loop = _run(folders["partitioned"], tmp_path / "loop", scorer, quick)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = _run(folders["partitioned"], tmp_path / "dask", scorer, quick, client)
    assert (one.pop("partitions"), loop.pop("partitions"), dask.pop("partitions")) == (1, 4, 4)
    for name in one:
        assert loop[name] == one[name], f"plain loop over counties: {name} differs"
        assert dask[name] == one[name], f"Dask LocalCluster: {name} differs"
    # the drift reference is what the test meant it to be
    doc = (tmp_path / "one" / WEEKS[1] / "drift" / "summary.json").read_text("utf-8")
    assert ("the model's training reference sample" in doc) == reference


def test_a_backfill_fans_out_county_by_week_and_publishes_in_order(tmp_path, folders, quick):
    from distributed import Client, LocalCluster

    scorer = _reference_scorer(folders["single"])
    weeks = ["2024-06-03", "2024-06-10", "2024-06-17"]
    one = run_backfill(folders["single"], weeks[0], weeks[-1], tmp_path / "one", scorer=scorer, config=quick,
                       log_mlflow=False)
    seen = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        fanned = run_backfill(folders["partitioned"], weeks[0], weeks[-1], tmp_path / "dask", scorer=scorer,
                              config=quick, scheduler=client, log_mlflow=False,
                              progress=lambda stage, done, total: seen.append(stage))
    assert [s["as_of"] for s in fanned] == weeks == [s["as_of"] for s in one]
    assert [s["previous_as_of"] for s in fanned] == [None, *weeks[:-1]]
    assert [m for m in seen if m.startswith("week")] == [f"week {w}" for w in weeks]
    for w in weeks:
        for name in COMPARED:
            assert (tmp_path / "dask" / w / name).read_bytes() == (tmp_path / "one" / w / name).read_bytes(), \
                f"{w}/{name} differs"


@pytest.mark.slow
def test_local_worker_processes_started_by_the_run_write_the_plain_loops_files(tmp_path, folders, quick):
    """``riskmodel weekly D --workers 2``: a LocalCluster of two processes, opened and closed by the run."""
    import psutil

    from tests.monitoring.panels import make_scorer

    scorer = make_scorer()
    loop = run_weekly(folders["partitioned"], WEEKS[1], tmp_path / "loop", scorer=scorer, config=quick,
                      log_mlflow=False)
    def workers():
        return [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]

    assert workers() == []
    local = run_weekly(folders["partitioned"], WEEKS[1], tmp_path / "local", scorer=scorer, config=quick,
                       log_mlflow=False, workers=2)
    assert (loop["partitions"], local["partitions"]) == (4, 4)
    for name in COMPARED:
        assert (tmp_path / "local" / WEEKS[1] / name).read_bytes() == (tmp_path / "loop" / WEEKS[1] / name).read_bytes(), \
            f"{name} differs"
    assert workers() == []  # the run closed its cluster


@pytest.mark.slow
def test_the_workbooks_and_evidently_report_a_cluster_makes_are_the_plain_runs_bytes(tmp_path, folders):
    """On a cluster the county workbooks and the Evidently report are tasks, made while the run
    writes the rest (and the store's scores): the same files, and the store holds the same week."""
    from sqlalchemy import text

    from riskmodel.cluster import dask_client
    from riskmodel.monitoring.weekly import WeeklyConfig
    from riskmodel.store import Store

    scorer = _reference_scorer(folders["single"])

    def week(out: Path, client=None) -> dict[str, bytes]:
        store = Store(f"sqlite:///{out.parent / (out.name + '.db')}")
        store.migrate()
        summary = run_weekly(folders["partitioned"], WEEKS[1], out, scorer=scorer, config=WeeklyConfig(),
                             store=store, scheduler=client, log_mlflow=False)
        assert summary["drift"]["status"] == "ok"
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / WEEKS[1]).rglob("*"))
                 if p.is_file() and p.name != "run_summary.json"}
        files["store"] = store.risk_list(WEEKS[1]).to_json().encode()
        with store.engine.connect() as conn:
            stored = conn.execute(text("SELECT household_id, score, rank, band FROM scores ORDER BY household_id")).all()
        assert len(stored) == summary["eligible"]
        files["store scores"] = repr(stored).encode()
        return files

    loop = week(tmp_path / "loop")
    # the run's own local cluster (worker processes; a nanny started otherwise would also put
    # Dask's malloc setting into this process's environment, which later subprocesses inherit)
    client, _ = dask_client(None, 2)
    try:
        dask = week(tmp_path / "dask", client)
    finally:
        client.close()
        client.cluster.close()
    assert f"{WEEKS[1]}/drift/report.html" in loop and len([k for k in loop if k.endswith(".xlsx")]) == 4
    assert sorted(dask) == sorted(loop)
    timings = {k: json.loads((tmp_path / k / WEEKS[1] / "run_summary.json").read_text("utf-8"))["timings_s"]
               for k in ("loop", "dask")}
    assert "write.evidently_report" in timings["loop"] and "write.waiting_for_cluster" in timings["dask"]
    assert "write.evidently_report" not in timings["dask"]  # the cluster made it
    for name in loop:
        assert dask[name] == loop[name], f"{name} differs"
