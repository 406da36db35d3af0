"""The existing identification process (the outcome): distress, screening, pushes, self-declaration,
monitoring rows with category and risk types, elimination; and the full-information oracle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.contract.schema import RISK_TYPES
from riskmodel.synth import params
from riskmodel.synth.assistance import help_identified
from riskmodel.synth.codes import RT
from riskmodel.synth.state import NONE

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation


def distress(r: np.ndarray, alleviated: np.ndarray) -> np.ndarray:
    """Latent distress from resources relative to the monitoring line (1 = at the line)."""
    center = np.where(alleviated, params.DISTRESS_CENTER[0], params.DISTRESS_CENTER[1])
    return 1.0 / (1.0 + np.exp(np.clip((r - center) / params.DISTRESS_WIDTH, -50, 50)))


def screening_schedule(sim: Simulation) -> None:
    """集中排查: each county screens once a year in spring and often again in autumn."""
    rng = sim.rng
    C = len(sim.regions.county_code)
    L = len(sim.cal.month_day)
    years = np.unique(sim.cal.month_year)
    sim.process.screening = np.zeros((C, L), dtype=bool)
    for y in years:  # a handful of years: fine as a Python loop
        spring = rng.integers(params.SCREEN_SPRING[0], params.SCREEN_SPRING[-1] + 1, C)
        autumn = np.where(rng.random(C) < params.SCREEN_AUTUMN_P, rng.integers(params.SCREEN_AUTUMN[0], params.SCREEN_AUTUMN[-1] + 1, C), 0)
        for moy in (spring, autumn):
            hit = (sim.cal.month_year[None, :] == y) & (sim.cal.month_moy[None, :] == moy[:, None])
            sim.process.screening |= hit


def verify(sim: Simulation, hh, s):
    a = np.where(sim.hh.alleviated[hh], params.PUSH_VERIFY[0][0], params.PUSH_VERIFY[1][0])
    b = np.where(sim.hh.alleviated[hh], params.PUSH_VERIFY[0][1], params.PUSH_VERIFY[1][1])
    return a + b * s


def monthly_hazards(sim: Simulation, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per household at distress ``s``: this month's chance of declaring itself, and of being
    found if its county screens (the process draws against these; the oracles integrate them)."""
    a = np.where(sim.hh.alleviated, 0, 1)
    return np.array(params.SELF_DECLARE)[a] * s, np.array(params.SCREEN_FIND)[a] * s


