"""The season replay: equal visits for every ranking, hits from the latent state, weeks gained."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from riskmodel.monitoring.replay import ReplayConfig, hardship_by_month, run_season, season_table


def test_season_table_counts_hits_once_and_weeks_gained_over_the_existing_process():
    visits = pd.DataFrame({
        "method": ["m"] * 4, "week": pd.to_datetime(["2024-07-01"] * 3 + ["2024-07-08"]),
        "household_id": ["A", "B", "C", "A"], "region_code": ["530102001001"] * 4,
        "visited_on": pd.to_datetime(["2024-07-03"] * 3 + ["2024-07-10"]),
        "outcome": ["confirmed_at_risk", "confirmed_at_risk", "not_at_risk", "confirmed_at_risk"],
        "hit": [True, True, False, True]})
    monitoring = pd.DataFrame({"household_id": ["A", "A", "C"],
                               "identified_on": pd.to_datetime(["2024-01-01", "2024-08-14", "2024-09-01"])})
    row = season_table(visits, monitoring, pd.Timestamp("2024-12-25")).iloc[0]
    assert (row["visits"], row["households_visited"], row["hits"]) == (4, 3, 2)
    assert row["hits_identified_later"] == 1 and row["median_weeks_gained"] == 6.0  # A: 07-03 → 08-14
    assert row["hits_never_identified"] == 1  # B, censored at the data's end: 25 weeks
    assert row["weeks_gained_total"] == 6.0 + 25.0


def test_hardship_needs_the_truth_column():
    with pytest.raises(ValueError, match="no in_hardship column"):
        hardship_by_month(pd.DataFrame({"household_id": ["A"], "month": ["2024-07-01"]}),
                          pd.Timestamp("2024-07-01"), pd.Timestamp("2024-08-01"))


def test_every_ranking_gets_the_same_visits_and_a_hit_leaves_the_population(synth_dir, synth_panel):
    from riskmodel.contract import load_truth

    truth = load_truth(synth_dir)
    cfg = ReplayConfig(start=dt.date(2024, 6, 3), weeks=4, capacity_share=0.05)
    hard = hardship_by_month(truth, pd.Timestamp("2024-06-01"), pd.Timestamp("2024-07-31"))
    months = pd.to_datetime(truth["month"]).dt.to_period("M")

    def by_truth(sign):
        def rank(t):
            m = truth.loc[(months == (t + pd.Timedelta(days=2)).to_period("M")).to_numpy()]
            return pd.DataFrame({"household_id": m["household_id"].astype(str),
                                 "score": sign * m["in_hardship"].astype(float)})
        return rank

    visits = run_season(synth_panel, {"oracle": by_truth(1.0), "anti": by_truth(-1.0)}, hard, cfg)
    per_week = visits.groupby(["week", "method"]).size().unstack()
    assert (per_week["oracle"] == per_week["anti"]).all() and per_week["oracle"].min() > 0
    hits = visits.groupby("method")["hit"].sum()
    assert hits["oracle"] > 0 and hits["anti"] == 0
    found = visits.loc[visits["hit"]]
    assert not found.duplicated(["method", "household_id"]).any()  # identified at the visit: never visited again
    assert (visits.loc[visits["hit"], "outcome"] == "confirmed_at_risk").all()
    # 无风险 households wait out the 13-week cool-down unless something new was reported
    anti = visits.loc[visits["method"] == "anti"]
    again = anti.loc[anti.duplicated("household_id", keep=False)]
    assert len(again) < 0.2 * len(anti)
