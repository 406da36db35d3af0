"""The gate cannot be fooled by a window the models trained on; compare, rollback, outside moves, and
the MLflow layout a data scientist finds (read back through the MLflow client).

One store for the module: a champion trained with a regularised recipe, then — on the same data
and cut-off — a challenger with ``training/fast.yaml``, whose recipe is worse on data neither saw
(on this panel back-tested at 2023-09-03: PR-AUC 0.044 vs 0.078; on as-of dates after the cut-off:
0.044 vs 0.061).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.mlflow_store import isolated_mlflow

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "training" / "fast.yaml"
CUTOFF = "2024-03-31"
#: fast.yaml's windows with the default recipe's small, regularised trees and 8 fit dates
REGULARISED = {**yaml.safe_load(FAST.read_text("utf-8")), "fit_periods": 8, "num_boost_round": 150,
               "lightgbm": {"learning_rate": 0.03, "num_leaves": 7, "min_data_in_leaf": 200, "feature_fraction": 0.7,
                            "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 10.0}}


@pytest.fixture(scope="module")
def store(tmp_path_factory, training_dir):
    from riskmodel.training.lifecycle import train_job
    from riskmodel.training.promotion import promote_job

    root = tmp_path_factory.mktemp("mlflow")
    good = root / "regularised.yaml"
    good.write_text(yaml.safe_dump(REGULARISED), "utf-8")
    with isolated_mlflow(root) as env:
        champion = train_job(training_dir, cutoff=CUTOFF, config_path=good)
        promote_job(training_dir, config_path=FAST)
        challenger = train_job(training_dir, cutoff=CUTOFF, config_path=FAST)
        yield {"env": env, "root": root, "champion": champion, "challenger": challenger, "good": good}


def _client(env):
    from mlflow.tracking import MlflowClient

    uri = env["RISKMODEL_MLFLOW_TRACKING_URI"]
    return MlflowClient(uri, uri)


def test_on_the_training_data_the_two_recipes_are_back_tested_and_the_worse_one_refused(store, env, training_dir):
    from riskmodel.training.promotion import compare_versions

    result = compare_versions(training_dir, cutoff=CUTOFF, config_path=FAST)
    w = result["window"]
    assert (result["champion"], result["challenger"]) == ("1", "2")
    assert w["mode"] == "recipe back-test"
    # every evaluated label window closes by the data cut-off, and no fit label reaches past the back-test cut-off
    assert w["start"] < CUTOFF and min(w["eval_dates"]) >= w["start"]
    assert max(pd.Timestamp(t) + pd.Timedelta(weeks=26) for t in w["eval_dates"]) <= pd.Timestamp(CUTOFF)
    assert not result["gate"]["passed"]
    failed = [c["check"] for c in result["gate"]["checks"] if not c["passed"]]
    assert "pr_auc" in failed
    assert result["figures"]["challenger"]["pr_auc"] < 0.95 * result["figures"]["champion"]["pr_auc"]
    assert "recall_at_2pct" in result["figures"]["champion"]


def test_promote_refuses_it_says_why_and_records_the_decision(store, env, training_dir):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app
    from riskmodel.training.registry import read_history

    r = CliRunner().invoke(app, ["promote", str(training_dir), "--cutoff", CUTOFF, "--config", str(FAST)])
    assert r.exit_code == 1, r.output
    assert "champion stays version 1" in r.output and "failed the gate on pr_auc" in r.output
    assert "recipe back-test" in r.output and "Traceback" not in r.output
    last = read_history(env["RISKMODEL_ALIAS_LOG"])[-1]
    assert (last["moved"], last["decision"], last["candidate"], last["to"]) == (False, "refused", "2", "1")
    run = _client(env).get_run(last["run_id"])
    assert run.data.tags["kind"] == "promotion" and run.data.tags["decision"] == "refused"
    assert run.data.params["window.mode"] == "recipe back-test"
    assert run.data.metrics["challenger.pr_auc"] < run.data.metrics["champion.pr_auc"]
    assert run.data.metrics["promoted"] == 0.0


def test_with_later_data_the_registered_versions_are_compared_after_both_cut_offs(store, env, training_dir):
    from riskmodel.training.promotion import promote_job

    result = promote_job(training_dir, config_path=FAST)
    assert result["window"]["mode"] == "later window"
    assert min(result["window"]["eval_dates"]) >= CUTOFF
    assert not result["promoted"] and result["decision"] == "refused"
    assert result["figures"]["challenger"]["pr_auc"] < result["figures"]["champion"]["pr_auc"]


def test_force_with_a_reason_and_an_explicit_rollback_are_recorded(store, env, training_dir):
    from riskmodel.training.lifecycle import models_job
    from riskmodel.training.promotion import promote_job
    from riskmodel.training.registry import moves, read_history

    with pytest.raises(ValueError, match="--reason"):
        promote_job(training_dir, version="1")
    forced = promote_job(training_dir, cutoff=CUTOFF, config_path=FAST, force=True, reason="drill: forced")
    assert forced["promoted"] and forced["decision"] == "forced"
    back = promote_job(training_dir, version="1", reason="rollback drill")
    assert back["promoted"] and back["decision"] == "explicit" and back["gate"] is None
    history = moves(read_history(env["RISKMODEL_ALIAS_LOG"]))
    assert [(h["alias"], h["from"], h["to"], h["decision"]) for h in history[-2:]] == [
        ("champion", "1", "2", "forced"), ("champion", "2", "1", "explicit")]
    assert "rollback drill" in history[-1]["why"]
    found = models_job()
    assert found["aliases"]["champion"] == "1" and found["disagreements"] == []
    kinds = {_client(env).get_run(h["run_id"]).data.tags["decision"] for h in history[-2:]}
    assert kinds == {"forced", "explicit"}


def test_an_alias_moved_behind_riskmodels_back_is_flagged_then_recorded(store, env, training_dir):
    from typer.testing import CliRunner

    from riskmodel.cli.app import app
    from riskmodel.training.lifecycle import models_job
    from riskmodel.training.promotion import promote_job
    from riskmodel.training.registry import moves, read_history

    _client(env).set_registered_model_alias("riskmodel", "champion", "2")
    found = models_job()
    assert found["disagreements"] == [{"alias": "champion", "history": "1", "registry": "2"}]
    r = CliRunner().invoke(app, ["models"])
    assert r.exit_code == 1 and "moved outside riskmodel" in r.output
    promote_job(training_dir, version="1", reason="undo the outside move")
    history = moves(read_history(env["RISKMODEL_ALIAS_LOG"]))
    detected, mine = history[-2:]
    assert (detected["from"], detected["to"], detected["detected"]) == ("1", "2", True)
    assert (mine["from"], mine["to"]) == ("2", "1")
    assert models_job()["disagreements"] == []


def test_mlflow_shows_experiments_by_purpose_run_kinds_version_cards_and_datasets(store, env, training_dir):
    from riskmodel.training.lifecycle import evaluate_job
    from riskmodel.training.tracking import frame_fingerprint

    evaluated = evaluate_job(training_dir, model_uri="models:/riskmodel/1", config_path=FAST)
    client = _client(env)
    kinds = {}
    for name in ("riskmodel-training", "riskmodel-promotions"):
        exp = client.get_experiment_by_name(name)
        assert exp is not None, name
        kinds[name] = {r.data.tags["kind"] for r in client.search_runs([exp.experiment_id])}
    assert kinds == {"riskmodel-training": {"training", "evaluation"}, "riskmodel-promotions": {"promotion"}}
    ev_run = client.get_run(evaluated["run_id"])
    assert "model.lightgbm.pr_auc" in ev_run.data.metrics and "baseline.rule.recall_at_2pct" in ev_run.data.metrics

    v = client.get_model_version("riskmodel", "2")
    assert v.description.startswith("# Model card: riskmodel v2") and "Intended use" in v.description
    assert float(v.tags["backtest.pr_auc"]) == pytest.approx(
        store["challenger"]["report"]["models"]["lightgbm"]["pr_auc"], rel=1e-5)
    assert {"backtest.recall_at_2pct", "backtest.ece", "backtest.window", "training_cutoff", "recipe"} <= set(v.tags)
    assert not [k for k in v.tags if k.startswith("drift_")]

    run = client.get_run(store["challenger"]["run_id"])
    inputs = {i.tags[0].value if i.tags else "": i.dataset for i in run.inputs.dataset_inputs}
    contexts = {next(t.value for t in i.tags if t.key == "mlflow.data.context") for i in run.inputs.dataset_inputs}
    assert contexts == {"training", "evaluation"}
    from riskmodel.contract import load

    digest = frame_fingerprint(load(training_dir).as_of(CUTOFF).tables())[:36]
    assert {d.digest for d in inputs.values()} == {digest}
    assert all(Path(d.source and json.loads(d.source)["uri"]).name == "panel" for d in inputs.values())
