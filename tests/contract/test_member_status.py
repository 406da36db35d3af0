"""member_status (contract v1.1): dated updates of in_school and labor_skill, known only once reported."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel, member_attributes
from riskmodel.contract.example import example_tables


@pytest.fixture
def panel() -> Panel:
    return Panel.from_frames(example_tables())


def _attrs(frame: pd.DataFrame, member: str) -> tuple:
    row = frame.loc[frame["member_id"] == member].iloc[0]
    return row["in_school"], row["labor_skill"], row["status_on"]


def test_attributes_are_the_registrations_until_an_update_is_reported(panel):
    # M005: effective 2023-07-01, reported 2023-08-15 (college → none, ordinary → skilled)
    before = panel.member_attributes("2023-08-14")
    assert _attrs(before, "M005")[:2] == ("college", "ordinary") and pd.isna(_attrs(before, "M005")[2])
    after = panel.member_attributes("2023-08-15")
    assert _attrs(after, "M005") == ("none", "skilled", pd.Timestamp("2023-07-01"))


def test_an_update_reported_before_it_takes_effect_waits_for_its_date(panel):
    tables = example_tables()
    tables["member_status"].loc[1] = ("M005", "2023-09-01", "none", "skilled", "2023-09-01")
    tables["member_status"].loc[2] = ("M005", "2023-10-01", "senior", "weak", "2023-10-01")
    p = Panel.from_frames(tables)
    assert _attrs(p.member_attributes("2023-09-15"), "M005")[:2] == ("none", "skilled")
    assert _attrs(p.member_attributes("2023-10-01"), "M005")[:2] == ("senior", "weak")


def test_the_latest_effective_row_wins_whatever_the_row_order(panel):
    status = pd.DataFrame({"member_id": ["M001", "M001"], "effective_on": ["2024-01-01", "2023-01-01"],
                           "in_school": ["none", "none"], "labor_skill": ["none", "skilled"],
                           "reported_on": ["2024-01-02", "2023-01-02"]})
    p = Panel.from_frames({**example_tables(), "member_status": status})
    assert _attrs(p.member_attributes("2024-06-01"), "M001")[1] == "none"
    assert _attrs(p.member_attributes("2023-06-01"), "M001")[1] == "skilled"


def test_as_of_keeps_only_reported_and_effective_rows(panel):
    view = panel.as_of("2023-08-01")
    assert view.member_status["member_id"].tolist() == ["M001"]
    # the helper on a panel cut at t needs no t
    assert _attrs(view.member_attributes(), "M005")[:2] == ("college", "ordinary")
    assert _attrs(view.member_attributes(), "M001")[1] == "weak"


def test_members_keep_their_rows_order_and_other_columns(panel):
    out = member_attributes(panel.members, panel.member_status)
    assert out.index.equals(panel.members.index)
    pd.testing.assert_frame_equal(out.drop(columns=["in_school", "labor_skill", "status_on"]),
                                  panel.members.drop(columns=["in_school", "labor_skill"]))
    assert out["in_school"].dtype == panel.members["in_school"].dtype


def test_an_absent_member_status_table_loads_empty_and_typed():
    tables = example_tables()
    del tables["member_status"], tables["regions"]
    p = Panel.from_frames(tables)
    assert p.member_status.empty and list(p.member_status.columns) == [
        "member_id", "effective_on", "in_school", "labor_skill", "reported_on"]
    assert p.regions.empty
    out = p.member_attributes("2024-01-01")
    assert out["in_school"].tolist() == p.members["in_school"].tolist()


def test_subset_keeps_the_status_of_those_households_members(panel):
    assert panel.subset(["H002"]).member_status["member_id"].tolist() == ["M005"]
    assert len(panel.subset(["H002"]).regions) == len(panel.regions)
