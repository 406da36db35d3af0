"""The monthly simulation: households × months as numpy arrays, no per-household Python.

Each month, in order: scheduled one-off payments arrive; the latent state gives the truth row
(latent income, the oracle probability); shocks happen (illness, disability, job loss,
business failure, disasters, accidents, deaths, …) and are written as claims and events that
reach the system later; the existing identification process (department pushes, periodic
cadre screening, self-declaration) acts on the latent distress; monitored households get
help and, after at least six months, may be eliminated; assistance responds with lags; the
month's income is surveyed (or not) and reported 1–3 months later; people are born, marry
and move.

Money is yuan. Latent amounts are kept at "2020 prices" and scaled by each household type's
income growth index, so that calibrated incomes follow the published series.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from riskmodel.contract.policy import Policy
from riskmodel.contract.schema import (
    DIAGNOSIS_GROUPS,
    ONE_OFF_PROGRAMS,
    EVENT_TYPES,
    PROGRAMS,
    RELATIONS,
    RISK_TYPES,
)
from riskmodel.synth import params
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.records import Records
from riskmodel.synth.regions import Regions, build_regions
from riskmodel.synth.status import COLLECTION_MONTH, StatusCollection, school_stage

NONE = np.iinfo(np.int32).max  # "no date" in day-number arrays
BURN_IN = 12  # months simulated before the panel's start; only their lasting records are kept
REL = {r: i for i, r in enumerate(RELATIONS)}
DG = {g: i for i, g in enumerate(DIAGNOSIS_GROUPS)}
EV = {e: i for i, e in enumerate(EVENT_TYPES)}
PG = {p: i for i, p in enumerate(PROGRAMS)}
RT = {r: i for i, r in enumerate(RISK_TYPES)}
KIND = {"inpatient": 0, "outpatient_chronic": 1, "outpatient": 2}

# Seasonality (index 0 = January), each normalised to mean 1.
_WAGE_SEASON = np.array([1.3, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.3])
# Shandong farming: spring inputs (Mar–Apr), wheat harvest (Jun), maize/peanut harvest (Sep–Oct).
_BUSINESS_SEASON = np.array([0.5, 0.4, -0.3, -0.1, 0.6, 2.8, 0.6, 0.5, 1.8, 2.6, 1.0, 1.0])
_PROPERTY_SEASON = np.array([1.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 2.4])
# Floods, hail and storms concentrate in the rainy season (Jun–Sep).
_DISASTER_SEASON = np.array([0.3, 0.3, 0.4, 0.5, 0.8, 1.5, 3.0, 3.0, 1.4, 0.4, 0.2, 0.2])
for _a in (_WAGE_SEASON, _BUSINESS_SEASON, _PROPERTY_SEASON, _DISASTER_SEASON):
    _a /= _a.mean()

# Inpatient costs by diagnosis group: median (2020 yuan) of a lognormal with sigma 0.6.
_INPATIENT_MEDIAN = np.array([22000, 14000, 11000, 8000, 9000, 5000, 8000, 4500], dtype=float)
# Monthly chronic outpatient cost medians by group (dialysis makes renal expensive).
_CHRONIC_OUT_MEDIAN = np.array([1800, 380, 3200, 320, 300, 300, 320, 300], dtype=float)
# Group mix of new chronic registrations (cancer, cardio, renal, mental, …, chronic_other).
_CHRONIC_GROUP_P = np.array([0.05, 0.45, 0.015, 0.10, 0, 0, 0.385, 0])

# The identification process (hazards of the latent distress s in [0, 1]).
DISTRESS_CENTER = (0.92, 0.65)   # resources/line where s = 0.5 (alleviated, general)
DISTRESS_WIDTH = 0.12
SELF_DECLARE = (0.010, 0.003)     # monthly, × s (alleviated, general)
SCREEN_FIND = (0.27, 0.055)        # per cadre screening, × s
SCREEN_SPRING = (3, 4, 5)          # each county screens in one of these months every year
SCREEN_AUTUMN = (9, 10, 11)        # … and in one of these with probability SCREEN_AUTUMN_P
SCREEN_AUTUMN_P = 0.6
PUSH_VERIFY = ((0.005, 0.30), (0.002, 0.12))  # p = a + b × s after a pushed event (alleviated, general)
INCOME_ADJUST = (0.92, 0.98)
SHOCK_DROP = (0.0, 0.6)  # typical fall of resources/line after a pushed event (for the oracle)    # latent 2020 income level relative to the published mean       # p = a + b × s after the pushed event


def distress(r: np.ndarray, alleviated: np.ndarray) -> np.ndarray:
    """Latent distress from resources relative to the monitoring line (1 = at the line)."""
    center = np.where(alleviated, DISTRESS_CENTER[0], DISTRESS_CENTER[1])
    return 1.0 / (1.0 + np.exp(np.clip((r - center) / DISTRESS_WIDTH, -50, 50)))


def inpatient_push_probability(seed: int, policy: Policy) -> dict[bool, float]:
    """P(inpatient out-of-pocket ≥ the push threshold) by household type (alleviated?), from a separate stream."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7771]))
    k = 20000
    groups = rng.choice(len(DIAGNOSIS_GROUPS), k, p=np.array([.06, .14, .04, .04, .15, .05, .14, .38]))
    cost = _INPATIENT_MEDIAN[groups] * rng.lognormal(0, 0.6, k) * 1.2
    pol = policy.dept_alerts
    return {
        True: float((cost * (1 - 0.80) >= pol.inpatient_oop_alleviated).mean()),
        False: float((cost * (1 - 0.58) >= pol.inpatient_oop_general).mean()),
    }


def inpatient_rate(age: np.ndarray, chronic: np.ndarray, disabled: np.ndarray) -> np.ndarray:
    """Yearly inpatient stays of a person (outside an epidemic)."""
    rate = (0.05 + 0.005 * np.maximum(age - 35, 0)) * np.where(chronic, 1.8, 1.0)
    return rate * np.where(disabled, 1.4, 1.0)


def growth_indices(years: np.ndarray, moys: np.ndarray) -> dict[bool, np.ndarray]:
    """Income level relative to 2020 of alleviated (True) and general (False) households per month."""
    return {
        True: _growth_index(years, moys, params.ALLEVIATED_INCOME, params.ALLEVIATED_GROWTH_AFTER,
                            params.ALLEVIATED_GROWTH_LATER.value),
        False: _growth_index(years, moys, params.GENERAL_INCOME, {}, params.GENERAL_GROWTH_LATER.value),
    }


@dataclass
class SimOutput:
    regions: Regions
    households: dict[str, np.ndarray]
    members: dict[str, np.ndarray]
    income: dict[str, np.ndarray]
    claims: dict[str, np.ndarray]
    assistance: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    monitoring: dict[str, np.ndarray]
    member_status: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    policy: Policy
    end_day: int
    stats: dict


