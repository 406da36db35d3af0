"""Demography: the initial people, deaths, births, marriages, household splits and moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.contract.schema import DIAGNOSIS_GROUPS, LEFT_REASONS
from riskmodel.synth import params
from riskmodel.synth.codes import DG, EV, KIND, PG, REL, RT
from riskmodel.synth.health import cost_growth
from riskmodel.synth.identification import close_monitoring
from riskmodel.synth.state import NONE, annual_to_monthly, mid_year
from riskmodel.synth.status import school_stage

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def create_people(sim: Simulation) -> None:
    """The members of every household at the start: relations, ages, sex, health, schooling, work."""
    hh, rel, age, sex = _household_members(sim)
    _allocate_people(sim, hh, rel, age, sex, **_person_attributes(sim, hh, age))


def _household_members(sim: Simulation):
    """Household sizes, relations to the head, ages and sex."""
    rng, H, alv = sim.rng, sim.H, sim.hh.alleviated
    size_a, size_g = params.HOUSEHOLD_SIZE_P
    size = np.where(alv, rng.choice(np.arange(1, 7), H, p=size_a), rng.choice(np.arange(1, 7), H, p=size_g))
    head = params.HEAD_AGE
    head_age = np.where(alv, np.where(size == 1, rng.normal(*head["alleviated_alone"], H),
                                      rng.normal(*head["alleviated"], H)),
                        rng.normal(*head["general"], H))
    head_age = np.clip(head_age, *params.HEAD_AGE_RANGE).round()
    n = int(size.sum())
    hh = np.repeat(np.arange(H), size)
    first = np.cumsum(size) - size
    slot = np.arange(n) - np.repeat(first, size)
    ha = head_age[hh]
    u = rng.random(n)
    rel = np.full(n, REL["child"], dtype=np.int8)
    rel[slot == 0] = REL["head"]
    s1 = slot == 1
    spouse = s1 & (u < np.where(ha < 80, *params.SPOUSE_P))
    rel[spouse] = REL["spouse"]
    parent_second, parent_later = params.PARENT_HEAD_MAX_AGE
    rel[s1 & ~spouse & (ha < parent_second)] = REL["parent"]
    later = slot >= 2
    grandchild_from, parent_from, sibling_from = params.RELATION_DRAW
    rel[later & (u >= grandchild_from) & (u < parent_from) & (ha >= params.GRANDCHILD_HEAD_MIN_AGE)] = REL["grandchild"]
    rel[later & (u >= parent_from) & (ha <= parent_later)] = REL["parent"]
    rel[later & (u >= sibling_from)] = REL["sibling"]
    gap = params.AGE_GAP
    age = np.empty(n)
    k = rel == REL["head"]; age[k] = ha[k]
    k = rel == REL["spouse"]; age[k] = ha[k] + rng.normal(*gap["spouse"], k.sum())
    k = rel == REL["child"]; age[k] = ha[k] - rng.uniform(*gap["child"], k.sum())
    k = rel == REL["grandchild"]; age[k] = ha[k] - rng.uniform(*gap["grandchild"], k.sum())
    k = rel == REL["parent"]; age[k] = ha[k] + rng.uniform(*gap["parent"], k.sum())
    k = rel == REL["sibling"]; age[k] = ha[k] + rng.normal(*gap["sibling"], k.sum())
    neg = age < 0
    age[neg] = rng.integers(0, 6, neg.sum())
    age = np.clip(age, 0, 99).round()
    sex = np.where(rng.random(n) < 0.5, 0, 1).astype(np.int8)  # 0 = M, 1 = F
    head_m = rng.random(n) < np.where(alv[hh], *params.HEAD_MALE_P)
    sex[rel == REL["head"]] = np.where(head_m, 0, 1)[rel == REL["head"]]
    hs = np.zeros(H, dtype=np.int8); hs[hh[rel == REL["head"]]] = sex[rel == REL["head"]]
    sex[rel == REL["spouse"]] = 1 - hs[hh[rel == REL["spouse"]]]
    return hh, rel, age, sex


def _person_attributes(sim: Simulation, hh, age) -> dict[str, np.ndarray]:
    """Disability, chronic illness, schooling, labour capacity and earnings of the initial people."""
    rng, alv = sim.rng, sim.hh.alleviated
    n = len(hh)
    # disability (calibrated shares by type, more likely with age)
    f = params.DISABILITY_AGE[0] + age / params.DISABILITY_AGE[1]
    target = np.where(alv[hh], params.DISABLED_SHARE_ALLEVIATED.value, params.DISABLED_SHARE_GENERAL.value)
    mean_f = np.where(alv[hh], f[alv[hh]].mean() if alv.any() else 1, f[~alv[hh]].mean() if (~alv).any() else 1)
    disabled = rng.random(n) < target * f / mean_f
    grade = np.where(disabled, rng.choice([1, 2, 3, 4], n, p=params.DISABILITY_GRADE_P), 0).astype(np.int8)
    a, b, cap, alleviated = params.CHRONIC_PREVALENCE
    p_chronic = (np.clip(a + b * np.maximum(age - params.CHRONIC_AGE_FROM, 0), 0, cap)
                 * np.where(alv[hh], alleviated, 1.0))
    chronic = rng.random(n) < p_chronic
    cgroup = np.where(chronic, rng.choice(len(DIAGNOSIS_GROUPS), n, p=params.CHRONIC_GROUP_P), -1).astype(np.int8)
    track = rng.choice([0, 1, 2], n, p=params.SCHOOL_TRACK_P).astype(np.int8)
    edu = education_levels(age, track, rng)
    in_school = school_stage(age, track)
    w_lo, w_hi = params.WORKING_AGES
    working = (age >= w_lo) & (age <= w_hi) & (in_school == 0)
    skill = np.full(n, 3, dtype=np.int8)  # 0 skilled, 1 ordinary, 2 weak, 3 none
    draw = rng.random(n)
    skilled, ordinary = params.SKILL_WORKING
    skill[working] = np.where(draw < skilled, 0, np.where(draw < ordinary, 1, 2))[working]
    o_lo, o_hi = params.ELDERLY_WORKING_AGES
    old = (age >= o_lo) & (age <= o_hi)
    ordinary, weak = params.SKILL_ELDERLY
    skill[old] = np.where(draw < ordinary, 1, np.where(draw < weak, 2, 3))[old]
    skill[(grade >= 1) & (grade <= 2)] = 3
    skill[(grade >= 3) & (skill < 2)] = 2
    able = skill <= 1
    migrant = able & (age <= params.MIGRANT_MAX_AGE) & (rng.random(n) < np.where(alv[hh], *params.MIGRANT_P))
    earn = np.zeros(n)
    earn[migrant] = params.MIGRANT_MONTHLY_WAGE[2020].value * rng.lognormal(*params.MIGRANT_WAGE_NOISE, migrant.sum())
    local = able & ~migrant & (rng.random(n) < params.LOCAL_WORK_P)
    earn[local] = params.LOCAL_MONTHLY_WAGE_2020 * rng.lognormal(*params.LOCAL_WAGE_NOISE, local.sum())
    odd_p, odd_median, odd_mu, odd_sigma = params.ODD_JOBS
    odd = (skill == 2) & (age <= o_hi) & (rng.random(n) < odd_p)
    earn[odd] = odd_median * rng.lognormal(odd_mu, odd_sigma, odd.sum())
    earn[skill == 0] *= params.SKILLED_PREMIUM

    return dict(grade=grade, chronic=chronic, cgroup=cgroup, track=track, edu=edu, in_school=in_school,
                skill=skill, earn=earn, migrant=migrant)


def _allocate_people(sim: Simulation, hh, rel, age, sex, grade, chronic, cgroup, track, edu, in_school, skill,
                     earn, migrant) -> None:
    """Person arrays with room for the people born or married in during the simulation."""
    H, n = sim.H, len(hh)
    year0 = sim.cfg.start.year

    room, per_year, spare = params.PEOPLE_ROOM
    cap = int(n * (room + per_year * ((sim.cal.months + sim.cal.burn_in) / 12))) + spare
    sim.people.capacity = cap
    sim.people.n = n

    def alloc(dtype, fill):
        a = np.full(cap, fill, dtype=dtype)
        return a

    sim.people.household = alloc(np.int32, -1); sim.people.household[:n] = hh
    sim.people.relation = alloc(np.int8, 0); sim.people.relation[:n] = rel
    sim.people.sex = alloc(np.int8, 0); sim.people.sex[:n] = sex
    sim.people.birth_year = alloc(np.int32, 0); sim.people.birth_year[:n] = year0 - age.astype(np.int32)
    sim.people.education = alloc(np.int8, 0); sim.people.education[:n] = edu
    sim.people.in_school = alloc(np.int8, 0); sim.people.in_school[:n] = in_school
    sim.people.labor_skill = alloc(np.int8, 3); sim.people.labor_skill[:n] = skill
    bday = mid_year(sim.people.birth_year[:n])
    sim.people.joined = alloc(np.int32, 0); sim.people.joined[:n] = np.maximum(sim.hh.registered[hh], np.minimum(bday, sim.cal.start_day - 1))
    sim.people.left = alloc(np.int32, NONE)
    sim.people.left_reason = alloc(np.int8, -1)
    sim.people.disability_grade = alloc(np.int8, 0); sim.people.disability_grade[:n] = grade
    sim.people.chronic = alloc(bool, False); sim.people.chronic[:n] = chronic
    sim.people.chronic_group = alloc(np.int8, -1); sim.people.chronic_group[:n] = cgroup
    sim.people.school_track = alloc(np.int8, 0); sim.people.school_track[:n] = track
    sim.people.earnings = alloc(float, 0.0); sim.people.earnings[:n] = earn
    sim.people.migrant = alloc(bool, False); sim.people.migrant[:n] = migrant
    sim.people.months_out_of_work = alloc(np.int16, 0)       # months out of work (job loss)
    sim.people.months_sick = alloc(np.int16, 0)      # months unable to work (illness, accident)
    sim.people.work_capacity = alloc(float, 1.0)     # earning capacity after disability / chronic illness
    sim.people.work_capacity[:n] = (np.where(chronic, params.CHRONIC_CAPACITY, 1.0)
                                    * np.where(grade == 0, 1.0, np.where(grade <= 2, *params.DISABILITY_CAPACITY)))
    sim.people.uninsured = alloc(bool, False)
    sim.people.disability_living = alloc(float, 0.0); sim.people.disability_living_start = alloc(np.int32, NONE)   # disability_living
    sim.people.disability_care = alloc(float, 0.0); sim.people.disability_care_start = alloc(np.int32, NONE)   # disability_care
    sim.people.pension_premium_start = alloc(np.int32, NONE)                                    # pension_premium
    sim.hh.head = np.zeros(H, dtype=np.int64)
    sim.hh.head[hh[rel == REL["head"]]] = np.flatnonzero(rel == REL["head"])


def education_levels(age, track, rng):
    """Highest education level by cohort, and by age and track for the young."""
    n = len(age)
    u = rng.random(n)
    edu = np.zeros(n, dtype=np.int8)  # index into EDUCATION
    cuts = params.EDUCATION_CUTS

    def pick(cohort):
        return np.searchsorted(np.array(cuts[cohort]), u, side="right").astype(np.int8)
    edu = np.where(age >= 70, pick(70), np.where(age >= 45, pick(45), pick(0)))
    edu = np.minimum(edu, 5)
    # the young: by age and track
    edu = np.where(age < 7, 0, edu)
    edu = np.where((age >= 7) & (age < 13), 1, edu)
    edu = np.where((age >= 13) & (age < 16), 2, edu)
    edu = np.where((age >= 16) & (age < 19), np.where(track == 0, 2, 2), edu)
    edu = np.where((age >= 19) & (age < 23), np.where(track == 1, 3, np.where(track == 2, 4, 2)), edu)
    return edu.astype(np.int8)


def add_members(sim: Simulation, hh, rel, sex, by, joined, skill=3, earn=0.0, edu=0):
    k = len(hh)
    if k == 0:
        return np.empty(0, dtype=np.int64)
    sim.people.grow(k)
    idx = np.arange(sim.people.n, sim.people.n + k)
    sim.people.n += k
    sim.people.household[idx] = hh; sim.people.relation[idx] = rel; sim.people.sex[idx] = sex; sim.people.birth_year[idx] = by
    sim.people.joined[idx] = joined; sim.people.labor_skill[idx] = skill; sim.people.earnings[idx] = earn; sim.people.education[idx] = edu
    sim.people.in_school[idx] = 0; sim.people.left[idx] = NONE; sim.people.left_reason[idx] = -1; sim.people.disability_grade[idx] = 0
    sim.people.chronic[idx] = False; sim.people.chronic_group[idx] = -1; sim.people.school_track[idx] = sim.rng.choice([0, 1, 2], k, p=params.SCHOOL_TRACK_P)
    sim.people.migrant[idx] = False; sim.people.months_out_of_work[idx] = 0; sim.people.months_sick[idx] = 0; sim.people.work_capacity[idx] = 1.0
    sim.people.uninsured[idx] = False; sim.people.disability_living[idx] = 0; sim.people.disability_living_start[idx] = NONE; sim.people.disability_care[idx] = 0
    sim.people.disability_care_start[idx] = NONE; sim.people.pension_premium_start[idx] = NONE
    return idx


def member_left(sim: Simulation, idx, lday, reason):
    # a departure drawn within the month can fall before a join in the same month
    lday = np.maximum(lday, sim.people.joined[idx])
    sim.people.left[idx] = lday
    sim.people.left_reason[idx] = LEFT_REASONS.index(reason)
    # person-level spells end when the person leaves
    for amt, start, prog in ((sim.people.disability_living, sim.people.disability_living_start, "disability_living"),
                             (sim.people.disability_care, sim.people.disability_care_start, "disability_care")):
        open_ = idx[start[idx] != NONE]
        if open_.size:
            st = start[open_]
            en = np.maximum(lday[np.isin(idx, open_)], st)
            sim.r_assist.add(hh=sim.people.household[open_], member=open_, program=PG[prog], start=st, end=en,
                             amount=amt[open_], reported=sim.lag(st, *params.LAG["disability_spell"]))
            start[open_] = NONE
            amt[open_] = 0.0
    open_ = idx[sim.people.pension_premium_start[idx] != NONE]
    if open_.size:
        st = sim.people.pension_premium_start[open_]
        en = np.maximum(lday[np.isin(idx, open_)], st)
        sim.r_assist.add(hh=sim.people.household[open_], member=open_, program=PG["pension_premium"], start=st,
                         end=en, amount=params.PENSION_PREMIUM_MONTHLY,
                         reported=sim.lag(st, *params.LAG["pension_premium"]))
        sim.people.pension_premium_start[open_] = NONE
    hh = np.unique(sim.people.household[idx])
    size = np.bincount(sim.people.household[sim.people.present()], minlength=sim.H)
    gone = hh[size[hh] == 0]
    if gone.size:
        sim.hh.dissolved[gone] = True
        mon = gone[sim.process.monitored[gone]]
        if mon.size:
            last = np.array([lday[sim.people.household[idx] == h].max() for h in mon])  # few households
            close_monitoring(sim, mon, last)


def deaths(sim: Simulation, m, ms, ml, year):
    """Deaths (Gompertz, higher with chronic illness or severe disability): funeral costs, lost earnings."""
    rng = sim.rng
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    q = (np.minimum(params.MORTALITY_CAP, np.exp(params.MORTALITY_GOMPERTZ[0] + params.MORTALITY_GOMPERTZ[1] * age))
         + np.where(age == 0, params.INFANT_MORTALITY, 0))
    severe = (sim.people.disability_grade[p] >= 1) & (sim.people.disability_grade[p] <= 2)
    q = q * np.where(sim.people.chronic[p], params.MORTALITY_CHRONIC, 1.0) * np.where(severe, params.MORTALITY_SEVERE_DISABILITY, 1.0)
    dead = p[rng.random(len(p)) < annual_to_monthly(q)]
    if dead.size == 0:
        return
    dday = ms + rng.integers(0, ml, dead.size)
    hh = sim.people.household[dead]
    g = sim.g(m)[hh]
    earn = sim.people.earnings[dead] * sim.people.work_capacity[dead]
    funeral = params.FUNERAL_COST * g * rng.lognormal(0, params.FUNERAL_SIGMA, dead.size)
    sim.burden.losses += np.bincount(hh, weights=funeral, minlength=sim.H)
    np.add.at(sim.burden.by_cause[:, RT["labor"]], hh, (12 * earn * g).astype(np.float32))
    np.add.at(sim.burden.by_cause[:, RT["other"]], hh, (params.FUNERAL_OTHER_BURDEN * funeral).astype(np.float32))
    sim.event(hh, dead, "death", dday, 0, np.round(funeral, 0), lag=params.LAG["death"])
    working_age = (year - sim.people.birth_year[dead]) < params.DEATH_PUSH_BELOW_AGE
    rep = sim.r_events._chunks["reported"][-1]
    sim.process.pushes.append((hh[working_age], rep[working_age], 0))
    earner = earn > 0
    relief_p, relief = params.DEATH_RELIEF
    tr = earner & (rng.random(dead.size) < relief_p)
    sim.one_off(hh[tr], "temporary_relief", sim.lag(dday[tr], *params.LAG["death_relief"]),
                rng.uniform(*relief, tr.sum()))
    member_left(sim, dead, dday, "death")


def demography(sim: Simulation, m, ms, ml, year):
    """Births, marriages (daughters out, daughters-in-law in), household splits and moves away."""
    rng = sim.rng
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    rel = sim.people.relation[p]
    # births
    b_lo, b_hi = params.BIRTH_AGES
    mother_ok = (sim.people.sex[p] == 1) & (age >= b_lo) & (age <= b_hi) & np.isin(rel, [REL["head"], REL["spouse"],
                                                                                           REL["other"]])
    mothers = p[mother_ok & (rng.random(p.size) < annual_to_monthly(params.BIRTH_YEARLY))]
    if mothers.size:
        hh = sim.people.household[mothers]
        bday = ms + rng.integers(0, ml, mothers.size)
        rel_new = np.where(sim.people.relation[mothers] == REL["other"], REL["grandchild"], REL["child"])
        kids = add_members(sim, hh, rel_new, rng.integers(0, 2, mothers.size), year, bday)
        sim.event(hh, kids, "birth", bday, lag=params.LAG["birth"])
        cost = (params.INPATIENT_MEDIAN[DG["maternity"]] * rng.lognormal(0, params.MATERNITY_SIGMA, mothers.size)
                * cost_growth(sim, year))
        sim.claims(mothers, bday, KIND["inpatient"], DG["maternity"], cost, sim.share(mothers, *params.MATERNITY_SHARE),
                   lag=params.LAG["claim"])
    # marriages: daughters marry out, sons bring a spouse in
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    rel = sim.people.relation[p]
    m_lo, m_hi = params.MARRIAGE_AGES
    single = np.isin(rel, [REL["child"], REL["grandchild"]]) & (age >= m_lo) & (age <= m_hi)
    wed = p[single & (rng.random(p.size) < annual_to_monthly(params.MARRIAGE_YEARLY))]
    if wed.size:
        wday = ms + rng.integers(0, ml, wed.size)
        out = sim.people.sex[wed] == 1
        member_left(sim, wed[out], wday[out], "marriage")
        sons = wed[~out]
        if sons.size:
            born = sim.people.birth_year[sons] + rng.integers(*params.SPOUSE_BIRTH_GAP, sons.size)
            works = rng.random(sons.size) < params.SPOUSE_WORKS_P
            add_members(sim, sim.people.household[sons], REL["other"], 1, born, wday[~out], skill=1, edu=2,
                        earn=np.where(works, params.LOCAL_MONTHLY_WAGE_2020
                                      * sim.hh.income_scale[sim.people.household[sons]], 0.0))
    # sons setting up their own household, and moves away
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    split = p[(sim.people.relation[p] == REL["child"]) & (age >= params.SPLIT_MIN_AGE)
              & (rng.random(p.size) < annual_to_monthly(params.SPLIT_YEARLY))]
    if split.size:
        member_left(sim, split, ms + rng.integers(0, ml, split.size), "split")
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    v_lo, v_hi = params.MIGRATION_AGES
    mv = p[(age >= v_lo) & (age <= v_hi) & (sim.people.relation[p] != REL["head"])
           & (rng.random(p.size) < annual_to_monthly(params.MIGRATION_YEARLY))]
    if mv.size:
        member_left(sim, mv, ms + rng.integers(0, ml, mv.size), "migration")


def history(sim: Simulation) -> None:
    """Certificates and registrations older than the simulation, loaded with the household."""
    rng, n = sim.rng, sim.people.n
    first = int(sim.cal.month_day[0])
    birth = mid_year(sim.people.birth_year[:n])
    for etype, mask, sev in (("disability_certified", sim.people.disability_grade[:n] > 0, sim.people.disability_grade[:n]),
                             ("chronic_registered", sim.people.chronic[:n], np.zeros(n, dtype=np.int8))):
        idx = np.flatnonzero(mask)
        hh = sim.people.household[idx]
        d = sim.hh.registered[hh] - rng.integers(*params.HISTORY_DAYS, idx.size)
        d = np.clip(np.maximum(d, birth[idx] + params.HISTORY_AFTER_BIRTH), None, first - 1)
        rep = np.maximum(sim.hh.registered[hh], d)
        sim.r_events.add(hh=hh, member=idx, type=EV[etype], date=d, severity=sev[idx], loss=np.nan, reported=rep)
