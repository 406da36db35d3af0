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


def test_decay_is_flagged_against_the_reference_week_only_when_it_is_real():
    good = week_performance(*week(quality=2.5))
    worse = week_performance(*week(seed=1, quality=0.5))
    assert judge_decay(good, good) == [] or all("calibration" in r for r in judge_decay(good, good))
    reasons = judge_decay(worse, good)
    assert any("PR-AUC" in r for r in reasons)
    assert judge_decay(worse, good, DecayThresholds(min_positives=10_000)) == []  # too few positives to judge
