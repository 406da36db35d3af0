"""The point-in-time feature pipeline: contract tables → one row per eligible household as of t.

Every table is filtered to ``reported_on <= t`` (members to ``joined_on <= t``, with later
departures unknown), exactly what ``Panel.as_of(t)`` shows, but without copying the panel:
masks are applied to numpy arrays and households are mapped once to integer positions, so
per-household aggregates are ``np.bincount`` calls (or a dense household × month matrix for
income). The definitions of every column are in ``features/features.yaml``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.contract import Panel
from riskmodel.contract.panel import latest_status
from riskmodel.contract.months import month_numbers
from riskmodel.contract.columns import (
    SMALL,
    Columns,
    categories_of,
    enum_lookup,
    equals,
    missing,
    positions_at,
)
from riskmodel.memory import release_arrow_memory
from riskmodel.contract.schema import (
    CLAIM_KINDS,
    DIAGNOSIS_GROUPS,
    EVENT_TYPES,
    IN_SCHOOL,
    LABOR_SKILLS,
    LEFT_REASONS,
    ONE_OFF_PROGRAMS,
    PROGRAMS,
)
from riskmodel.features.resources import RESOURCE_INPUTS, resources
from riskmodel.features.spec import feature_names
from riskmodel.labels.outcome import eligible_rows

NS_PER_DAY = 86_400_000_000_000
#: Rows per block when scanning the (large) income table.
ROW_BLOCK = 4_000_000
#: Households per block of the income aggregation (bounds the household × month temporaries).
HOUSEHOLD_BLOCK = 100_000
#: Households above which Arrow's freed memory is handed back to the OS between stages.
LARGE_PANEL = 100_000
INCOME_SOURCES = ("wage", "business", "property", "transfer")
#: Month-age ranges [lo, hi) of the income windows; "p" = the same months a year earlier.
INCOME_WINDOWS = {"3": (0, 3), "6": (0, 6), "12": (0, 12), "p3": (12, 15), "p12": (12, 24), "3to6": (3, 6)}
#: Months of income history the pipeline reads (12-month windows and the same months a year earlier).
INCOME_MONTHS = 24
WORKING_AGE = (16, 64)
#: School stages by age in years (t's year − birth_year): the recorded ``in_school`` is set at
#: registration and never updated, so the stage a member is of age for is the better estimate.
SCHOOL_AGES = {"compulsory": (6, 15), "senior": (16, 18), "college": (19, 22)}
ELDERLY_AGE = 65
ELDERLY_ONLY_AGE = 60
#: Event types that are not themselves adverse (certifications are counted separately).
#: Half-life of a medical bill or a loss in the resources estimate: a bill paid a year ago weighs a quarter.
BURDEN_HALF_LIFE_DAYS = 182.5
NOT_ADVERSE = ("birth", "disability_certified", "chronic_registered")
CLAIM_DX = ("cancer", "cardio", "renal", "mental", "injury")
EVENT_COUNTS = {
    "job_loss_12m": "job_loss", "business_failure_12m": "business_failure", "disaster_12m": "disaster",
    "accident_12m": "accident", "death_event_12m": "death", "housing_unsafe_12m": "housing_unsafe",
    "water_unsafe_12m": "water_unsafe", "school_dropout_12m": "school_dropout", "uninsured_12m": "uninsured",
}


@dataclass(frozen=True)
class _AsOf:
    """The as-of date in the units the pipeline computes with, and the eligible households."""

    t: np.datetime64          # ns
    day: int                  # days since 1970-01-01
    year: int
    last_month: int           # months since 1970-01 of the last complete month L
    line: float               # monitoring line of t's year, yuan per person per year
    ids: object               # eligible household ids, sorted (an Arrow string array)
    n: int

    def codes_at(self, household_ids, rows: np.ndarray) -> np.ndarray:
        """Position among the eligible households of the ids at row positions ``rows``, -1 if not eligible."""
        if self.n == 0:
            return np.full(len(rows), -1, dtype=np.intp)
        return positions_at(household_ids, rows, self.ids)

    def rows_of(self, household_ids, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the kept rows that belong to an eligible household, and those households' codes."""
        idx = keep.nonzero()[0]  # 1-d: np.flatnonzero's ravel is a Python-level call more
        code = self.codes_at(household_ids, idx)
        sel = code >= 0
        return idx[sel], code[sel]

    def count(self, code: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        # weighted counts are float64 already: no copy (called for dozens of features a household)
        return np.bincount(code, weights=weights, minlength=self.n).astype(np.float64, copy=False)[: self.n]

    def count_by(self, code: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
        """Rows per household and key (0 … ``n_keys`` − 1; -1, missing, is left out): an (n, n_keys) float matrix.

        One ``bincount`` for every key: per-key ``count`` calls cost a household more than their
        counting (the counts are the same integers).
        """
        ok = key >= 0
        flat = np.bincount(code[ok] * n_keys + key[ok], minlength=self.n * n_keys)
        return flat.reshape(self.n, n_keys).astype(np.float64)


def _days(s) -> np.ndarray:
    """Dates as float days since 1970-01-01 (NaN for empty).

    numpy's cast to days floors (1969-12-31T13:00 is day -1), as ``// NS_PER_DAY`` would.
    """
    a = np.asarray(s, dtype="datetime64[D]")
    out = a.view(np.int64).astype(np.float64)
    out[np.isnat(a)] = np.nan
    return out


def _enum_codes(s, values: tuple[str, ...]) -> np.ndarray:
    """Positions of a contract enum's values in ``values`` (-1 for missing)."""
    if isinstance(s.dtype, pd.CategoricalDtype) and categories_of(s.dtype) == values:
        return getattr(s, "array", s).codes
    return pd.Categorical(s, categories=list(values)).codes


def _float(a) -> np.ndarray:
    """A numeric column (numpy or nullable integer) as float64, missing as NaN."""
    if isinstance(a, np.ndarray):
        return a.astype(np.float64, copy=False)
    if isinstance(a, pd.arrays.IntegerArray):  # its values and mask as they are: ``to_numpy``'s checks cost more
        out = a._data.astype(np.float64)
        out[a._mask] = np.nan
        return out
    return a.to_numpy(dtype=np.float64, na_value=np.nan)


def _group_extreme(n: int, code: np.ndarray, values: np.ndarray, fn: np.ufunc) -> np.ndarray:
    """Per-household max (``np.maximum``) or min (``np.minimum``) of values; NaN where none."""
    ok = ~np.isnan(values)
    code, values = code[ok], values[ok]
    fill = -np.inf if fn is np.maximum else np.inf
    out = np.full(n, fill)
    fn.at(out, code, values)
    out[np.isinf(out)] = np.nan
    return out


def _distinct_count(n: int, code: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Per household, the number of distinct non-negative keys."""
    pairs = code.astype(np.int64) * (n_keys + 1) + key
    # a Python set for one household's few rows: np.unique's fixed cost is several times larger
    pairs = np.fromiter(set(pairs.tolist()), dtype=np.int64) if len(pairs) <= SMALL else np.unique(pairs)
    return np.bincount((pairs // (n_keys + 1)).astype(np.intp), minlength=n).astype(np.float64)[:n]


def _div(a: np.ndarray, b: np.ndarray | float, ok: np.ndarray | None = None) -> np.ndarray:
    """a / b, NaN where b is 0 or NaN (or where ``ok`` is False)."""
    b = np.asarray(b, dtype=np.float64)  # a scalar stays 0-d: the ufuncs broadcast it
    good = np.abs(b) > 0  # neither 0 nor NaN (NaN compares False), in two ufunc calls (called ~20 times a household)
    if ok is not None:
        good = good & ok
    out = np.empty(np.shape(a))
    out.fill(np.nan)
    np.divide(a, b, out=out, where=good)
    return out


def _as_of(panel: Panel, t: pd.Timestamp, ids) -> _AsOf:
    t64 = np.datetime64(t.to_datetime64(), "ns")
    next_day = t.date() + dt.timedelta(days=1)
    last_month = (next_day.year - 1970) * 12 + next_day.month - 1 - 1
    return _AsOf(t64, int(t64.view(np.int64) // NS_PER_DAY), t.year, last_month,
                 float(panel.policy.line(t.year)), ids, len(ids))


def _status_codes(ctx: _AsOf, members: Columns, status: Columns) -> dict[str, np.ndarray]:
    """Members' ``labor_skill`` and ``in_school`` codes as of t: the latest ``member_status`` row
    known at t (``contract.panel.latest_status``), else the registration's values."""
    out = {"labor_skill": _enum_codes(members["labor_skill"], LABOR_SKILLS),
           "in_school": _enum_codes(members["in_school"], IN_SCHOOL)}
    found, rows = latest_status(members["member_id"], status, ctx.t)
    if len(found):
        for name, values in (("labor_skill", LABOR_SKILLS), ("in_school", IN_SCHOOL)):
            codes = out[name] = np.array(out[name], dtype=np.int64)
            codes[found] = _enum_codes(status[name], values)[rows]
    return out


def _members(ctx: _AsOf, members: Columns, status: Columns) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Household composition at t; also each member's household position (joined by t, else -1).

    ``status``: the member_status table; members' ``labor_skill`` and ``in_school`` are the
    latest update known at t (the registration's values are stale).
    """
    joined = members["joined_on"] <= ctx.t
    code_all = np.full(len(members), -1, dtype=np.intp)
    idx = joined.nonzero()[0]
    code_all[idx] = ctx.codes_at(members["household_id"], idx)
    m = code_all >= 0
    left_day = _days(members["left_on"])
    left_known = left_day <= ctx.day  # a departure after t is not known at t
    current = m & ~left_known
    birth_year = _float(members["birth_year"])
    age = ctx.year - birth_year
    codes = _status_codes(ctx, members, status)
    skill = codes["labor_skill"]
    capable = (skill == LABOR_SKILLS.index("skilled")) | (skill == LABOR_SKILLS.index("ordinary"))
    working = (age >= WORKING_AGE[0]) & (age <= WORKING_AGE[1])
    school = codes["in_school"]

    def cnt(mask: np.ndarray) -> np.ndarray:
        return ctx.count(code_all[mask])

    size = cnt(current)
    elderly = cnt(current & (age >= ELDERLY_AGE))
    children = cnt(current & (age < WORKING_AGE[0]))
    over60 = cnt(current & (age >= ELDERLY_ONLY_AGE))
    has = size > 0
    joined_day = _days(members["joined_on"])
    left_recent = m & left_known & (left_day > ctx.day - 365)
    died = left_recent & (_enum_codes(members["left_reason"], LEFT_REASONS) == LEFT_REASONS.index("death"))
    left_year = 1970 + (np.asarray(members["left_on"], dtype="datetime64[ns]").astype("datetime64[Y]")
                        .view(np.int64).astype(np.float64))
    age_left = left_year - birth_year
    out = {
        "hh_size": size,
        "labor_capable": cnt(current & working & capable),
        "weak_labor": cnt(current & working & ~capable),
        "elderly_65plus": elderly,
        "children_under16": children,
        "elderly_only": np.where(has, (over60 == size).astype(np.float64), np.nan),
        "dependency_ratio": _div(children + elderly, size),
        "students_compulsory": cnt(current & (school == IN_SCHOOL.index("compulsory"))),
        "students_senior": cnt(current & ((school == IN_SCHOOL.index("senior")) | (school == IN_SCHOOL.index("vocational")))),
        "students_college": cnt(current & (school == IN_SCHOOL.index("college"))),
        "working_age_members": cnt(current & working),
        **{f"school_age_{stage}": cnt(current & (age >= lo) & (age <= hi)) for stage, (lo, hi) in SCHOOL_AGES.items()},
        "members_joined_12m": cnt(m & (joined_day > ctx.day - 365)),
        "members_left_12m": cnt(left_recent),
        "earner_death_12m": cnt(died & capable & (age_left >= WORKING_AGE[0]) & (age_left <= WORKING_AGE[1])),
    }
    return out, code_all


def _income_cells(ctx: _AsOf, income: Columns) -> np.ndarray:
    """Household × month-age matrix of income row positions (-1: no row known at t).

    Age 0 is the last complete month. Read in blocks so that the temporaries of a 35M-row
    table stay small; sums later run over this matrix in month order, so they do not depend
    on row order or on rows the as-of date cannot see.
    """
    n, k = ctx.n, INCOME_MONTHS
    cells = np.full((n, k), -1, dtype=np.int64 if len(income) >= 2**31 else np.int32)
    for start in range(0, len(income), ROW_BLOCK):
        block = slice(start, start + ROW_BLOCK)
        month = month_numbers(np.asarray(income["month"][block], dtype="datetime64[ns]"))
        age = ctx.last_month - month
        keep = (income["reported_on"][block] <= ctx.t) & (age >= 0) & (age < k)
        ids = income["household_id"] if len(income) <= ROW_BLOCK else income["household_id"][block]  # one block: no slice
        idx, code = ctx.rows_of(ids, keep)
        cells[code, age[idx]] = idx + start
    return cells


def _income(ctx: _AsOf, income: Columns, size: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Income windows over the cell matrix, in blocks of households (few numpy calls per block)."""
    cells = _income_cells(ctx, income)
    sources = {c: _float(income[c]) for c in INCOME_SOURCES}
    per_cap = _div(np.full(ctx.n, 12.0), size)  # monthly household total → annualised per capita
    # months of t's calendar year among the month ages (0 = the last complete month L)
    ytd = ctx.last_month % 12 + 1 if 1970 + ctx.last_month // 12 == ctx.year else 0
    blocks = [_income_block(cells[a:a + HOUSEHOLD_BLOCK], sources, per_cap[a:a + HOUSEHOLD_BLOCK], ytd)
              for a in range(0, max(ctx.n, 1), HOUSEHOLD_BLOCK)]
    # one block (every panel up to HOUSEHOLD_BLOCK households): its columns as they are, no copies
    out = blocks[0] if len(blocks) == 1 else {name: np.concatenate([blk[name] for blk in blocks])
                                              for name in blocks[0]}
    monthly_12m = out.pop("_monthly_12m")
    for w in ("3m", "6m", "12m", "latest3"):
        out[f"income_line_ratio_{w}"] = out[f"income_pc_{w}"] / ctx.line
    out["projected_income_line_ratio"] = out["projected_income_pc_year"] / ctx.line
    return out, monthly_12m


def _income_block(cells: np.ndarray, sources: dict[str, np.ndarray], per_cap: np.ndarray,
                  ytd: int) -> dict[str, np.ndarray]:
    present = cells >= 0
    take = np.where(present, cells, 0)
    parts = {c: np.where(present, v[take], 0.0) if len(v) else np.zeros(cells.shape) for c, v in sources.items()}
    total = parts["wage"] + parts["business"] + parts["property"] + parts["transfer"]
    sums = {w: total[:, lo:hi].sum(axis=1) for w, (lo, hi) in INCOME_WINDOWS.items()}
    # reported months up to each month age; a window's count is a difference of two (exact integers)
    reported = np.cumsum(present, axis=1, dtype=np.int8)
    counts = _window_counts(reported)
    # the windows' means in one division (element by element, as one division each would give)
    mean = _columns(_div(_side_by_side(sums.values()), _side_by_side(counts.values())), sums)
    latest = present & (reported <= 3)
    mean_latest = _div(np.where(latest, total, 0.0).sum(axis=1), latest.sum(axis=1))
    c12 = counts["12"]
    x = total[:, :12] * per_cap[:, None]
    mu = _div(np.where(present[:, :12], x, 0.0).sum(axis=1), c12)
    var = _div(np.where(present[:, :12], (x - mu[:, None]) ** 2, 0.0).sum(axis=1), c12, ok=c12 >= 2)
    any_report = present.any(axis=1)
    out = {
        "income_pc_3m": mean["3"] * per_cap,
        "income_pc_6m": mean["6"] * per_cap,
        "income_pc_12m": mean["12"] * per_cap,
        "income_pc_latest3": mean_latest * per_cap,
        "income_yoy_change_3m": (mean["3"] - mean["p3"]) * per_cap,
        "income_yoy_change_12m": (mean["12"] - mean["p12"]) * per_cap,
        "income_yoy_rel_12m": _div(mean["12"] - mean["p12"], np.abs(mean["p12"])),
        "income_volatility_12m": np.sqrt(var),
    }
    year = sums["12"][:, None]
    shares = _div(_side_by_side([parts[c][:, :12].sum(axis=1) for c in INCOME_SOURCES]), year, ok=year > 0)
    for j, c in enumerate(INCOME_SOURCES):
        out[f"income_share_{c}_12m"] = shares[:, j]
    out.update(_income_by_source(present, parts, counts, per_cap))
    # deseasonalised: the 12 most recent reported months (within 24) cover each calendar month once
    last12 = present & (reported <= 12)
    mean_last12 = _div(np.where(last12, total, 0.0).sum(axis=1), last12.sum(axis=1))
    out["income_pc_last12"] = mean_last12 * per_cap
    ytd_sum = total[:, :ytd].sum(axis=1)
    ytd_n = present[:, :ytd].sum(axis=1)
    out["projected_income_pc_year"] = (ytd_sum + (12 - ytd_n) * mean_last12) * per_cap / 12.0
    out["income_months_unreported_12m"] = 12.0 - c12
    out["income_months_since_report"] = np.where(any_report, np.argmax(present, axis=1), np.nan)
    out["_monthly_12m"] = mean["12"]
    return out


#: The windows ``_income_by_source`` reads of each source (the others would be computed for nothing).
_SOURCE_WINDOWS = {"wage": ("3", "3to6", "12", "p12"), "business": ("12", "p12")}


_WINDOW_LO = np.array([lo for lo, _ in INCOME_WINDOWS.values()])
#: Per window (made once, not per call): whether it starts after month age 0, the age before
#: its first month (0 where none) and its last month's age.
_WINDOW_LATER = _WINDOW_LO > 0
_WINDOW_BEFORE = np.maximum(_WINDOW_LO - 1, 0)
_WINDOW_LAST = np.array([hi for _, hi in INCOME_WINDOWS.values()]) - 1


def _window_counts(reported: np.ndarray) -> dict[str, np.ndarray]:
    """Reported months in each ``INCOME_WINDOWS`` window, as float, from the running count of reported months."""
    before = np.where(_WINDOW_LATER, reported[:, _WINDOW_BEFORE], 0)
    counts = (reported[:, _WINDOW_LAST] - before).astype(np.float64)
    return _columns(counts, INCOME_WINDOWS)


def _side_by_side(columns) -> np.ndarray:
    """1-d arrays as the columns of one matrix: ``np.stack(columns, axis=1)`` (the same values)
    without its Python-level checks, which cost more than a household's division."""
    return np.array(list(columns)).T


def _columns(matrix: np.ndarray, names) -> dict[str, np.ndarray]:
    """A matrix's columns by name (views), in the order of ``names``."""
    return {name: matrix[:, j] for j, name in enumerate(names)}


def _income_by_source(present: np.ndarray, parts: dict[str, np.ndarray], counts: dict[str, np.ndarray],
                      per_cap: np.ndarray) -> dict[str, np.ndarray]:
    """Wage and business income apart: a fall in one evidences 务工就业不稳, in the other 产业失败."""
    out = {}
    means = {}
    for src in ("wage", "business"):
        windows = _SOURCE_WINDOWS[src]
        sums = {w: parts[src][:, INCOME_WINDOWS[w][0]:INCOME_WINDOWS[w][1]].sum(axis=1) for w in windows}
        mean = means[src] = _columns(_div(_side_by_side(sums.values()), _side_by_side([counts[w] for w in windows])),
                                     sums)
        out[f"{src}_pc_12m"] = mean["12"] * per_cap
        out[f"{src}_yoy_change_12m"] = (mean["12"] - mean["p12"]) * per_cap
    wage_mean = means["wage"]
    out["wage_trend_3m"] = (wage_mean["3"] - wage_mean["3to6"]) * per_cap
    c12, p12 = counts["12"], present[:, :12]
    x = parts["wage"][:, :12] * per_cap[:, None]
    mu = _div(np.where(p12, x, 0.0).sum(axis=1), c12)
    var = _div(np.where(p12, (x - mu[:, None]) ** 2, 0.0).sum(axis=1), c12, ok=c12 >= 2)
    out["wage_volatility_12m"] = np.sqrt(var)
    return out


def _claim_members(ctx: _AsOf, claims: Columns, members: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the claims known at t with a service date in the last 365 days, and their members' rows (-1: none).

    Matching member ids by text is the pipeline's largest transient (0.5 GB of Arrow hash table
    and taken strings for 4M claims), so ``feature_arrays`` runs it before any feature exists.
    """
    service = np.asarray(claims["service_date"], dtype="datetime64[ns]")
    keep = claims["reported_on"] <= ctx.t
    keep &= service > ctx.t - np.timedelta64(365, "D")
    idx = keep.nonzero()[0]
    del keep
    return idx, positions_at(claims["member_id"], idx, members["member_id"])


def _medical(ctx: _AsOf, claims: Columns, idx: np.ndarray, pos: np.ndarray, member_code: np.ndarray,
             size: np.ndarray, monthly_income_12m: np.ndarray) -> dict[str, np.ndarray]:
    """Claims features; ``idx, pos`` are ``_claim_members``' claim rows and member rows."""
    service = np.asarray(claims["service_date"], dtype="datetime64[ns]")
    code = np.where(pos >= 0, member_code[pos], -1)
    sel = code >= 0
    idx, code = idx[sel], code[sel]
    day = _days(service[idx])
    oop = _float(claims["out_of_pocket"])[idx]
    kind = _enum_codes(claims["kind"], CLAIM_KINDS)[idx]
    dx = _enum_codes(claims["diagnosis_group"], DIAGNOSIS_GROUPS)[idx]
    recent = day > ctx.day - 91
    inpatient = kind == 0
    oop12 = ctx.count(code, oop)
    annual_income = monthly_income_12m * 12.0
    out = {
        "oop_3m": ctx.count(code[recent], oop[recent]),
        "oop_12m": oop12,
        "inpatient_stays_12m": ctx.count(code[inpatient]),
        "inpatient_oop_12m": ctx.count(code[inpatient], oop[inpatient]),
        "chronic_outpatient_oop_12m": ctx.count(code[kind == 1], oop[kind == 1]),
    }
    by_dx = ctx.count_by(code, dx, len(DIAGNOSIS_GROUPS))
    for g in CLAIM_DX:
        out[f"dx_{g}_12m"] = by_dx[:, DIAGNOSIS_GROUPS.index(g)]
    decayed = oop * _decay(ctx, day)
    out["medical_burden_pc"] = _div(ctx.count(code, decayed), size)
    out["oop_income_ratio_12m"] = _div(oop12, annual_income, ok=annual_income > 0)
    out["oop_line_ratio_12m"] = _div(oop12, size * ctx.line)
    return out


def _decay(ctx: _AsOf, day: np.ndarray) -> np.ndarray:
    """Weight of a burden dated ``day`` in the resources at t (halves every ``BURDEN_HALF_LIFE_DAYS``)."""
    return 0.5 ** ((ctx.day - day) / BURDEN_HALF_LIFE_DAYS)


def _events(ctx: _AsOf, events: Columns, members: Columns, size: np.ndarray) -> dict[str, np.ndarray]:
    n = ctx.n
    idx, code = ctx.rows_of(events["household_id"], events["reported_on"] <= ctx.t)
    etype = _enum_codes(events["event_type"], EVENT_TYPES)[idx]
    day = _days(events["event_date"])[idx]
    severity = _float(events["severity"])[idx]
    loss = _float(events["loss_amount"])[idx]
    loss = np.where(np.isnan(loss), 0.0, loss)  # validated values are finite: only NaN to replace
    recent = day > ctx.day - 365
    has_member = ~missing(events["member_id"])[idx]
    member_pos = np.full(len(idx), -1, dtype=np.int64)
    if has_member.any():
        member_pos[has_member] = positions_at(events["member_id"], idx[has_member], members["member_id"])
    n_members = len(members)

    def distinct_members(mask: np.ndarray) -> np.ndarray:
        """Members with such an event; an event naming no (known) member counts on its own."""
        named = mask & (member_pos >= 0)
        return (_distinct_count(n, code[named], member_pos[named], n_members)
                + ctx.count(code[mask & (member_pos < 0)]))

    def is_(name: str) -> np.ndarray:
        return etype == EVENT_TYPES.index(name)

    dis = is_("disability_certified")
    out = {
        "chronic_registered_members": distinct_members(is_("chronic_registered")),
        "disabled_members": distinct_members(dis),
        "disability_grade_min": _group_extreme(n, code[dis], severity[dis], np.minimum),
    }
    recent_by_type = ctx.count_by(code[recent], etype[recent], len(EVENT_TYPES))
    out["disability_certified_12m"] = recent_by_type[:, EVENT_TYPES.index("disability_certified")]
    for name, etype_name in EVENT_COUNTS.items():
        out[name] = recent_by_type[:, EVENT_TYPES.index(etype_name)]
    dis12 = recent & is_("disaster")
    out["disaster_severity_max_12m"] = _group_extreme(n, code[dis12], severity[dis12], np.maximum)
    out["event_loss_12m"] = ctx.count(code[recent], loss[recent])
    decayed = loss * _decay(ctx, day)
    for kind in ("disaster", "accident"):
        sel = recent & is_(kind)
        out[f"{kind}_loss_pc"] = _div(ctx.count(code[sel], decayed[sel]), size)
    adverse = ~enum_lookup(EVENT_TYPES, NOT_ADVERSE)[etype]
    out["days_since_adverse_event"] = ctx.day - _group_extreme(n, code[adverse], day[adverse], np.maximum)
    return out


def _assistance(ctx: _AsOf, assistance: Columns, size: np.ndarray) -> dict[str, np.ndarray]:
    n = ctx.n
    idx, code = ctx.rows_of(assistance["household_id"], assistance["reported_on"] <= ctx.t)
    prog = _enum_codes(assistance["program"], PROGRAMS)[idx]
    start = _days(assistance["start_date"])[idx]
    end = _days(assistance["end_date"])[idx]
    amount = _float(assistance["monthly_amount"])[idx]
    ended = end <= ctx.day  # an end after t is not known at t
    recurring = ~enum_lookup(PROGRAMS, ONE_OFF_PROGRAMS)[prog]
    active = recurring & ~ended

    active_by_program = ctx.count_by(code[active], prog[active], len(PROGRAMS)) > 0

    def on(*names: str) -> np.ndarray:
        return active_by_program[:, [PROGRAMS.index(p) for p in names]].any(axis=1).astype(np.float64)

    dibao_active = on("dibao")
    dibao_end = ended & (prog == PROGRAMS.index("dibao"))
    since_dibao = ctx.day - _group_extreme(n, code[dibao_end], end[dibao_end], np.maximum)
    since_dibao[dibao_active > 0] = np.nan
    one_off = ~recurring & (start > ctx.day - 365)
    monthly = ctx.count(code[active], amount[active])
    dibao_new = (prog == PROGRAMS.index("dibao")) & (start > ctx.day - 365) & (start <= ctx.day)
    return {
        "dibao_started_12m": (ctx.count(code[dibao_new]) > 0).astype(np.float64),
        "recurring_assistance_pc": _div(12.0 * monthly, size),
        "dibao_active": dibao_active,
        "tekun_active": on("tekun"),
        "assistance_programs_active": active_by_program.sum(axis=1).astype(np.float64),
        "assistance_monthly_active": monthly,
        "dibao_ended_12m": (since_dibao < 365).astype(np.float64),
        "days_since_dibao_ended": since_dibao,
        "assistance_ended_6m": ctx.count(code[recurring & ended & (end > ctx.day - 182)]),
        "one_off_relief_12m": ctx.count(code[one_off], amount[one_off]),
        "public_job_active": on("public_job"),
        "disability_subsidy_active": on("disability_living", "disability_care"),
        "education_aid_active": on("education_aid"),
        "industry_dividend_active": on("industry_dividend"),
    }


def _history(ctx: _AsOf, monitoring: Columns) -> dict[str, np.ndarray]:
    n = ctx.n
    elim = _days(monitoring["eliminated_on"])
    keep = (monitoring["reported_on"] <= ctx.t) & (elim <= ctx.day)
    idx, code = ctx.rows_of(monitoring["household_id"], keep)
    elim = elim[idx]
    return {
        "monitored_before": ctx.count(code),
        "days_since_eliminated": ctx.day - _group_extreme(n, code, elim, np.maximum),
    }


def _static(ctx: _AsOf, hh: Columns, rows: np.ndarray | None) -> dict[str, np.ndarray]:
    """Household-row features of the eligible rows (``rows``; None: every row)."""
    out = {
        "alleviated": equals(hh["household_type"], "alleviated").astype(np.float64),
        "poverty_exit_year": _float(hh["poverty_exit_year"]),
        "relocated": _float(hh["relocated"]),
        "days_registered": ctx.day - _days(hh["registered_on"]),
    }
    return out if rows is None else {name: v[rows] for name, v in out.items()}


def build_features(panel: Panel, as_of) -> pd.DataFrame:
    """One row per eligible household at ``as_of``: household_id, region_code, then the features.

    Only what ``panel.as_of(as_of)`` shows is used; a household without any history gets a
    row of zeros and NaN. Rows are sorted by household_id; feature columns are float64 in
    ``feature_names()`` order.
    """
    fa = feature_arrays(panel, as_of)
    out = pd.DataFrame(fa.values, columns=fa.names, copy=False)
    out.insert(0, "region_code", fa.region_code)
    out.insert(0, "household_id", fa.household_id)
    return out


@dataclass(frozen=True)
class FeatureArrays:
    """``build_features`` before it becomes a frame: ids, region codes and the float matrix."""

    household_id: object   # Arrow string array, sorted
    region_code: object
    values: np.ndarray     # (households × features), column-major, columns ``names``
    names: list[str]


def _release(ctx: _AsOf) -> None:
    """Arrow's freed memory back to the OS between stages of a large panel (not one household's: it costs µs)."""
    if ctx.n > LARGE_PANEL:
        release_arrow_memory()


_LAYOUTS: dict[tuple[str, ...], tuple[dict[str, int], frozenset[str]]] = {}


def _layout(names: list[str]) -> tuple[dict[str, int], frozenset[str]]:
    """Each feature's column and the set of names, made once per list of names (not once per household)."""
    key = tuple(names)
    hit = _LAYOUTS.get(key)
    if hit is None:
        hit = _LAYOUTS[key] = ({name: j for j, name in enumerate(names)}, frozenset(names))
    return hit


def feature_arrays(panel: Panel, as_of) -> FeatureArrays:
    """``build_features`` as arrays (scoring reads the matrix as is; a frame costs more than one household)."""
    t = pd.Timestamp(as_of)
    if t.tzinfo is not None:
        raise ValueError(f"as_of must be a date without time zone, got {as_of!r}")
    hh = panel.columns("households")
    rows = eligible_rows(panel, t)
    ids, regions = hh["household_id"], hh["region_code"]
    if rows is not None:
        ids, regions = ids[rows], regions[rows]
    ctx = _as_of(panel, t, ids)
    names = feature_names()
    column, known = _layout(names)
    # One block, column-major, filled stage by stage: each stage's columns are freed once copied,
    # so the stages' outputs never exist twice (at 1M households the matrix is 0.6 GB).
    values = np.empty((ctx.n, len(names)), dtype=np.float64, order="F")
    computed: list[str] = []

    def put(part: dict[str, np.ndarray]) -> None:
        if not known.issuperset(part):
            raise RuntimeError(f"features.yaml and the pipeline disagree: only computed {sorted(set(part) - known)}")
        for name, v in part.items():
            values[:, column[name]] = v
        computed.extend(part)
        _release(ctx)

    members, claims = panel.columns("members"), panel.columns("medical_claims")
    claim_rows, claim_member = _claim_members(ctx, claims, members)
    _release(ctx)
    part, member_code = _members(ctx, members, panel.columns("member_status"))
    size = part["hh_size"]
    put(part)
    part, monthly_12m = _income(ctx, panel.columns("income"), size)
    put(part)
    put(_medical(ctx, claims, claim_rows, claim_member, member_code, size, monthly_12m))
    del part, member_code, monthly_12m, claim_rows, claim_member
    put(_events(ctx, panel.columns("events"), members, size))
    put(_assistance(ctx, panel.columns("assistance"), size))
    put(_history(ctx, panel.columns("monitoring")))
    put(_static(ctx, hh, rows))
    put(resources({name: values[:, column[name]] for name in RESOURCE_INPUTS}, ctx.line, t.month))
    if len(computed) != len(names) or set(computed) != known:  # names are unique: the same as comparing sorted lists
        twice = sorted({c for c in computed if computed.count(c) > 1})
        raise RuntimeError(f"features.yaml and the pipeline disagree: only in yaml {sorted(known - set(computed))}, "
                           f"computed twice {twice}")
    return FeatureArrays(ids, regions, values, list(names))
