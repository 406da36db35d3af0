"""The promotion gate's checks and the time split's windows, without MLflow."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.training.config import GateConfig, TrainConfig
from riskmodel.training.pipeline import evaluation_dates, training_windows
from riskmodel.training.registry import append_history, gate, read_history

CHAMP = {"pr_auc": 0.30, "recall_at_k": 0.20, "ece": 0.010,
         "subgroup_recall_at_k": {"household_type": {"alleviated": 0.25, "general": 0.15}}}


def _with(**kw):
    return {**CHAMP, **kw}


def test_an_equal_or_better_challenger_passes():
    assert gate(CHAMP, CHAMP, GateConfig()).passed
    assert gate(CHAMP, _with(pr_auc=0.35, recall_at_k=0.22), GateConfig()).passed


@pytest.mark.parametrize("change, failing", [
    ({"pr_auc": 0.25}, "pr_auc"),
    ({"recall_at_k": 0.15}, "recall_at_k"),
    ({"ece": 0.09}, "ece"),
    ({"subgroup_recall_at_k": {"household_type": {"alleviated": 0.30, "general": 0.05}}}, "subgroups"),
    ({"subgroup_recall_at_k": {"household_type": {"alleviated": 0.30}}}, "subgroups"),
])
def test_a_worse_challenger_fails_the_named_check(change, failing):
    result = gate(CHAMP, _with(**change), GateConfig())
    assert not result.passed
    assert [c["check"] for c in result.checks if not c["passed"]] == [failing]


def test_small_losses_within_tolerance_pass():
    assert gate(CHAMP, _with(pr_auc=0.30 * 0.96, recall_at_k=0.20 * 0.96, ece=0.025), GateConfig()).passed


def test_calibration_is_fit_on_later_dates_and_every_label_is_mature_by_the_cutoff():
    cfg = TrainConfig()
    w = training_windows("2024-06-30", cfg)
    assert max(w.fit_dates) < min(w.calibration_dates)
    horizon = pd.Timedelta(weeks=cfg.horizon_weeks)
    assert max(w.calibration_dates) + horizon <= pd.Timestamp("2024-06-30")
    assert len(w.fit_dates) == cfg.fit_periods and len(w.calibration_dates) == cfg.calibration_periods


def test_no_identification_can_be_a_positive_in_both_fit_and_calibration_windows():
    cfg = TrainConfig()
    w = training_windows("2024-06-30", cfg)
    # a fit date's labels cover (t, t + H]; the first calibration date's start after that
    assert max(w.fit_dates) + pd.Timedelta(weeks=cfg.horizon_weeks) <= min(w.calibration_dates)
    shorter = training_windows("2024-06-30", cfg.model_copy(update={"calibration_gap_weeks": 4}))
    assert min(shorter.calibration_dates) - max(shorter.fit_dates) == pd.Timedelta(weeks=4)


def test_fit_dates_with_a_look_back_truncated_by_the_start_of_the_data_are_dropped():
    cfg = TrainConfig()
    start = pd.Timestamp("2023-01-01")
    w = training_windows("2025-06-30", cfg, earliest=start)
    assert min(w.fit_dates) >= start + pd.Timedelta(weeks=cfg.min_lookback_weeks)
    assert 0 < len(w.fit_dates) < cfg.fit_periods
    full = training_windows("2025-06-30", cfg, earliest=None)
    assert len(full.fit_dates) == cfg.fit_periods
    assert set(w.fit_dates) == {t for t in full.fit_dates if t >= start + pd.Timedelta(weeks=cfg.min_lookback_weeks)}


def test_evaluation_dates_start_at_the_training_cutoff_and_have_mature_labels():
    cfg = TrainConfig(eval_step_weeks=4, lead_step_weeks=1)
    evals, lead = evaluation_dates("2024-01-01", "2024-12-31", cfg)
    assert min(evals) == pd.Timestamp("2024-01-01")
    assert all(t + pd.Timedelta(weeks=26) <= pd.Timestamp("2024-12-31") for t in evals)
    assert lead[0] == pd.Timestamp("2024-01-01") and lead[-1] < pd.Timestamp("2024-12-31")
    assert evaluation_dates("2024-10-01", "2024-12-31", cfg)[0] == []


def test_too_short_history_is_a_clear_error():
    with pytest.raises(ValueError, match="no fit dates"):
        training_windows("2021-06-30", TrainConfig(), earliest=pd.Timestamp("2021-01-01"))


def test_alias_history_only_grows(tmp_path):
    log = tmp_path / "h.jsonl"
    append_history(log, {"alias": "champion", "to": "1"})
    first = log.read_bytes()
    append_history(log, {"alias": "champion", "to": "2"})
    assert log.read_bytes().startswith(first)
    assert [e["to"] for e in read_history(log)] == ["1", "2"]


def test_shipped_configs_are_valid():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "training"
    default = TrainConfig.load(root / "default.yaml")
    assert default == TrainConfig()  # the YAML documents the built-in defaults
    fast = TrainConfig.load(root / "fast.yaml")
    assert fast.num_boost_round < default.num_boost_round


def test_data_fingerprint_ignores_row_order_but_not_content():
    from riskmodel.training.tracking import frame_fingerprint

    df = pd.DataFrame({"household_id": pd.array(["a", "b", "c"], dtype="string[pyarrow]"), "x": [1.0, 2.0, 3.0]})
    same = frame_fingerprint({"t": df}) == frame_fingerprint({"t": df.iloc[::-1]})
    changed = frame_fingerprint({"t": df}) != frame_fingerprint({"t": df.assign(x=[1.0, 2.0, 3.5])})
    assert same and changed
