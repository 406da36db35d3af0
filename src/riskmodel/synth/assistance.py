"""Assistance: programmes in force at the start, 低保 applications and exits, one-off relief,
help after identification, yearly education aid and dividends, spells still open at the end."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from riskmodel.contract.schema import RISK_TYPES
from riskmodel.synth import params
from riskmodel.synth.codes import PG, RT
from riskmodel.synth.state import NONE, day, jan_first

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def setup_assistance(sim: Simulation) -> None:
    """Programmes in force when the simulation starts; burdens and monitoring state start empty."""
    rng, H, alv = sim.rng, sim.H, sim.hh.alleviated
    lo = np.maximum(sim.hh.registered, day(dt.date(params.SPELLS_FROM_YEAR, 1, 1)))
    span = np.maximum(sim.cal.start_day - lo, 1)
    sim.support.dibao_start = np.where(sim.support.dibao > 0, lo + (rng.random(H) * span).astype(np.int64), NONE).astype(np.int64)
    sim.support.dibao_amount = np.zeros(H)  # yuan a month as granted (0: initial spells, amount from the level)
    sim.support.tekun_start = np.where(sim.support.tekun > 0, lo + (rng.random(H) * span).astype(np.int64), NONE).astype(np.int64)
    sim.support.public_job = np.zeros(H); sim.support.public_job_start = np.full(H, NONE, dtype=np.int64); sim.support.public_job_end = np.full(H, NONE, dtype=np.int64)
    dividend_p, dividend_range = params.DIVIDEND
    sim.support.dividend = np.where(alv & (rng.random(H) < dividend_p), rng.uniform(*dividend_range, H), 0.0)
    n = sim.people.n
    hh = sim.people.household[:n]
    grade = sim.people.disability_grade[:n]
    dis = grade > 0
    poor = alv[hh] | (sim.support.dibao[hh] > 0)
    dl = dis & poor & (rng.random(n) < params.DISABILITY_LIVING_START_P)
    sim.people.disability_living[:n][dl] = params.DISABILITY_LIVING
    sim.people.disability_living_start[:n][dl] = (lo[hh] + (rng.random(n) * span[hh]).astype(np.int64))[dl]
    dc = dis & (grade <= 2) & (rng.random(n) < params.DISABILITY_CARE_START_P)
    sim.people.disability_care[:n][dc] = params.DISABILITY_CARE
    sim.people.disability_care_start[:n][dc] = (lo[hh] + (rng.random(n) * span[hh]).astype(np.int64))[dc]
    age = sim.cfg.start.year - sim.people.birth_year[:n]
    pp_lo, pp_hi = params.PENSION_PREMIUM_AGES
    pp = alv[hh] & (age >= pp_lo) & (age <= pp_hi) & (sim.people.in_school[:n] == 0)
    sim.people.pension_premium_start[:n][pp] = lo[hh][pp]
    sim.support.paid_insurance_year = np.zeros(H, dtype=np.int32)
    # one-off payments waiting to arrive: due[month, household] (latent effect only)
    sim.support.due = np.zeros((len(sim.cal.month_day), H), dtype=np.float32)
    sim.burden.medical = np.zeros(H)    # decayed ~12-month sum of medical out-of-pocket
    sim.burden.losses = np.zeros(H)   # decayed ~12-month sum of other losses (disaster, accident, …)
    sim.burden.by_cause = np.zeros((H, len(RISK_TYPES)), dtype=np.float32)
    chronic_hh = np.bincount(hh, weights=sim.people.chronic[:n].astype(float), minlength=H)
    dis_w = np.bincount(hh, weights=np.where(grade > 0, params.DISABILITY_BURDEN * (5 - grade) / 2, 0.0), minlength=H)
    chronic_cost, oop_share = params.CHRONIC_START_BURDEN
    sim.burden.medical += chronic_hh * chronic_cost * np.where(alv, *oop_share)
    sim.burden.by_cause[:, RT["illness"]] += chronic_hh * chronic_cost
    sim.burden.by_cause[:, RT["disability"]] += dis_w
    sim.process.monitored = np.zeros(H, dtype=bool)
    sim.process.row = np.full(H, -1, dtype=np.int64)
    sim.process.identified_day = np.full(H, NONE, dtype=np.int64)
    sim.hh.dissolved = np.zeros(H, dtype=bool)
    sim.process.last_outpatient_push = np.full(H, -(10 ** 6), dtype=np.int64)


def help_identified(sim: Simulation, hh, ident, L):
    """Measures after identification (分层分类帮扶): income support arrives with lags."""
    rng = sim.rng
    g = sim.g(sim.current_month)[hh]
    r = L["r"][hh]
    need = (sim.support.dibao[hh] == 0) & (sim.support.tekun[hh] == 0) & (r < params.HELP_DIBAO_BELOW) & (rng.random(hh.size) < params.HELP_DIBAO_P)
    h = hh[need]
    amount = np.clip((sim.cal.line[sim.current_month] * params.DIBAO_TOP_UP - L["income_pc"][h]) * L["size"][h] / 12,
                     *params.DIBAO_MONTHLY_RANGE)
    start_dibao(sim, h, sim.lag(ident[need], *params.LAG["help_dibao"]), amount, g[need])
    p = sim.people.present()
    age = sim.cal.month_year[sim.current_month] - sim.people.birth_year[p]
    w_lo, w_hi = params.HELP_WORKER_AGES
    able = (sim.people.labor_skill[p] <= 2) & (age <= w_hi) & (age >= w_lo)
    workers = np.bincount(sim.people.household[p], weights=able.astype(float), minlength=sim.H)[hh]
    job = (workers > 0) & (sim.support.public_job[hh] == 0) & (rng.random(hh.size) < params.HELP_PUBLIC_JOB_P)
    st = sim.lag(ident[job], *params.LAG["help_public_job"])
    amt = np.round(rng.uniform(*params.PUBLIC_JOB_MONTHLY, job.sum()), 0)
    en = st + params.PUBLIC_JOB_DAYS
    sim.r_assist.add(hh=hh[job], member=-1, program=PG["public_job"], start=st, end=en, amount=amt,
                     reported=sim.lag(st, *params.LAG["public_job"]))
    sim.support.public_job[hh[job]] = amt
    sim.support.public_job_end[hh[job]] = en
    tr = rng.random(hh.size) < params.HELP_TEMPORARY_RELIEF_P
    sim.one_off(hh[tr], "temporary_relief", sim.lag(ident[tr], *params.LAG["help_relief"]),
                rng.uniform(*params.TEMPORARY_RELIEF, tr.sum()))


def start_dibao(sim: Simulation, hh, start, amount, g):
    sim.support.dibao[hh] = amount / g
    sim.support.dibao_start[hh] = start
    sim.support.dibao_amount[hh] = np.round(amount, 0)


def assistance(sim: Simulation, m, ms, ml, year, moy, L):
    """低保 applications and exits, 防贫保险 payouts, September 教育资助, yearly dividend spells."""
    rng, H = sim.rng, sim.H
    g = sim.g(m)
    r = L["r"]
    alive = ~sim.hh.dissolved
    # 低保 applications by households in need (not only monitored ones)
    apply_ = alive & (sim.support.dibao == 0) & (sim.support.tekun == 0) & (r < params.DIBAO_APPLY_BELOW) & (
        rng.random(H) < np.where(sim.hh.alleviated | sim.process.monitored, *params.DIBAO_APPLY_MONTHLY))
    h = np.flatnonzero(apply_)
    if h.size:
        amount = np.clip((sim.cal.line[m] * params.DIBAO_TOP_UP - L["income_pc"][h]) * L["size"][h] / 12,
                         *params.DIBAO_MONTHLY_RANGE)
        start_dibao(sim, h, sim.lag(ms + rng.integers(0, ml, h.size), *params.LAG["dibao_application"]), amount, g[h])
    # 低保 ends when the household is well above the line without it
    without = r - 12 * sim.support.dibao * g / np.maximum(L["size"], 1) / sim.cal.line[m]
    stop = np.flatnonzero((sim.support.dibao > 0) & (sim.support.dibao_start < ms) & (without > params.DIBAO_EXIT_ABOVE)
                           & (rng.random(H) < params.DIBAO_EXIT_MONTHLY))
    if stop.size:
        end_spells(sim, stop, "dibao", ms + rng.integers(0, ml, stop.size))
    # 防贫保险: medical costs over 10,000 yuan in a year
    ins = np.flatnonzero(alive & (sim.hh.alleviated | sim.process.monitored) & (sim.burden.medical > params.INSURANCE_FROM)
                         & (sim.support.paid_insurance_year != year) & (rng.random(H) < params.INSURANCE_PAY_P))
    if ins.size:
        sim.support.paid_insurance_year[ins] = year
        sim.one_off(ins, "poverty_insurance", ms + rng.integers(*params.INSURANCE_PAY_DAYS, ins.size),
                      params.INSURANCE_SHARE * (sim.burden.medical[ins] - params.INSURANCE_FROM))
    # 教育资助: each September for students of alleviated, 低保 and monitored households
    if moy == 9:
        p = sim.people.present()
        age = year - sim.people.birth_year[p]
        hh = sim.people.household[p]
        track = sim.people.school_track[p]
        elig = sim.hh.alleviated[hh] | (sim.support.dibao[hh] > 0) | sim.process.monitored[hh]
        (s_lo, s_hi), (c_lo, c_hi) = params.SCHOOL_AGES["senior"], params.SCHOOL_AGES["college"]
        senior = (age >= s_lo) & (age <= s_hi) & (track >= 1)
        college = (age >= c_lo) & (age <= c_hi) & (track == 1)
        st = elig & (senior | college)
        amt = np.where(college[st], *params.EDUCATION_AID_MONTHLY)
        start = np.full(st.sum(), ms, dtype=np.int64)
        end = np.full(st.sum(), day(dt.date(year + 1, 6, 30)), dtype=np.int64)
        sim.r_assist.add(hh=hh[st], member=p[st], program=PG["education_aid"], start=start, end=end,
                         amount=amt, reported=sim.lag(start, *params.LAG["education_aid"]))
    # 产业/资产收益分红: yearly spells
    if moy == 1 or m == 0:
        h = np.flatnonzero(alive & (sim.support.dividend > 0))
        start = np.full(h.size, ms, dtype=np.int64)
        end = np.full(h.size, day(dt.date(year, 12, 31)), dtype=np.int64)
        sim.r_assist.add(hh=h, member=-1, program=PG["industry_dividend"], start=start, end=end,
                         amount=np.round(sim.support.dividend[h], 0), reported=sim.lag(start, *params.LAG["dividend"]))


def end_spells(sim: Simulation, hh, prog, eday):
    start = sim.support.dibao_start[hh]
    amt = sim.support.dibao_amount[hh]
    amt = np.where(amt > 0, amt, np.round(sim.support.dibao[hh] * sim.g(sim.current_month)[hh], 0))
    sim.r_assist.add(hh=hh, member=-1, program=PG[prog], start=start, end=np.maximum(eday, start),
                     amount=amt, reported=sim.lag(start, *params.LAG["spell"]))
    sim.support.dibao[hh] = 0.0
    sim.support.dibao_start[hh] = NONE


def close_open_spells(sim: Simulation) -> None:
    """Spells still open at the end of the simulation become rows with an empty end date."""
    end = sim.cal.end_day
    n = sim.people.n
    sup = sim.support
    open_d = np.flatnonzero(sup.dibao_start != NONE)
    amt = sup.dibao_amount[open_d]
    amt = np.where(amt > 0, amt, np.round(sup.dibao[open_d] * sim.g(0)[open_d], 0))
    sim.r_assist.add(hh=open_d, member=-1, program=PG["dibao"], start=sup.dibao_start[open_d], end=NONE,
                     amount=amt, reported=sim.lag(sup.dibao_start[open_d], *params.LAG["spell"]))
    open_t = np.flatnonzero(sup.tekun_start != NONE)
    sim.r_assist.add(hh=open_t, member=-1, program=PG["tekun"], start=sup.tekun_start[open_t], end=NONE,
                     amount=np.round(sup.tekun[open_t] * sim.g(0)[open_t], 0),
                     reported=sim.lag(sup.tekun_start[open_t], *params.LAG["spell"]))
    p = sim.people
    for amt_a, start_a, prog in ((p.disability_living, p.disability_living_start, "disability_living"),
                                 (p.disability_care, p.disability_care_start, "disability_care")):
        o = np.flatnonzero(start_a[:n] != NONE)
        sim.r_assist.add(hh=p.household[o], member=o, program=PG[prog], start=start_a[o], end=NONE,
                         amount=amt_a[o], reported=sim.lag(start_a[o], *params.LAG["disability_spell"]))
    o = np.flatnonzero(p.pension_premium_start[:n] != NONE)
    sixty = jan_first(p.birth_year[o] + params.PENSION_AGE)
    st = p.pension_premium_start[o]
    en = np.where(sixty > st, sixty, st)
    sim.r_assist.add(hh=p.household[o], member=o, program=PG["pension_premium"], start=st,
                     end=np.where(en <= end, en, NONE), amount=params.PENSION_PREMIUM_MONTHLY,
                     reported=sim.lag(st, *params.LAG["pension_premium"]))
