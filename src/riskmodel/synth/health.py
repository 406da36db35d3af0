"""Health: chronic illness, inpatient and outpatient claims, disability, accidents; expected pushes.

Claims carry costs by diagnosis group and reimbursement by household type (0 for the
uninsured); large out-of-pocket costs become department pushes (部门筛查预警) and medical relief.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.contract.policy import Policy
from riskmodel.contract.schema import DIAGNOSIS_GROUPS
from riskmodel.synth import params
from riskmodel.synth.codes import DG, KIND, RT
from riskmodel.synth.state import annual_to_monthly

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def inpatient_push_probability(seed: int, policy: Policy) -> dict[bool, float]:
    """P(inpatient out-of-pocket ≥ the push threshold) by household type (alleviated?), from a separate stream."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7771]))
    k = 20000
    groups = rng.choice(len(DIAGNOSIS_GROUPS), k, p=params.INPATIENT_GROUP_PUSH)
    cost = params.INPATIENT_MEDIAN[groups] * rng.lognormal(0, params.INPATIENT_COST_SIGMA, k) * params.PUSH_COST_GROWTH
    pol = policy.dept_alerts
    return {
        True: float((cost * (1 - params.INPATIENT_SHARE[0]) >= pol.inpatient_oop_alleviated).mean()),
        False: float((cost * (1 - params.INPATIENT_SHARE[1]) >= pol.inpatient_oop_general).mean()),
    }


def inpatient_rate(age: np.ndarray, chronic: np.ndarray, disabled: np.ndarray) -> np.ndarray:
    """Yearly inpatient stays of a person (outside an epidemic)."""
    a, b = params.INPATIENT_YEARLY
    rate = (a + b * np.maximum(age - params.INPATIENT_AGE_FROM, 0)) * np.where(chronic, params.INPATIENT_CHRONIC, 1.0)
    return rate * np.where(disabled, params.INPATIENT_DISABLED, 1.0)


def expected_pushes(sim: Simulation, m: int) -> np.ndarray:
    """Expected department pushes per household and month (for the oracle)."""
    p = sim.people.present()
    hh = sim.people.household[p]
    age = sim.cal.month_year[m] - sim.people.birth_year[p]
    rate = inpatient_rate_of(sim, p, age, m) / 12
    pin = np.where(sim.hh.alleviated[hh], sim.process.push_probability[True], sim.process.push_probability[False])
    chronic_push = sim.people.chronic[p] & np.isin(sim.people.chronic_group[p], (DG["renal"], DG["cancer"]))
    per_member = rate * pin + chronic_push * params.CHRONIC_PUSH
    return np.bincount(hh, weights=per_member, minlength=sim.H) + params.BASE_PUSH


def epidemic(sim: Simulation, m: int) -> bool:
    return sim.cfg.scenario == "epidemic" and sim.cal.shock_month <= m < sim.cal.shock_month + 12


def inpatient_rate_of(sim: Simulation, p, age, m):
    rate = inpatient_rate(age, sim.people.chronic[p], sim.people.disability_grade[p] > 0)
    return rate * (params.EPIDEMIC_INPATIENT if epidemic(sim, m) else 1.0)


def cost_growth(sim: Simulation, year: int) -> float:
    return params.COST_GROWTH ** (year - 2020)


def health(sim: Simulation, m, ms, ml, year):
    """The month's illness, claims, disabilities and accidents, in this order."""
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    cg = cost_growth(sim, year)
    epi = epidemic(sim, m)
    for step in (_chronic_registrations, _inpatient_stays, _outpatient_claims, _disability_certifications, _accidents):
        step(sim, p, age, m, ms, ml, cg, epi)


def _chronic_registrations(sim: Simulation, p, age, m, ms, ml, cg, epi):
    """New chronic conditions (门诊慢特病认定): lower work capacity, a registration event."""
    rng, H = sim.rng, sim.H
    # chronic illness registration (门诊慢特病认定)
    annual = ((params.CHRONIC_ONSET[0] + params.CHRONIC_ONSET[1] * np.maximum(age - params.CHRONIC_AGE_FROM, 0))
              * (params.EPIDEMIC_CHRONIC if epi else 1.0))
    new = p[~sim.people.chronic[p] & (rng.random(len(p)) < annual_to_monthly(annual))]
    if new.size:
        sim.people.chronic[new] = True
        sim.people.chronic_group[new] = rng.choice(len(DIAGNOSIS_GROUPS), new.size, p=params.CHRONIC_GROUP_P)
        sim.people.work_capacity[new] *= params.CHRONIC_CAPACITY
        d = ms + rng.integers(0, ml, new.size)
        sim.event(sim.people.household[new], new, "chronic_registered", d, lag=params.LAG["chronic_registered"])
        np.add.at(sim.burden.by_cause[:, RT["illness"]], sim.people.household[new],
                  np.float32(params.CHRONIC_REGISTRATION_BURDEN))