def day(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def jan_first(years: np.ndarray) -> np.ndarray:
    """Day numbers of 1 January of each year."""
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def mid_year(years: np.ndarray) -> np.ndarray:
    """Day numbers of mid-year (day 182) of each year: a birthday when only the year is known."""
    return jan_first(years) + 181


def _annual_to_monthly(p):
    return 1.0 - np.power(1.0 - np.clip(p, 0, 0.999), 1.0 / 12.0)


def _growth_index(years: np.ndarray, months: np.ndarray, table: dict, after: dict, later: float, base_year: int = 2020):
    """Income level relative to ``base_year`` at each month: log-linear between annual means (mid-year)."""
    levels = {y: f.value for y, f in table.items()}
    last = max(levels)
    for y in range(last + 1, int(years.max()) + 3):
        g = after.get(y).value if y in after else later
        levels[y] = levels[y - 1] * g
    first = min(levels)
    for y in range(first - 1, int(years.min()) - 2, -1):
        levels[y] = levels[y + 1] / 1.08
    t = years + (months - 0.5) / 12.0  # the annual mean is the level at mid-year
    ys = np.array(sorted(levels))
    lv = np.log(np.array([levels[y] for y in ys]))
    return np.exp(np.interp(t, ys + 0.5, lv)) / levels[base_year]


class _Sim:
    def __init__(self, cfg: SynthConfig):
        self.cfg = cfg
        ss = np.random.SeedSequence([cfg.seed, 20211])
        self.rng = np.random.default_rng(ss.spawn(1)[0])
        self.start_day = day(cfg.start)
        self.end_day = day(cfg.end)
        months = np.arange(np.datetime64(cfg.start, "M"), np.datetime64(cfg.end, "M") + 1)
        self.T = len(months)
        self.B = BURN_IN
        # a burn-in year before the start (burdens, help and monitoring reach their steady state)
        # and a few months past the end (the oracle looks ahead)
        ext = np.arange(months[0] - self.B, months[-1] + 8)
        self.month_day = ext.astype("datetime64[D]").astype(np.int64)
        self.month_len = (ext + 1).astype("datetime64[D]").astype(np.int64) - self.month_day
        self.month_year = ext.astype("datetime64[Y]").astype(np.int64) + 1970
        self.month_moy = ext.astype(np.int64) % 12 + 1
        self.G = growth_indices(self.month_year, self.month_moy)
        self.shock_day = day(cfg.shock)
        self.shock_month = int((np.datetime64(cfg.shock, "M") - months[0]).astype(np.int64)) + self.B
        self.policy = self._policy()
        self.line = np.array([self.policy.line(int(y)) for y in self.month_year], dtype=float)
        if cfg.scenario == "policy_change":
            # the province raises the line from the shock month on (published for that year)
            base = Policy.default()
            old = np.array([base.line(int(y)) for y in self.month_year], dtype=float)
            self.line = np.where(np.arange(len(ext)) >= self.shock_month, self.line, old)

    # --- setup ---------------------------------------------------------------------------
    def _policy(self) -> Policy:
        pol = Policy.default()
        if self.cfg.scenario != "policy_change":
            return pol
        year = self.cfg.shock.year
        lines = dict(pol.monitoring_line)
        for y in range(min(lines), max(max(lines), year) + 1):
            lines.setdefault(y, pol.line(y))
        lines = {y: (round(v * 1.3, -1) if y >= year else v) for y, v in sorted(lines.items())}
        return pol.model_copy(update={"monitoring_line": lines})

    def setup(self) -> None:
        cfg, rng = self.cfg, self.rng
        self.regions = build_regions(cfg.n_counties, cfg.townships_per_county, cfg.villages_per_township)
        R = self.regions
        H = cfg.households
        self.H = H
        w = rng.lognormal(0, 0.5, len(R.village_code))
        self.vil = np.sort(rng.choice(len(R.village_code), size=H, p=w / w.sum()))
        self.town = R.village_township[self.vil]
        self.county = R.township_county[self.town]
        alv = rng.random(H) < cfg.alleviated_share
        self.alv = alv
        start = self.start_day
        reg_a = rng.integers(day(dt.date(2014, 4, 1)), day(dt.date(2016, 1, 1)), H)
        burn = int(self.month_day[0])
        reg_g = rng.integers(min(day(dt.date(2019, 6, 1)), burn - 540), burn, H)
        self.reg = np.minimum(np.where(alv, reg_a, reg_g), burn - 1)
        self.exit_year = np.where(alv, rng.choice(np.arange(2014, 2021), H, p=[.03, .07, .30, .28, .20, .08, .04]), 0)
        self.relocated = alv & (rng.random(H) < 0.04)
        self._people()
        self._incomes()
        self._initial_assistance()
        self._screening_schedule()
        self._push_probabilities()

    def _people(self) -> None:
        rng, H, alv = self.rng, self.H, self.alv
        size = np.where(alv, rng.choice(np.arange(1, 7), H, p=[.46, .38, .07, .05, .03, .01]),
                        rng.choice(np.arange(1, 7), H, p=[.15, .38, .22, .15, .07, .03]))
        head_age = np.where(alv, np.where(size == 1, rng.normal(71, 9, H), rng.normal(63, 12, H)),
                            rng.normal(54, 12, H))
        head_age = np.clip(head_age, 24, 95).round()
        n = int(size.sum())
        hh = np.repeat(np.arange(H), size)
        first = np.cumsum(size) - size
        slot = np.arange(n) - np.repeat(first, size)
        ha = head_age[hh]
        u = rng.random(n)
        rel = np.full(n, REL["child"], dtype=np.int8)
        rel[slot == 0] = REL["head"]
        s1 = slot == 1
        spouse = s1 & (u < np.where(ha < 80, 0.8, 0.5))
        rel[spouse] = REL["spouse"]
        rel[s1 & ~spouse & (ha < 50)] = REL["parent"]
        later = slot >= 2
        rel[later & (u >= 0.7) & (u < 0.9) & (ha >= 50)] = REL["grandchild"]
        rel[later & (u >= 0.9) & (ha <= 62)] = REL["parent"]
        rel[later & (u >= 0.97)] = REL["sibling"]
        age = np.empty(n)
        k = rel == REL["head"]; age[k] = ha[k]
        k = rel == REL["spouse"]; age[k] = ha[k] + rng.normal(-2, 3, k.sum())
        k = rel == REL["child"]; age[k] = ha[k] - rng.uniform(22, 36, k.sum())
        k = rel == REL["grandchild"]; age[k] = ha[k] - rng.uniform(46, 62, k.sum())
        k = rel == REL["parent"]; age[k] = ha[k] + rng.uniform(22, 30, k.sum())
        k = rel == REL["sibling"]; age[k] = ha[k] + rng.normal(0, 6, k.sum())
        neg = age < 0
        age[neg] = rng.integers(0, 6, neg.sum())
        age = np.clip(age, 0, 99).round()
        sex = np.where(rng.random(n) < 0.5, 0, 1).astype(np.int8)  # 0 = M, 1 = F
        head_m = rng.random(n) < np.where(alv[hh], 0.72, 0.84)
        sex[rel == REL["head"]] = np.where(head_m, 0, 1)[rel == REL["head"]]
        hs = np.zeros(H, dtype=np.int8); hs[hh[rel == REL["head"]]] = sex[rel == REL["head"]]
        sex[rel == REL["spouse"]] = 1 - hs[hh[rel == REL["spouse"]]]
        year0 = self.cfg.start.year
        # disability (calibrated shares by type, more likely with age)
        f = 0.4 + age / 50.0
        target = np.where(alv[hh], params.DISABLED_SHARE_ALLEVIATED.value, params.DISABLED_SHARE_GENERAL.value)
        mean_f = np.where(alv[hh], f[alv[hh]].mean() if alv.any() else 1, f[~alv[hh]].mean() if (~alv).any() else 1)
        disabled = rng.random(n) < target * f / mean_f
        grade = np.where(disabled, rng.choice([1, 2, 3, 4], n, p=[.12, .23, .30, .35]), 0).astype(np.int8)
        p_chronic = np.clip(0.01 + 0.006 * np.maximum(age - 30, 0), 0, 0.45) * np.where(alv[hh], 1.3, 1.0)
        chronic = rng.random(n) < p_chronic
        cgroup = np.where(chronic, rng.choice(len(DIAGNOSIS_GROUPS), n, p=_CHRONIC_GROUP_P), -1).astype(np.int8)
        track = rng.choice([0, 1, 2], n, p=[.2, .5, .3]).astype(np.int8)
        edu = self._education(age, track, rng)
        in_school = self._in_school(age, track)
        working = (age >= 16) & (age <= 59) & (in_school == 0)
        skill = np.full(n, 3, dtype=np.int8)  # 0 skilled, 1 ordinary, 2 weak, 3 none
        draw = rng.random(n)
        skill[working] = np.where(draw < 0.2, 0, np.where(draw < 0.85, 1, 2))[working]
        old = (age >= 60) & (age <= 75)
        skill[old] = np.where(draw < 0.3, 1, np.where(draw < 0.9, 2, 3))[old]
        skill[(grade >= 1) & (grade <= 2)] = 3
        skill[(grade >= 3) & (skill < 2)] = 2
        able = skill <= 1
        migrant = able & (age <= 55) & (rng.random(n) < np.where(alv[hh], 0.35, 0.5))
        earn = np.zeros(n)
        earn[migrant] = params.MIGRANT_MONTHLY_WAGE[2020].value * rng.lognormal(-0.03, 0.25, migrant.sum())
        local = able & ~migrant & (rng.random(n) < 0.6)
        earn[local] = 1800 * rng.lognormal(-0.05, 0.3, local.sum())
        odd = (skill == 2) & (age <= 75) & (rng.random(n) < 0.4)
        earn[odd] = 600 * rng.lognormal(-0.1, 0.4, odd.sum())
        earn[skill == 0] *= 1.25

        cap = int(n * (1.08 + 0.03 * ((self.T + self.B) / 12))) + 64
        self.M = cap
        self.n = n

        def alloc(dtype, fill):
            a = np.full(cap, fill, dtype=dtype)
            return a

        self.m_hh = alloc(np.int32, -1); self.m_hh[:n] = hh
        self.m_rel = alloc(np.int8, 0); self.m_rel[:n] = rel
        self.m_sex = alloc(np.int8, 0); self.m_sex[:n] = sex
        self.m_by = alloc(np.int32, 0); self.m_by[:n] = year0 - age.astype(np.int32)
        self.m_edu = alloc(np.int8, 0); self.m_edu[:n] = edu
        self.m_insch = alloc(np.int8, 0); self.m_insch[:n] = in_school
        self.m_skill = alloc(np.int8, 3); self.m_skill[:n] = skill
        bday = mid_year(self.m_by[:n])
        self.m_joined = alloc(np.int32, 0); self.m_joined[:n] = np.maximum(self.reg[hh], np.minimum(bday, self.start_day - 1))
        self.m_left = alloc(np.int32, NONE)
        self.m_lreason = alloc(np.int8, -1)
        self.m_grade = alloc(np.int8, 0); self.m_grade[:n] = grade
        self.m_chronic = alloc(bool, False); self.m_chronic[:n] = chronic
        self.m_cgroup = alloc(np.int8, -1); self.m_cgroup[:n] = cgroup
        self.m_track = alloc(np.int8, 0); self.m_track[:n] = track
        self.m_earn = alloc(float, 0.0); self.m_earn[:n] = earn
        self.m_migrant = alloc(bool, False); self.m_migrant[:n] = migrant
        self.m_out = alloc(np.int16, 0)       # months out of work (job loss)
        self.m_sick = alloc(np.int16, 0)      # months unable to work (illness, accident)
        self.m_health = alloc(float, 1.0)     # earning capacity after disability / chronic illness
        self.m_health[:n] = np.where(chronic, 0.8, 1.0) * np.where(grade == 0, 1.0, np.where(grade <= 2, 0.2, 0.6))
        self.m_uninsured = alloc(bool, False)
        self.m_dl = alloc(float, 0.0); self.m_dl_start = alloc(np.int32, NONE)   # disability_living
        self.m_dc = alloc(float, 0.0); self.m_dc_start = alloc(np.int32, NONE)   # disability_care
        self.m_pp_start = alloc(np.int32, NONE)                                    # pension_premium
        self.head_of = np.zeros(H, dtype=np.int64)
        self.head_of[hh[rel == REL["head"]]] = np.flatnonzero(rel == REL["head"])

    @staticmethod
    def _education(age, track, rng):
        n = len(age)
        u = rng.random(n)
        edu = np.zeros(n, dtype=np.int8)  # index into EDUCATION
        cuts_old = np.array([.45, .85, .98, .99, 1.0])     # none, primary, junior, senior, vocational
        cuts_mid = np.array([.12, .50, .88, .95, 1.0])
        cuts_young = np.array([.02, .14, .62, .77, .92])    # then college
        def pick(cuts):
            return np.searchsorted(cuts, u, side="right").astype(np.int8)
        edu = np.where(age >= 70, pick(cuts_old), np.where(age >= 45, pick(cuts_mid), pick(cuts_young)))
        edu = np.minimum(edu, 5)
        # the young: by age and track
        edu = np.where(age < 7, 0, edu)
        edu = np.where((age >= 7) & (age < 13), 1, edu)
        edu = np.where((age >= 13) & (age < 16), 2, edu)
        edu = np.where((age >= 16) & (age < 19), np.where(track == 0, 2, 2), edu)
        edu = np.where((age >= 19) & (age < 23), np.where(track == 1, 3, np.where(track == 2, 4, 2)), edu)
        return edu.astype(np.int8)

    @staticmethod
    def _in_school(age, track):
        return school_stage(age, track)

    def _incomes(self) -> None:
        rng, H, alv, n = self.rng, self.H, self.alv, self.n
        hh = self.m_hh[:n]
        age = self.cfg.start.year - self.m_by[:n]
        size = np.bincount(hh, minlength=H)
        elderly = np.bincount(hh, weights=(age >= 60).astype(float), minlength=H)
        adults = np.bincount(hh, weights=((age >= 20) & (age <= 75)).astype(float), minlength=H)
        wage = np.bincount(hh, weights=self.m_earn[:n] * self.m_health[:n], minlength=H) * 0.92
        self.farming = rng.random(H) < np.where(alv, 0.65, 0.7)
        bus = np.where(self.farming, 450 * rng.lognormal(-0.1, 0.6, H) * np.maximum(adults, 0.5) / 1.5, 0.0)
        self.pension_pp = 150.0  # 城乡居民基础养老金 (2020, Shandong minimum ≈ 142 yuan/month), grows with G
        prop = np.where(rng.random(H) < 0.45, 40 * rng.lognormal(0, 0.9, H), 0.0)
        remit = np.where(elderly > 0, 250 * rng.lognormal(0, 0.7, H), 60 * rng.lognormal(0, 0.7, H))
        pension = self.pension_pp * elderly
        # top-down: each household's total per-capita income (2020 level) drawn around the type's mean
        mean = np.where(alv, params.ALLEVIATED_INCOME[2020].value, params.GENERAL_INCOME[2020].value)
        sigma = np.where(alv, 0.30, 0.42)
        # a little below the published means: shocks cost some income, help adds some
        self.target_pc = mean * np.where(alv, INCOME_ADJUST[0], INCOME_ADJUST[1]) * rng.lognormal(-sigma ** 2 / 2, sigma)
        total = self.target_pc * size / 12.0
        # 低保/特困 households: a share of income is the programme (alleviated more often, poorer ones)
        p_dibao = np.where(alv, 0.55, 0.05) / (1 + np.exp((self.target_pc - np.where(alv, 8500, 9000)) / 1500))
        self.dibao = np.zeros(H)
        dib = rng.random(H) < p_dibao
        self.tekun = np.zeros(H)
        no_labour = np.bincount(hh, weights=(self.m_skill[:n] <= 1).astype(float), minlength=H) == 0
        tek = alv & (size == 1) & no_labour & (elderly > 0) & (rng.random(H) < 0.3)
        self.dibao[dib & ~tek] = (0.3 * total)[dib & ~tek]
        self.tekun[tek] = (0.45 * total)[tek]
        market = total - self.dibao - self.tekun - pension
        parts = wage + bus + prop + remit
        scale = np.clip(market / np.maximum(parts, 1.0), 0.05, 20)
        self.m_earn[:n] *= scale[hh]
        self.bus_base = bus * scale
        self.prop_base = prop * scale
        self.trans_base = remit * scale
        self.bus_factor = np.ones(H)
        self.income_scale = scale

    def _initial_assistance(self) -> None:
        rng, H, alv = self.rng, self.H, self.alv
        lo = np.maximum(self.reg, day(dt.date(2016, 1, 1)))
        span = np.maximum(self.start_day - lo, 1)
        self.dibao_start = np.where(self.dibao > 0, lo + (rng.random(H) * span).astype(np.int64), NONE).astype(np.int64)
        self.dibao_amount = np.zeros(H)  # yuan a month as granted (0: initial spells, amount from the level)
        self.tekun_start = np.where(self.tekun > 0, lo + (rng.random(H) * span).astype(np.int64), NONE).astype(np.int64)
        self.pubjob = np.zeros(H); self.pubjob_start = np.full(H, NONE, dtype=np.int64); self.pubjob_end = np.full(H, NONE, dtype=np.int64)
        self.dividend = np.where(alv & (rng.random(H) < 0.55), rng.uniform(20, 80, H), 0.0)
        n = self.n
        hh = self.m_hh[:n]
        grade = self.m_grade[:n]
        dis = grade > 0
        poor = alv[hh] | (self.dibao[hh] > 0)
        dl = dis & poor & (rng.random(n) < 0.85)
        self.m_dl[:n][dl] = 90.0
        self.m_dl_start[:n][dl] = (lo[hh] + (rng.random(n) * span[hh]).astype(np.int64))[dl]
        dc = dis & (grade <= 2) & (rng.random(n) < 0.9)
        self.m_dc[:n][dc] = 100.0
        self.m_dc_start[:n][dc] = (lo[hh] + (rng.random(n) * span[hh]).astype(np.int64))[dc]
        age = self.cfg.start.year - self.m_by[:n]
        pp = alv[hh] & (age >= 16) & (age <= 59) & (self.m_insch[:n] == 0)
        self.m_pp_start[:n][pp] = lo[hh][pp]
        self.paid_insurance_year = np.zeros(H, dtype=np.int32)
        # one-off payments waiting to arrive: due[month, household] (latent effect only)
        self.due = np.zeros((len(self.month_day), H), dtype=np.float32)
        self.med_burden = np.zeros(H)    # decayed ~12-month sum of medical out-of-pocket
        self.loss_burden = np.zeros(H)   # decayed ~12-month sum of other losses (disaster, accident, …)
        self.cause = np.zeros((H, len(RISK_TYPES)), dtype=np.float32)
        chronic_hh = np.bincount(hh, weights=self.m_chronic[:n].astype(float), minlength=H)
        dis_w = np.bincount(hh, weights=np.where(grade > 0, 6000.0 * (5 - grade) / 2, 0.0), minlength=H)
        self.med_burden += chronic_hh * 2500 * np.where(alv, 0.25, 0.45)
        self.cause[:, RT["illness"]] += chronic_hh * 2500
        self.cause[:, RT["disability"]] += dis_w
        self.monitored = np.zeros(H, dtype=bool)
        self.mon_row = np.full(H, -1, dtype=np.int64)
        self.mon_id_day = np.full(H, NONE, dtype=np.int64)
        self.dissolved = np.zeros(H, dtype=bool)
        self.last_out_push = np.full(H, -(10 ** 6), dtype=np.int64)

    def _screening_schedule(self) -> None:
        """集中排查: each county screens once a year in spring and often again in autumn."""
        rng = self.rng
        C = len(self.regions.county_code)
        L = len(self.month_day)
        years = np.unique(self.month_year)
        self.screen = np.zeros((C, L), dtype=bool)
        for y in years:  # a handful of years: fine as a Python loop
            spring = rng.integers(SCREEN_SPRING[0], SCREEN_SPRING[-1] + 1, C)
            autumn = np.where(rng.random(C) < SCREEN_AUTUMN_P, rng.integers(SCREEN_AUTUMN[0], SCREEN_AUTUMN[-1] + 1, C), 0)
            for moy in (spring, autumn):
                hit = (self.month_year[None, :] == y) & (self.month_moy[None, :] == moy[:, None])
                self.screen |= hit

    def _push_probabilities(self) -> None:
        self.p_push_inpatient = inpatient_push_probability(self.cfg.seed, self.policy)

    # --- helpers -------------------------------------------------------------------------
    def present(self) -> np.ndarray:
        return np.flatnonzero(self.m_left[: self.n] == NONE)

    def g(self, m: int) -> np.ndarray:
        """Growth index of each household at month m."""
        return np.where(self.alv, self.G[True][m], self.G[False][m])

    def latent(self, m: int):
        """Expected (deseasonalised) monthly incomes and the resources ratio r at month m."""
        H = self.H
        p = self.present()
        hh = self.m_hh[p]
        g = self.g(m)
        size = np.bincount(hh, minlength=H).astype(float)
        working = (self.m_out[p] == 0) & (self.m_sick[p] == 0)
        wage = np.bincount(hh, weights=self.m_earn[p] * self.m_health[p] * working, minlength=H) * g
        age = self.month_year[m] - self.m_by[p]
        elderly = np.bincount(hh, weights=(age >= 60).astype(float), minlength=H)
        bus = self.bus_base * self.bus_factor * g
        prop = self.prop_base * g
        trans = (self.trans_base + self.pension_pp * elderly) * g * (size > 0)
        assist = (self.dibao + self.tekun) * g + self.pubjob + self.dividend + np.bincount(
            hh, weights=self.m_dl[p] + self.m_dc[p], minlength=H)
        total = wage + bus + prop + trans + assist
        students = self._education_cost(p, hh, age, m)
        safe = np.maximum(size, 1)
        income_pc = 12 * total / safe
        net_pc = (12 * total - self.med_burden - self.loss_burden - students) / safe
        r = net_pc / self.line[m]
        return dict(size=size, wage=wage, bus=bus, prop=prop, trans=trans, assist=assist,
                    income_pc=income_pc, net_pc=net_pc, r=r, students=students, total=total)

    def _education_cost(self, p, hh, age, m):
        track = self.m_track[p]
        cost = np.where((age >= 16) & (age <= 18) & (track == 1), 3500.0, 0.0)
        cost += np.where((age >= 16) & (age <= 18) & (track == 2), 2500.0, 0.0)
        cost += np.where((age >= 19) & (age <= 22) & (track == 1), 16000.0, 0.0)
        aid = np.where(self.alv[hh] | self.monitored[hh], 0.5, 0.0)
        return np.bincount(hh, weights=cost * (1 - aid), minlength=self.H) * self.G[False][m]

    def _verify(self, hh, s):
        a = np.where(self.alv[hh], PUSH_VERIFY[0][0], PUSH_VERIFY[1][0])
        b = np.where(self.alv[hh], PUSH_VERIFY[0][1], PUSH_VERIFY[1][1])
        return a + b * s

    def p_identify_26w(self, m: int, s: np.ndarray, r: np.ndarray, members_push: np.ndarray) -> np.ndarray:
        """The oracle: P(identified within the next 6 months) given the latent state now."""
        a = np.where(self.alv, 0, 1)
        h_self = np.array(SELF_DECLARE)[a] * s
        find = np.array(SCREEN_FIND)[a] * s
        screens = self.screen[self.county, m: m + 6].sum(axis=1)
        # a pushed event makes things worse: verification judges the state after it
        drop = np.where(self.alv, SHOCK_DROP[0], SHOCK_DROP[1])
        after = distress(r - drop, self.alv)
        verify = self._verify(np.arange(self.H), np.maximum(s, after))
        log_surv = 6 * np.log1p(-h_self) + screens * np.log1p(-find) - 6 * members_push * verify
        p = 1.0 - np.exp(log_surv)
        # open monitoring objects are zeroed from the records (tables.py), not from the process's
        # own flag: a household picked up but not yet confirmed keeps the formula's value
        return np.where(self.dissolved, 0.0, p)

    # --- the monthly loop ----------------------------------------------------------------
    def run(self, progress=None) -> SimOutput:
        self.setup()
        self.status = StatusCollection(self.cfg.seed)
        self._rec()
        self._history()
        T, H = self.T, self.H
        self.truth_income = np.zeros((T, H), dtype=np.float32)
        self.truth_net = np.zeros((T, H), dtype=np.float32)
        self.truth_s = np.zeros((T, H), dtype=np.float32)
        self.truth_p = np.zeros((T, H), dtype=np.float32)
        # identifications by channel (self, screening, push) × (alleviated, general), and confirmed
        # pushes by source (death, inpatient, outpatient, disability, disaster) × type: for docs and tuning
        self.stats = {"push_src": np.zeros(10, dtype=np.int64), "channel": np.zeros(6, dtype=np.int64)}
        for m in range(self.B + T):
            self._month(m)
            if progress is not None:
                progress(m + 1, self.B + T)
        return self._finish()

    def _rec(self) -> None:
        self.r_income = Records("hh", "month", "wage", "business", "property", "transfer", "reported")
        self.r_claims = Records("member", "service", "kind", "group", "total", "reimbursed", "oop", "reported")
        self.r_events = Records("hh", "member", "type", "date", "severity", "loss", "reported")
        self.r_assist = Records("hh", "member", "program", "start", "end", "amount", "reported")
        cap = max(64, self.H // 4)
        self.mon = {"hh": np.zeros(cap, np.int64), "id": np.zeros(cap, np.int64), "cat": np.zeros(cap, np.int8),
                    "rt": np.empty(cap, dtype=object), "elim": np.full(cap, NONE, np.int64),
                    "rep": np.zeros(cap, np.int64)}
        self.n_mon = 0

    def month_of(self, days: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.month_day, days, side="right") - 1, 0, len(self.month_day) - 1)

    def _lag(self, base, lo, hi):
        base = np.asarray(base, dtype=np.int64)
        return base + self.rng.integers(lo, hi + 1, base.shape)

    def _event(self, hh, member, etype, date, severity=0, loss=np.nan, lag=(5, 40)):
        hh = np.asarray(hh)
        if hh.size == 0:
            return
        self.r_events.add(hh=hh, member=member, type=EV[etype], date=date, severity=severity,
                          loss=np.round(np.asarray(loss, dtype=float), 2), reported=self._lag(date, *lag))

    def _one_off(self, hh, program, start, amount, member=-1):
        hh = np.asarray(hh)
        if hh.size == 0:
            return
        amount = np.round(np.asarray(amount, dtype=float), 0)
        start = np.asarray(start, dtype=np.int64)
        self.r_assist.add(hh=hh, member=member, program=PG[program], start=start, end=start,
                          amount=amount, reported=self._lag(start, 3, 25))
        mo = self.month_of(start)
        np.add.at(self.due, (mo, np.broadcast_to(hh, mo.shape)), np.broadcast_to(amount, mo.shape).astype(np.float32))

    def _claims(self, member, service, kind, group, total, share, lag=(2, 40)):
        total = np.round(total, 2)
        reimb = np.round(total * np.clip(share, 0, 0.97), 2)
        oop = np.round(total - reimb, 2)
        reported = self._lag(service, *lag)
        self.r_claims.add(member=member, service=service, kind=kind, group=group, total=total,
                          reimbursed=reimb, oop=oop, reported=reported)
        hh = self.m_hh[member]
        self.med_burden += np.bincount(hh, weights=oop, minlength=self.H)
        return hh, oop, reported

    def _share(self, member, base_alv, base_gen, kappa=25.0):
        hh = self.m_hh[member]
        mu = np.where(self.alv[hh] | self.monitored[hh] | (self.dibao[hh] > 0), base_alv, base_gen)
        share = self.rng.beta(mu * kappa, (1 - mu) * kappa)
        return np.where(self.m_uninsured[member], 0.0, share)

    def _month(self, m: int) -> None:
        rng, H = self.rng, self.H
        ms, ml = int(self.month_day[m]), int(self.month_len[m])
        year, moy = int(self.month_year[m]), int(self.month_moy[m])
        self.m = m
        # 1. one-off payments arriving this month relieve the burdens
        due = self.due[m].astype(float)
        relief = np.minimum(due, self.med_burden)
        self.med_burden -= relief
        self.loss_burden = np.maximum(self.loss_burden - (due - relief), 0)
        # 2. the latent state at the start of the month → truth
        L = self.latent(m)
        s = distress(L["r"], self.alv)
        push_rate = self._expected_pushes(m)
        if m >= self.B:
            self.truth_income[m - self.B] = L["income_pc"]
            self.truth_net[m - self.B] = L["net_pc"]
            self.truth_s[m - self.B] = s
            self.truth_p[m - self.B] = self.p_identify_26w(m, s, L["r"], push_rate)
        # 3. shocks
        self.pushes: list[tuple[np.ndarray, np.ndarray]] = []
        self._deaths(m, ms, ml, year)
        self._health(m, ms, ml, year)
        self._work(m, ms, ml, year)
        self._hazards(m, ms, ml, year, moy)
        # 4. identification by the existing process
        L2 = self.latent(m)
        s2 = distress(L2["r"], self.alv)
        self._identify(m, ms, ml, s, s2, L2)
        # 5. elimination, 6. assistance
        self._eliminate(m, ms, ml, L2)
        self._assistance(m, ms, ml, year, moy, L2)
        # 7. the month's income survey
        self._income(m, ms, ml, moy, L2)
        # 8. births, marriages, departures
        self._demography(m, ms, ml, year)
        # 8b. the yearly re-collection of member attributes (own random stream)
        if moy == COLLECTION_MONTH:
            self.status.collect(self, m)
        # 9. time passes
        self.med_burden *= 0.92
        self.loss_burden *= 0.92
        self.cause *= 0.95
        self.bus_factor += (1.0 - self.bus_factor) * 0.08
        n = self.n
        self.m_out[:n] = np.maximum(self.m_out[:n] - 1, 0)
        self.m_sick[:n] = np.maximum(self.m_sick[:n] - 1, 0)
        ended = self.pubjob_end <= ms + ml
        self.pubjob[ended] = 0.0
        self.pubjob_end[ended] = NONE

    def _expected_pushes(self, m: int) -> np.ndarray:
        """Expected department pushes per household and month (for the oracle)."""
        p = self.present()
        hh = self.m_hh[p]
        age = self.month_year[m] - self.m_by[p]
        rate = self._inpatient_rate(p, age, m) / 12
        pin = np.where(self.alv[hh], self.p_push_inpatient[True], self.p_push_inpatient[False])
        chronic_push = self.m_chronic[p] & np.isin(self.m_cgroup[p], (DG["renal"], DG["cancer"]))
        per_member = rate * pin + chronic_push * 0.45
        return np.bincount(hh, weights=per_member, minlength=self.H) + 0.002

    def _epidemic(self, m: int) -> bool:
        return self.cfg.scenario == "epidemic" and self.shock_month <= m < self.shock_month + 12

    def _inpatient_rate(self, p, age, m):
        rate = inpatient_rate(age, self.m_chronic[p], self.m_grade[p] > 0)
        return rate * (2.0 if self._epidemic(m) else 1.0)

    def _cost_growth(self, year: int) -> float:
        return 1.03 ** (year - 2020)

    def _deaths(self, m, ms, ml, year):
        rng = self.rng
        p = self.present()
        age = year - self.m_by[p]
        q = np.minimum(0.6, np.exp(-10.3 + 0.094 * age)) + np.where(age == 0, 0.005, 0)
        q = q * np.where(self.m_chronic[p], 1.6, 1.0) * np.where((self.m_grade[p] >= 1) & (self.m_grade[p] <= 2), 1.5, 1.0)
        dead = p[rng.random(len(p)) < _annual_to_monthly(q)]
        if dead.size == 0:
            return
        dday = ms + rng.integers(0, ml, dead.size)
        hh = self.m_hh[dead]
        g = self.g(m)[hh]
        earn = self.m_earn[dead] * self.m_health[dead]
        funeral = 8000 * g * rng.lognormal(0, 0.4, dead.size)
        self.loss_burden += np.bincount(hh, weights=funeral, minlength=self.H)
        np.add.at(self.cause[:, RT["labor"]], hh, (12 * earn * g).astype(np.float32))
        np.add.at(self.cause[:, RT["other"]], hh, (0.2 * funeral).astype(np.float32))
        self._event(hh, dead, "death", dday, 0, np.round(funeral, 0), lag=(3, 30))
        working_age = (year - self.m_by[dead]) < 60
        rep = self.r_events._chunks["reported"][-1]
        self.pushes.append((hh[working_age], rep[working_age], 0))
        earner = earn > 0
        tr = earner & (rng.random(dead.size) < 0.3)
        self._one_off(hh[tr], "temporary_relief", self._lag(dday[tr], 15, 60), rng.uniform(1000, 4000, tr.sum()))
        self._member_left(dead, dday, "death")

    def _member_left(self, idx, lday, reason):
        from riskmodel.contract.schema import LEFT_REASONS
        # a departure drawn within the month can fall before a join in the same month
        lday = np.maximum(lday, self.m_joined[idx])
        self.m_left[idx] = lday
        self.m_lreason[idx] = LEFT_REASONS.index(reason)
        # person-level spells end when the person leaves
        for amt, start, prog in ((self.m_dl, self.m_dl_start, "disability_living"),
                                 (self.m_dc, self.m_dc_start, "disability_care")):
            open_ = idx[start[idx] != NONE]
            if open_.size:
                st = start[open_]
                en = np.maximum(lday[np.isin(idx, open_)], st)
                self.r_assist.add(hh=self.m_hh[open_], member=open_, program=PG[prog], start=st, end=en,
                                  amount=amt[open_], reported=self._lag(st, 10, 60))
                start[open_] = NONE
                amt[open_] = 0.0
        open_ = idx[self.m_pp_start[idx] != NONE]
        if open_.size:
            st = self.m_pp_start[open_]
            en = np.maximum(lday[np.isin(idx, open_)], st)
            self.r_assist.add(hh=self.m_hh[open_], member=open_, program=PG["pension_premium"], start=st,
                              end=en, amount=8.33, reported=self._lag(st, 10, 60))
            self.m_pp_start[open_] = NONE
        hh = np.unique(self.m_hh[idx])
        size = np.bincount(self.m_hh[self.present()], minlength=self.H)
        gone = hh[size[hh] == 0]
        if gone.size:
            self.dissolved[gone] = True
            mon = gone[self.monitored[gone]]
            if mon.size:
                last = np.array([lday[self.m_hh[idx] == h].max() for h in mon])  # few households
                self._close_monitoring(mon, last)

    def _health(self, m, ms, ml, year):
        rng, H = self.rng, self.H
        p = self.present()
        age = year - self.m_by[p]
        cg = self._cost_growth(year)
        epi = self._epidemic(m)
        # chronic illness registration (门诊慢特病认定)
        annual = (0.003 + 0.0007 * np.maximum(age - 30, 0)) * (1.5 if epi else 1.0)
        new = p[~self.m_chronic[p] & (rng.random(len(p)) < _annual_to_monthly(annual))]
        if new.size:
            self.m_chronic[new] = True
            self.m_cgroup[new] = rng.choice(len(DIAGNOSIS_GROUPS), new.size, p=_CHRONIC_GROUP_P)
            self.m_health[new] *= 0.8
            d = ms + rng.integers(0, ml, new.size)
            self._event(self.m_hh[new], new, "chronic_registered", d, lag=(10, 60))
            np.add.at(self.cause[:, RT["illness"]], self.m_hh[new], np.float32(2000))
        # inpatient stays
        rate = self._inpatient_rate(p, age, m) / 12
        hit = rng.random(len(p)) < rate
        mem = p[hit]
        if mem.size:
            a = age[hit]
            adult = np.array([.06, .13, .03, .03, .14, 0, .13, .48])
            child = np.array([0, 0, 0, .01, .22, 0, .03, .74])
            u = rng.random(mem.size)
            grp = np.where(a >= 15, np.searchsorted(np.cumsum(adult), u * adult.sum()),
                           np.searchsorted(np.cumsum(child), u * child.sum())).astype(np.int8)
            own = self.m_chronic[mem] & (rng.random(mem.size) < 0.6)
            grp = np.where(own, self.m_cgroup[mem], grp)
            cost = _INPATIENT_MEDIAN[grp] * rng.lognormal(0, 0.6, mem.size) * cg
            share = self._share(mem, 0.80, 0.58) - np.where(grp == DG["cancer"], 0.08, 0)
            service = ms + rng.integers(0, ml, mem.size)
            hh, oop, reported = self._claims(mem, service, KIND["inpatient"], grp, cost, share)
            injury = grp == DG["injury"]
            np.add.at(self.cause[:, RT["illness"]], hh[~injury], oop[~injury].astype(np.float32))
            np.add.at(self.cause[:, RT["accident"]], hh[injury], oop[injury].astype(np.float32))
            self.m_sick[mem] = np.maximum(self.m_sick[mem], np.where(grp == DG["cancer"], 3, 1))
            pol = self.policy.dept_alerts
            thr = np.where(self.alv[hh], pol.inpatient_oop_alleviated, pol.inpatient_oop_general)
            big = oop >= thr
            self.pushes.append((hh[big], reported[big], 1))
            poor = self.alv[hh] | (self.dibao[hh] > 0) | self.monitored[hh]
            mr = poor & (oop > 2000) & (rng.random(mem.size) < 0.6)
            self._one_off(hh[mr], "medical_relief", self._lag(reported[mr], 15, 60),
                          oop[mr] * rng.uniform(0.3, 0.6, mr.sum()))
        # chronic outpatient (门诊慢特病) and ordinary outpatient claims
        ch = p[self.m_chronic[p] & (rng.random(len(p)) < 0.6)]
        out_oop = np.zeros(H)
        out_rep = np.zeros(H, dtype=np.int64)
        if ch.size:
            grp = self.m_cgroup[ch]
            cost = _CHRONIC_OUT_MEDIAN[grp] * rng.lognormal(0, 0.5, ch.size) * cg
            share = self._share(ch, 0.80, 0.62)
            service = ms + rng.integers(0, ml, ch.size)
            hh, oop, reported = self._claims(ch, service, KIND["outpatient_chronic"], grp, cost, share, lag=(2, 30))
            np.add.at(self.cause[:, RT["illness"]], hh, oop.astype(np.float32))
            out_oop += np.bincount(hh, weights=oop, minlength=H)
            np.maximum.at(out_rep, hh, reported)
        op = p[rng.random(len(p)) < 0.03]
        if op.size:
            grp = np.where(rng.random(op.size) < 0.9, DG["acute_other"], DG["injury"]).astype(np.int8)
            cost = 250 * rng.lognormal(0, 0.6, op.size) * cg
            share = self._share(op, 0.65, 0.5)
            service = ms + rng.integers(0, ml, op.size)
            hh, oop, reported = self._claims(op, service, KIND["outpatient"], grp, cost, share, lag=(2, 30))
            out_oop += np.bincount(hh, weights=oop, minlength=H)
            np.maximum.at(out_rep, hh, reported)
        # the outpatient alert fires once a year per household, not every month
        big = np.flatnonzero((out_oop >= self.policy.dept_alerts.outpatient_oop_monthly)
                             & (self.last_out_push < ms - 365))
        self.last_out_push[big] = ms
        self.pushes.append((big, out_rep[big], 2))
        # disability certification (残疾认定)
        annual = (0.0015 + 0.00025 * np.maximum(age - 40, 0)) * np.where(self.m_chronic[p], 2.0, 1.0)
        new = p[(self.m_grade[p] == 0) & (rng.random(len(p)) < _annual_to_monthly(annual))]
        if new.size:
            grade = rng.choice([1, 2, 3, 4], new.size, p=[.12, .23, .30, .35]).astype(np.int8)
            self.m_grade[new] = grade
            self.m_health[new] *= np.where(grade <= 2, 0.2, 0.6)
            d = ms + rng.integers(0, ml, new.size)
            hh = self.m_hh[new]
            self._event(hh, new, "disability_certified", d, grade, lag=(10, 45))
            rep = self.r_events._chunks["reported"][-1]
            np.add.at(self.cause[:, RT["disability"]], hh, (6000.0 * (5 - grade) / 2).astype(np.float32))
            severe = grade <= 2
            self.pushes.append((hh[severe], rep[severe], 3))
            care = severe & (rng.random(new.size) < 0.8)
            self.m_dc[new[care]] = 100.0
            self.m_dc_start[new[care]] = self._lag(rep[care], 20, 80)
            poor = (self.alv[hh] | (self.dibao[hh] > 0) | self.monitored[hh]) & (rng.random(new.size) < 0.8)
            self.m_dl[new[poor]] = 90.0
            self.m_dl_start[new[poor]] = self._lag(rep[poor], 20, 80)
        # accidents (意外事故)
        acc = p[(age >= 15) & (age <= 75) & (rng.random(len(p)) < _annual_to_monthly(0.006))]
        if acc.size:
            hh = self.m_hh[acc]
            d = ms + rng.integers(0, ml, acc.size)
            loss = 5000 * rng.lognormal(0, 0.8, acc.size) * cg
            self._event(hh, acc, "accident", d, 0, np.round(loss, 0), lag=(5, 40))
            self.loss_burden += np.bincount(hh, weights=loss, minlength=H)
            np.add.at(self.cause[:, RT["accident"]], hh, loss.astype(np.float32))
            inj = rng.random(acc.size) < 0.6
            if inj.any():
                cost = _INPATIENT_MEDIAN[DG["injury"]] * rng.lognormal(0, 0.6, inj.sum()) * cg
                h2, oop, rep = self._claims(acc[inj], d[inj], KIND["inpatient"], DG["injury"], cost,
                                            self._share(acc[inj], 0.75, 0.5))
                np.add.at(self.cause[:, RT["accident"]], h2, oop.astype(np.float32))
            self.m_sick[acc] = np.maximum(self.m_sick[acc], 2)
            tr = rng.random(acc.size) < 0.3
            self._one_off(hh[tr], "temporary_relief", self._lag(d[tr], 20, 70), rng.uniform(1000, 5000, tr.sum()))

    def _work(self, m, ms, ml, year):
        """Job loss of migrant and local workers; the scenario's factory closures."""
        rng = self.rng
        p = self.present()
        earner = p[(self.m_earn[p] > 0) & (self.m_out[p] == 0)]
        mig = self.m_migrant[earner]
        factor = 1.5 if self._epidemic(m) else 1.0
        annual = np.where(mig, 0.07, 0.03) * factor
        lost = earner[rng.random(earner.size) < _annual_to_monthly(annual)]
        mig_l = self.m_migrant[lost]
        spell = np.where(mig_l, 1 + rng.geometric(1 / 4, lost.size), rng.geometric(1 / 2, lost.size))
        if self.cfg.scenario == "factory_closure" and m == self.shock_month:
            towns = np.unique(self.town)
            chosen = rng.permutation(towns)[: max(1, int(np.ceil(0.25 * towns.size)))]
            self.closed_towns = np.sort(chosen)
            left = earner[~np.isin(earner, lost)]
            in_town = np.isin(self.town[self.m_hh[left]], chosen)
            hit = left[in_town & (rng.random(left.size) < np.where(self.m_migrant[left], 0.7, 0.3))]
            lost = np.concatenate([lost, hit])
            spell = np.concatenate([spell, 6 + rng.geometric(1 / 4, hit.size)])
            mig_l = self.m_migrant[lost]
        if lost.size:
            self.m_out[lost] = spell.astype(np.int16)
            d = ms + rng.integers(0, ml, lost.size)
            seen = rng.random(lost.size) < np.where(mig_l, 0.75, 0.3)
            self._event(self.m_hh[lost[seen]], lost[seen], "job_loss", d[seen], lag=(10, 60))
        out = p[self.m_out[p] > 0]
        if out.size:
            hh = self.m_hh[out]
            np.add.at(self.cause[:, RT["employment"]], hh,
                      (self.m_earn[out] * self.m_health[out] * self.g(m)[hh]).astype(np.float32))

    def _hazards(self, m, ms, ml, year, moy):
        """Business failure, disasters (correlated within townships and seasons), housing, water, insurance, schooling."""
        rng, H = self.rng, self.H
        g = self.g(m)
        alive = ~self.dissolved
        # business failure (产业经营失败)
        fail = np.flatnonzero(alive & self.farming & (self.bus_base > 50) & (rng.random(H) < _annual_to_monthly(0.015)))
        if fail.size:
            self.bus_factor[fail] = rng.uniform(-0.3, 0.2, fail.size)
            loss = 12000 * rng.lognormal(0, 0.7, fail.size) * g[fail]
            d = ms + rng.integers(0, ml, fail.size)
            self._event(fail, -1, "business_failure", d, 0, np.round(loss, 0), lag=(15, 90))
            self.loss_burden[fail] += loss
            self.cause[fail, RT["business"]] += loss.astype(np.float32)
        # natural disasters: whole townships, mostly in the rainy season
        n_town = len(self.regions.township_code)
        town_hit = rng.random(n_town) < _annual_to_monthly(0.10) * _DISASTER_SEASON[moy - 1]
        share = rng.uniform(0.1, 0.5, n_town)
        sev_p = np.array([.55, .30, .12, .03])
        if self.cfg.scenario == "flood" and m == self.shock_month:
            county = int(rng.integers(len(self.regions.county_code)))
            self.flood_county = county
            flooded = self.regions.township_county == county
            town_hit |= flooded
            share = np.where(flooded, rng.uniform(0.5, 0.8, n_town), share)
        town_day = ms + rng.integers(0, max(ml - 3, 1), n_town)
        if town_hit.any():
            affected = np.flatnonzero(alive & town_hit[self.town] & (rng.random(H) < share[self.town]))
            if affected.size:
                flood = (self.cfg.scenario == "flood" and m == self.shock_month)
                sev = rng.choice([1, 2, 3, 4], affected.size, p=sev_p)
                if flood:
                    in_c = self.county[affected] == self.flood_county
                    sev = np.where(in_c, rng.choice([1, 2, 3, 4], affected.size, p=[.1, .2, .35, .35]), sev)
                loss = np.array([1500, 5000, 15000, 40000])[sev - 1] * rng.lognormal(0, 0.5, affected.size) * g[affected]
                loss *= np.where(self.farming[affected], 1.0, 0.6)
                d = town_day[self.town[affected]] + rng.integers(0, 3, affected.size)
                self._event(affected, -1, "disaster", d, sev, np.round(loss, 0), lag=(5, 40))
                rep = self.r_events._chunks["reported"][-1]
                self.loss_burden[affected] += loss
                self.cause[affected, RT["disaster"]] += loss.astype(np.float32)
                self.bus_factor[affected] *= np.where(self.farming[affected], 1 - 0.12 * sev, 1.0)
                serious = sev >= 3
                self.pushes.append((affected[serious], rep[serious], 4))
                tr = serious & (rng.random(affected.size) < 0.5)
                self._one_off(affected[tr], "temporary_relief", self._lag(rep[tr], 10, 45),
                              rng.uniform(1000, 5000, tr.sum()))
                house = (sev == 4) & (rng.random(affected.size) < 0.3)
                hloss = rng.uniform(20000, 50000, house.sum())
                self._event(affected[house], -1, "housing_unsafe", self._lag(d[house], 10, 40), 4, hloss, lag=(5, 30))
                self.loss_burden[affected[house]] += hloss
                self.cause[affected[house], RT["housing"]] += hloss.astype(np.float32)
        # housing found unsafe (C/D级危房)
        hs = np.flatnonzero(alive & (rng.random(H) < _annual_to_monthly(np.where(self.alv, 0.006, 0.002))))
        if hs.size:
            sev = rng.choice([3, 4], hs.size)
            loss = rng.uniform(15000, 45000, hs.size)
            self._event(hs, -1, "housing_unsafe", ms + rng.integers(0, ml, hs.size), sev, np.round(loss, 0), lag=(10, 60))
            self.loss_burden[hs] += loss
            self.cause[hs, RT["housing"]] += loss.astype(np.float32)
        # unsafe drinking water: whole villages
        v_hit = rng.random(len(self.regions.village_code)) < _annual_to_monthly(0.003)
        if v_hit.any():
            ws = np.flatnonzero(alive & v_hit[self.vil])
            self._event(ws, -1, "water_unsafe", ms + rng.integers(0, ml, ws.size), lag=(10, 60))
            self.loss_burden[ws] += 2500
            self.cause[ws, RT["water"]] += 4000
        # basic medical insurance: found uninsured in the annual enrolment check (Jan–Mar)
        if moy == 1:
            n = self.n
            self.m_uninsured[:n] &= rng.random(n) < 0.4
        if moy <= 3:
            un = np.flatnonzero(alive & (rng.random(H) < np.where(self.alv, 0.004, 0.02) / 3))
            head = self.head_of[un]
            ok = self.m_left[head] == NONE
            un, head = un[ok], head[ok]
            self.m_uninsured[head] = True
            self._event(un, head, "uninsured", ms + rng.integers(0, ml, un.size), lag=(10, 60))
            self.loss_burden[un] += 3000
            self.cause[un, RT["insurance"]] += 5000
        # dropout from compulsory schooling
        p = self.present()
        age = year - self.m_by[p]
        kid = p[(age >= 7) & (age <= 15)]
        drop = kid[rng.random(kid.size) < _annual_to_monthly(np.where(self.alv[self.m_hh[kid]], 0.004, 0.002))]
        if drop.size:
            hh = self.m_hh[drop]
            self._event(hh, drop, "school_dropout", ms + rng.integers(0, ml, drop.size), lag=(10, 60))
            self.loss_burden[hh] += 4000
            self.cause[hh, RT["schooling"]] += 8000

    # --- identification, elimination, help ----------------------------------------------
    def _identify(self, m, ms, ml, s, s2, L):
        rng, H = self.rng, self.H
        a = np.where(self.alv, 0, 1)
        cand = ~self.monitored & ~self.dissolved & (self.reg <= ms)
        clue = np.full(H, NONE, dtype=np.int64)
        self_hit = cand & (rng.random(H) < np.array(SELF_DECLARE)[a] * s)
        clue[self_hit] = ms + rng.integers(0, ml, self_hit.sum())
        screening = self.screen[self.county, m]
        if screening.any():
            sday = ms + rng.integers(0, max(ml - 12, 1), len(self.regions.county_code))
            found = cand & screening & (rng.random(H) < np.array(SCREEN_FIND)[a] * s)
            d = sday[self.county[found]] + rng.integers(0, 10, found.sum())
            clue[found] = np.minimum(clue[found], d)
        if self.pushes:
            ph = np.concatenate([x[0] for x in self.pushes]).astype(np.int64)
            pd_ = np.concatenate([x[1] for x in self.pushes]).astype(np.int64)
            src = np.concatenate([np.full(len(x[0]), x[2]) for x in self.pushes]).astype(np.int64)
            ok = cand[ph] & (rng.random(ph.size) < self._verify(ph, s2[ph]))
            ph, pd_ = ph[ok], pd_[ok]
            self.stats["push_src"] += np.bincount(src[ok] + 5 * (~self.alv[ph]), minlength=10)
            np.minimum.at(clue, ph, pd_)
        new = np.flatnonzero(clue != NONE)
        if new.size == 0:
            return
        pushed = np.zeros(H, dtype=bool)
        if self.pushes:
            pushed[ph] = True
        channel = np.where(pushed[new], 2, np.where(self_hit[new], 0, 1))
        self.stats["channel"] += np.bincount(channel + 3 * (~self.alv[new]), minlength=6)
        ident = clue[new] + rng.integers(1, self.policy.identification_days_max + 1, new.size)
        self._open_monitoring(new, ident, L)
        self._help(new, ident, L)

    def _open_monitoring(self, hh, ident, L) -> None:
        rt, cat = self._risk_types(hh, L)
        k = hh.size
        if self.n_mon + k > len(self.mon["hh"]):
            grow = max(k, len(self.mon["hh"]))
            for key, arr in self.mon.items():
                fill = NONE if key == "elim" else (None if arr.dtype == object else 0)
                extra = np.full(grow, fill, dtype=arr.dtype)
                self.mon[key] = np.concatenate([arr, extra])
        sl = slice(self.n_mon, self.n_mon + k)
        self.mon["hh"][sl] = hh
        self.mon["id"][sl] = ident
        self.mon["cat"][sl] = cat
        self.mon["rt"][sl] = rt
        self.mon["rep"][sl] = self._lag(ident, 0, 10)
        self.mon_row[hh] = np.arange(self.n_mon, self.n_mon + k)
        self.n_mon += k
        self.monitored[hh] = True
        self.mon_id_day[hh] = ident

    def _risk_types(self, hh, L):
        w = self.cause[hh].astype(float)
        line = self.line[self.m]
        size = np.maximum(L["size"][hh], 1)
        structural = np.maximum(0, 1.3 * line - L["income_pc"][hh]) * size
        p = self.present()
        able = np.bincount(self.m_hh[p], weights=((self.m_skill[p] <= 1) & (self.m_health[p] >= 0.8)).astype(float),
                           minlength=self.H)[hh]
        w[:, RT["labor"]] += structural * np.where(able == 0, 1.0, 0.3)
        w[:, RT["education"]] += L["students"][hh]
        w[:, RT["other"]] += 300 + 0.1 * structural
        order = np.argsort(-w, axis=1, kind="stable")[:, :3]
        top = np.take_along_axis(w, order, axis=1)
        keep = top >= 0.4 * top[:, :1]
        codes = np.array(RISK_TYPES, dtype=object)
        rt = codes[order[:, 0]].copy()
        for j in (1, 2):
            rt = np.where(keep[:, j], rt + ";" + codes[order[:, j]], rt)
        shock = (self.med_burden[hh] + self.loss_burden[hh]) / np.maximum(12 * L["total"][hh], 1.0)
        main = order[:, 0]
        sudden_type = np.isin(main, [RT[c] for c in ("illness", "accident", "disaster", "business", "employment", "housing")])
        cat = np.where(self.alv[hh], 0, np.where(sudden_type & (shock > 0.35), 2, 1))
        cat = np.where(self.alv[hh] & sudden_type & (shock > 0.8) & (self.rng.random(hh.size) < 0.3), 2, cat)
        return rt, cat.astype(np.int8)

    def _help(self, hh, ident, L):
        """Measures after identification (分层分类帮扶): income support arrives with lags."""
        rng = self.rng
        g = self.g(self.m)[hh]
        r = L["r"][hh]
        need = (self.dibao[hh] == 0) & (self.tekun[hh] == 0) & (r < 0.95) & (rng.random(hh.size) < 0.6)
        h = hh[need]
        amount = np.clip((self.line[self.m] * 1.05 - L["income_pc"][h]) * L["size"][h] / 12, 150, 1500)
        self._start_dibao(h, self._lag(ident[need], 20, 70), amount, g[need])
        p = self.present()
        workers = np.bincount(self.m_hh[p], weights=((self.m_skill[p] <= 2) & (self.month_year[self.m] - self.m_by[p] <= 65)
                                                     & (self.month_year[self.m] - self.m_by[p] >= 16)).astype(float),
                              minlength=self.H)[hh]
        job = (workers > 0) & (self.pubjob[hh] == 0) & (rng.random(hh.size) < 0.35)
        st = self._lag(ident[job], 30, 90)
        amt = np.round(rng.uniform(500, 800, job.sum()), 0)
        en = st + 365
        self.r_assist.add(hh=hh[job], member=-1, program=PG["public_job"], start=st, end=en, amount=amt,
                          reported=self._lag(st, 5, 30))
        self.pubjob[hh[job]] = amt
        self.pubjob_end[hh[job]] = en
        tr = rng.random(hh.size) < 0.35
        self._one_off(hh[tr], "temporary_relief", self._lag(ident[tr], 10, 40), rng.uniform(1000, 5000, tr.sum()))

    def _start_dibao(self, hh, start, amount, g):
        self.dibao[hh] = amount / g
        self.dibao_start[hh] = start
        self.dibao_amount[hh] = np.round(amount, 0)

    def _close_monitoring(self, hh, eday):
        rows = self.mon_row[hh]
        floor = self.mon_id_day[hh] + int(np.ceil(30.44 * self.policy.elimination_min_months))
        self.mon["elim"][rows] = np.maximum(eday, floor)
        self.monitored[hh] = False
        self.mon_row[hh] = -1
        self.mon_id_day[hh] = NONE

    def _eliminate(self, m, ms, ml, L):
        months = self.policy.elimination_min_months
        old_enough = self.monitored & (ms >= self.mon_id_day + int(np.ceil(30.44 * months)) + 1)
        ok = np.flatnonzero(old_enough & (L["r"] >= 1.25) & (self.rng.random(self.H) < 0.25))
        if ok.size:
            self._close_monitoring(ok, ms + self.rng.integers(0, ml, ok.size))

    def _assistance(self, m, ms, ml, year, moy, L):
        rng, H = self.rng, self.H
        g = self.g(m)
        r = L["r"]
        alive = ~self.dissolved
        # 低保 applications by households in need (not only monitored ones)
        apply_ = alive & (self.dibao == 0) & (self.tekun == 0) & (r < 0.85) & (
            rng.random(H) < np.where(self.alv | self.monitored, 0.12, 0.05))
        h = np.flatnonzero(apply_)
        if h.size:
            amount = np.clip((self.line[m] * 1.05 - L["income_pc"][h]) * L["size"][h] / 12, 150, 1500)
            self._start_dibao(h, self._lag(ms + rng.integers(0, ml, h.size), 20, 60), amount, g[h])
        # 低保 ends when the household is well above the line without it
        without = r - 12 * self.dibao * g / np.maximum(L["size"], 1) / self.line[m]
        stop = np.flatnonzero((self.dibao > 0) & (self.dibao_start < ms) & (without > 1.6) & (rng.random(H) < 0.06))
        if stop.size:
            self._end_spells(stop, "dibao", ms + rng.integers(0, ml, stop.size))
        # 防贫保险: medical costs over 10,000 yuan in a year
        ins = np.flatnonzero(alive & (self.alv | self.monitored) & (self.med_burden > 10000)
                             & (self.paid_insurance_year != year) & (rng.random(H) < 0.5))
        if ins.size:
            self.paid_insurance_year[ins] = year
            self._one_off(ins, "poverty_insurance", ms + rng.integers(30, 90, ins.size),
                          0.4 * (self.med_burden[ins] - 10000))
        # 教育资助: each September for students of alleviated, 低保 and monitored households
        if moy == 9:
            p = self.present()
            age = year - self.m_by[p]
            hh = self.m_hh[p]
            track = self.m_track[p]
            elig = self.alv[hh] | (self.dibao[hh] > 0) | self.monitored[hh]
            senior = (age >= 16) & (age <= 18) & (track >= 1)
            college = (age >= 19) & (age <= 22) & (track == 1)
            st = elig & (senior | college)
            amt = np.where(college[st], 400.0, 170.0)
            start = np.full(st.sum(), ms, dtype=np.int64)
            end = np.full(st.sum(), day(dt.date(year + 1, 6, 30)), dtype=np.int64)
            self.r_assist.add(hh=hh[st], member=p[st], program=PG["education_aid"], start=start, end=end,
                              amount=amt, reported=self._lag(start, 20, 60))
        # 产业/资产收益分红: yearly spells
        if moy == 1 or m == 0:
            h = np.flatnonzero(alive & (self.dividend > 0))
            start = np.full(h.size, ms, dtype=np.int64)
            end = np.full(h.size, day(dt.date(year, 12, 31)), dtype=np.int64)
            self.r_assist.add(hh=h, member=-1, program=PG["industry_dividend"], start=start, end=end,
                              amount=np.round(self.dividend[h], 0), reported=self._lag(start, 10, 40))

    def _end_spells(self, hh, prog, eday):
        start = self.dibao_start[hh]
        amt = self.dibao_amount[hh]
        amt = np.where(amt > 0, amt, np.round(self.dibao[hh] * self.g(self.m)[hh], 0))
        self.r_assist.add(hh=hh, member=-1, program=PG[prog], start=start, end=np.maximum(eday, start),
                          amount=amt, reported=self._lag(start, 5, 40))
        self.dibao[hh] = 0.0
        self.dibao_start[hh] = NONE

    def _income(self, m, ms, ml, moy, L):
        rng, H = self.rng, self.H
        surveyed = np.flatnonzero(~self.dissolved & (self.reg <= ms) & (rng.random(H) < np.where(self.alv, 0.9, 0.72)))
        k = surveyed.size
        i = moy - 1
        wage = L["wage"][surveyed] * _WAGE_SEASON[i] * rng.lognormal(-0.01, 0.15, k)
        bus_l = L["bus"][surveyed]
        bus = bus_l * _BUSINESS_SEASON[i] + rng.normal(0, 1, k) * (0.15 * np.abs(bus_l) + 10)
        prop = L["prop"][surveyed] * _PROPERTY_SEASON[i] * rng.lognormal(-0.02, 0.2, k)
        trans = L["trans"][surveyed] * rng.lognormal(-0.005, 0.1, k)
        month_end = ms + ml - 1
        self.r_income.add(hh=surveyed, month=m, wage=np.round(wage, 2), business=np.round(bus, 2),
                          property=np.round(prop, 2), transfer=np.round(trans, 2),
                          reported=self._lag(np.full(k, month_end), 20, 92))

    def _grow(self, k: int) -> None:
        if self.n + k <= self.M:
            return
        extra = max(k, self.M // 4)
        for name in [a for a in vars(self) if a.startswith("m_") and isinstance(getattr(self, a), np.ndarray)]:
            arr = getattr(self, name)
            if arr.shape[0] != self.M:
                continue
            fill = {np.dtype(bool): False}.get(arr.dtype, arr[-1] if name not in ("m_left", "m_dl_start", "m_dc_start", "m_pp_start") else NONE)
            setattr(self, name, np.concatenate([arr, np.full(extra, fill, dtype=arr.dtype)]))
        self.M += extra

    def _add_members(self, hh, rel, sex, by, joined, skill=3, earn=0.0, edu=0):
        k = len(hh)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        self._grow(k)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        self.m_hh[idx] = hh; self.m_rel[idx] = rel; self.m_sex[idx] = sex; self.m_by[idx] = by
        self.m_joined[idx] = joined; self.m_skill[idx] = skill; self.m_earn[idx] = earn; self.m_edu[idx] = edu
        self.m_insch[idx] = 0; self.m_left[idx] = NONE; self.m_lreason[idx] = -1; self.m_grade[idx] = 0
        self.m_chronic[idx] = False; self.m_cgroup[idx] = -1; self.m_track[idx] = self.rng.choice([0, 1, 2], k, p=[.2, .5, .3])
        self.m_migrant[idx] = False; self.m_out[idx] = 0; self.m_sick[idx] = 0; self.m_health[idx] = 1.0
        self.m_uninsured[idx] = False; self.m_dl[idx] = 0; self.m_dl_start[idx] = NONE; self.m_dc[idx] = 0
        self.m_dc_start[idx] = NONE; self.m_pp_start[idx] = NONE
        return idx

    def _demography(self, m, ms, ml, year):
        rng = self.rng
        p = self.present()
        age = year - self.m_by[p]
        rel = self.m_rel[p]
        # births
        mother_ok = (self.m_sex[p] == 1) & (age >= 20) & (age <= 40) & np.isin(rel, [REL["head"], REL["spouse"], REL["other"]])
        mothers = p[mother_ok & (rng.random(p.size) < _annual_to_monthly(0.06))]
        if mothers.size:
            hh = self.m_hh[mothers]
            bday = ms + rng.integers(0, ml, mothers.size)
            rel_new = np.where(self.m_rel[mothers] == REL["other"], REL["grandchild"], REL["child"])
            kids = self._add_members(hh, rel_new, rng.integers(0, 2, mothers.size), year, bday)
            self._event(hh, kids, "birth", bday, lag=(7, 60))
            cost = _INPATIENT_MEDIAN[DG["maternity"]] * rng.lognormal(0, 0.4, mothers.size) * self._cost_growth(year)
            self._claims(mothers, bday, KIND["inpatient"], DG["maternity"], cost, self._share(mothers, 0.85, 0.7))
        # marriages: daughters marry out, sons bring a spouse in
        p = self.present()
        age = year - self.m_by[p]
        rel = self.m_rel[p]
        single = np.isin(rel, [REL["child"], REL["grandchild"]]) & (age >= 22) & (age <= 32)
        wed = p[single & (rng.random(p.size) < _annual_to_monthly(0.09))]
        if wed.size:
            wday = ms + rng.integers(0, ml, wed.size)
            out = self.m_sex[wed] == 1
            self._member_left(wed[out], wday[out], "marriage")
            sons = wed[~out]
            if sons.size:
                self._add_members(self.m_hh[sons], REL["other"], 1, self.m_by[sons] + rng.integers(-1, 4, sons.size),
                                  wday[~out], skill=1, edu=2,
                                  earn=np.where(rng.random(sons.size) < 0.5, 1800.0 * self.income_scale[self.m_hh[sons]], 0.0))
        # sons setting up their own household, and moves away
        p = self.present()
        age = year - self.m_by[p]
        split = p[(self.m_rel[p] == REL["child"]) & (age >= 25) & (rng.random(p.size) < _annual_to_monthly(0.02))]
        if split.size:
            self._member_left(split, ms + rng.integers(0, ml, split.size), "split")
        p = self.present()
        age = year - self.m_by[p]
        mv = p[(age >= 18) & (age <= 40) & (self.m_rel[p] != REL["head"]) & (rng.random(p.size) < _annual_to_monthly(0.004))]
        if mv.size:
            self._member_left(mv, ms + rng.integers(0, ml, mv.size), "migration")

    def _history(self) -> None:
        """Certificates and registrations older than the simulation, loaded with the household."""
        rng, n = self.rng, self.n
        first = int(self.month_day[0])
        birth = mid_year(self.m_by[:n])
        for etype, mask, sev in (("disability_certified", self.m_grade[:n] > 0, self.m_grade[:n]),
                                 ("chronic_registered", self.m_chronic[:n], np.zeros(n, dtype=np.int8))):
            idx = np.flatnonzero(mask)
            hh = self.m_hh[idx]
            d = self.reg[hh] - rng.integers(30, 3650, idx.size)
            d = np.clip(np.maximum(d, birth[idx] + 200), None, first - 1)
            rep = np.maximum(self.reg[hh], d)
            self.r_events.add(hh=hh, member=idx, type=EV[etype], date=d, severity=sev[idx], loss=np.nan, reported=rep)

    # --- output --------------------------------------------------------------------------
    def _finish(self) -> SimOutput:
        end = self.end_day
        # spells still open at the end of the simulation
        n = self.n
        open_d = np.flatnonzero(self.dibao_start != NONE)
        amt = self.dibao_amount[open_d]
        amt = np.where(amt > 0, amt, np.round(self.dibao[open_d] * self.g(0)[open_d], 0))
        self.r_assist.add(hh=open_d, member=-1, program=PG["dibao"], start=self.dibao_start[open_d], end=NONE,
                          amount=amt, reported=self._lag(self.dibao_start[open_d], 5, 40))
        open_t = np.flatnonzero(self.tekun_start != NONE)
        self.r_assist.add(hh=open_t, member=-1, program=PG["tekun"], start=self.tekun_start[open_t], end=NONE,
                          amount=np.round(self.tekun[open_t] * self.g(0)[open_t], 0),
                          reported=self._lag(self.tekun_start[open_t], 5, 40))
        for amt_a, start_a, prog in ((self.m_dl, self.m_dl_start, "disability_living"),
                                     (self.m_dc, self.m_dc_start, "disability_care")):
            o = np.flatnonzero(start_a[:n] != NONE)
            self.r_assist.add(hh=self.m_hh[o], member=o, program=PG[prog], start=start_a[o], end=NONE,
                              amount=amt_a[o], reported=self._lag(start_a[o], 10, 60))
        o = np.flatnonzero(self.m_pp_start[:n] != NONE)
        sixty = jan_first(self.m_by[o] + 60)
        st = self.m_pp_start[o]
        en = np.where(sixty > st, sixty, st)
        self.r_assist.add(hh=self.m_hh[o], member=o, program=PG["pension_premium"], start=st,
                          end=np.where(en <= end, en, NONE), amount=8.33, reported=self._lag(st, 10, 60))
        members = dict(
            hh=self.m_hh[:n], rel=self.m_rel[:n], sex=self.m_sex[:n], by=self.m_by[:n], edu=self.m_edu[:n],
            insch=self.m_insch[:n], skill=self.m_skill[:n], joined=self.m_joined[:n], left=self.m_left[:n],
            lreason=self.m_lreason[:n],
        )
        k = self.n_mon
        monitoring = {key: arr[:k] for key, arr in self.mon.items()}
        households = dict(vil=self.vil, alv=self.alv, exit_year=self.exit_year, relocated=self.relocated, reg=self.reg)
        i64 = np.int64
        income = self.r_income.arrays(dict(hh=i64, month=i64, wage=float, business=float, property=float,
                                           transfer=float, reported=i64))
        keep = income["month"] >= self.B  # the panel's income survey starts with the panel
        income = {k: v[keep] for k, v in income.items()}
        income["month"] = self.month_day[income["month"]]
        claims = self.r_claims.arrays(dict(member=i64, service=i64, kind=np.int8, group=np.int8, total=float,
                                           reimbursed=float, oop=float, reported=i64))
        keep = claims["service"] >= self.start_day  # the claims extract starts with the panel
        claims = {k: v[keep] for k, v in claims.items()}
        events = self.r_events.arrays(dict(hh=i64, member=i64, type=np.int8, date=i64, severity=np.int8,
                                           loss=float, reported=i64))
        assistance = self.r_assist.arrays(dict(hh=i64, member=i64, program=np.int8, start=i64, end=i64,
                                               amount=float, reported=i64))
        # one-off payments of the burn-in answered claims and events outside the extract
        one_off = np.isin(assistance["program"], [PG[p] for p in ONE_OFF_PROGRAMS])
        keep = ~one_off | (assistance["start"] >= self.start_day)
        assistance = {k: v[keep] for k, v in assistance.items()}
        truth = dict(income=self.truth_income, net=self.truth_net, distress=self.truth_s, p=self.truth_p,
                     month_day=self.month_day[self.B: self.B + self.T])
        return SimOutput(self.regions, households, members, income, claims, assistance, events, monitoring,
                         self.status.arrays(), truth, self.policy, end, self.stats)


def simulate(cfg: SynthConfig, progress=None) -> SimOutput:
    """Run the simulation for one config (pure: the result depends on the config only)."""
    return _Sim(cfg).run(progress)
