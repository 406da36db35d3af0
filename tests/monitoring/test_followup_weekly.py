"""Visits close the loop in the weekly run: next week's list reads what the offices found."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from riskmodel.monitoring import writers
from riskmodel.monitoring.weekly import run_weekly

W1, W2 = "2025-05-26", "2025-06-02"


@pytest.fixture
def store(tmp_path):
    from riskmodel.store import Store

    s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    s.migrate()
    return s


def test_visited_households_leave_or_wait_and_capacity_goes_to_households_still_to_visit(
        tmp_path, panel, scorer, quick, store):
    out = tmp_path / "out"
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store, capacity={"share": 0.05})
    first = writers.read_json_list(out / W1 / "risk_list.json")
    township = first["township_code"].value_counts().idxmax()
    a, b, c = first.loc[first["township_code"] == township, "household_id"].head(3)
    store.add_visit(a, "2025-05-28", "not_at_risk")
    store.add_visit(b, "2025-05-28", "confirmed_at_risk")
    store.add_visit(c, "2025-05-29", "already_assisted")

    summary = run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store,
                         capacity={"share": 0.05})
    second = writers.read_json_list(out / W2 / "risk_list.json").set_index("household_id")
    assert a not in second.index and c not in second.index
    assert second.loc[b, "status"] == "pending"
    mine = second.loc[second["township_code"] == township]
    capacity = {t["township_code"]: t["capacity"] for t in json.loads((out / W2 / "risk_list.json")
                                                                       .read_text("utf-8"))["townships"]}[township]
    assert (mine["status"] != "pending").sum() == capacity  # the pending row takes no place
    assert second.loc[b, "rank"] == capacity + 1
    carried = mine.index[(mine["status"] != "pending") & mine.index.isin(first["household_id"])]
    assert len(carried) and (mine.loc[carried, "status"] == "carried_over").all()
    assert (mine.loc[~mine.index.isin(first["household_id"]), "status"] == "new").all()
    assert summary["follow_up"] == {"visit": 0, "hold": 2, "pending": 1}
    assert summary["status"]["pending"] == 1

    stored = store.risk_list(W2).set_index("household_id")
    assert (stored["status"] == second.loc[stored.index, "status"]).all()
    assert stored.loc[b, "visit_outcome"] == "confirmed_at_risk"
    assert stored.loc[b, "visited_on"] == dt.date(2025, 5, 28)


def test_not_home_stays_on_the_list_marked_visited(tmp_path, panel, scorer, quick, store):
    out = tmp_path / "out"
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store)
    first = writers.read_json_list(out / W1 / "risk_list.json")
    hid = first["household_id"].iloc[0]
    store.add_visit(hid, "2025-05-28", "not_home")
    run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store)
    second = writers.read_json_list(out / W2 / "risk_list.json").set_index("household_id")
    assert second.loc[hid, "status"] == "visited" and second.loc[hid, "visit_outcome"] == "not_home"
    csv = (out / W2 / "risk_list.csv").read_text("utf-8-sig")
    assert "已走访" in csv and "未遇到" in csv


def test_observed_precision_per_office_reaches_the_summary_and_the_store(tmp_path, panel, scorer, quick, store):
    out = tmp_path / "out"
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store, capacity={"share": 0.05})
    first = writers.read_json_list(out / W1 / "risk_list.json")
    ids = first["household_id"].head(4).tolist()
    for hid, outcome in zip(ids, ["confirmed_at_risk", "not_at_risk", "not_at_risk", "already_assisted"]):
        store.add_visit(hid, "2025-05-27", outcome)
    summary = run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store,
                         capacity={"share": 0.05})
    last_week = summary["performance"]["observed"]["last_week"]
    assert (last_week["visited"], last_week["confirmed"], last_week["precision"]) == (4, 1, 0.25)
    table = store.visit_precision(level="county")
    assert table["visited"].sum() == 4 and table["confirmed"].sum() == 1
    assert (table["week"] == pd.Timestamp(W1)).all()
    townships = store.visit_precision(level="township")
    expected = first.head(4).assign(c=[1, 0, 0, 0]).groupby("township_code")["c"].agg(["size", "sum"])
    got = townships.set_index("office_code")[["visited", "confirmed"]]
    assert got.loc[expected.index, "visited"].tolist() == expected["size"].tolist()
    assert got.loc[expected.index, "confirmed"].tolist() == expected["sum"].tolist()
    csv = pd.read_csv(out / W2 / "visit_precision.csv", dtype={"office_code": str})
    assert len(csv) == len(store.visit_precision())


def test_observed_precision_is_a_metric_of_the_weekly_mlflow_run(tmp_path, panel, quick, store, monkeypatch):
    import mlflow

    from riskmodel.settings import get_settings
    from tests.monitoring.panels import make_scorer

    # an absolute URI of its own: MLflow caches its database engine by URI, and the relative
    # default would be shared with the next test that logs a weekly run
    monkeypatch.setenv("RISKMODEL_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'own-mlflow.db'}")
    get_settings.cache_clear()

    scorer = make_scorer(model_version="3")
    out = tmp_path / "out"
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store, log_mlflow=False)
    ids = writers.read_json_list(out / W1 / "risk_list.json")["household_id"].head(3).tolist()
    for hid, outcome in zip(ids, ["confirmed_at_risk", "not_at_risk", "not_at_risk"]):
        store.add_visit(hid, "2025-05-27", outcome)
    run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store)
    settings = get_settings()
    client = mlflow.tracking.MlflowClient(settings.mlflow_tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name(settings.weekly_experiment).experiment_id])
    metrics = runs[0].data.metrics
    assert metrics["observed_last_week_visited"] == 3 and metrics["observed_last_week_confirmed"] == 1
    assert metrics["observed_last_week_precision"] == pytest.approx(1 / 3, abs=1e-6)
    assert metrics["observed_to_date_visited"] == 3
