"""Each named scenario produces its shock at ``shock_date`` and nothing like it in the baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.synth import SCENARIOS, generate

SHOCK = "2023-07-01"
KW = dict(households=1500, start="2022-01-01", end="2024-06-30", seed=5, shock_date=SHOCK)


@pytest.fixture(scope="module")
def panels():
    return {name: generate(scenario=name, **KW) for name in ("baseline", "flood", "epidemic",
                                                             "factory_closure", "policy_change")}


def test_every_scenario_is_known_and_valid(panels):
    assert set(panels) == set(SCENARIOS)
    for result in panels.values():
        Panel.from_frames(result.tables, result.policy)  # raises on any contract problem


def _in_month(df, col, month=SHOCK):
    m = pd.Period(month, "M")
    return df.loc[df[col].dt.to_period("M") == m]


def test_flood_hits_one_county_hard(panels):
    ev = panels["flood"].tables["events"]
    dis = _in_month(ev.loc[ev["event_type"] == "disaster"], "event_date")
    base = _in_month(panels["baseline"].tables["events"].query("event_type == 'disaster'"), "event_date")
    assert len(dis) > 4 * max(len(base), 10)
    region = panels["flood"].tables["households"].set_index("household_id")["region_code"]
    counties = region.reindex(dis["household_id"]).str[:6]
    assert counties.value_counts(normalize=True).iloc[0] > 0.8
    assert (dis["severity"] >= 3).mean() > 0.5


def test_epidemic_raises_illness_for_a_year(panels):
    def inpatient_after(result):
        c = result.tables["medical_claims"]
        c = c.loc[(c["kind"] == "inpatient") & (c["service_date"] >= SHOCK) & (c["service_date"] < "2024-04-01")]
        return len(c)
    assert inpatient_after(panels["epidemic"]) > 1.5 * inpatient_after(panels["baseline"])


def test_factory_closure_concentrates_job_losses(panels):
    ev = panels["factory_closure"].tables["events"]
    lost = _in_month(ev.loc[ev["event_type"] == "job_loss"], "event_date")
    base = _in_month(panels["baseline"].tables["events"].query("event_type == 'job_loss'"), "event_date")
    assert len(lost) > 5 * max(len(base), 5)
    region = panels["factory_closure"].tables["households"].set_index("household_id")["region_code"]
    towns = region.reindex(lost["household_id"]).str[:9].value_counts(normalize=True)
    assert towns.iloc[: max(1, len(towns) // 3)].sum() > 0.6


def test_policy_change_raises_the_line_and_identifications(panels):
    new, old = panels["policy_change"].policy, panels["baseline"].policy
    assert new.line(2023) > 1.25 * old.line(2023)
    assert new.line(2022) == old.line(2022)

    def identified_after(result):
        mon = result.tables["monitoring"]
        return ((mon["identified_on"] >= SHOCK) & (mon["identified_on"] < "2024-07-01")).sum()
    assert identified_after(panels["policy_change"]) > 1.3 * identified_after(panels["baseline"])


def test_scenarios_share_the_history_before_the_shock(panels):
    before = pd.Timestamp(SHOCK)
    base = panels["baseline"].tables
    for name, result in panels.items():
        for table, col in (("income", "reported_on"), ("medical_claims", "reported_on"), ("events", "reported_on"),
                           ("monitoring", "reported_on")):
            a = base[table].loc[base[table][col] < before].sort_values(list(base[table].columns[:2])).reset_index(drop=True)
            b = result.tables[table].loc[result.tables[table][col] < before]
            b = b.sort_values(list(b.columns[:2])).reset_index(drop=True)
            if table in ("medical_claims", "events"):  # ids are numbered over the whole panel
                a, b = a.iloc[:, 1:], b.iloc[:, 1:]
            if table == "monitoring":  # an elimination after the shock is later news
                a["eliminated_on"] = a["eliminated_on"].where(a["eliminated_on"] < before)
                b["eliminated_on"] = b["eliminated_on"].where(b["eliminated_on"] < before)
            pd.testing.assert_frame_equal(a, b, obj=f"{name}.{table}")


def test_default_shock_is_eight_weeks_before_the_end():
    result = generate(households=300, start="2023-01-01", end="2024-06-30", seed=1, scenario="flood")
    ev = result.tables["events"]
    dis = ev.loc[ev["event_type"] == "disaster"]
    biggest = dis["event_date"].dt.to_period("M").value_counts().index[0]
    assert biggest == pd.Period("2024-05", "M")