def _inpatient_stays(sim: Simulation, p, age, m, ms, ml, cg, epi):
    """Hospital stays: claims, sick months, pushes above the threshold, medical relief."""
    rng, H = sim.rng, sim.H
    # inpatient stays
    rate = inpatient_rate_of(sim, p, age, m) / 12
    hit = rng.random(len(p)) < rate
    mem = p[hit]
    if mem.size:
        a = age[hit]
        adult = params.INPATIENT_GROUP_ADULT
        child = params.INPATIENT_GROUP_CHILD
        u = rng.random(mem.size)
        grp = np.where(a >= params.INPATIENT_ADULT_AGE, np.searchsorted(np.cumsum(adult), u * adult.sum()),
                       np.searchsorted(np.cumsum(child), u * child.sum())).astype(np.int8)
        own = sim.people.chronic[mem] & (rng.random(mem.size) < params.CHRONIC_OWN_STAY)
        grp = np.where(own, sim.people.chronic_group[mem], grp)
        cost = params.INPATIENT_MEDIAN[grp] * rng.lognormal(0, params.INPATIENT_COST_SIGMA, mem.size) * cg
        share = sim.share(mem, *params.INPATIENT_SHARE) - np.where(grp == DG["cancer"], params.CANCER_SHARE_CUT, 0)
        service = ms + rng.integers(0, ml, mem.size)
        hh, oop, reported = sim.claims(mem, service, KIND["inpatient"], grp, cost, share, lag=params.LAG["claim"])
        injury = grp == DG["injury"]
        np.add.at(sim.burden.by_cause[:, RT["illness"]], hh[~injury], oop[~injury].astype(np.float32))
        np.add.at(sim.burden.by_cause[:, RT["accident"]], hh[injury], oop[injury].astype(np.float32))
        sim.people.months_sick[mem] = np.maximum(sim.people.months_sick[mem], np.where(
            grp == DG["cancer"], params.SICK_MONTHS["cancer_stay"], params.SICK_MONTHS["stay"]))
        pol = sim.policy.dept_alerts
        thr = np.where(sim.hh.alleviated[hh], pol.inpatient_oop_alleviated, pol.inpatient_oop_general)
        big = oop >= thr
        sim.process.pushes.append((hh[big], reported[big], 1))
        poor = sim.hh.alleviated[hh] | (sim.support.dibao[hh] > 0) | sim.process.monitored[hh]
        mr = poor & (oop > params.MEDICAL_RELIEF_FROM) & (rng.random(mem.size) < params.MEDICAL_RELIEF_P)
        sim.one_off(hh[mr], "medical_relief", sim.lag(reported[mr], *params.LAG["medical_relief"]),
                      oop[mr] * rng.uniform(*params.MEDICAL_RELIEF_SHARE, mr.sum()))


def _outpatient_claims(sim: Simulation, p, age, m, ms, ml, cg, epi):
    """Chronic and ordinary outpatient claims; the yearly outpatient alert."""
    rng, H = sim.rng, sim.H
    # chronic outpatient (门诊慢特病) and ordinary outpatient claims
    ch = p[sim.people.chronic[p] & (rng.random(len(p)) < params.CHRONIC_OUTPATIENT_MONTHLY)]
    out_oop = np.zeros(H)
    out_rep = np.zeros(H, dtype=np.int64)
    if ch.size:
        grp = sim.people.chronic_group[ch]
        cost = params.CHRONIC_OUT_MEDIAN[grp] * rng.lognormal(0, params.CHRONIC_OUTPATIENT_SIGMA, ch.size) * cg
        share = sim.share(ch, *params.CHRONIC_OUTPATIENT_SHARE)
        service = ms + rng.integers(0, ml, ch.size)
        hh, oop, reported = sim.claims(ch, service, KIND["outpatient_chronic"], grp, cost, share,
                                       lag=params.LAG["outpatient_claim"])
        np.add.at(sim.burden.by_cause[:, RT["illness"]], hh, oop.astype(np.float32))
        out_oop += np.bincount(hh, weights=oop, minlength=H)
        np.maximum.at(out_rep, hh, reported)
    op = p[rng.random(len(p)) < params.OUTPATIENT_MONTHLY]
    if op.size:
        grp = np.where(rng.random(op.size) < params.OUTPATIENT_ACUTE_SHARE, DG["acute_other"],
                       DG["injury"]).astype(np.int8)
        cost = params.OUTPATIENT_COST * rng.lognormal(0, params.OUTPATIENT_COST_SIGMA, op.size) * cg
        share = sim.share(op, *params.OUTPATIENT_SHARE)
        service = ms + rng.integers(0, ml, op.size)
        hh, oop, reported = sim.claims(op, service, KIND["outpatient"], grp, cost, share,
                                       lag=params.LAG["outpatient_claim"])
        out_oop += np.bincount(hh, weights=oop, minlength=H)
        np.maximum.at(out_rep, hh, reported)
    # the outpatient alert fires once a year per household, not every month
    big = np.flatnonzero((out_oop >= sim.policy.dept_alerts.outpatient_oop_monthly)
                         & (sim.process.last_outpatient_push < ms - params.OUTPATIENT_PUSH_DAYS))
    sim.process.last_outpatient_push[big] = ms
    sim.process.pushes.append((big, out_rep[big], 2))


