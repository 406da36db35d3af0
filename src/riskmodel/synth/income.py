"""Income: each household's latent sources (top-down from the published means), the latent
state of a month (resources against the monitoring line) and the monthly income survey."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.synth import params

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def growth_index(years: np.ndarray, months: np.ndarray, table: dict, after: dict, later: float, base_year: int = 2020):
    """Income level relative to ``base_year`` at each month: log-linear between annual means (mid-year)."""
    levels = {y: f.value for y, f in table.items()}
    last = max(levels)
    for y in range(last + 1, int(years.max()) + 3):
        g = after.get(y).value if y in after else later
        levels[y] = levels[y - 1] * g
    first = min(levels)
    for y in range(first - 1, int(years.min()) - 2, -1):
        levels[y] = levels[y + 1] / params.GROWTH_BEFORE
    t = years + (months - 0.5) / 12.0  # the annual mean is the level at mid-year
    ys = np.array(sorted(levels))
    lv = np.log(np.array([levels[y] for y in ys]))
    return np.exp(np.interp(t, ys + 0.5, lv)) / levels[base_year]


def growth_indices(years: np.ndarray, moys: np.ndarray) -> dict[bool, np.ndarray]:
    """Income level relative to 2020 of alleviated (True) and general (False) households per month."""
    return {
        True: growth_index(years, moys, params.ALLEVIATED_INCOME, params.ALLEVIATED_GROWTH_AFTER,
                           params.ALLEVIATED_GROWTH_LATER.value),
        False: growth_index(years, moys, params.GENERAL_INCOME, {}, params.GENERAL_GROWTH_LATER.value),
    }


def setup_incomes(sim: Simulation) -> None:
    """Latent income sources per household, drawn top-down around the published mean of its type."""
    rng, H, alv, n = sim.rng, sim.H, sim.hh.alleviated, sim.people.n
    hh = sim.people.household[:n]
    age = sim.cfg.start.year - sim.people.birth_year[:n]
    size = np.bincount(hh, minlength=H)
    elderly = np.bincount(hh, weights=(age >= params.ELDERLY_AGE).astype(float), minlength=H)
    lo, hi = params.FARM_ADULT_AGES
    adults = np.bincount(hh, weights=((age >= lo) & (age <= hi)).astype(float), minlength=H)
    wage = np.bincount(hh, weights=sim.people.earnings[:n] * sim.people.work_capacity[:n],
                       minlength=H) * params.EARNINGS_SHARE
    sim.hh.farming = rng.random(H) < np.where(alv, *params.FARMING_P)
    farm, mu, sd, per = params.FARM_INCOME
    bus = np.where(sim.hh.farming, farm * rng.lognormal(mu, sd, H) * np.maximum(adults, 0.5) / per, 0.0)
    prop_median, prop_sigma = params.PROPERTY_INCOME
    prop = np.where(rng.random(H) < params.PROPERTY_P, prop_median * rng.lognormal(0, prop_sigma, H), 0.0)
    with_elderly, without, remit_sigma = params.REMITTANCE
    remit = np.where(elderly > 0, with_elderly * rng.lognormal(0, remit_sigma, H),
                     without * rng.lognormal(0, remit_sigma, H))
    pension = params.BASIC_PENSION_2020.value * elderly
    # top-down: each household's total per-capita income (2020 level) drawn around the type's mean
    mean = np.where(alv, params.ALLEVIATED_INCOME[2020].value, params.GENERAL_INCOME[2020].value)
    sigma = np.where(alv, *params.INCOME_SIGMA)
    # a little below the published means: shocks cost some income, help adds some
    sim.hh.target_income_pc = mean * np.where(alv, params.INCOME_ADJUST[0], params.INCOME_ADJUST[1]) * rng.lognormal(-sigma ** 2 / 2, sigma)
    total = sim.hh.target_income_pc * size / 12.0
    # 低保/特困 households: a share of income is the programme (alleviated more often, poorer ones)
    (share_a, mid_a), (share_g, mid_g), scale_pc = params.DIBAO_START
    p_dibao = np.where(alv, share_a, share_g) / (1 + np.exp((sim.hh.target_income_pc - np.where(alv, mid_a, mid_g))
                                                            / scale_pc))
    sim.support.dibao = np.zeros(H)
    dib = rng.random(H) < p_dibao
    sim.support.tekun = np.zeros(H)
    no_labour = np.bincount(hh, weights=(sim.people.labor_skill[:n] <= 1).astype(float), minlength=H) == 0
    tek = alv & (size == 1) & no_labour & (elderly > 0) & (rng.random(H) < params.TEKUN_P)
    sim.support.dibao[dib & ~tek] = (params.DIBAO_START_SHARE * total)[dib & ~tek]
    sim.support.tekun[tek] = (params.TEKUN_SHARE * total)[tek]
    market = total - sim.support.dibao - sim.support.tekun - pension
    parts = wage + bus + prop + remit
    scale = np.clip(market / np.maximum(parts, 1.0), *params.INCOME_SCALE_RANGE)
    sim.people.earnings[:n] *= scale[hh]
    sim.hh.business_base = bus * scale
    sim.hh.property_base = prop * scale
    sim.hh.transfer_base = remit * scale
    sim.hh.business_factor = np.ones(H)
    sim.hh.income_scale = scale


def latent(sim: Simulation, m: int):
    """Expected (deseasonalised) monthly incomes and the resources ratio r at month m."""
    H = sim.H
    p = sim.people.present()
    hh = sim.people.household[p]
    g = sim.g(m)
    size = np.bincount(hh, minlength=H).astype(float)
    working = (sim.people.months_out_of_work[p] == 0) & (sim.people.months_sick[p] == 0)
    wage = np.bincount(hh, weights=sim.people.earnings[p] * sim.people.work_capacity[p] * working, minlength=H) * g
    age = sim.cal.month_year[m] - sim.people.birth_year[p]
    elderly = np.bincount(hh, weights=(age >= params.ELDERLY_AGE).astype(float), minlength=H)
    bus = sim.hh.business_base * sim.hh.business_factor * g
    prop = sim.hh.property_base * g
    trans = (sim.hh.transfer_base + params.BASIC_PENSION_2020.value * elderly) * g * (size > 0)
    assist = (sim.support.dibao + sim.support.tekun) * g + sim.support.public_job + sim.support.dividend + np.bincount(
        hh, weights=sim.people.disability_living[p] + sim.people.disability_care[p], minlength=H)
    total = wage + bus + prop + trans + assist
    students = education_cost(sim, p, hh, age, m)
    safe = np.maximum(size, 1)
    income_pc = 12 * total / safe
    net_pc = (12 * total - sim.burden.medical - sim.burden.losses - students) / safe
    r = net_pc / sim.cal.line[m]
    return dict(size=size, wage=wage, bus=bus, prop=prop, trans=trans, assist=assist,
                income_pc=income_pc, net_pc=net_pc, r=r, students=students, total=total)


def education_cost(sim: Simulation, p, hh, age, m):
    """Yearly school costs by household (senior high, vocational school, college), halved by 教育资助."""
    track = sim.people.school_track[p]
    (s_lo, s_hi), (c_lo, c_hi) = params.SCHOOL_AGES["senior"], params.SCHOOL_AGES["college"]
    senior = (age >= s_lo) & (age <= s_hi)
    cost = np.where(senior & (track == 1), params.SCHOOL_COST["senior"], 0.0)
    cost += np.where(senior & (track == 2), params.SCHOOL_COST["vocational"], 0.0)
    cost += np.where((age >= c_lo) & (age <= c_hi) & (track == 1), params.SCHOOL_COST["college"], 0.0)
    aid = np.where(sim.hh.alleviated[hh] | sim.process.monitored[hh], params.EDUCATION_AID_SHARE, 0.0)
    return np.bincount(hh, weights=cost * (1 - aid), minlength=sim.H) * sim.cal.growth[False][m]


def survey_income(sim: Simulation, m, ms, ml, moy, L):
    rng, H = sim.rng, sim.H
    surveyed = np.flatnonzero(~sim.hh.dissolved & (sim.hh.registered <= ms)
                              & (rng.random(H) < np.where(sim.hh.alleviated, *params.SURVEY_P)))
    k = surveyed.size
    i = moy - 1
    wage = L["wage"][surveyed] * params.WAGE_SEASON[i] * rng.lognormal(*params.WAGE_NOISE, k)
    bus_l = L["bus"][surveyed]
    rel, floor = params.BUSINESS_NOISE
    bus = bus_l * params.BUSINESS_SEASON[i] + rng.normal(0, 1, k) * (rel * np.abs(bus_l) + floor)
    prop = L["prop"][surveyed] * params.PROPERTY_SEASON[i] * rng.lognormal(*params.PROPERTY_NOISE, k)
    trans = L["trans"][surveyed] * rng.lognormal(*params.TRANSFER_NOISE, k)
    month_end = ms + ml - 1
    sim.r_income.add(hh=surveyed, month=m, wage=np.round(wage, 2), business=np.round(bus, 2),
                      property=np.round(prop, 2), transfer=np.round(trans, 2),
                      reported=sim.lag(np.full(k, month_end), *params.LAG["income_survey"]))
