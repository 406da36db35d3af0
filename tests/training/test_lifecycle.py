"""Train → register → promote → reload the champion in a fresh process → score; the gate says no.

One MLflow store (SQLite + local artifacts in a temporary folder) for the whole module: a
good model is trained and promoted first, then a challenger trained on shuffled labels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.mlflow_store import isolated_mlflow


ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "training" / "fast.yaml"
CUTOFF = "2024-03-31"


@pytest.fixture(scope="module")
def store(tmp_path_factory, training_dir):
    """Environment pointing riskmodel and MLflow at a module-private store; v1 trained and promoted."""
    from riskmodel.training.lifecycle import train_job
    from riskmodel.training.promotion import promote_job

    root = tmp_path_factory.mktemp("mlflow")
    with isolated_mlflow(root) as env:
        first = train_job(training_dir, cutoff=CUTOFF, config_path=FAST)
        promoted = promote_job(training_dir, config_path=FAST)
        yield {"env": env, "root": root, "first": first, "promoted": promoted}


def test_training_registers_a_challenger_with_an_honest_backtest(store):
    first = store["first"]
    assert first["version"] == "1"
    report = first["report"]
    assert min(report["window"]["eval_dates"]) >= report["window"]["start"]
    assert report["window"]["start"] < first["meta"]["training_cutoff"]
    models = report["models"]
    assert set(models) == {"lightgbm", "logistic", "rule", "must_visit", "oracle", "oracle_state",
                            "oracle_observable"}
    assert len({models[m]["rows"] for m in models}) == 1            # same rows for every model
    assert models["lightgbm"]["pr_auc"] > models["lightgbm"]["positives"] / models["lightgbm"]["rows"]
    assert store["first"]["alias_move"]["alias"] == "challenger"


def test_the_run_logs_fingerprints_plots_and_a_model_card(store, env):
    import mlflow

    client = mlflow.tracking.MlflowClient(env["RISKMODEL_MLFLOW_TRACKING_URI"])
    run = client.get_run(store["first"]["run_id"])
    assert {"data_fingerprint", "spec_fingerprint", "git_commit", "training_cutoff"} <= set(run.data.tags)
    assert run.data.params["cutoff"] == CUTOFF
    assert run.data.tags["kind"] == "training"
    # the model's back-test figures and the baselines' say what they are, and k is named
    assert {"backtest.lightgbm.recall_at_2pct", "backtest.lightgbm.pr_auc", "baseline.rule.recall_at_2pct",
            "baseline.logistic.pr_auc", "baseline.oracle.pr_auc"} <= set(run.data.metrics)
    assert not [k for k in run.data.metrics if k.startswith(("lightgbm.", "rule.")) or k.endswith("_at_k")]
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {"model_card.md", "evaluation.json"} <= names
    assert {"plots/pr_curve.png", "plots/calibration.png", "plots/lift.png", "plots/importance_by_risk_type.png",
            "plots/calibration_deciles.png", "plots/pr_curve_by_date.png", "plots/lift_by_date.png",
            "plots/score_distribution.png", "plots/importance.png"} <= plots
    card = Path(client.download_artifacts(run.info.run_id, "model_card.md", str(store["root"]))).read_text("utf-8")
    assert "Intended use" in card and "Recall@k by subgroup" in card
    assert "H0" not in card  # aggregates only: no household ids


def test_first_promotion_makes_the_challenger_champion(store):
    p = store["promoted"]
    assert p["promoted"] and p["to"] == "1" and p["from"] is None and p["decision"] == "first champion"


def test_champion_loads_in_a_fresh_process_and_scores(store, env, synth_panel):
    from riskmodel.training.scorers import load_scorer
    from riskmodel.training.pyfunc import panel_to_records

    ids = sorted(synth_panel.households["household_id"].astype(str))[:60]
    records = panel_to_records(synth_panel, ids)
    inp = store["root"] / "records.json"
    out = store["root"] / "scored.json"
    records.to_json(inp, orient="split", index=False, force_ascii=False)
    code = f"""