def _disability_certifications(sim: Simulation, p, age, m, ms, ml, cg, epi):
    """New disabilities (残疾认定): capacity, subsidies, pushes for grades 1–2."""
    rng, H = sim.rng, sim.H
    # disability certification (残疾认定)
    a, b = params.DISABILITY_ONSET
    annual = ((a + b * np.maximum(age - params.DISABILITY_AGE_FROM, 0))
              * np.where(sim.people.chronic[p], params.DISABILITY_CHRONIC, 1.0))
    new = p[(sim.people.disability_grade[p] == 0) & (rng.random(len(p)) < annual_to_monthly(annual))]
    if new.size:
        grade = rng.choice([1, 2, 3, 4], new.size, p=params.DISABILITY_GRADE_P).astype(np.int8)
        sim.people.disability_grade[new] = grade
        sim.people.work_capacity[new] *= np.where(grade <= 2, *params.DISABILITY_CAPACITY)
        d = ms + rng.integers(0, ml, new.size)
        hh = sim.people.household[new]
        sim.event(hh, new, "disability_certified", d, grade, lag=params.LAG["disability_certified"])
        rep = sim.r_events._chunks["reported"][-1]
        np.add.at(sim.burden.by_cause[:, RT["disability"]], hh,
                  (params.DISABILITY_BURDEN * (5 - grade) / 2).astype(np.float32))
        severe = grade <= 2
        sim.process.pushes.append((hh[severe], rep[severe], 3))
        care = severe & (rng.random(new.size) < params.DISABILITY_CARE_P)
        sim.people.disability_care[new[care]] = params.DISABILITY_CARE
        sim.people.disability_care_start[new[care]] = sim.lag(rep[care], *params.LAG["disability_subsidy"])
        poor = ((sim.hh.alleviated[hh] | (sim.support.dibao[hh] > 0) | sim.process.monitored[hh])
                & (rng.random(new.size) < params.DISABILITY_LIVING_P))
        sim.people.disability_living[new[poor]] = params.DISABILITY_LIVING
        sim.people.disability_living_start[new[poor]] = sim.lag(rep[poor], *params.LAG["disability_subsidy"])


def _accidents(sim: Simulation, p, age, m, ms, ml, cg, epi):
    """Accidents (意外事故): losses, injury claims, sick months, temporary relief."""
    rng, H = sim.rng, sim.H
    # accidents (意外事故)
    lo, hi = params.ACCIDENT_AGES
    acc = p[(age >= lo) & (age <= hi) & (rng.random(len(p)) < annual_to_monthly(params.ACCIDENT_YEARLY))]
    if acc.size:
        hh = sim.people.household[acc]
        d = ms + rng.integers(0, ml, acc.size)
        loss = params.ACCIDENT_LOSS * rng.lognormal(0, params.ACCIDENT_LOSS_SIGMA, acc.size) * cg
        sim.event(hh, acc, "accident", d, 0, np.round(loss, 0), lag=params.LAG["accident"])
        sim.burden.losses += np.bincount(hh, weights=loss, minlength=H)
        np.add.at(sim.burden.by_cause[:, RT["accident"]], hh, loss.astype(np.float32))
        inj = rng.random(acc.size) < params.ACCIDENT_INJURY_P
        if inj.any():
            cost = params.INPATIENT_MEDIAN[DG["injury"]] * rng.lognormal(0, params.INPATIENT_COST_SIGMA, inj.sum()) * cg
            h2, oop, rep = sim.claims(acc[inj], d[inj], KIND["inpatient"], DG["injury"], cost,
                                      sim.share(acc[inj], *params.ACCIDENT_SHARE), lag=params.LAG["claim"])
            np.add.at(sim.burden.by_cause[:, RT["accident"]], h2, oop.astype(np.float32))
        sim.people.months_sick[acc] = np.maximum(sim.people.months_sick[acc], params.SICK_MONTHS["accident"])
        tr = rng.random(acc.size) < params.ACCIDENT_RELIEF_P
        sim.one_off(hh[tr], "temporary_relief", sim.lag(d[tr], *params.LAG["accident_relief"]),
                    rng.uniform(*params.TEMPORARY_RELIEF, tr.sum()))
