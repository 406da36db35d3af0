"""Shocks other than health: job loss, factory closures, business failure, disasters, housing,
water, insurance and schooling."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.synth import params
from riskmodel.synth.codes import RT
from riskmodel.synth.health import epidemic
from riskmodel.synth.state import NONE, annual_to_monthly

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def work(sim: Simulation, m, ms, ml, year):
    """Job loss of migrant and local workers; the scenario's factory closures."""
    rng = sim.rng
    p = sim.people.present()
    earner = p[(sim.people.earnings[p] > 0) & (sim.people.months_out_of_work[p] == 0)]
    mig = sim.people.migrant[earner]
    factor = params.EPIDEMIC_JOB_LOSS if epidemic(sim, m) else 1.0
    annual = np.where(mig, *params.JOB_LOSS_YEARLY) * factor
    lost = earner[rng.random(earner.size) < annual_to_monthly(annual)]
    mig_l = sim.people.migrant[lost]
    (m_base, m_mean), l_mean = params.JOB_SPELL["migrant"], params.JOB_SPELL["local"]
    spell = np.where(mig_l, m_base + rng.geometric(1 / m_mean, lost.size), rng.geometric(1 / l_mean, lost.size))
    if sim.cfg.scenario == "factory_closure" and m == sim.cal.shock_month:
        towns = np.unique(sim.hh.township)
        chosen = rng.permutation(towns)[: max(1, int(np.ceil(params.FACTORY_TOWN_SHARE * towns.size)))]
        sim.closed_towns = np.sort(chosen)
        left = earner[~np.isin(earner, lost)]
        in_town = np.isin(sim.hh.township[sim.people.household[left]], chosen)
        hit = left[in_town & (rng.random(left.size) < np.where(sim.people.migrant[left], *params.FACTORY_JOB_LOSS))]
        lost = np.concatenate([lost, hit])
        f_base, f_mean = params.JOB_SPELL["factory"]
        spell = np.concatenate([spell, f_base + rng.geometric(1 / f_mean, hit.size)])
        mig_l = sim.people.migrant[lost]
    if lost.size:
        sim.people.months_out_of_work[lost] = spell.astype(np.int16)
        d = ms + rng.integers(0, ml, lost.size)
        seen = rng.random(lost.size) < np.where(mig_l, *params.JOB_LOSS_SEEN)
        sim.event(sim.people.household[lost[seen]], lost[seen], "job_loss", d[seen], lag=params.LAG["job_loss"])
    out = p[sim.people.months_out_of_work[p] > 0]
    if out.size:
        hh = sim.people.household[out]
        np.add.at(sim.burden.by_cause[:, RT["employment"]], hh,
                  (sim.people.earnings[out] * sim.people.work_capacity[out] * sim.g(m)[hh]).astype(np.float32))


def hazards(sim: Simulation, m, ms, ml, year, moy):
    """Business failure, disasters (correlated within townships and seasons), housing, water, insurance, schooling."""
    g = sim.g(m)
    alive = ~sim.hh.dissolved
    for step in (_business_failures, _disasters, _housing_water_insurance, _school_dropout):
        step(sim, m, ms, ml, year, moy, g, alive)


def _business_failures(sim: Simulation, m, ms, ml, year, moy, g, alive):
    """Business failure (产业经营失败): farm income collapses, a loss."""
    rng, H = sim.rng, sim.H
    # business failure (产业经营失败)
    fail = np.flatnonzero(alive & sim.hh.farming & (sim.hh.business_base > params.BUSINESS_FAILURE_MIN_INCOME)
                          & (rng.random(H) < annual_to_monthly(params.BUSINESS_FAILURE_YEARLY)))
    if fail.size:
        sim.hh.business_factor[fail] = rng.uniform(*params.BUSINESS_FAILURE_FACTOR, fail.size)
        loss = params.BUSINESS_FAILURE_LOSS * rng.lognormal(0, params.BUSINESS_FAILURE_SIGMA, fail.size) * g[fail]
        d = ms + rng.integers(0, ml, fail.size)
        sim.event(fail, -1, "business_failure", d, 0, np.round(loss, 0), lag=params.LAG["business_failure"])
        sim.burden.losses[fail] += loss
        sim.burden.by_cause[fail, RT["business"]] += loss.astype(np.float32)


