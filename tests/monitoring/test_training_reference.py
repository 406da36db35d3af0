"""Drift against the champion's training reference (issue #6).

A model trained by ``train_job`` (``training/fast.yaml``) on a small baseline panel carries a
reference sample (features with their as-of dates, scores, probabilities; no identifiers)
inside its registered pyfunc; the weekly run compares with it: quiet on baseline weeks 6–18
months after the training cut-off, alerting on a flood week.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.mlflow_store import isolated_mlflow

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "training" / "fast.yaml"
CUTOFF = "2023-12-31"
END = "2025-06-30"
IDENTIFIERS = {"household_id", "member_id", "region_code", "village_code"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Baseline and flood panels (2,000 households, 2021 to mid-2025) and a model trained at CUTOFF."""
    from riskmodel.contract import load
    from riskmodel.training.scorers import load_scorer
    from riskmodel.synth import generate_to
    from riskmodel.training.lifecycle import train_job

    root = tmp_path_factory.mktemp("reference")
    dirs = {s: generate_to(root / s, households=2000, start="2021-01-01", end=END, seed=7, scenario=s,
                           fmt="parquet") for s in ("baseline", "flood")}
    with isolated_mlflow(root) as env:
        job = train_job(dirs["baseline"], cutoff=CUTOFF, config_path=FAST)
        scorer = load_scorer(f"models:/riskmodel/{job['version']}")
        yield {"job": job, "scorer": scorer, "panels": {s: load(d) for s, d in dirs.items()}, "env": env}


def test_the_registered_model_carries_a_reference_sample_without_identifiers(trained):
    from riskmodel.features import feature_names

    scorer = trained["scorer"]
    assert not scorer.reference.loaded                 # loading the model does not read it
    ref = scorer.reference()
    assert scorer.reference.loaded and scorer.reference() is ref   # read once
    assert not IDENTIFIERS & set(ref.columns)
    assert set(ref.columns) == {"reference_row", "as_of", *feature_names(), "score", "probability"}
    assert ref["reference_row"].tolist() == list(range(len(ref)))
    assert 10_000 < len(ref) <= 50_000
    # a full year of as-of dates ending at the last calibration date, every day
    dates = pd.DatetimeIndex(ref["as_of"].unique())
    assert len(dates) == 364 and dates.max() == pd.Timestamp(trained["job"]["meta"]["windows"]["calibration_last"])
    assert set(dates.month) == set(range(1, 13))
    assert ref["probability"].between(0, 1).all() and ref["score"].notna().all()
    assert trained["job"]["reference"]["rows"] == len(ref)
    assert scorer.meta["reference_sample"]["as_of_dates"] == 364


def test_the_reference_sample_is_the_same_rows_for_a_seed_and_other_rows_for_another(trained):
    from riskmodel.training.reference import build_reference

    scorer, panel = trained["scorer"], trained["panels"]["baseline"]
    data = panel.as_of(CUTOFF)
    last = trained["job"]["meta"]["windows"]["calibration_last"]
    logged = scorer.reference()
    again = build_reference(data, last, scorer.model, seed=0)
    pd.testing.assert_frame_equal(again, logged, check_dtype=False)   # rebuilt = logged, row for row
    small = [build_reference(data, last, scorer.model, rows=1000, seed=seed) for seed in (0, 1)]
    assert len(small[0]) == 364 * 2 and not np.array_equal(small[0]["score"], small[1]["score"])


def test_weekly_runs_use_the_training_reference_quiet_on_baseline_and_alert_on_a_flood(trained, tmp_path):
    from riskmodel.monitoring.drift import DriftThresholds
    from riskmodel.monitoring.weekly import WeeklyConfig, run_weekly

    scorer, quick = trained["scorer"], WeeklyConfig(evidently=False)
    weeks = pd.date_range("2024-06-30", "2025-06-29", freq="28D")   # 6 to 18 months after the cut-off
    alerts, shares = [], []
    for t in weeks:
        s = run_weekly(None, t, tmp_path / "baseline", panel=trained["panels"]["baseline"], scorer=scorer,
                       config=quick, log_mlflow=False)
        assert s["drift"]["reference"].startswith("the model's training reference sample")
        shares.append(s["drift"]["share_drifted"])
        if s["drift"]["alert"]:
            alerts.append((t, s["alerts"]["reasons"]))
    assert len(alerts) <= 1, alerts                                     # the rate test_drift.py pins
    assert max(shares) < DriftThresholds().share_drifted / 2

    s = run_weekly(None, END, tmp_path / "flood", panel=trained["panels"]["flood"], scorer=scorer, config=quick,
                   log_mlflow=False)
    assert s["drift"]["alert"], s["alerts"]
    summary = json.loads((tmp_path / "flood" / END / "drift" / "summary.json").read_text("utf-8"))
    assert "disaster" in {x["risk_type"] for x in summary["shocks"]}
    assert "same place in the month" in summary["reference_rows_used"]
    assert summary["reference"] == s["drift"]["reference"] and "364 as-of dates" in summary["reference"]


def test_models_without_a_reference_fall_back_to_a_year_earlier(panel, scorer, quick, tmp_path):
    from riskmodel.monitoring.weekly import run_weekly

    s = run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    assert "a year earlier" in s["drift"]["reference"] and "no training reference" in s["drift"]["reference"]


def test_a_float32_reference_is_compared_like_with_like_and_sampled_by_row_number():
    from riskmodel.monitoring.drift import compute_drift, deterministic_sample

    rng = np.random.default_rng(0)
    values = rng.choice([0.0, 0.1, 0.7, 0.9, 1.0], 30_000)   # ratios tied with bin edges (0.7f < 0.7)
    ref = pd.DataFrame({"reference_row": np.arange(30_000), "dependency_ratio": values.astype(np.float32)})
    cur = pd.DataFrame({"household_id": [f"H{i}" for i in range(30_000)], "dependency_ratio": values})
    result = compute_drift(ref, cur, features=["dependency_ratio"], risk_types={}, as_of="2024-06-03",
                           line=lambda y: 7000.0)
    assert result.per_feature["psi"].iloc[0] < 1e-6
    sample = deterministic_sample(ref, 1000)
    assert len(sample) == 1000 and sample.equals(deterministic_sample(ref.iloc[::-1], 1000).sort_index())


def test_same_season_matches_the_place_in_the_month():
    from riskmodel.monitoring.drift import days_since_month_end, same_season

    assert days_since_month_end(["2024-03-31", "2024-04-01", "2024-03-30", "2024-02-29"]).tolist() == [0, 1, 30, 0]
    dates = pd.date_range("2023-01-01", "2023-12-31", freq="D")
    ref = pd.DataFrame({"as_of": np.repeat(dates, 200), "x": 0.0})
    chosen, note = same_season(ref, "2025-03-31", weeks=6, min_rows=500, month_days=3)
    picked = sorted(pd.DatetimeIndex(chosen["as_of"].unique()).strftime("%m-%d"))
    assert picked == ["03-31", "04-01", "04-02"]                   # the month end and the days right after
    assert "same place in the month" in note
