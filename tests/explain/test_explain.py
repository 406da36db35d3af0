"""Contributions are summed through the one risk-type map; category and measures follow documented rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.contract import RISK_TYPES, Panel
from riskmodel.explain import reasons, risk_type_matrix, sum_by_risk_type, suggest_category
from riskmodel.features import feature_names, feature_risk_types
from riskmodel.features.spec import risk_types


def test_every_feature_maps_to_exactly_one_official_risk_type():
    m = risk_type_matrix(feature_names(), feature_risk_types())
    assert m.shape == (len(feature_names()), len(RISK_TYPES))
    assert (m.sum(axis=1) == 1).all()


def test_contributions_are_summed_by_risk_type_and_bias_is_dropped():
    names = ["a", "b", "c"]
    types = {"a": "illness", "b": "illness", "c": "labor"}
    contrib = np.array([[0.5, 0.25, -0.1, 9.0], [0.0, -0.2, 0.3, 9.0]])
    out = sum_by_risk_type(contrib, names, types)
    assert list(out.columns) == list(RISK_TYPES)
    assert out.loc[0, "illness"] == pytest.approx(0.75)
    assert out.loc[0, "labor"] == pytest.approx(-0.1)
    assert out.loc[1, "labor"] == pytest.approx(0.3)
    assert out.drop(columns=["illness", "labor"]).to_numpy().sum() == 0  # bias 9.0 is nowhere


def test_unknown_risk_type_is_an_error():
    with pytest.raises(ValueError, match="outside the contract"):
        risk_type_matrix(["x"], {"x": "bad_luck"})
    with pytest.raises(ValueError, match="columns"):
        sum_by_risk_type(np.zeros((1, 2)), ["a", "b"], {})


def test_reasons_list_positive_types_largest_first_with_their_measures():
    by_type = pd.DataFrame([[0.1, 0.0, 0.7] + [0.0] * (len(RISK_TYPES) - 3),
                            [-0.2] + [0.0] * (len(RISK_TYPES) - 1)], columns=list(RISK_TYPES))
    measures = {code: rt.measures for code, rt in risk_types().items()}
    out = reasons(by_type, measures)
    assert out.loc[0, "risk_types"] == [RISK_TYPES[2], RISK_TYPES[0]]
    assert out.loc[0, "contributions"] == {RISK_TYPES[2]: 0.7, RISK_TYPES[0]: 0.1}
    assert out.loc[0, "measures"][: len(measures[RISK_TYPES[2]])] == list(measures[RISK_TYPES[2]])
    assert set(measures[RISK_TYPES[0]]) <= set(out.loc[0, "measures"])
    assert out.loc[1, "risk_types"] == ["other"]        # nothing pushes up: still a reason to show
    assert out.loc[1, "contributions"] == {RISK_TYPES[0]: -0.2}


def _panel() -> Panel:
    hh = lambda hid, kind: {"household_id": hid, "region_code": "530102001001", "household_type": kind,  # noqa: E731
                            "poverty_exit_year": "2018" if kind == "alleviated" else "", "registered_on": "2021-01-05"}
    households = pd.DataFrame([hh("A", "alleviated"), hh("G", "general"), hh("S", "general"),
                               hh("B", "alleviated"), hh("OLD", "general")])
    members = pd.DataFrame([{"member_id": f"{h}1", "household_id": h, "relation": "head", "sex": "F",
                             "birth_year": "1970", "education": "none", "in_school": "none",
                             "labor_skill": "ordinary", "joined_on": "2021-01-05"} for h in households["household_id"]])
    events = pd.DataFrame([
        {"event_id": "e1", "household_id": "S", "event_type": "accident", "event_date": "2024-06-01",
         "reported_on": "2024-06-02"},
        {"event_id": "e2", "household_id": "OLD", "event_type": "disaster", "event_date": "2023-01-01",
         "reported_on": "2023-01-02"},
    ])
    claims = pd.DataFrame([{"claim_id": "c", "member_id": "B1", "service_date": "2024-05-01", "kind": "inpatient",
                            "diagnosis_group": "cancer", "total_cost": "40000", "reimbursed": "15000",
                            "out_of_pocket": "25000", "reported_on": "2024-05-03"}])
    return Panel.from_frames({"households": households, "members": members, "events": events,
                              "medical_claims": claims})


def test_suggested_category_follows_the_documented_rule():
    out = suggest_category(_panel(), "2024-06-30", ["A", "G", "S", "B", "OLD"]).set_index("household_id")
    assert out["category"].to_dict() == {"A": "unstable", "G": "marginal", "S": "sudden", "B": "sudden",
                                         "OLD": "marginal"}
    assert out.loc["A", "category_zh"] == "脱贫不稳定户"
    assert out.loc["S", "category_zh"] == "突发严重困难户"
    assert out.loc["G", "category_zh"] == "边缘易致贫户"


def test_suggested_category_ignores_shocks_reported_after_as_of():
    out = suggest_category(_panel(), "2024-06-01", ["S"]).set_index("household_id")
    assert out.loc["S", "category"] == "marginal"  # the accident was reported on 2024-06-02