def _disasters(sim: Simulation, m, ms, ml, year, moy, g, alive):
    """Natural disasters: a share of whole townships, mostly in the rainy season; the flood scenario."""
    rng, H = sim.rng, sim.H
    # natural disasters: whole townships, mostly in the rainy season
    n_town = len(sim.regions.township_code)
    town_hit = rng.random(n_town) < annual_to_monthly(params.DISASTER_TOWN_YEARLY) * params.DISASTER_SEASON[moy - 1]
    share = rng.uniform(*params.DISASTER_HOUSEHOLD_SHARE, n_town)
    sev_p = np.array(params.DISASTER_SEVERITY_P)
    if sim.cfg.scenario == "flood" and m == sim.cal.shock_month:
        county = int(rng.integers(len(sim.regions.county_code)))
        if sim.layout is not None:  # county by county: the layout chose the flooded county
            county = sim.layout.flood_county
        sim.flood_county = county
        flooded = sim.regions.township_county == county
        town_hit |= flooded
        share = np.where(flooded, rng.uniform(*params.FLOOD_HOUSEHOLD_SHARE, n_town), share)
    spread = params.DISASTER_SPREAD_DAYS
    town_day = ms + rng.integers(0, max(ml - spread, 1), n_town)
    if town_hit.any():
        affected = np.flatnonzero(alive & town_hit[sim.hh.township] & (rng.random(H) < share[sim.hh.township]))
        if affected.size:
            flood = (sim.cfg.scenario == "flood" and m == sim.cal.shock_month)
            sev = rng.choice([1, 2, 3, 4], affected.size, p=sev_p)
            if flood:
                in_c = sim.hh.county[affected] == sim.flood_county
                sev = np.where(in_c, rng.choice([1, 2, 3, 4], affected.size, p=params.FLOOD_SEVERITY_P), sev)
            loss = (np.array(params.DISASTER_LOSS)[sev - 1] * rng.lognormal(0, params.DISASTER_LOSS_SIGMA, affected.size)
                    * g[affected])
            loss *= np.where(sim.hh.farming[affected], 1.0, params.DISASTER_LOSS_NONFARM)
            d = town_day[sim.hh.township[affected]] + rng.integers(0, spread, affected.size)
            sim.event(affected, -1, "disaster", d, sev, np.round(loss, 0), lag=params.LAG["disaster"])
            rep = sim.r_events._chunks["reported"][-1]
            sim.burden.losses[affected] += loss
            sim.burden.by_cause[affected, RT["disaster"]] += loss.astype(np.float32)
            sim.hh.business_factor[affected] *= np.where(sim.hh.farming[affected],
                                                         1 - params.DISASTER_FARM_INCOME_LOSS * sev, 1.0)
            serious = sev >= 3
            sim.process.pushes.append((affected[serious], rep[serious], 4))
            tr = serious & (rng.random(affected.size) < params.DISASTER_RELIEF_P)
            sim.one_off(affected[tr], "temporary_relief", sim.lag(rep[tr], *params.LAG["disaster_relief"]),
                        rng.uniform(*params.TEMPORARY_RELIEF, tr.sum()))
            house = (sev == 4) & (rng.random(affected.size) < params.DISASTER_HOUSE_P)
            hloss = rng.uniform(*params.DISASTER_HOUSE_LOSS, house.sum())
            sim.event(affected[house], -1, "housing_unsafe", sim.lag(d[house], *params.LAG["disaster_house_found"]), 4,
                      hloss, lag=params.LAG["disaster_house"])
            sim.burden.losses[affected[house]] += hloss
            sim.burden.by_cause[affected[house], RT["housing"]] += hloss.astype(np.float32)


def _housing_water_insurance(sim: Simulation, m, ms, ml, year, moy, g, alive):
    """Unsafe housing (C/D级) and water, members found uninsured."""
    rng, H = sim.rng, sim.H
    # housing found unsafe (C/D级危房)
    hs = np.flatnonzero(alive & (rng.random(H) < annual_to_monthly(np.where(sim.hh.alleviated,
                                                                             *params.HOUSING_UNSAFE_YEARLY))))
    if hs.size:
        sev = rng.choice([3, 4], hs.size)
        loss = rng.uniform(*params.HOUSING_UNSAFE_LOSS, hs.size)
        sim.event(hs, -1, "housing_unsafe", ms + rng.integers(0, ml, hs.size), sev, np.round(loss, 0),
                  lag=params.LAG["housing_unsafe"])
        sim.burden.losses[hs] += loss
        sim.burden.by_cause[hs, RT["housing"]] += loss.astype(np.float32)
    # unsafe drinking water: whole villages
    v_hit = rng.random(len(sim.regions.village_code)) < annual_to_monthly(params.WATER_UNSAFE_VILLAGE_YEARLY)
    if v_hit.any():
        ws = np.flatnonzero(alive & v_hit[sim.hh.village])
        sim.event(ws, -1, "water_unsafe", ms + rng.integers(0, ml, ws.size), lag=params.LAG["water_unsafe"])
        sim.burden.losses[ws] += params.WATER_LOSS
        sim.burden.by_cause[ws, RT["water"]] += params.WATER_BURDEN
    # basic medical insurance: found uninsured in the annual enrolment check (Jan–Mar)
    if moy == 1:
        n = sim.people.n
        sim.people.uninsured[:n] &= rng.random(n) < params.UNINSURED_STAYS
    check = params.UNINSURED_CHECK_MONTHS
    if moy <= check:
        un = np.flatnonzero(alive & (rng.random(H) < np.where(sim.hh.alleviated, *params.UNINSURED_YEARLY) / check))
        head = sim.hh.head[un]
        ok = sim.people.left[head] == NONE
        un, head = un[ok], head[ok]
        sim.people.uninsured[head] = True
        sim.event(un, head, "uninsured", ms + rng.integers(0, ml, un.size), lag=params.LAG["uninsured"])
        sim.burden.losses[un] += params.UNINSURED_LOSS
        sim.burden.by_cause[un, RT["insurance"]] += params.UNINSURED_BURDEN


def _school_dropout(sim: Simulation, m, ms, ml, year, moy, g, alive):
    """Dropout from compulsory schooling."""
    rng, H = sim.rng, sim.H
    # dropout from compulsory schooling
    p = sim.people.present()
    age = year - sim.people.birth_year[p]
    lo, hi = params.COMPULSORY_SCHOOL_AGES
    kid = p[(age >= lo) & (age <= hi)]
    yearly = np.where(sim.hh.alleviated[sim.people.household[kid]], *params.DROPOUT_YEARLY)
    drop = kid[rng.random(kid.size) < annual_to_monthly(yearly)]
    if drop.size:
        hh = sim.people.household[drop]
        sim.event(hh, drop, "school_dropout", ms + rng.integers(0, ml, drop.size), lag=params.LAG["school_dropout"])
        sim.burden.losses[hh] += params.DROPOUT_LOSS
        sim.burden.by_cause[hh, RT["schooling"]] += params.DROPOUT_BURDEN
