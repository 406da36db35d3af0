"""The monthly simulation: households × months as numpy arrays, no per-household Python.

Each month, in order: scheduled one-off payments arrive; the latent state gives the truth row
(latent income, the oracle probability); shocks happen (``demography.deaths``, ``health``,
``shocks``) and are written as claims and events that reach the system later; the existing
identification process (``identification``: department pushes, periodic cadre screening,
self-declaration) acts on the latent distress; monitored households get help and, after at
least six months, may be eliminated; ``assistance`` responds with lags; the month's income is
surveyed (``income``) and reported 1–3 months later; people are born, marry and move
(``demography``); the yearly re-collection records member attributes (``status``).

The state each process reads and changes is typed (``state``); the figures it is calibrated
to and the model's parameters live in ``params``. Money is yuan. Latent amounts are kept at
"2020 prices" and scaled by each household type's income growth index, so that calibrated
incomes follow the published series. One random stream drives everything in a fixed order:
the same config gives the same panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from riskmodel.contract.policy import Policy
from riskmodel.contract.schema import ONE_OFF_PROGRAMS
from riskmodel.progress import Progress, no_progress
from riskmodel.synth import assistance as assist
from riskmodel.synth import demography, health, identification, income, params, shocks
from riskmodel.synth.codes import EV, PG
from riskmodel.synth.config import SynthConfig
from riskmodel.synth.params import BURDEN_DECAY, BUSINESS_RECOVERY, CAUSE_DECAY
from riskmodel.synth.records import Records
from riskmodel.synth.regions import Regions, build_regions
from riskmodel.synth.state import NONE, Burdens, Calendar, Households, People, Process, Support, day
from riskmodel.synth.status import StatusCollection

BURN_IN = 12  # months simulated before the panel's start; only their lasting records are kept

__all__ = ["NONE", "CountyLayout", "SimOutput", "Simulation", "county_layout", "simulate"]


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


def _calendar(cfg: SynthConfig, policy: Policy) -> Calendar:
    months = np.arange(np.datetime64(cfg.start, "M"), np.datetime64(cfg.end, "M") + 1)
    # a burn-in year before the start (burdens, help and monitoring reach their steady state)
    # and a few months past the end (the oracle looks ahead)
    ext = np.arange(months[0] - BURN_IN, months[-1] + 8)
    cal = Calendar(months=len(months), burn_in=BURN_IN, start_day=day(cfg.start), end_day=day(cfg.end))
    cal.month_day = ext.astype("datetime64[D]").astype(np.int64)
    cal.month_len = (ext + 1).astype("datetime64[D]").astype(np.int64) - cal.month_day
    cal.month_year = ext.astype("datetime64[Y]").astype(np.int64) + 1970
    cal.month_moy = ext.astype(np.int64) % 12 + 1
    cal.growth = income.growth_indices(cal.month_year, cal.month_moy)
    cal.shock_day = day(cfg.shock)
    cal.shock_month = int((np.datetime64(cfg.shock, "M") - months[0]).astype(np.int64)) + BURN_IN
    cal.line = np.array([policy.line(int(y)) for y in cal.month_year], dtype=float)
    if cfg.scenario == "policy_change":
        # the province raises the line from the shock month on (published for that year)
        base = Policy.default()
        old = np.array([base.line(int(y)) for y in cal.month_year], dtype=float)
        cal.line = np.where(np.arange(len(ext)) >= cal.shock_month, cal.line, old)
    return cal


def scenario_policy(cfg: SynthConfig) -> Policy:
    """The default policy; ``policy_change`` raises the line by 30 % from the shock year on."""
    pol = Policy.default()
    if cfg.scenario != "policy_change":
        return pol
    year = cfg.shock.year
    lines = dict(pol.monitoring_line)
    for y in range(min(lines), max(max(lines), year) + 1):
        lines.setdefault(y, pol.line(y))
    lines = {y: (round(v * params.POLICY_CHANGE_LINE, -1) if y >= year else v) for y, v in sorted(lines.items())}
    return pol.model_copy(update={"monitoring_line": lines})


@dataclass(frozen=True)
class CountyLayout:
    """Where the households of a county-by-county panel live, drawn once from its own stream."""

    regions: Regions
    village: np.ndarray          # village of each household, sorted (counties are contiguous)
    county_start: np.ndarray     # first household index of each county (C + 1 entries)
    flood_county: int

    def households(self, county: int) -> slice:
        return slice(int(self.county_start[county]), int(self.county_start[county + 1]))

    def of_county(self, county: int) -> CountyLayout:
        """The same layout holding only ``county``'s households: what that county's own process needs."""
        rows = self.households(county)
        start = np.clip(self.county_start - rows.start, 0, rows.stop - rows.start)
        return replace(self, village=self.village[rows], county_start=start)


def county_layout(cfg: SynthConfig) -> CountyLayout:
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 20211, 1]))
    regions = build_regions(cfg.n_counties, cfg.townships_per_county, cfg.villages_per_township)
    w = rng.lognormal(0, params.VILLAGE_SIZE_SIGMA, len(regions.village_code))
    village = np.sort(rng.choice(len(regions.village_code), size=cfg.households, p=w / w.sum()))
    county = regions.village_county[village]
    start = np.searchsorted(county, np.arange(len(regions.county_code) + 1))
    return CountyLayout(regions, village, start, int(rng.integers(len(regions.county_code))))


class Simulation:
    """The state of one simulated panel and the record helpers every process uses.

    With a ``layout`` and a ``county``, only that county's households are simulated, from the
    county's own random stream (``riskmodel synth --partitioned``)."""

    def __init__(self, cfg: SynthConfig, layout: CountyLayout | None = None, county: int | None = None):
        self.cfg = cfg
        self.layout, self.county_index = layout, county
        if layout is None:
            ss = np.random.SeedSequence([cfg.seed, 20211])
            self.rng = np.random.default_rng(ss.spawn(1)[0])
        else:
            self.rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 20211, 1000 + county]))
        self.policy = scenario_policy(cfg)
        self.cal = _calendar(cfg, self.policy)
        self.hh = Households()
        self.people = People()
        self.support = Support()
        self.burden = Burdens()
        self.process = Process()
        self.current_month = 0

    # --- setup ---------------------------------------------------------------------------
    def setup(self) -> None:
        cfg, rng = self.cfg, self.rng
        if self.layout is None:
            self.regions = build_regions(cfg.n_counties, cfg.townships_per_county, cfg.villages_per_township)
            H = self.H = cfg.households
            w = rng.lognormal(0, params.VILLAGE_SIZE_SIGMA, len(self.regions.village_code))
            self.hh.village = np.sort(rng.choice(len(self.regions.village_code), size=H, p=w / w.sum()))
        else:
            self.regions = self.layout.regions
            self.hh.village = self.layout.village[self.layout.households(self.county_index)]
            H = self.H = len(self.hh.village)
        R = self.regions
        self.hh.township = R.village_township[self.hh.village]
        self.hh.county = R.township_county[self.hh.township]
        alv = rng.random(H) < cfg.alleviated_share
        self.hh.alleviated = alv
        first, last = params.REGISTERED_ALLEVIATED
        reg_a = rng.integers(day(dt.date(*first)), day(dt.date(*last)), H)
        burn = int(self.cal.month_day[0])
        general_from, general_days = params.REGISTERED_GENERAL
        reg_g = rng.integers(min(day(dt.date(*general_from)), burn - general_days), burn, H)
        self.hh.registered = np.minimum(np.where(alv, reg_a, reg_g), burn - 1)
        exit_years = np.array(list(params.EXIT_YEAR_P))
        self.hh.exit_year = np.where(alv, rng.choice(exit_years, H, p=list(params.EXIT_YEAR_P.values())), 0)
        self.hh.relocated = alv & (rng.random(H) < params.RELOCATED_P)
        demography.create_people(self)
        income.setup_incomes(self)
        assist.setup_assistance(self)
        identification.screening_schedule(self)
        self.process.push_probability = health.inpatient_push_probability(self.cfg.seed, self.policy)

    # --- helpers used by every process -----------------------------------------------------
    def g(self, m: int) -> np.ndarray:
        """Growth index of each household at month m."""
        return np.where(self.hh.alleviated, self.cal.growth[True][m], self.cal.growth[False][m])

    def month_of(self, days: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.cal.month_day, days, side="right") - 1, 0, len(self.cal.month_day) - 1)

    def lag(self, base, lo, hi):
        base = np.asarray(base, dtype=np.int64)
        return base + self.rng.integers(lo, hi + 1, base.shape)

    def event(self, hh, member, etype, date, severity=0, loss=np.nan, lag=params.LAG["event"]):
        hh = np.asarray(hh)
        if hh.size == 0:
            return
        self.r_events.add(hh=hh, member=member, type=EV[etype], date=date, severity=severity,
                          loss=np.round(np.asarray(loss, dtype=float), 2), reported=self.lag(date, *lag))

    def one_off(self, hh, program, start, amount, member=-1):
        hh = np.asarray(hh)
        if hh.size == 0:
            return
        amount = np.round(np.asarray(amount, dtype=float), 0)
        start = np.asarray(start, dtype=np.int64)
        self.r_assist.add(hh=hh, member=member, program=PG[program], start=start, end=start,
                          amount=amount, reported=self.lag(start, *params.LAG["one_off"]))
        mo = self.month_of(start)
        np.add.at(self.support.due, (mo, np.broadcast_to(hh, mo.shape)),
                  np.broadcast_to(amount, mo.shape).astype(np.float32))

    def claims(self, member, service, kind, group, total, share, lag=params.LAG["claim"]):
        total = np.round(total, 2)
        reimb = np.round(total * np.clip(share, 0, params.REIMBURSED_MAX), 2)
        oop = np.round(total - reimb, 2)
        reported = self.lag(service, *lag)
        self.r_claims.add(member=member, service=service, kind=kind, group=group, total=total,
                          reimbursed=reimb, oop=oop, reported=reported)
        hh = self.people.household[member]
        self.burden.medical += np.bincount(hh, weights=oop, minlength=self.H)
        return hh, oop, reported

    def share(self, member, base_alv, base_gen, kappa=params.SHARE_KAPPA):
        hh = self.people.household[member]
        mu = np.where(self.hh.alleviated[hh] | self.process.monitored[hh] | (self.support.dibao[hh] > 0),
                      base_alv, base_gen)
        share = self.rng.beta(mu * kappa, (1 - mu) * kappa)
        return np.where(self.people.uninsured[member], 0.0, share)

    # --- the monthly loop ----------------------------------------------------------------
    def run(self, progress: Progress = no_progress) -> SimOutput:
        self.setup()
        self.status = StatusCollection(self.cfg.seed if self.layout is None else [self.cfg.seed, self.county_index])
        self._records()
        demography.history(self)
        T, H = self.cal.months, self.H
        self.truth_income = np.zeros((T, H), dtype=np.float32)
        self.truth_net = np.zeros((T, H), dtype=np.float32)
        self.truth_s = np.zeros((T, H), dtype=np.float32)
        self.truth_p = np.zeros((T, H), dtype=np.float32)
        self.truth_ls = np.zeros((T, H), dtype=np.float64)   # the month's realised log-survival
        self.truth_pending = np.zeros((T, H), dtype=bool)    # picked up, confirmation still to come
        # identifications by channel (self, screening, push) × (alleviated, general), and confirmed
        # pushes by source (death, inpatient, outpatient, disability, disaster) × type: for docs and tuning
        self.stats = {"push_src": np.zeros(10, dtype=np.int64), "channel": np.zeros(6, dtype=np.int64)}
        for m in range(self.cal.burn_in + T):
            self._month(m)
            progress("months", m + 1, self.cal.burn_in + T)
        return self._finish()

    def _records(self) -> None:
        self.r_income = Records("hh", "month", "wage", "business", "property", "transfer", "reported")
        self.r_claims = Records("member", "service", "kind", "group", "total", "reimbursed", "oop", "reported")
        self.r_events = Records("hh", "member", "type", "date", "severity", "loss", "reported")
        self.r_assist = Records("hh", "member", "program", "start", "end", "amount", "reported")
        cap = max(64, self.H // 4)
        self.monitoring_rows = {"hh": np.zeros(cap, np.int64), "id": np.zeros(cap, np.int64),
                                "cat": np.zeros(cap, np.int8), "rt": np.empty(cap, dtype=object),
                                "elim": np.full(cap, NONE, np.int64), "rep": np.zeros(cap, np.int64)}
        self.monitoring_count = 0

    def _month(self, m: int) -> None:
        ms, ml = int(self.cal.month_day[m]), int(self.cal.month_len[m])
        year, moy = int(self.cal.month_year[m]), int(self.cal.month_moy[m])
        self.current_month = m
        # 1. one-off payments arriving this month relieve the burdens
        due = self.support.due[m].astype(float)
        relief = np.minimum(due, self.burden.medical)
        self.burden.medical -= relief
        self.burden.losses = np.maximum(self.burden.losses - (due - relief), 0)
        # 2. the latent state at the start of the month → truth
        L = income.latent(self, m)
        s = identification.distress(L["r"], self.hh.alleviated)
        push_rate = health.expected_pushes(self, m)
        if m >= self.cal.burn_in:
            i = m - self.cal.burn_in
            self.truth_income[i] = L["income_pc"]
            self.truth_net[i] = L["net_pc"]
            self.truth_s[i] = s
            self.truth_p[i] = identification.p_identify_26w(self, m, s, L["r"], push_rate)
            self.truth_pending[i] = self.process.monitored & (self.process.identified_day > ms)
        # 3. shocks
        self.process.pushes = []
        demography.deaths(self, m, ms, ml, year)
        health.health(self, m, ms, ml, year)
        shocks.work(self, m, ms, ml, year)
        shocks.hazards(self, m, ms, ml, year, moy)
        # 4. identification by the existing process
        L2 = income.latent(self, m)
        s2 = identification.distress(L2["r"], self.hh.alleviated)
        if m >= self.cal.burn_in:
            self.truth_ls[m - self.cal.burn_in] = identification.realised_log_survival(self, m, ms, s, s2)
        identification.identify(self, m, ms, ml, s, s2, L2)
        # 5. elimination, 6. assistance
        identification.eliminate(self, m, ms, ml, L2)
        assist.assistance(self, m, ms, ml, year, moy, L2)
        # 7. the month's income survey
        income.survey_income(self, m, ms, ml, moy, L2)
        # 8. births, marriages, departures
        demography.demography(self, m, ms, ml, year)
        # 8b. the yearly re-collection of member attributes (own random stream)
        if moy == params.COLLECTION_MONTH:
            self.status.collect(self, m)
        self._time_passes(ms + ml)

    def _time_passes(self, next_month_day: int) -> None:
        self.burden.medical *= BURDEN_DECAY
        self.burden.losses *= BURDEN_DECAY
        self.burden.by_cause *= CAUSE_DECAY
        self.hh.business_factor += (1.0 - self.hh.business_factor) * BUSINESS_RECOVERY
        n = self.people.n
        self.people.months_out_of_work[:n] = np.maximum(self.people.months_out_of_work[:n] - 1, 0)
        self.people.months_sick[:n] = np.maximum(self.people.months_sick[:n] - 1, 0)
        ended = self.support.public_job_end <= next_month_day
        self.support.public_job[ended] = 0.0
        self.support.public_job_end[ended] = NONE

    # --- output --------------------------------------------------------------------------
    def _finish(self) -> SimOutput:
        end = self.cal.end_day
        assist.close_open_spells(self)
        p, n = self.people, self.people.n
        members = dict(hh=p.household[:n], rel=p.relation[:n], sex=p.sex[:n], by=p.birth_year[:n],
                       edu=p.education[:n], insch=p.in_school[:n], skill=p.labor_skill[:n], joined=p.joined[:n],
                       left=p.left[:n], lreason=p.left_reason[:n])
        k = self.monitoring_count
        monitoring = {key: arr[:k] for key, arr in self.monitoring_rows.items()}
        households = dict(vil=self.hh.village, alv=self.hh.alleviated, exit_year=self.hh.exit_year,
                          relocated=self.hh.relocated, reg=self.hh.registered)
        i64 = np.int64
        income_rows = self.r_income.arrays(dict(hh=i64, month=i64, wage=float, business=float, property=float,
                                                transfer=float, reported=i64))
        keep = income_rows["month"] >= self.cal.burn_in  # the panel's income survey starts with the panel
        income_rows = {k: v[keep] for k, v in income_rows.items()}
        income_rows["month"] = self.cal.month_day[income_rows["month"]]
        claims = self.r_claims.arrays(dict(member=i64, service=i64, kind=np.int8, group=np.int8, total=float,
                                           reimbursed=float, oop=float, reported=i64))
        keep = claims["service"] >= self.cal.start_day  # the claims extract starts with the panel
        claims = {k: v[keep] for k, v in claims.items()}
        events = self.r_events.arrays(dict(hh=i64, member=i64, type=np.int8, date=i64, severity=np.int8,
                                           loss=float, reported=i64))
        spells = self.r_assist.arrays(dict(hh=i64, member=i64, program=np.int8, start=i64, end=i64,
                                           amount=float, reported=i64))
        # one-off payments of the burn-in answered claims and events outside the extract
        one_off = np.isin(spells["program"], [PG[p] for p in ONE_OFF_PROGRAMS])
        keep = ~one_off | (spells["start"] >= self.cal.start_day)
        spells = {k: v[keep] for k, v in spells.items()}
        truth = dict(income=self.truth_income, net=self.truth_net, distress=self.truth_s, p=self.truth_p,
                     log_survival=self.truth_ls, pending=self.truth_pending,
                     month_day=self.cal.month_day[self.cal.burn_in: self.cal.burn_in + self.cal.months])
        return SimOutput(self.regions, households, members, income_rows, claims, spells, events, monitoring,
                         self.status.arrays(), truth, self.policy, end, self.stats)


def simulate(cfg: SynthConfig, progress: Progress = no_progress, layout: CountyLayout | None = None,
             county: int | None = None) -> SimOutput:
    """Run the simulation for one config (pure: the result depends on the config only), or for one
    county of a county-by-county layout."""
    return Simulation(cfg, layout, county).run(progress)
