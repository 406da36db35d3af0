"""The observable oracle: the generator's own risk formula fed only with what the tables show.

The full-information oracle (``p_identified_26w``) reads the latent state and the county's
actual future screening calendar. A learned model can know neither, so it is measured against
this reference instead: the same formula (distress from resources per person against the
monitoring line, self-declaration, cadre screening, department pushes and their verification)
evaluated at each month's first day from the contract tables only, using records with
``reported_on`` on or before that day:

- income: the last 12 reported months of each source, deseasonalised with the generator's
  seasonal profiles and growth indices (least squares through the origin), projected to the
  month; households without any reported month get their type's published mean;
- recurring assistance spells running on the day (低保, 特困, 公益性岗位, 分红, disability subsidies);
- burdens: medical out-of-pocket and reported losses (plus the generator's fixed costs of
  unsafe water, lost insurance and school dropout), decayed 8 % a month like the latent
  burdens, minus the one-off relief paid;
- school costs from the latest recorded school stage (``member_status``, else ``members``);
- expected department pushes from the members' ages and the chronic conditions and
  disabilities on record;
- the EXPECTED screening calendar (spring screening in March–May, autumn screening with
  probability 0.6 in September–November), not the actual one.

Open monitoring objects (a monitoring row reported by the day, identified on or before it and
not eliminated by it) and dissolved households get 0. It reads table values only: no feature,
label or model code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract.policy import Policy
from riskmodel.contract.schema import IN_SCHOOL
from riskmodel.synth import params
from riskmodel.synth.health import inpatient_push_probability, inpatient_rate
from riskmodel.synth.identification import distress
from riskmodel.synth.income import growth_indices
from riskmodel.synth.params import (
    BASE_PUSH,
    CHRONIC_PUSH,
    INCOME_ADJUST,
    PUSH_VERIFY,
    SCREEN_AUTUMN,
    SCREEN_AUTUMN_P,
    SCREEN_FIND,
    SCREEN_SPRING,
    SELF_DECLARE,
    SHOCK_DROP,
)

NEVER = np.iinfo(np.int64).max
DECAY = params.BURDEN_DECAY
BURDEN_MONTHS = 36         # older burdens are below 5 % of their amount
RECURRING = ("dibao", "tekun", "public_job", "industry_dividend", "disability_living", "disability_care")
RELIEF = ("temporary_relief", "medical_relief", "poverty_insurance")
#: losses the generator books without a reported amount (engine._hazards)
FIXED_LOSS = {"water_unsafe": params.WATER_LOSS, "uninsured": params.UNINSURED_LOSS,
              "school_dropout": params.DROPOUT_LOSS}
#: yearly school costs by recorded stage (engine._education_cost), halved for alleviated and monitored
SCHOOL_COST = params.SCHOOL_COST


def _days(s: pd.Series) -> np.ndarray:
    """Day numbers; empty dates become NEVER."""
    v = s.to_numpy("datetime64[ns]")
    out = v.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(v), NEVER, out)


def _month_index(s: pd.Series, first: np.datetime64) -> np.ndarray:
    return (s.to_numpy("datetime64[ns]").astype("datetime64[M]") - first).astype(np.int64)


class _Panel:
    """Table columns as household/member indices and day numbers, read once."""

    def __init__(self, tables: dict[str, pd.DataFrame], months: np.ndarray):
        hh = tables["households"]
        self.hid = pd.Index(hh["household_id"].astype(str))
        self.H = len(hh)
        self.alv = (hh["household_type"] == "alleviated").to_numpy()
        self.county = hh["region_code"].astype(str).str.slice(0, 6).to_numpy()
        self.registered = _days(hh["registered_on"])
        self.first = months[0].astype("datetime64[M]")
        mem = tables["members"]
        self.m_hh = self.hid.get_indexer(mem["household_id"].astype(str))
        self.mid = pd.Index(mem["member_id"].astype(str))
        self.m_by = mem["birth_year"].to_numpy(dtype=np.int64)
        self.m_joined = _days(mem["joined_on"])
        self.m_left = _days(mem["left_on"])
        self.m_stage = mem["in_school"].cat.codes.to_numpy().astype(np.int8)
        self.status = tables.get("member_status")

    def household(self, ids: pd.Series) -> np.ndarray:
        return self.hid.get_indexer(ids.astype(str))

    def member(self, ids: pd.Series) -> np.ndarray:
        return self.mid.get_indexer(ids.astype(str))


def _first_known(n: int, idx: np.ndarray, reported: np.ndarray) -> np.ndarray:
    """Per member: the first day a record of some kind was known (NEVER if none)."""
    out = np.full(n, NEVER, dtype=np.int64)
    ok = idx >= 0
    np.minimum.at(out, idx[ok], reported[ok])
    return out


class ObservableOracle:
    """Computes the observable oracle for every household (rows) and panel month (columns)."""

    def __init__(self, tables: dict[str, pd.DataFrame], policy: Policy, months: np.ndarray, seed: int):
        self.months = np.asarray(months, dtype="datetime64[D]")
        self.day = self.months.astype(np.int64)
        self.T = len(self.months)
        self.years = self.months.astype("datetime64[Y]").astype(np.int64) + 1970
        self.moy = self.months.astype("datetime64[M]").astype(np.int64) % 12 + 1
        self.policy = policy
        self.p = _Panel(tables, self.months)
        self.tables = tables
        # growth indices over 12 months before the panel to 6 after (the income window reaches back)
        ext = np.arange(self.months[0].astype("datetime64[M]") - 12, self.months[-1].astype("datetime64[M]") + 7)
        g = growth_indices(ext.astype("datetime64[Y]").astype(np.int64) + 1970, ext.astype(np.int64) % 12 + 1)
        self.g_offset = 12
        self.g = {k: v for k, v in g.items()}
        self.pin = inpatient_push_probability(seed, policy)
        self._prepare()

    # --- reading the tables once ---------------------------------------------------------
    def _prepare(self) -> None:
        p, t = self.p, self.tables
        inc = t["income"]
        i = _month_index(inc["month"], p.first)
        order = np.argsort(i, kind="stable")
        self.inc_i = i[order]
        self.inc_h = p.household(inc["household_id"])[order]
        self.inc_rep = _days(inc["reported_on"])[order]
        self.inc_x = {c: inc[c].to_numpy(dtype=float)[order] for c in ("wage", "business", "property", "transfer")}
        a = t["assistance"]
        prog = a["program"].astype(str).to_numpy()
        rec = np.isin(prog, RECURRING)
        self.as_h = p.household(a["household_id"])[rec]
        self.as_start = _days(a["start_date"])[rec]
        self.as_end = _days(a["end_date"])[rec]
        self.as_rep = _days(a["reported_on"])[rec]
        self.as_amt = a["monthly_amount"].to_numpy(dtype=float)[rec]
        self._burden_items(prog)
        self._health_records()
        mon = t["monitoring"]
        self.mo_h = p.household(mon["household_id"])
        self.mo_id = _days(mon["identified_on"])
        self.mo_el = _days(mon["eliminated_on"])
        self.mo_rep = _days(mon["reported_on"])
        st = p.status
        if st is not None and len(st):
            o = np.lexsort((_days(st["effective_on"]), p.member(st["member_id"])))
            self.st_m = p.member(st["member_id"])[o]
            self.st_eff = _days(st["effective_on"])[o]
            self.st_rep = _days(st["reported_on"])[o]
            self.st_stage = st["in_school"].cat.codes.to_numpy().astype(np.int8)[o]
        else:
            self.st_m = np.empty(0, dtype=np.int64)

    def _burden_items(self, prog: np.ndarray) -> None:
        p, t = self.p, self.tables
        cl = t["medical_claims"]
        c_m = p.member(cl["member_id"])
        ev = t["events"]
        etype = ev["event_type"].astype(str).to_numpy()
        loss = ev["loss_amount"].to_numpy(dtype=float)
        fixed = np.array([FIXED_LOSS.get(e, np.nan) for e in etype]) if len(etype) else np.empty(0)
        loss = np.where(np.isnan(loss), fixed, loss)
        e_ok = ~np.isnan(loss)
        a = t["assistance"]
        relief = np.isin(prog, RELIEF)
        h = np.concatenate([p.m_hh[c_m], p.household(ev["household_id"])[e_ok], p.household(a["household_id"])[relief]])
        i = np.concatenate([_month_index(cl["service_date"], p.first), _month_index(ev["event_date"], p.first)[e_ok],
                            _month_index(a["start_date"], p.first)[relief]])
        amt = np.concatenate([cl["out_of_pocket"].to_numpy(dtype=float), loss[e_ok],
                              -a["monthly_amount"].to_numpy(dtype=float)[relief]])
        rep = np.concatenate([_days(cl["reported_on"]), _days(ev["reported_on"])[e_ok], _days(a["reported_on"])[relief]])
        o = np.argsort(i, kind="stable")
        self.b_h, self.b_i, self.b_amt, self.b_rep = h[o], i[o], amt[o], rep[o]

    def _health_records(self) -> None:
        p, t = self.p, self.tables
        n = len(p.mid)
        ev = t["events"]
        etype = ev["event_type"].astype(str).to_numpy()
        e_m = p.member(ev["member_id"].fillna(""))
        rep = _days(ev["reported_on"])
        self.chronic_on = _first_known(n, np.where(etype == "chronic_registered", e_m, -1), rep)
        self.disabled_on = _first_known(n, np.where(etype == "disability_certified", e_m, -1), rep)
        cl = t["medical_claims"]
        heavy = (cl["kind"].astype(str) == "outpatient_chronic").to_numpy() & cl["diagnosis_group"].astype(str).isin(
            ["renal", "cancer"]).to_numpy()
        self.heavy_on = _first_known(n, np.where(heavy, p.member(cl["member_id"]), -1), _days(cl["reported_on"]))

    # --- one month -----------------------------------------------------------------------
    def _g(self, alv: np.ndarray, i: np.ndarray) -> np.ndarray:
        k = np.clip(i + self.g_offset, 0, len(self.g[True]) - 1)
        return np.where(alv, self.g[True][k], self.g[False][k])

    def _income(self, j: int) -> np.ndarray:
        """Expected monthly income (four sources) at month j from the last 12 reported months."""
        lo, hi = np.searchsorted(self.inc_i, [j - 12, j])
        ok = self.inc_rep[lo:hi] <= self.day[j]
        h, i = self.inc_h[lo:hi][ok], self.inc_i[lo:hi][ok]
        H = self.p.H
        moy = (self.p.first + i).astype(np.int64) % 12
        gi = self._g(self.p.alv[h], i)
        total = np.zeros(H)
        seen = np.bincount(h, minlength=H) > 0
        for col, season in (("wage", params.WAGE_SEASON), ("business", params.BUSINESS_SEASON),
                            ("property", params.PROPERTY_SEASON), ("transfer", None)):
            w = gi * (season[moy] if season is not None else 1.0)
            x = self.inc_x[col][lo:hi][ok]
            num = np.bincount(h, weights=x * w, minlength=H)
            den = np.bincount(h, weights=w * w, minlength=H)
            total += np.divide(num, den, out=np.zeros(H), where=den > 0)
        return total * self._g(self.p.alv, np.full(H, j)), seen

    def _assistance(self, j: int) -> np.ndarray:
        t = self.day[j]
        ok = (self.as_rep <= t) & (self.as_start <= t) & (self.as_end >= t)
        return np.bincount(self.as_h[ok], weights=self.as_amt[ok], minlength=self.p.H)

    def _burden(self, j: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.b_i, [j - BURDEN_MONTHS, j])
        ok = self.b_rep[lo:hi] <= self.day[j]
        h, i, amt = self.b_h[lo:hi][ok], self.b_i[lo:hi][ok], self.b_amt[lo:hi][ok]
        w = amt * DECAY ** (j - i)
        return np.maximum(np.bincount(h, weights=w, minlength=self.p.H), 0.0)

    def _stage(self, j: int) -> np.ndarray:
        stage = self.p.m_stage.copy()
        if self.st_m.size:
            t = self.day[j]
            ok = (self.st_eff <= t) & (self.st_rep <= t)
            m, s = self.st_m[ok], self.st_stage[ok]
            last = np.r_[m[1:] != m[:-1], True] if m.size else np.empty(0, dtype=bool)
            stage[m[last]] = s[last]
        return stage

    def _open(self, j: int) -> np.ndarray:
        t = self.day[j]
        ok = (self.mo_rep <= t) & (self.mo_id <= t) & (self.mo_el > t)
        out = np.zeros(self.p.H, dtype=bool)
        out[self.mo_h[ok]] = True
        return out

    def _screen_log_survival(self, j: int, find: np.ndarray) -> np.ndarray:
        """E[log-survival] of the next 6 months' screenings under the expected calendar."""
        groups: dict[tuple[int, str], float] = {}
        for k in range(j, j + 6):
            y = int(self.years[0]) + (int(self.moy[0]) - 1 + k) // 12
            moy = (int(self.moy[0]) - 1 + k) % 12 + 1
            if moy in SCREEN_SPRING:
                groups[(y, "spring")] = groups.get((y, "spring"), 0.0) + 1 / len(SCREEN_SPRING)
            elif moy in SCREEN_AUTUMN:
                groups[(y, "autumn")] = groups.get((y, "autumn"), 0.0) + SCREEN_AUTUMN_P / len(SCREEN_AUTUMN)
        return sum(np.log1p(-find * q) for q in groups.values()) if groups else np.zeros_like(find)

    def month(self, j: int) -> np.ndarray:
        p, t, H = self.p, self.day[j], self.p.H
        year = int(self.years[j])
        present = (p.m_joined <= t) & (p.m_left > t) & (p.m_hh >= 0)
        mh = p.m_hh[present]
        size = np.bincount(mh, minlength=H).astype(float)
        income, seen = self._income(j)
        mean = np.where(p.alv, params.ALLEVIATED_INCOME[2020].value * INCOME_ADJUST[0],
                        params.GENERAL_INCOME[2020].value * INCOME_ADJUST[1])
        prior = mean * self._g(p.alv, np.full(H, j)) * size / 12
        assist = self._assistance(j)
        income = np.where(seen, income, np.maximum(prior - assist, 0.0))
        open_ = self._open(j)
        age = year - p.m_by[present]
        stage = np.asarray(IN_SCHOOL, dtype=object)[self._stage(j)[present]]
        cost = np.zeros(age.size)
        for name, amount in SCHOOL_COST.items():
            cost += np.where(stage == name, amount, 0.0)
        aid = np.where(p.alv[mh] | open_[mh], params.EDUCATION_AID_SHARE, 0.0)
        students = np.bincount(mh, weights=cost * (1 - aid), minlength=H) * self.g[False][j + self.g_offset]
        safe = np.maximum(size, 1)
        r = (12 * (income + assist) - self._burden(j) - students) / safe / self.policy.line(year)
        s = distress(r, p.alv)
        a = np.where(p.alv, 0, 1)
        chronic = self.chronic_on[present] <= t
        rate = inpatient_rate(age, chronic, self.disabled_on[present] <= t) / 12
        pin = np.where(p.alv[mh], self.pin[True], self.pin[False])
        heavy = chronic & (self.heavy_on[present] <= t)
        pushes = np.bincount(mh, weights=rate * pin + heavy * CHRONIC_PUSH, minlength=H) + BASE_PUSH
        after = distress(r - np.where(p.alv, SHOCK_DROP[0], SHOCK_DROP[1]), p.alv)
        s_v = np.maximum(s, after)
        verify = np.array(PUSH_VERIFY)[a, 0] + np.array(PUSH_VERIFY)[a, 1] * s_v
        log_surv = (6 * np.log1p(-np.array(SELF_DECLARE)[a] * s)
                    + self._screen_log_survival(j, np.array(SCREEN_FIND)[a] * s) - 6 * pushes * verify)
        prob = 1.0 - np.exp(log_surv)
        return np.where(open_ | (size == 0) | (p.registered > t), 0.0, prob)

    def all_months(self) -> np.ndarray:
        """(households in table order, months) array of probabilities."""
        out = np.zeros((self.p.H, self.T), dtype=np.float64)
        for j in range(self.T):
            out[:, j] = self.month(j)
        return out


def observable_oracle(tables: dict[str, pd.DataFrame], policy: Policy, months: np.ndarray, seed: int) -> np.ndarray:
    """P(identified in the next 26 weeks) per household (table order) and month, from the tables only."""
    return ObservableOracle(tables, policy, months, seed).all_months()
