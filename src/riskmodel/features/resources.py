"""Per-capita resources as the policy reasons about them (防止返贫监测: 人均纯收入扣除刚性支出 vs 监测线).

Built from columns the other stages already computed, as pure array arithmetic, so the fast
pipeline and the naive reference share no code but the definitions in features.yaml:

    resources_pc = income_pc_last12 + recurring_assistance_pc
                   − medical_burden_pc − disaster_loss_pc − accident_loss_pc − school_cost_pc

The parts are also the evidence explanations split an income shortfall by (``explain: cause``
in features.yaml): labour shortage, wage and business falls, medical bills, school costs,
losses — and ``unexplained_gap_pc``, the shortfall none of them accounts for (其他).
"""

from __future__ import annotations

import numpy as np

#: Expected yearly school cost per member of each stage's age (yuan): typical fees, boarding and
#: transport of rural students times the stage's enrolment (senior ≈ 90 %, college ≈ 50 %).
SCHOOL_COSTS = {"compulsory": 1000.0, "senior": 3600.0, "college": 6000.0}

#: Members (the worker included) one working-age member's income is taken to support.
WORKER_SUPPORTS = 3.0

RESOURCE_INPUTS = (
    "hh_size", "working_age_members", "school_age_compulsory", "school_age_senior", "school_age_college",
    "income_pc_last12", "recurring_assistance_pc", "medical_burden_pc", "disaster_loss_pc", "accident_loss_pc",
    "wage_yoy_change_12m", "business_yoy_change_12m",
)


def _nz(a: np.ndarray) -> np.ndarray:
    """``np.nan_to_num(a, nan=0.0)``, without its fixed cost when nothing is infinite (the usual case)."""
    out = np.where(np.isnan(a), 0.0, a)
    return np.nan_to_num(a, nan=0.0) if np.count_nonzero(np.isinf(out)) else out


def resources(c: dict[str, np.ndarray], line: float, month: int) -> dict[str, np.ndarray]:
    """The resources features from ``RESOURCE_INPUTS`` columns, the year's line and t's month."""
    size = c["hh_size"]
    has = size > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        school = sum(c[f"school_age_{stage}"] * cost for stage, cost in SCHOOL_COSTS.items())
        school_pc = np.where(has, school / np.where(has, size, 1.0), np.nan)
        # members of working age not of senior or college age; one worker supports two dependants,
        # members beyond that leave a gap of a line each, shared over the household (a couple with
        # two children: none; two elders alone: a line each)
        workers = np.maximum(c["working_age_members"] - c["school_age_senior"] - c["school_age_college"], 0.0)
        extra = np.maximum(size - WORKER_SUPPORTS * workers, 0.0)
        labor_gap = np.where(has, line * extra / np.where(has, size, 1.0), np.nan)
        income = c["income_pc_last12"] + _nz(c["recurring_assistance_pc"])
        res = income - _nz(c["medical_burden_pc"]) - _nz(c["disaster_loss_pc"]) - _nz(c["accident_loss_pc"]) \
            - _nz(school_pc)
        explained = (_nz(labor_gap) + np.maximum(-_nz(c["wage_yoy_change_12m"]), 0.0)
                     + np.maximum(-_nz(c["business_yoy_change_12m"]), 0.0))
        unexplained = np.maximum(line - income - explained, 0.0)  # NaN where income is unknown
    return {
        "school_cost_pc": school_pc,
        "labor_gap_pc": labor_gap,
        "resources_pc": res,
        "resources_line_ratio": res / line,
        "unexplained_gap_pc": unexplained,
        "as_of_month": np.full(len(size), float(month)),
    }