import json, mlflow, pandas as pd
m = mlflow.pyfunc.load_model("models:/riskmodel@champion")
records = pd.read_json({str(inp)!r}, orient="split", dtype=False)
scored = m.predict(records, params={{"as_of": "2024-06-30", "explain": 3}})
scored.to_json({str(out)!r}, orient="records", force_ascii=False)
"""
    child = {**os.environ, **env, "MLFLOW_TRACKING_URI": env["RISKMODEL_MLFLOW_TRACKING_URI"]}
    done = subprocess.run([sys.executable, "-c", code], env=child, capture_output=True, text=True, timeout=300,
                          cwd=store["root"])
    assert done.returncode == 0, done.stderr[-3000:]
    served = pd.DataFrame(json.loads(out.read_text("utf-8")))
    assert served["rank"].tolist() == list(range(1, len(served) + 1))
    assert served["risk_types"].notna().sum() == 3
    assert set(json.loads(served["risk_types"].iloc[0])) and json.loads(served["measures"].iloc[0])

    scorer = load_scorer()
    assert scorer.model_version == "1"
    assert load_scorer() is scorer                      # artifacts loaded once
    local = scorer.score(synth_panel.subset(ids), "2024-06-30")
    assert served["household_id"].tolist() == local["household_id"].astype(str).tolist()
    assert served["probability"].to_numpy() == pytest.approx(local["probability"].to_numpy())


def test_records_round_trip_through_the_scoring_server(store, env, synth_panel):
    import mlflow
    from fastapi.testclient import TestClient
    from mlflow.pyfunc import scoring_server

    from riskmodel.training.pyfunc import panel_to_records

    ids = sorted(synth_panel.households["household_id"].astype(str))[:20]
    payload = {"dataframe_split": json.loads(panel_to_records(synth_panel, ids).to_json(orient="split", index=False)),
               "params": {"as_of": "2024-06-30", "explain": 2}}
    from riskmodel.training.tracking import MlflowSession

    with MlflowSession():
        model = mlflow.pyfunc.load_model("models:/riskmodel@champion")
    client = TestClient(scoring_server.init(model))
    r = client.post("/invocations", json=payload)
    assert r.status_code == 200, r.text
    rows = r.json()["predictions"]
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert sum(row["risk_types"] is not None for row in rows) == 2


def test_the_gate_refuses_a_challenger_trained_on_shuffled_labels(store, env, training_dir):
    from riskmodel.training.lifecycle import models_job, train_job
    from riskmodel.training.promotion import promote_job
    from riskmodel.training.registry import moves, read_history

    worse = train_job(training_dir, cutoff=CUTOFF, config_path=FAST, shuffle_labels=True)
    assert worse["version"] == "2"
    result = promote_job(training_dir, config_path=FAST)
    assert not result["promoted"]
    assert not result["gate"]["passed"]
    assert "pr_auc" in [c["check"] for c in result["gate"]["checks"] if not c["passed"]]
    # both versions trained at CUTOFF; the data goes on: later as-of dates neither model saw
    assert result["window"]["mode"] == "later window"
    assert min(result["window"]["eval_dates"]) >= CUTOFF
    found = models_job()
    listed = {r["version"]: r for r in found["versions"]}
    assert listed["1"]["aliases"] == ["champion"] and listed["2"]["aliases"] == ["challenger"]
    assert float(listed["1"]["backtest"]["pr_auc"]) > 0 and found["disagreements"] == []

    history = read_history(env["RISKMODEL_ALIAS_LOG"])
    assert [(h["alias"], h["from"], h["to"]) for h in moves(history)] == [
        ("challenger", None, "1"), ("champion", None, "1"), ("challenger", "1", "2")]
    refusal = history[-1]
    assert (refusal["moved"], refusal["decision"], refusal["candidate"]) == (False, "refused", "2")
    assert refusal["figures"]["challenger"]["pr_auc"] < refusal["figures"]["champion"]["pr_auc"]
    assert all(h["who"] == "test-suite" and h["when"] and h["why"] for h in history)

    with pytest.raises(ValueError, match="--reason"):
        promote_job(training_dir, config_path=FAST, force=True)
    forced = promote_job(training_dir, config_path=FAST, force=True, reason="drill: override recorded")
    assert forced["promoted"]
    last = read_history(env["RISKMODEL_ALIAS_LOG"])[-1]
    assert (last["alias"], last["from"], last["to"], last["forced"]) == ("champion", "1", "2", True)
    assert "drill: override recorded" in last["why"] and not last["gate_passed"]


def test_cli_scores_every_eligible_household_and_evaluates_a_registered_model(store, env, training_dir, tmp_path):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app
    from riskmodel.contract import load
    from riskmodel.labels import eligible

    runner = CliRunner()
    out = tmp_path / "scores.csv"
    r = runner.invoke(app, ["score", str(training_dir), "--as-of", "2024-06-30", "--out", str(out)])
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(out, dtype={"household_id": str, "region_code": str})
    assert list(scores.columns[:5]) == ["household_id", "score", "probability", "rank", "region_code"]
    assert set(scores["household_id"]) == set(eligible(load(training_dir), "2024-06-30").astype(str))

    report = tmp_path / "evaluation.json"
    r = runner.invoke(app, ["evaluate", str(training_dir), "--model", "models:/riskmodel/1", "--config", str(FAST),
                            "--out", str(report)])
    assert r.exit_code == 0, r.output
    assert "Rule screen" in r.output and "recall@k" in r.output
    body = json.loads(report.read_text("utf-8"))
    assert body["window"]["start"] == CUTOFF and set(body["models"]) == {"lightgbm", "logistic", "rule", "must_visit",
                                                                                 "oracle", "oracle_state",
                                                                                 "oracle_observable"}

    r = runner.invoke(app, ["models"])
    assert r.exit_code == 0 and "champion" in r.output and "registry and alias history agree" in r.output


@pytest.mark.parametrize("uri", ["models:/riskmodel/99", "models:/nosuch/1", "runs:/0123456789abcdef/model",
                                 "no/such/folder"])
def test_a_model_uri_that_names_nothing_is_one_error_line(store, env, training_dir, tmp_path, uri):
    """score, evaluate and weekly: a wrong --model is an error naming the URI (exit 2/1), not MLflow's traceback."""
    from typer.testing import CliRunner

    from riskmodel.cli.app import app

    runner = CliRunner()
    for args, code in ((["score", "--as-of", "2024-06-30", "--out", str(tmp_path / "s.csv")], 2),
                       (["evaluate", "--config", str(FAST), "--out", str(tmp_path / "e.json")], 2),
                       (["weekly", "--as-of", "2024-07-01", "--out", str(tmp_path / "w"), "--no-store"], 1)):
        r = runner.invoke(app, [args[0], str(training_dir), *args[1:], "--model", uri])
        assert r.exit_code == code, (args[0], r.output)
        assert f"error: no model at {uri} in " in r.output and "riskmodel models" in r.output, (args[0], r.output)
        assert "Traceback" not in r.output
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("cutoff", "says"), [
    ("2030-01-01", "error: cut-off 2030-01-01 is after the data's newest record"),
    ("2024-06-30", f"error: nothing to evaluate models:/riskmodel/1 on: its training cut-off {CUTOFF} plus the "
                   "26-week outcome horizon is after the data cut-off 2024-06-30")])
def test_evaluating_a_model_where_nothing_can_be_evaluated_says_why(store, env, training_dir, tmp_path, cutoff, says):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app

    r = CliRunner().invoke(app, ["evaluate", str(training_dir), "--model", "models:/riskmodel/1", "--cutoff", cutoff,
                                 "--config", str(FAST), "--out", str(tmp_path / "e.json")])
    assert r.exit_code == 2, r.output
    assert says in " ".join(r.output.split()), r.output
    assert not (tmp_path / "e.json").exists()
