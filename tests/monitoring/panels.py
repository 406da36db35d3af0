"""Small contract panels for the monitoring tests, plus a scorer with a transparent model.

The panels have two counties of two townships each, incomes that grow every year with a
seasonal swing, ordinary background events, and optionally a shock (many disasters and lost
income in part of the population from a date on). Ids are made up and pseudonymous.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import Panel

COUNTIES = ("530102", "530103")
START = pd.Timestamp("2021-01-01")


def _day(ts) -> np.ndarray:
    return pd.to_datetime(ts).strftime("%Y-%m-%d").to_numpy()


def make_frames(seed: int = 0, households: int = 400, end: str = "2025-06-30", shock: str | None = None,
                shock_share: float = 0.3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end)
    n = households
    hid = np.array([f"HH{seed:02d}{i:05d}" for i in range(n)])
    county = rng.choice(COUNTIES, n)
    township = rng.choice(["001", "002"], n)
    village = rng.choice(["001", "002", "003"], n)
    region = np.char.add(np.char.add(county.astype(str), township.astype(str)), village.astype(str))
    alleviated = rng.random(n) < 0.6
    reg = START + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    hh = pd.DataFrame({"household_id": hid, "region_code": region,
                       "household_type": np.where(alleviated, "alleviated", "general"),
                       "poverty_exit_year": np.where(alleviated, rng.integers(2014, 2021, n).astype(str), ""),
                       "relocated": np.where(rng.random(n) < 0.1, "true", "false"), "registered_on": _day(reg)})
    size = rng.integers(1, 5, n)
    mh = np.repeat(np.arange(n), size)
    k = np.concatenate([np.arange(s) for s in size])
    mem = pd.DataFrame({
        "member_id": [f"{hid[h]}M{j}" for h, j in zip(mh, k)], "household_id": hid[mh],
        "relation": np.where(k == 0, "head", rng.choice(["spouse", "child", "parent"], len(mh))),
        "sex": rng.choice(["M", "F"], len(mh)), "birth_year": rng.integers(1940, 2015, len(mh)).astype(str),
        "education": rng.choice(["none", "primary", "junior", "senior"], len(mh)),
        "in_school": "none", "labor_skill": rng.choice(["skilled", "ordinary", "weak", "none"], len(mh)),
        "joined_on": _day(reg[mh]), "left_on": "", "left_reason": ""})

    # monthly income: level per household, 7 % growth a year, autumn harvest, shock cuts wages
    months = pd.period_range(START.to_period("M"), (end_ts - pd.Timedelta(days=31)).to_period("M"))
    level = rng.lognormal(np.log(900), 0.5, n) * size
    hidx = np.repeat(np.arange(n), len(months))
    midx = np.tile(np.arange(len(months)), n)
    mstart = months.to_timestamp()[midx]
    growth = 1.07 ** ((mstart - START).days / 365.25)
    season = 1 + 0.25 * np.cos(2 * np.pi * (months.month.to_numpy()[midx] - 10) / 12)
    shocked_hh = np.zeros(n, dtype=bool)
    if shock is not None:
        shocked_hh = (county == COUNTIES[0]) & (rng.random(n) < 2 * shock_share)
    cut = np.where(shocked_hh[hidx] & (mstart >= pd.Timestamp(shock)), 0.3, 1.0)
    wage = level[hidx] * growth * season * cut * rng.uniform(0.8, 1.2, len(hidx))
    month_end = months.to_timestamp(how="end").normalize()[midx]
    inc = pd.DataFrame({"household_id": hid[hidx], "month": months.strftime("%Y-%m")[midx],
                        "wage": np.round(wage * 0.7, 2), "business": np.round(wage * 0.2, 2),
                        "property": np.round(wage * 0.02, 2), "transfer": np.round(wage * 0.08, 2),
                        "reported_on": _day(month_end + pd.Timedelta(days=30))})
    inc = inc.loc[(month_end + pd.Timedelta(days=30) <= end_ts)]

    # background events: a few a year per 100 households, spread evenly
    span = (end_ts - START).days
    m_ev = int(n * 0.05 * span / 365)
    ev_h = rng.integers(0, n, m_ev)
    ev_day = START + pd.to_timedelta(rng.integers(60, span, m_ev), unit="D")
    etype = rng.choice(["job_loss", "accident", "disaster", "business_failure", "housing_unsafe"], m_ev)
    if shock is not None:
        hit = np.flatnonzero(shocked_hh)
        shock_day = pd.Timestamp(shock) + pd.to_timedelta(rng.integers(0, 14, len(hit)), unit="D")
        ev_h = np.concatenate([ev_h, hit])
        ev_day = ev_day.append(pd.DatetimeIndex(shock_day))
        etype = np.concatenate([etype, np.full(len(hit), "disaster")])
    ev = pd.DataFrame({"event_id": [f"E{seed}-{i}" for i in range(len(ev_h))], "household_id": hid[ev_h],
                       "member_id": "", "event_type": etype, "event_date": _day(ev_day),
                       "severity": np.where(etype == "disaster", "3", ""), "loss_amount": "",
                       "reported_on": _day(ev_day + pd.Timedelta(days=3))})
    ev = ev.loc[(ev_day + pd.Timedelta(days=3) <= end_ts)]

    # identification: more likely after an event, among low incomes; some eliminated later
    risk = 0.04 + 0.2 * np.isin(np.arange(n), ev_h) + 0.1 * (level < np.quantile(level, 0.2))
    ident_mask = rng.random(n) < risk
    ident_day = START + pd.to_timedelta(rng.integers(120, span - 5, n), unit="D")
    elim = ident_day + pd.Timedelta(days=200)
    mon = pd.DataFrame({"household_id": hid, "identified_on": _day(ident_day), "category": "marginal",
                        "risk_types": "disaster;employment",
                        "eliminated_on": np.where(rng.random(n) < 0.5, _day(elim), ""),
                        "reported_on": _day(ident_day + pd.Timedelta(days=5))})
    mon = mon.loc[ident_mask & (ident_day + pd.Timedelta(days=5) <= end_ts)]
    mon.loc[pd.to_datetime(mon["eliminated_on"].replace("", None)) > end_ts, "eliminated_on"] = ""
    return {"households": hh, "members": mem, "income": inc, "events": ev, "monitoring": mon}


def make_panel(**kw) -> Panel:
    return Panel.from_frames(make_frames(**kw))


class LinearModel:
    """A transparent stand-in for the trained model: a logistic score of a few features."""

    WEIGHTS = {"income_line_ratio_12m": -1.5, "disaster_12m": 1.2, "job_loss_12m": 0.8, "accident_12m": 0.6,
               "hh_size": 0.05, "alleviated": 0.3}

    def __init__(self, feature_names):
        self.feature_names_ = list(feature_names)
        self.w = np.array([self.WEIGHTS.get(f, 0.0) for f in self.feature_names_])

    def _x(self, X: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.asarray(X, dtype=float), nan=0.0)  # columns in feature_names_ order

    def score(self, X: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self._x(X) @ self.w - 1.0)))

    def calibrate_scores(self, s: np.ndarray) -> np.ndarray:
        return np.clip(0.5 * np.asarray(s), 0, 1)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        c = self._x(X) * self.w
        return np.column_stack([c, np.full(len(c), -1.0)])


def make_scorer(model_version: str | None = None):
    from riskmodel.features import feature_names
    from riskmodel.scoring import Scorer

    return Scorer(LinearModel(feature_names()), model_name="riskmodel", model_version=model_version,
                  capacity_share=0.02)