def month_pushes(sim: Simulation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This month's department pushes: households, days and sources (one entry per push)."""
    pushes = sim.process.pushes
    return (np.concatenate([x[0] for x in pushes]).astype(np.int64),
            np.concatenate([x[1] for x in pushes]).astype(np.int64),
            np.concatenate([np.full(len(x[0]), x[2]) for x in pushes]).astype(np.int64))


def p_identify_26w(sim: Simulation, m: int, s: np.ndarray, r: np.ndarray, members_push: np.ndarray) -> np.ndarray:
    """The state-now oracle: P(identified within the next 6 months) given the latent state now,
    held for the horizon (the calibration report's lead times read it; the truth table's
    full-information oracle is the realised-hazard one, ``realised_log_survival``)."""
    h_self, find = monthly_hazards(sim, s)
    screens = sim.process.screening[sim.hh.county, m: m + 6].sum(axis=1)
    # a pushed event makes things worse: verification judges the state after it
    drop = np.where(sim.hh.alleviated, params.SHOCK_DROP[0], params.SHOCK_DROP[1])
    after = distress(r - drop, sim.hh.alleviated)
    verified = verify(sim, np.arange(sim.H), np.maximum(s, after))
    log_surv = 6 * np.log1p(-h_self) + screens * np.log1p(-find) - 6 * members_push * verified
    p = 1.0 - np.exp(log_surv)
    # open monitoring objects are zeroed from the records (tables.py), not from the process's
    # own flag: a household picked up but not yet confirmed keeps the formula's value
    return np.where(sim.hh.dissolved, 0.0, p)


def realised_log_survival(sim: Simulation, m: int, ms: int, s: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """log P(not identified this month) for every household, from the hazards the process really
    applies this month: its distress, its county's actual screening, the pushes that happened and
    their verification. Draws nothing; 0 for dissolved and not yet registered households."""
    h_self, find = monthly_hazards(sim, s)
    ls = np.log1p(-h_self) + np.where(sim.process.screening[sim.hh.county, m], np.log1p(-find), 0.0)
    if sim.process.pushes:
        ph = month_pushes(sim)[0]
        v = np.minimum(verify(sim, ph, s2[ph]), 1.0 - 1e-12)
        ls += np.bincount(ph, weights=np.log1p(-v), minlength=sim.H)
    return np.where(sim.hh.dissolved | (sim.hh.registered > ms), 0.0, ls)


def identify(sim: Simulation, m, ms, ml, s, s2, L):
    rng, H = sim.rng, sim.H
    h_self, find = monthly_hazards(sim, s)
    cand = ~sim.process.monitored & ~sim.hh.dissolved & (sim.hh.registered <= ms)
    clue = np.full(H, NONE, dtype=np.int64)
    self_hit = cand & (rng.random(H) < h_self)
    clue[self_hit] = ms + rng.integers(0, ml, self_hit.sum())
    screening = sim.process.screening[sim.hh.county, m]
    if screening.any():
        before_end, within = params.SCREEN_DAYS
        sday = ms + rng.integers(0, max(ml - before_end, 1), len(sim.regions.county_code))
        found = cand & screening & (rng.random(H) < find)
        d = sday[sim.hh.county[found]] + rng.integers(0, within, found.sum())
        clue[found] = np.minimum(clue[found], d)
    if sim.process.pushes:
        ph, pd_, src = month_pushes(sim)
        ok = cand[ph] & (rng.random(ph.size) < verify(sim, ph, s2[ph]))
        ph, pd_ = ph[ok], pd_[ok]
        sim.stats["push_src"] += np.bincount(src[ok] + 5 * (~sim.hh.alleviated[ph]), minlength=10)
        np.minimum.at(clue, ph, pd_)
    new = np.flatnonzero(clue != NONE)
    if new.size == 0:
        return
    pushed = np.zeros(H, dtype=bool)
    if sim.process.pushes:
        pushed[ph] = True
    channel = np.where(pushed[new], 2, np.where(self_hit[new], 0, 1))
    sim.stats["channel"] += np.bincount(channel + 3 * (~sim.hh.alleviated[new]), minlength=6)
    ident = clue[new] + rng.integers(1, sim.policy.identification_days_max + 1, new.size)
    open_monitoring(sim, new, ident, L)
    help_identified(sim, new, ident, L)


def open_monitoring(sim: Simulation, hh, ident, L) -> None:
    rt, cat = risk_types(sim, hh, L)
    k = hh.size
    if sim.monitoring_count + k > len(sim.monitoring_rows["hh"]):
        grow = max(k, len(sim.monitoring_rows["hh"]))
        for key, arr in sim.monitoring_rows.items():
            fill = NONE if key == "elim" else (None if arr.dtype == object else 0)
            extra = np.full(grow, fill, dtype=arr.dtype)
            sim.monitoring_rows[key] = np.concatenate([arr, extra])
    sl = slice(sim.monitoring_count, sim.monitoring_count + k)
    sim.monitoring_rows["hh"][sl] = hh
    sim.monitoring_rows["id"][sl] = ident
    sim.monitoring_rows["cat"][sl] = cat
    sim.monitoring_rows["rt"][sl] = rt
    sim.monitoring_rows["rep"][sl] = sim.lag(ident, *params.LAG["monitoring"])
    sim.process.row[hh] = np.arange(sim.monitoring_count, sim.monitoring_count + k)
    sim.monitoring_count += k
    sim.process.monitored[hh] = True
    sim.process.identified_day[hh] = ident


def risk_types(sim: Simulation, hh, L):
    w = sim.burden.by_cause[hh].astype(float)
    line = sim.cal.line[sim.current_month]
    size = np.maximum(L["size"][hh], 1)
    structural = np.maximum(0, params.STRUCTURAL_LINE * line - L["income_pc"][hh]) * size
    p = sim.people.present()
    able_member = (sim.people.labor_skill[p] <= 1) & (sim.people.work_capacity[p] >= params.ABLE_CAPACITY)
    able = np.bincount(sim.people.household[p], weights=able_member.astype(float), minlength=sim.H)[hh]
    w[:, RT["labor"]] += structural * np.where(able == 0, *params.STRUCTURAL_LABOR)
    w[:, RT["education"]] += L["students"][hh]
    other, other_share = params.STRUCTURAL_OTHER
    w[:, RT["other"]] += other + other_share * structural
    order = np.argsort(-w, axis=1, kind="stable")[:, :params.RECORDED_RISK_TYPES]
    top = np.take_along_axis(w, order, axis=1)
    keep = top >= params.RISK_TYPE_KEEP * top[:, :1]
    codes = np.array(RISK_TYPES, dtype=object)
    rt = codes[order[:, 0]].copy()
    for j in range(1, order.shape[1]):
        rt = np.where(keep[:, j], rt + ";" + codes[order[:, j]], rt)
    shock = (sim.burden.medical[hh] + sim.burden.losses[hh]) / np.maximum(12 * L["total"][hh], 1.0)
    main = order[:, 0]
    sudden_type = np.isin(main, [RT[c] for c in ("illness", "accident", "disaster", "business", "employment", "housing")])
    general_share, alleviated_share, alleviated_p = params.SUDDEN_SHOCK_SHARE
    cat = np.where(sim.hh.alleviated[hh], 0, np.where(sudden_type & (shock > general_share), 2, 1))
    cat = np.where(sim.hh.alleviated[hh] & sudden_type & (shock > alleviated_share)
                   & (sim.rng.random(hh.size) < alleviated_p), 2, cat)
    return rt, cat.astype(np.int8)


def close_monitoring(sim: Simulation, hh, eday):
    rows = sim.process.row[hh]
    floor = sim.process.identified_day[hh] + int(np.ceil(30.44 * sim.policy.elimination_min_months))
    sim.monitoring_rows["elim"][rows] = np.maximum(eday, floor)
    sim.process.monitored[hh] = False
    sim.process.row[hh] = -1
    sim.process.identified_day[hh] = NONE


def eliminate(sim: Simulation, m, ms, ml, L):
    months = sim.policy.elimination_min_months
    old_enough = sim.process.monitored & (ms >= sim.process.identified_day + int(np.ceil(30.44 * months)) + 1)
    ok = np.flatnonzero(old_enough & (L["r"] >= params.ELIMINATE_RATIO)
                        & (sim.rng.random(sim.H) < params.ELIMINATE_MONTHLY))
    if ok.size:
        close_monitoring(sim, ok, ms + sim.rng.integers(0, ml, ok.size))
