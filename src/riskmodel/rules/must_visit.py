"""八必访: the households cadres must visit, the second baseline a model must beat.

Offices list eight kinds of households every village cadre visits (八必访). ``must_visit``
applies them as of a date to the point-in-time features (features/features.yaml), so it sees
exactly what the model sees and nothing later, and ranks the flagged households by a
documented order (``MUST_VISIT_ORDER``) so that it is a list of any size, compared with the
model and the department screen at the same capacity.

Ranking, as ``dept_screen``: ``rule_score`` is lexicographic in the flags in
``MUST_VISIT_ORDER`` (the first flag outranks any combination of later ones), then by how far
the household's per-capita income of the last 12 months is below 1.5 × the year's monitoring
line (a fraction in [0, 1)). Households with no flag score at most that fraction and come
after every flagged one; ties are broken by ``household_id`` wherever a list is cut.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import Panel

#: The eight kinds, in ranking order (most urgent first).
MUST_VISIT_ORDER: tuple[str, ...] = (
    "income",       # 1 low or falling income inside the monitoring range
    "illness",      # 2 serious or chronic illness with a heavy medical burden
    "disability",   # 3 disabled members, newly certified or severely disabled (grade 1-2)
    "shock",        # 4 a major accident or disaster, or a working-age earner died
    "tekun_single", # 5 dispersed 特困 support, or a one-person household
    "dibao_new",    # 6 a new 低保 household (spell started in the last 12 months)
    "migrant_wage", # 7 mostly wage income, with unstable work
    "schooling",    # 8 several children of senior-school or college age
)
#: The monitoring range: per-capita income below this multiple of the line (监测范围).
RANGE_FACTOR = 1.5
#: "Falling": income of the last 12 months at least this much below the 12 months before.
FALL_SHARE = 0.2
#: A heavy medical burden: out-of-pocket of 12 months at least this share of household income,
#: or per member at least this share of the line.
OOP_INCOME_SHARE = 0.2
OOP_LINE_SHARE = 0.3
#: A major disaster: damage grade at least this (1-4).
MAJOR_DISASTER_GRADE = 3
#: Mostly wage income.
WAGE_SHARE = 0.6


def _col(f: pd.DataFrame, name: str) -> np.ndarray:
    return f[name].to_numpy(dtype=float)


def _flags(f: pd.DataFrame) -> dict[str, np.ndarray]:
    """The eight flags over a feature frame (NaN compares False: no record, no flag)."""
    ratio = _col(f, "income_line_ratio_12m")
    with np.errstate(invalid="ignore"):
        in_range = ratio < RANGE_FACTOR
        falling = _col(f, "income_yoy_rel_12m") <= -FALL_SHARE
        serious = (_col(f, "chronic_registered_members") + _col(f, "dx_cancer_12m") + _col(f, "dx_cardio_12m")
                   + _col(f, "dx_renal_12m") + _col(f, "dx_mental_12m") + _col(f, "inpatient_stays_12m")) > 0
        heavy = (_col(f, "oop_income_ratio_12m") >= OOP_INCOME_SHARE) | (_col(f, "oop_line_ratio_12m") >= OOP_LINE_SHARE)
        unstable = ((_col(f, "job_loss_12m") > 0) | (_col(f, "wage_yoy_change_12m") <= -FALL_SHARE * _col(f, "wage_pc_12m"))
                    | (_col(f, "wage_volatility_12m") >= 0.5 * _col(f, "wage_pc_12m")))
        return {
            "income": in_range & ((ratio < 1.0) | falling),
            "illness": serious & heavy,
            "disability": (_col(f, "disability_certified_12m") > 0) | (_col(f, "disability_grade_min") <= 2),
            "shock": ((_col(f, "disaster_severity_max_12m") >= MAJOR_DISASTER_GRADE) | (_col(f, "accident_12m") > 0)
                      | (_col(f, "earner_death_12m") > 0)),
            "tekun_single": (_col(f, "tekun_active") > 0) | (_col(f, "hh_size") == 1),
            "dibao_new": _col(f, "dibao_started_12m") > 0,
            "migrant_wage": (_col(f, "income_share_wage_12m") >= WAGE_SHARE) & unstable,
            "schooling": (_col(f, "school_age_senior") + _col(f, "school_age_college")) >= 2,
        }


def must_visit_scores(f: pd.DataFrame) -> pd.DataFrame:
    """``must_visit`` over an already built feature frame (``build_features(panel, t)``), in its row order."""
    flags = _flags(f)
    n = len(MUST_VISIT_ORDER)
    score = np.zeros(len(f))
    top = np.full(len(f), None, dtype=object)
    for i, name in enumerate(MUST_VISIT_ORDER):
        hit = flags[name]
        score += hit * 2.0 ** (n - i)
        top[hit & (top == None)] = name  # noqa: E711  (object array comparison)
    ratio = np.nan_to_num(_col(f, "income_line_ratio_12m"), nan=RANGE_FACTOR)
    score += 0.999 * np.clip(1.0 - ratio / RANGE_FACTOR, 0.0, 1.0)
    out = pd.DataFrame({"household_id": f["household_id"].astype("string[pyarrow]").array,
                        "rule_score": score, "top_flag": pd.array(top, dtype="string[pyarrow]")})
    for name in MUST_VISIT_ORDER:
        out[f"flag_{name}"] = flags[name]
    return out


def must_visit(panel: Panel, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """八必访 as of ``as_of`` for eligible households, highest ``rule_score`` first.

    Columns: ``household_id``, ``rule_score``, ``top_flag`` (name from ``MUST_VISIT_ORDER`` or
    NA) and one boolean ``flag_<name>`` per kind — the shape and eligibility of ``dept_screen``.
    """
    from riskmodel.features import build_features

    out = must_visit_scores(build_features(panel, pd.Timestamp(as_of)))
    return out.sort_values(["rule_score", "household_id"], ascending=[False, True], kind="mergesort",
                           ignore_index=True)


__all__ = ["MUST_VISIT_ORDER", "must_visit", "must_visit_scores"]
