"""The generator's v1.1 tables: Chinese region names and yearly member status updates."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.synth import generate


@pytest.fixture(scope="module")
def result():
    return generate(households=600, start="2021-01-01", end="2023-12-31", seed=3)


def _table(result, name):
    return result.tables[name]


def test_every_household_lies_in_a_named_village(result):
    regions = _table(result, "regions")
    villages = regions.loc[regions["level"] == "village", "region_code"]
    assert result.tables["households"]["region_code"].isin(villages).all()
    assert regions["region_code"].is_unique


def test_levels_match_code_lengths_and_parents_exist(result):
    r = _table(result, "regions")
    length = r["region_code"].str.len().map({6: "county", 9: "township", 12: "village"})
    assert (length == r["level"].astype(str)).all()
    assert r.loc[r["level"] == "county", "parent_code"].isna().all()
    child = r.loc[r["level"] != "county"]
    assert child["parent_code"].isin(r["region_code"]).all()
    assert (child["region_code"].str[: -3] == child["parent_code"]).all()


def test_names_are_chinese_with_the_right_suffix_and_unique_among_siblings(result):
    r = _table(result, "regions")
    suffix = {"county": ("县",), "township": ("镇", "乡"), "village": ("村", "社区")}
    for level, ends in suffix.items():
        names = r.loc[r["level"] == level, "name"]
        assert names.astype(str).str.fullmatch("[\u4e00-\u9fff]{3,6}").all(), level
        assert names.str.endswith(ends).all(), level
    assert not r.duplicated(["parent_code", "name"]).any()


def test_names_are_fixed_by_the_seed_and_leave_other_tables_alone(result):
    again = generate(households=600, start="2021-01-01", end="2023-12-31", seed=3)
    pd.testing.assert_frame_equal(_table(result, "regions"), _table(again, "regions"))
    other = generate(households=600, start="2021-01-01", end="2023-12-31", seed=4)
    assert not _table(result, "regions")["name"].equals(_table(other, "regions")["name"])


def test_member_status_rows_are_dated_keyed_and_known(result):
    st = _table(result, "member_status")
    members = result.tables["members"]
    assert len(st) > 100
    assert st["member_id"].isin(members["member_id"]).all()
    assert not st.duplicated(["member_id", "effective_on"]).any()
    assert (st["effective_on"] <= st["reported_on"]).all()
    assert (st["reported_on"] <= pd.Timestamp("2023-12-31")).all()
    joined = members.set_index("member_id")["joined_on"].reindex(st["member_id"]).to_numpy()
    assert (st["effective_on"].to_numpy() >= joined).all()
    assert (st["effective_on"].dt.month == 11).all()  # 年度信息采集 in November


def test_member_status_follows_age_schooling_and_health(result):
    st = _table(result, "member_status")
    by = result.tables["members"].set_index("member_id")["birth_year"].reindex(st["member_id"]).to_numpy()
    age = st["effective_on"].dt.year.to_numpy() - by
    stage = st["in_school"].astype(str).to_numpy()
    skill = st["labor_skill"].astype(str).to_numpy()
    assert ((age[stage == "compulsory"] >= 6) & (age[stage == "compulsory"] <= 15)).all()
    assert (skill[stage != "none"] == "none").all()          # pupils are not labour
    assert (skill[(age > 75)] == "none").all()
    # children start school, school leavers start work: both directions of change occur
    assert {"preschool", "compulsory", "senior"} <= set(stage)
    assert {"ordinary", "weak"} <= set(skill)
    # only changes are recorded: consecutive rows of a member differ
    prev = st.groupby("member_id", observed=True)[["in_school", "labor_skill"]].shift()
    same = (prev["in_school"].astype(str) == st["in_school"].astype(str)) & (
        prev["labor_skill"].astype(str) == st["labor_skill"].astype(str))
    assert not same.any()


def test_a_province_of_hundreds_of_counties_keeps_six_digit_county_codes():
    """A 3M-household panel has 99 counties: past county 99 of a prefecture the next prefecture opens."""
    from riskmodel.contract.regions import VILLAGE_PATTERN
    from riskmodel.synth.regions import build_regions, county_codes

    codes = county_codes(200)
    assert codes[:2] == ["370321", "370322"] and codes[78:81] == ["370399", "370421", "370422"]
    assert len(set(codes)) == 200 and all(len(c) == 6 and c.isdigit() for c in codes)
    assert codes == sorted(codes)  # partitions are read in code order
    regions = build_regions(120, 2, 2)
    assert pd.Series(regions.village_code).str.fullmatch(VILLAGE_PATTERN).all()
    assert len(set(regions.village_code)) == 120 * 2 * 2
