"""Evaluation metrics on hand-made frames whose answers can be counted by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.training.metrics import at_capacity, ece, inside_capacity, lead_summary, lead_times, model_metrics


def _frame() -> pd.DataFrame:
    # two as-of dates, 100 households each, 2 counties; positives are h0..h4 on both dates
    rows = []
    for t in ("2024-01-01", "2024-01-29"):
        for i in range(100):
            rows.append({"as_of": pd.Timestamp(t), "household_id": f"h{i:03d}", "county": "A" if i % 2 else "B",
                         "label": int(i < 5), "s_good": 100 - i, "s_flat": 0.0, "s_bad": i,
                         "p_good": 0.9 if i < 5 else 0.0, "kind": "x" if i < 3 else "y"})
    return pd.DataFrame(rows)


def test_capacity_is_two_percent_per_date_with_ties_broken_by_household_id():
    f = _frame()
    inside = inside_capacity(f, "s_flat", 0.02)
    assert inside.sum() == 4                     # ceil(0.02 × 100) = 2 per date
    assert set(f.loc[inside, "household_id"]) == {"h000", "h001"}


def test_recall_and_precision_at_capacity_pool_over_dates():
    f = _frame()
    good = at_capacity(f, inside_capacity(f, "s_good", 0.02))
    assert good["precision"] == 1.0 and good["recall"] == pytest.approx(4 / 10)
    bad = at_capacity(f, inside_capacity(f, "s_bad", 0.02))
    assert bad["precision"] == 0.0 and bad["recall"] == 0.0


def test_county_lists_take_the_share_of_each_county():
    f = _frame()
    inside = inside_capacity(f, "s_good", 0.02, by="county")
    # 50 per county → 1 per county per date
    per = f.loc[inside].groupby(["as_of", "county"]).size()
    assert (per == 1).all() and len(per) == 4


def test_ece_is_zero_for_perfect_bins_and_the_gap_otherwise():
    y = np.array([0, 0, 1, 1])
    assert ece(y, np.array([0.0, 0.0, 1.0, 1.0]), bins=2) == pytest.approx(0.0)
    assert ece(y, np.full(4, 0.5), bins=1) == pytest.approx(0.0)
    assert ece(y, np.full(4, 0.8), bins=1) == pytest.approx(0.3)


def test_model_metrics_cover_ranking_calibration_and_subgroups():
    f = _frame()
    m = model_metrics(f, "good", 0.02, {"kind": "kind"})
    assert m["roc_auc"] == pytest.approx(1.0) and m["pr_auc"] == pytest.approx(1.0)
    assert m["brier"] == pytest.approx(np.mean((f["p_good"] - f["label"]) ** 2))
    assert m["subgroup_recall_at_k"]["kind"] == {"x": pytest.approx(2 / 3), "y": 0.0}
    assert m["per_county_at_k"]["B"]["precision"] == 1.0


def test_lead_time_is_weeks_from_first_inside_capacity_to_identification():
    weeks = pd.date_range("2024-01-01", periods=30, freq="7D")
    weekly = pd.DataFrame([(t, h) for t in weeks for h in ("a", "b", "c")], columns=["as_of", "household_id"])
    # a: inside from week 10 on; b: never; c: inside at week 2 only, too early for its look-back
    inside = ((weekly["household_id"] == "a") & (weekly["as_of"] >= weeks[10])) | \
             ((weekly["household_id"] == "c") & (weekly["as_of"] == weeks[2]))
    ident = pd.DataFrame({"household_id": ["a", "b", "c", "a"],
                          "identified_on": [weeks[27], weeks[27], weeks[29], weeks[3]]})
    leads = lead_times(weekly, inside.to_numpy(), ident, horizon_weeks=26, first=weeks[0], last=weeks[-1])
    got = dict(zip(leads["household_id"], leads["lead_weeks"]))
    assert len(leads) == 3                         # a's early identification has no full look-back
    assert got["a"] == pytest.approx(26 - 10 + 1)  # weeks[27] - max(weeks[1], weeks[10]) = 17 weeks
    assert np.isnan(got["b"])
    assert np.isnan(got["c"])                      # week 2 < identified - 26 weeks (week 3)
    s = lead_summary(leads)
    assert s["found"] == 1 and s["median_lead_weeks"] == pytest.approx(17.0)
