import numpy as np
import pandas as pd
import pytest

from riskmodel.monitoring.performance import DecayThresholds, judge_decay, week_performance


def week(seed=0, n=2000, quality=2.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.05).astype(int)
    score = rng.normal(size=n) + quality * y
    p = 1 / (1 + np.exp(-(score - 4)))
    ids = [f"H{i}" for i in range(n)]
    scores = pd.DataFrame({"household_id": ids, "score": score, "probability": p})
    labels = pd.DataFrame({"household_id": ids, "label": y})
    listed = scores.nlargest(100, "score")["household_id"]
    return scores, listed, labels


def test_recall_and_precision_at_capacity_are_counted_on_the_list_sent():
    scores, listed, labels = week()
    out = week_performance(scores, listed, labels)
    y = labels.set_index("household_id")["label"]
    assert out["true_positives_listed"] == y.loc[listed].sum()
    assert out["recall_at_capacity"] == pytest.approx(y.loc[listed].sum() / y.sum(), abs=1e-6)
    assert out["precision_at_capacity"] == pytest.approx(y.loc[listed].mean(), abs=1e-6)
    assert out["pr_auc"] > out["base_rate"]
    assert sum(d["n"] for d in out["calibration"]["deciles"]) == 2000


def test_scored_and_labelled_households_must_match():
    scores, listed, labels = week()
    with pytest.raises(ValueError, match="scored and labelled households differ"):
        week_performance(scores, listed, labels.iloc[1:])


def test_the_metrics_do_not_depend_on_the_labels_order_or_the_ids_text_type():
    scores, listed, labels = week(seed=3)
    plain = week_performance(scores, listed, labels)
    arrow = scores.assign(household_id=scores["household_id"].astype("string[pyarrow]"))
    shuffled = labels.sample(frac=1, random_state=0).astype({"household_id": "string[pyarrow]"})
    assert week_performance(arrow, listed, shuffled) == plain
    assert plain["listed"] == 100


def test_the_error_names_a_household_of_each_side():
    scores, listed, labels = week()
    with pytest.raises(ValueError, match=r"1 scored only, e.g. \['H0'\]; 1 labelled only, e.g. \['X'\]"):
        week_performance(scores, listed, pd.concat([labels.iloc[1:], pd.DataFrame({"household_id": ["X"], "label": [0]})]))


def test_decay_is_flagged_against_the_reference_week_only_when_it_is_real():
    good = week_performance(*week(quality=2.5))
    worse = week_performance(*week(seed=1, quality=0.5))
    assert judge_decay(good, good) == [] or all("calibration" in r for r in judge_decay(good, good))
    reasons = judge_decay(worse, good)
    assert any("PR-AUC" in r for r in reasons)
    assert judge_decay(worse, good, DecayThresholds(min_positives=10_000)) == []  # too few positives to judge


# --- observed precision of visits ------------------------------------------------------------

def _visits():
    return pd.DataFrame({"household_id": ["A", "B", "C"], "visited_on": ["2025-01-07", "2025-01-08", "2025-01-09"],
                         "outcome": ["confirmed_at_risk", "not_at_risk", "not_home"]})


REGIONS = pd.Series({"A": "530102001001", "B": "530102002001", "C": "530102001002"})


def test_observed_precision_per_township_and_county():
    from riskmodel.monitoring.performance import observed_precision

    mon = pd.DataFrame({"household_id": ["A", "B"], "identified_on": pd.to_datetime(["2025-02-01", "2025-01-01"])})
    got = observed_precision(_visits(), REGIONS, mon, "2025-03-01", 26).set_index(["level", "office_code"])
    assert got.loc[("county", "530102"), ["visited", "confirmed", "identified", "not_home"]].tolist() == [2, 1, 1, 1]
    assert got.loc[("county", "530102"), "precision"] == 0.5
    assert got.loc[("township", "530102001"), ["visited", "confirmed", "not_home", "precision"]].tolist() == [1, 1, 1, 1.0]
    assert got.loc[("township", "530102002"), ["visited", "identified", "precision"]].tolist() == [1, 0, 0.0]
    assert (got["week"] == pd.Timestamp("2025-01-06")).all() and not got["matured"].any()


def test_observed_precision_matures_after_the_horizon_and_refuses_unknown_households():
    from riskmodel.monitoring.performance import observed_precision

    mon = pd.DataFrame({"household_id": [], "identified_on": pd.to_datetime([])})
    got = observed_precision(_visits(), REGIONS, mon, "2025-07-13", 26)
    assert got["matured"].all()
    with pytest.raises(ValueError, match="visits: 1 visit.*not in the panel, e.g. A"):
        observed_precision(_visits(), REGIONS.drop("A"), mon, "2025-07-13", 26)


def test_data_older_than_the_threshold_is_an_alert_of_its_own_not_a_retraining():
    from riskmodel.monitoring.performance import alerts, stale_data

    assert stale_data("2025-01-06", "2024-12-31", 35) == []
    assert stale_data("2025-02-04", "2024-12-31", 35) == []  # 35 days: still fresh
    (reason,) = stale_data("2025-02-05 00:00", pd.Timestamp("2024-12-31 23:59"), 35)
    assert reason.startswith("the newest record (2024-12-31) is 36 days before the list date (> 35)")
    quiet = {"as_of": "2025-02-05", "alert": False, "reasons": []}
    perf = {"summary": {"decay_reasons": []}}
    out = alerts(quiet, perf, [reason])
    assert (out["data_alert"], out["drift_alert"], out["retrain_recommended"]) == (True, False, False)
    assert out["reasons"] == [f"data: {reason}"]
    assert alerts(quiet, perf)["data_alert"] is False
