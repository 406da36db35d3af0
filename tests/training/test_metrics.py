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
    shuffled = f.sample(frac=1.0, random_state=0).reset_index(drop=True)  # ids no longer in row order
    inside = inside_capacity(shuffled, "s_flat", 0.02)
    assert set(shuffled.loc[inside, "household_id"]) == {"h000", "h001"}


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


def _two_dates() -> pd.DataFrame:
    """Within each date the model ranks the one positive first, but date B's scores are all lower."""
    rows = []
    for date, offset in (("2024-01-01", 0.5), ("2024-02-01", 0.0)):
        for i in range(10):
            rows.append({"as_of": pd.Timestamp(date), "household_id": f"H{i}", "county": "C1", "label": int(i == 0),
                         "s_model": offset + (0.4 if i == 0 else 0.01 * i), "s_flat": 0.5})
    return pd.DataFrame(rows)


def test_per_date_metrics_average_over_dates_instead_of_pooling_them():
    from riskmodel.training.metrics import per_date_metrics

    frame = _two_dates()
    per = per_date_metrics(frame, ["model"], 0.1)["model"]
    assert per["roc_auc"] == pytest.approx(1.0) and per["pr_auc"] == pytest.approx(1.0)
    assert per["recall_at_k"] == pytest.approx(1.0)  # k = 1 per date, the positive first on both
    pooled = model_metrics(frame, "model", 0.1, {})
    assert pooled["roc_auc"] < 1.0  # date B's positive (0.4) ranks below date A's negatives (0.5+)


def test_bootstrap_intervals_hold_the_estimate_and_a_model_equal_to_the_reference_has_ratio_one():
    from riskmodel.training.metrics import bootstrap_per_date

    rng = np.random.default_rng(3)
    frame = pd.concat([_two_dates()] * 1, ignore_index=True)
    frame["s_noisy"] = frame["s_model"] + rng.normal(0, 0.2, len(frame))
    frame["s_ref"] = frame["s_noisy"]
    out = bootstrap_per_date(frame, ["noisy", "ref"], 0.2, reference="ref", replicates=50, seed=1)
    for k in ("roc_auc", "recall_at_k"):
        v = out["noisy"][k]
        assert v["lo"] <= v["mean"] <= v["hi"] or np.isnan(v["mean"])
        assert out["noisy"][f"ratio_{k}"]["lo"] == pytest.approx(1.0)
        assert out["noisy"][f"ratio_{k}"]["hi"] == pytest.approx(1.0)
    again = bootstrap_per_date(frame, ["noisy", "ref"], 0.2, reference="ref", replicates=50, seed=1)
    assert again == out  # a seed gives the same intervals


def test_bootstrap_weights_decide_who_fills_the_list():
    from riskmodel.training.metrics import per_date_metrics

    frame = _two_dates().iloc[:10].reset_index(drop=True)  # one date, ten households
    frame["s_model"] = np.where(frame["household_id"] == "H0", 0.55, 0.5 + 0.01 * np.arange(10))  # H9 on top
    w = np.ones(len(frame))
    assert per_date_metrics(frame, ["model"], 0.1, weights=w)["model"]["recall_at_k"] == 0.0  # k = 1: H9
    w[frame["household_id"].isin(["H6", "H7", "H8", "H9"]).to_numpy()] = 0  # not drawn: k = ceil(0.1 × 6) = 1
    assert per_date_metrics(frame, ["model"], 0.1, weights=w)["model"]["recall_at_k"] == pytest.approx(1.0)
    w[:] = 1
    w[frame["household_id"].to_numpy() == "H5"] = 12  # H5 drawn 12 times: 21 copies, k = 3, H9, H8, H7
    assert per_date_metrics(frame, ["model"], 0.1, weights=w)["model"]["recall_at_k"] == 0.0


def test_worst_bin_is_the_largest_over_confidence():
    from riskmodel.training.metrics import worst_bin_ratio

    y = np.array([1] + [0] * 19 + [1] * 10 + [0] * 10)
    p = np.array([0.2] * 20 + [0.5] * 20)
    assert worst_bin_ratio(y, p, bins=2, min_expected=0) == pytest.approx(4.0)    # 0.2 predicted, 0.05 observed
    assert worst_bin_ratio(np.zeros(4), np.full(4, 0.1), bins=1, min_expected=0) == np.inf  # no positive at all


def test_bins_expecting_few_positives_are_judged_apart():
    from riskmodel.training.metrics import small_bins, worst_bin_ratio

    # bin 1: 100 rows at p = 0.01 (1 expected), no positive; bin 2: 100 rows at 0.2 (20 expected), 10 seen
    y = np.array([0] * 100 + [1] * 10 + [0] * 90)
    p = np.array([0.01] * 100 + [0.2] * 100)
    assert worst_bin_ratio(y, p, bins=2) == pytest.approx(2.0)                 # only the bin expecting 20
    assert worst_bin_ratio(y, p, bins=2, small=True) == np.inf                 # the one expecting 1, apart
    assert small_bins(y, p, bins=2) == 1
    assert worst_bin_ratio(y, p, bins=2, min_expected=0.5) == np.inf           # judged when the floor allows


def test_subgroup_recall_groups_by_the_values_text_including_missing_values():
    from riskmodel.training.metrics import subgroup_recall

    frame = pd.DataFrame({
        "label": [True, True, False, True, True, False],
        "county": pd.Categorical(["370303", None, "370303", "370304", None, "370304"],
                                 categories=["370304", "370303", "370399"]),  # one category never seen
        "kind": np.array(["b", "a", None, "a", "b", "a"], dtype=object),
    })
    inside = np.array([True, False, True, True, True, False])
    got = subgroup_recall(frame, inside, {"county": "county", "kind": "kind"})
    assert got == {"county": {"370303": 1.0, "370304": 1.0, "nan": 0.5}, "kind": {"a": 0.5, "b": 1.0}}
    assert list(got["county"]) == ["370303", "370304", "nan"]  # in text order, as the report lists them
    assert subgroup_recall(frame, inside, {"kind": "kind"}, min_positives=2) == {"kind": {"a": 0.5, "b": 1.0}}
    assert subgroup_recall(frame, inside, {"kind": "kind"}, min_positives=3) == {"kind": {}}
