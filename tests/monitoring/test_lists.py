import pandas as pd
import pytest

from riskmodel.features.spec import risk_types
from riskmodel.monitoring.capacity import Capacity, list_sizes
from riskmodel.monitoring.lists import LIST_COLUMNS, attach_reasons, finish, mark_changes, select


def scores():
    # township A: 4 households, township B: 2; H2 and H3 tie on score
    return pd.DataFrame({
        "household_id": ["H1", "H2", "H3", "H4", "H5", "H6"],
        "region_code": ["530102001001"] * 4 + ["530102002001"] * 2,
        "score": [0.9, 0.5, 0.5, 0.1, 0.8, 0.2],
        "probability": [0.45, 0.25, 0.25, 0.05, 0.4, 0.1],
        "category_zh": ["突发严重困难户"] * 6,
    })


def listed(cap=Capacity(townships={"530102001": 3, "530102002": 1})):
    s = scores()
    return select(s, list_sizes(s, cap))


def test_each_township_list_is_its_capacity_ranked_by_score_ties_by_id():
    out = listed()
    a = out[out["township_code"] == "530102001"]
    assert a["household_id"].tolist() == ["H1", "H2", "H3"] and a["rank"].tolist() == [1, 2, 3]
    b = out[out["township_code"] == "530102002"]
    assert b["household_id"].tolist() == ["H5"]
    # the county list is the union, ranked over the county
    assert out.set_index("household_id")["county_rank"].to_dict() == {"H1": 1, "H5": 2, "H2": 3, "H3": 4}


def test_new_on_list_and_previous_rank_come_from_last_week():
    previous = pd.DataFrame({"household_id": ["H2", "H9"], "rank": [1, 2]})
    out = mark_changes(listed(), previous).set_index("household_id")
    assert out.loc["H2", "new_on_list"] == False and out.loc["H2", "previous_rank"] == 1  # noqa: E712
    assert out.loc["H1", "new_on_list"] == True and pd.isna(out.loc["H1", "previous_rank"])  # noqa: E712
    first_week = mark_changes(listed(), None)
    assert first_week["new_on_list"].all()


def test_reasons_name_main_risk_types_in_chinese_and_measures():
    out = mark_changes(listed(), None)
    explained = pd.DataFrame({
        "household_id": out["household_id"],
        "risk_types": [["disaster", "illness", "labor"]] * len(out),
        "contributions": [{"disaster": 0.8, "illness": 0.2, "labor": -0.1}] * len(out),
        "measures": [["受灾救助与过渡期生活救助", "临时救助"]] * len(out),
    })
    rows = finish(attach_reasons(out, explained, risk_types()), pd.Timestamp("2025-06-02"))
    assert list(rows.columns) == list(LIST_COLUMNS)
    first = rows.iloc[0]
    assert first["risk_types"] == ["disaster", "illness"]  # labor pushed the score down: not a reason
    assert first["risk_types_zh"] == "因灾、因病"
    assert first["measures"] == ["受灾救助与过渡期生活救助", "临时救助"]


def test_a_listed_household_without_reasons_is_an_error():
    out = mark_changes(listed(), None)
    explained = pd.DataFrame({"household_id": ["H1"], "risk_types": [["illness"]]})
    with pytest.raises(ValueError, match="no reasons for listed household H2"):
        attach_reasons(out, explained, risk_types())


def test_duplicate_households_in_scores_are_refused():
    s = pd.concat([scores(), scores().iloc[:1]])
    with pytest.raises(ValueError, match="H1 appears twice"):
        select(s, list_sizes(s, Capacity()))
