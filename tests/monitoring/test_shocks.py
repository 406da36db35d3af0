"""Shock counts per township and province against a naive count of the same rows."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.monitoring.drift import DriftThresholds
from riskmodel.monitoring.shocks import SHOCK_EVENTS, SHOCK_INDICATORS, shock_counts
from tests.monitoring.panels import make_frames

WINDOW = pd.Timedelta(days=DriftThresholds().shock_window_days)


def naive_counts(panel, when: pd.Timestamp) -> tuple[list[int], dict[str, dict[str, int]]]:
    """Province row and {township: {column: count}} at one date, a row at a time."""
    hh = panel.households
    town_of = {h: str(r)[:9] for h, r, on in zip(hh["household_id"], hh["region_code"], hh["registered_on"])
               if on <= when}
    hit: dict[str, set] = {k: set() for k in SHOCK_INDICATORS}
    for h, kind, day, rep in zip(*(panel.events[c] for c in ("household_id", "event_type", "event_date",
                                                                 "reported_on"))):
        if kind in SHOCK_EVENTS and when - WINDOW < day <= when and rep <= when:
            hit[kind].add(h)
    household_of = dict(zip(panel.members["member_id"], panel.members["household_id"]))
    c = panel.medical_claims
    for m, kind, day, rep in zip(c["member_id"], c["kind"], c["service_date"], c["reported_on"]):
        if kind == "inpatient" and when - WINDOW < day <= when and rep <= when:
            hit["inpatient"].add(household_of[m])
    towns: dict[str, dict[str, int]] = {}
    for h, town in town_of.items():
        row = towns.setdefault(town, dict.fromkeys(["households", *SHOCK_INDICATORS], 0))
        row["households"] += 1
        for k in SHOCK_INDICATORS:
            row[k] += h in hit[k]
    return [len(town_of), *(len(hit[k]) for k in SHOCK_INDICATORS)], towns


@pytest.fixture(scope="module")
def panel() -> Panel:
    return Panel.from_frames(make_frames(seed=3, households=300, end="2025-06-30", shock="2025-05-01"))


def _check(panel, as_of):
    got = shock_counts(panel, as_of)
    for when, date in (("current", as_of), ("reference", as_of - pd.DateOffset(years=1))):
        province, towns = naive_counts(panel, date)
        assert got.province.loc[when].tolist() == province
        listed = got.townships.loc[when].to_dict("index") if when in got.townships.index.get_level_values(0) else {}
        assert listed == towns


def test_counts_equal_a_naive_count_this_week_and_a_year_earlier(panel):
    _check(panel, pd.Timestamp("2025-06-16"))


def test_a_year_before_anyone_registered_has_no_township_rows(panel):
    first = panel.households["registered_on"].min()
    _check(panel, first + pd.Timedelta(days=40))
    assert "reference" not in shock_counts(panel, first + pd.Timedelta(days=40)).townships.index.get_level_values(0)


def test_hit_households_missing_from_the_households_table_count_in_the_province_only(panel):
    as_of = pd.Timestamp("2025-06-16")
    hit = panel.events.loc[(panel.events["event_date"] > as_of - WINDOW) & (panel.events["event_date"] <= as_of)
                           & (panel.events["reported_on"] <= as_of), "household_id"]
    gone = set(hit.astype(str)[:5])
    assert gone, "the panel should have recent events"
    partial = dataclasses.replace(panel, households=panel.households.loc[
        ~panel.households["household_id"].astype(str).isin(gone)].reset_index(drop=True))
    _check(partial, as_of)
    assert shock_counts(partial, as_of).province.loc["current"].drop("registered").tolist() == \
        shock_counts(panel, as_of).province.loc["current"].drop("registered").tolist()
