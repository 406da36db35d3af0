"""A flood in one county is named by a regional alert; a year of ordinary weeks stays quiet.

The panel is written here, not by riskmodel's generator, so the thresholds are not tuned to
the generator's dynamics: six counties of three townships, the monitoring test panel's
incomes and identification, and this file's own hazards — disasters in the rainy season
(June–September, 1.2 % of households a month, 0.2 % otherwise), job losses after the Spring
Festival (January–February, 1.5 % a month, 0.4 % otherwise), reported 2–30 days late.

Measured quiet-week rate (regional alerts on 52 weekly as-of dates of 2024, this panel without the
flood, default thresholds): 52 of 52 weeks quiet (``pytest tests/monitoring/test_drift_regional.py -s``
prints it); the test allows at most two noisy weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.monitoring.drift import DriftThresholds
from riskmodel.monitoring.shocks import regional_shocks
from tests.monitoring.panels import make_frames

COUNTIES = [f"5301{21 + i:02d}" for i in range(6)]
FLOODED = COUNTIES[2]
AS_OF = pd.Timestamp("2025-03-03")
FLOOD_DAY = pd.Timestamp("2025-02-03")


def _day(ts) -> np.ndarray:
    return pd.DatetimeIndex(ts).strftime("%Y-%m-%d").to_numpy()


def frames(flood_share: float | None, seed: int = 5, households: int = 3000) -> dict[str, pd.DataFrame]:
    f = make_frames(seed=seed, households=households, end="2025-03-31")
    rng = np.random.default_rng(seed + 100)
    hh = f["households"].copy()
    n = len(hh)
    county = rng.choice(COUNTIES, n)
    township = rng.choice(["101", "102", "103"], n)
    hh["region_code"] = [f"{c}{t}{v:03d}" for c, t, v in zip(county, township, rng.integers(201, 205, n))]
    f["households"] = hh
    # this panel's own hazards, month by month
    rows = []
    for month in pd.period_range("2021-03", "2025-03", freq="M"):
        m = month.month
        for kind, p in (("disaster", 0.012 if 6 <= m <= 9 else 0.002), ("job_loss", 0.015 if m <= 2 else 0.004)):
            hit = np.flatnonzero(rng.random(n) < p)
            day = month.to_timestamp() + pd.to_timedelta(rng.integers(0, month.days_in_month, len(hit)), unit="D")
            rows.append(pd.DataFrame({"household_id": hh["household_id"].to_numpy()[hit], "event_type": kind,
                                      "event_date": day,
                                      "reported_on": day + pd.to_timedelta(rng.integers(2, 31, len(hit)), unit="D")}))
    if flood_share is not None:  # a severe flood: most households of one county damaged within two weeks
        in_county = np.flatnonzero(county == FLOODED)
        hit = in_county[rng.random(len(in_county)) < flood_share]
        day = FLOOD_DAY + pd.to_timedelta(rng.integers(0, 14, len(hit)), unit="D")
        rows.append(pd.DataFrame({"household_id": hh["household_id"].to_numpy()[hit], "event_type": "disaster",
                                  "event_date": day, "reported_on": day + pd.Timedelta(days=7)}))
    ev = pd.concat(rows, ignore_index=True)
    ev = ev.loc[ev["reported_on"] <= pd.Timestamp("2025-03-31")]
    f["events"] = pd.DataFrame({
        "event_id": [f"R{i}" for i in range(len(ev))], "household_id": ev["household_id"].to_numpy(),
        "member_id": "", "event_type": ev["event_type"].to_numpy(), "event_date": _day(ev["event_date"]),
        "severity": np.where(ev["event_type"] == "disaster", "3", ""), "loss_amount": "",
        "reported_on": _day(ev["reported_on"])})
    return f


@pytest.fixture(scope="module")
def flooded() -> Panel:
    return Panel.from_frames(frames(0.6))


@pytest.fixture(scope="module")
def ordinary() -> Panel:
    return Panel.from_frames(frames(None))


def test_a_flood_in_one_county_raises_a_regional_alert_naming_it(flooded):
    shocks = regional_shocks(flooded, AS_OF)
    fired = shocks[shocks["fired"]]
    assert set(zip(fired["level"], fired["region"], fired["indicator"])) >= {("county", FLOODED, "disaster")}
    assert set(fired["region"].str.slice(0, 6)) == {FLOODED}  # no other county, no township elsewhere
    row = fired[(fired["level"] == "county")].iloc[0]
    assert row["share_current"] > 0.5 and row["share_reference"] < 0.05


def test_the_weekly_drift_summary_names_the_region(flooded, scorer):
    from tests.monitoring.test_drift import drift_of

    summary = drift_of(flooded, scorer, AS_OF)
    assert summary["alert"]
    alerts = summary["regional_alerts"]
    assert [(a["level"], a["region"], a["indicator"]) for a in alerts] == [("county", FLOODED, "disaster")]
    assert alerts[0]["risk_type_zh"] == "因灾"
    assert any(r.startswith(f"regional shock: county {FLOODED}") for r in summary["reasons"])
    assert summary["regions_checked"] == {"county": 6, "township": 18}


def test_a_year_of_ordinary_weeks_rarely_raises_a_regional_alert(ordinary):
    weeks = pd.date_range("2024-01-01", "2024-12-23", freq="7D")  # 52 weeks, both hazard seasons
    noisy = [t.date() for t in weeks if regional_shocks(ordinary, t)["fired"].any()]
    quiet_rate = 1 - len(noisy) / len(weeks)
    print(f"regional quiet-week rate: {quiet_rate:.3f} ({len(weeks) - len(noisy)} of {len(weeks)} weeks), alerts {noisy}")
    assert quiet_rate >= 50 / 52, noisy


def test_small_regions_are_not_judged_alone(flooded):
    strict = DriftThresholds(min_township_households=10_000)
    shocks = regional_shocks(flooded, AS_OF, strict)
    assert set(shocks["level"]) == {"county"}
