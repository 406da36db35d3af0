"""Contract rules: coerce raw columns to their types and check every rule, vectorised.

Each problem names table, row (1-based data row of the file: row 1 is the line after the CSV
header), column, value and rule id, so that an office can find and fix the record. Rows that
fail a type rule are left out of later cross-column rules (their value is unknown) but never
silently dropped: loading fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.contract.columns import ID_DTYPE, Columns, as_columns, equals, first_codes, missing, positions
from riskmodel.contract.schema import (
    ONE_OFF_PROGRAMS,  # noqa: F401  (re-exported for callers of the rules)
    RISK_TYPES,
    RULES,
    TABLES,
    Column,
    Table,
)

#: Examples kept per (table, column, rule); the rest are counted.
EXAMPLES_PER_RULE = 20
DATETIME_DTYPE = "datetime64[ns]"
#: Largest integer a float holds exactly; bigger "integers" are type errors, not overflows.
_INT_LIMIT = 2**53
#: The shape of an 18-character resident ID number (居民身份证号码): region, birth date, sequence, check.
RESIDENT_ID_PATTERN = r"[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_TRUE = ("true", "1", "yes", "t", "y", "是")
_FALSE = ("false", "0", "no", "f", "n", "否")
_RISK_CODE = "(?:" + "|".join(RISK_TYPES) + ")"
_RISK_TYPES_PATTERN = rf"\s*{_RISK_CODE}\s*(?:;\s*{_RISK_CODE}\s*)*"


@dataclass(frozen=True)
class Problem:
    table: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str = ""

    def __str__(self) -> str:
        where = self.table
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = "" if self.value is None else f", value {self.value!r}"
        text = self.message or RULES[self.rule].text
        return f"{where}{value}: [{self.rule}] {text}"

    def as_dict(self) -> dict:
        return {
            "table": self.table, "row": self.row, "column": self.column, "value": self.value,
            "rule": self.rule, "message": self.message or RULES[self.rule].text,
        }


@dataclass
class Problems:
    """Collects problems, keeping a few examples of each (table, column, rule) and counting all."""

    examples: list[Problem] = field(default_factory=list)
    counts: dict[tuple[str, str | None, str], int] = field(default_factory=dict)

    def add(self, p: Problem) -> None:
        key = (p.table, p.column, p.rule)
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        if n < EXAMPLES_PER_RULE:
            self.examples.append(p)

    def extend(self, other: Problems) -> None:
        """Merge another collection (keeps its counts, not only its examples)."""
        for key, n in other.counts.items():
            have = self.counts.get(key, 0)
            theirs = [p for p in other.examples if (p.table, p.column, p.rule) == key]
            self.examples.extend(theirs[: max(0, EXAMPLES_PER_RULE - have)])
            self.counts[key] = have + n

    def add_rows(
        self, table: str, column: str | None, rule: str, mask: pd.Series | np.ndarray,
        values: pd.Series | None, message: str = "",
    ) -> None:
        """Record one problem per True in ``mask`` (row positions are 0-based)."""
        mask = np.asarray(mask, dtype=bool)
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        key = (table, column, rule)
        n = self.counts.get(key, 0)
        self.counts[key] = n + int(idx.size)
        room = max(0, EXAMPLES_PER_RULE - n)
        if values is not None and not hasattr(values, "iloc"):  # a column array (``Columns``)
            values = pd.Series(values)
        for i in idx[:room]:
            value = None if values is None else _show(values.iloc[i])
            self.examples.append(Problem(table, int(i) + 1, column, value, rule, message))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rules(self) -> set[str]:
        """Ids of the rules broken."""
        return {rule for (_t, _c, rule) in self.counts}

    def __bool__(self) -> bool:
        return self.total > 0

    def summary_lines(self) -> list[str]:
        """One line per example, each group followed by how many more rows break its rule."""
        groups: dict[tuple[str, str | None, str], list[Problem]] = {}
        for p in self.examples:
            groups.setdefault((p.table, p.column, p.rule), []).append(p)
        lines = []
        for key, shown in groups.items():
            lines.extend(str(p) for p in shown)
            more = self.counts.get(key, len(shown)) - len(shown)
            if more > 0:
                table, column, rule = key
                col = f", column {column}" if column else ""
                lines.append(f"{table}{col}: [{rule}] … and {more:,} more rows break this rule")
        return lines


class ContractError(ValueError):
    """Input data breaks the contract; ``problems`` lists where and which rule."""

    def __init__(self, problems: Problems):
        self.problems = problems
        lines = problems.summary_lines()
        shown = "\n".join(f"  - {line}" for line in lines[:50])
        more = f"\n  … and {len(lines) - 50} more lines" if len(lines) > 50 else ""
        super().__init__(f"input data breaks the contract ({problems.total} problems):\n{shown}{more}")


def _show(v: object) -> str | None:
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < _INT_LIMIT:
        return str(int(v))  # 50000, not 50000.0: as the office typed it
    return str(v)


def _is_string_like(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype) or (
        isinstance(s.dtype, pd.ArrowDtype) and "string" in str(s.dtype)
    )


def _as_text(s: pd.Series) -> pd.Series:
    """Stripped ``string[pyarrow]`` text of any raw column; empty cells become <NA>."""
    text = s if s.dtype == ID_DTYPE else s.astype(ID_DTYPE)
    text = text.str.strip()
    return text.mask(text == "", pd.NA)


def _fullmatch(text: pd.Series, pattern: str) -> np.ndarray:
    return text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _isin(s, values) -> np.ndarray:
    """``s.isin(values)`` as a bool array; NA is never in.

    pandas 2.x loops in Python over ``values`` for pyarrow strings, which takes seconds for
    a reference table of 100k ids; Arrow's hash lookup takes milliseconds.
    """
    if s.dtype == ID_DTYPE:
        return positions(s, values) >= 0  # missing → -1 → False
    s = pd.Series(s, copy=False)
    return s.isin(values).to_numpy(dtype=bool) & s.notna().to_numpy()


def _repeated(codes: np.ndarray) -> np.ndarray:
    """Rows whose (non-missing) code appeared in an earlier row: ``duplicated(keep="first")``.

    ``first_codes`` numbers values in order of first appearance, so a row repeats an earlier
    value exactly when its code is at most the largest code before it.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return (codes >= 0) & (codes <= before)


def _key_codes(df: Columns, key: list[str]) -> np.ndarray:
    """Codes of the combination of the ``key`` columns, -1 where any of them is missing."""
    combined = np.zeros(len(df), dtype=np.int64)
    missing = np.zeros(len(df), dtype=bool)
    span = 1
    for name in key:
        c = first_codes(df[name])
        missing |= c < 0
        width = int(c.max(initial=-1)) + 2
        if span * width >= 2**62:  # renumber before the product could overflow
            combined, span = first_codes(combined), len(df) + 1
        combined = combined * width + (c + 1)
        span *= width
    out = first_codes(combined)
    out[missing] = -1
    return out


def _values(s) -> np.ndarray:
    """A typed column as numpy, missing as NaN/NaT (so comparisons with a missing value are False)."""
    if isinstance(s.dtype, pd.Int64Dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(s)


def _to_float(raw: pd.Series) -> pd.Series:
    """Numbers from text or numeric columns; anything unparsable becomes NaN."""
    if raw.dtype == ID_DTYPE:
        try:  # fast path: every cell a plain number (or empty)
            values = pc.cast(pa.array(raw.array), pa.float64()).to_numpy(zero_copy_only=False)
            return pd.Series(values, index=raw.index)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    num = pd.to_numeric(raw, errors="coerce")
    return pd.Series(np.asarray(num.astype("float64"), dtype=float), index=raw.index)


def missing_columns(table: Table, columns: Collection[str]) -> list[str]:
    """Required columns of ``table`` that a file does not have."""
    return [c.name for c in table.columns if c.required and c.name not in columns]


def _parse_dates(text: pd.Series, kind: str) -> pd.Series:
    """Strict ISO parsing (``YYYY-MM-DD`` or ``YYYY-MM``), once per distinct value.

    Date columns repeat few values over millions of rows, so parsing the distinct strings
    and mapping back is far faster than parsing every cell.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    fmt, pattern = ("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}") if kind == "date" else ("%Y-%m", r"\d{4}-\d{2}")
    u = pd.Series(uniques, dtype=ID_DTYPE)
    parsed = pd.to_datetime(u.astype(object), format=fmt, errors="coerce")
    # pandas parses "2024-1-5"; the contract asks for ISO with leading zeros
    parsed = parsed.where(_fullmatch(u, pattern)).astype(DATETIME_DTYPE)
    values = parsed.to_numpy()
    out = np.full(len(codes), np.datetime64("NaT"), dtype=DATETIME_DTYPE)
    known = codes >= 0
    out[known] = values[codes[known]]
    return pd.Series(out, index=text.index)


def coerce_column(table: Table, col: Column, s: pd.Series, problems: Problems) -> pd.Series:
    """Convert one raw column to its contract type; record empties and type errors."""
    kind = col.kind
    name = table.name
    if _is_string_like(s) or kind in ("id", "str", "region_code", "enum"):
        text = _as_text(s)
        empty = text.isna().to_numpy()
    else:
        text = None
        empty = s.isna().to_numpy()
    if not col.nullable and col.default is None:
        problems.add_rows(name, col.name, "required", empty, s)
    ok = ~empty

    if kind in ("id", "str", "region_code", "enum"):
        out = text
        if kind == "id":
            looks_like_id_number = _fullmatch(out, RESIDENT_ID_PATTERN)
            # the value itself is personal data: never echo it
            problems.add_rows(name, col.name, "pseudonymous_id", looks_like_id_number, None,
                              "looks like a resident ID number (value not shown)")
        if kind == "region_code":
            bad = ok & ~_fullmatch(out, r"\d{12}")
            problems.add_rows(name, col.name, "region_code", bad, s, "expected 12 digits")
        if kind == "enum":
            bad = ok & ~_isin(out, col.values)
            problems.add_rows(name, col.name, "allowed_values", bad, s,
                              f"allowed: {', '.join(col.values)}")
            out = pd.Series(pd.Categorical(out.where(~bad), categories=list(col.values)),
                            index=s.index)
        return out

    if kind in ("date", "month"):
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
            out = out.astype(DATETIME_DTYPE)
            if kind == "date":
                # a timestamp with a time of day is not a date
                out = out.where(out.dt.normalize() == out)
        else:
            out = _parse_dates(text if text is not None else _as_text(s), kind)
        if kind == "month":
            out = out.dt.to_period("M").dt.to_timestamp().astype(DATETIME_DTYPE)
        bad = ok & out.isna().to_numpy()
        problems.add_rows(
            name, col.name, "type", bad, s,
            "expected a date YYYY-MM-DD" if kind == "date" else "expected a month YYYY-MM",
        )
        return out

    if kind in ("float", "int"):
        num = _to_float(text if text is not None else s)
        arr = num.to_numpy()
        finite = np.isfinite(arr)
        bad = ok & ~finite
        if kind == "int":
            bad |= ok & finite & ((np.mod(np.where(finite, arr, 0), 1) != 0) | (np.abs(np.where(finite, arr, 0)) > _INT_LIMIT))
        problems.add_rows(name, col.name, "type", bad, s,
                          f"expected {'an integer' if kind == 'int' else 'a number'}")
        num = num.where(~bad & ok)
        if col.min is not None:
            problems.add_rows(name, col.name, "min", (num < col.min).to_numpy(), s, f"must be ≥ {col.min:g}")
        if col.max is not None:
            problems.add_rows(name, col.name, "max", (num > col.max).to_numpy(), s, f"must be ≤ {col.max:g}")
        if kind == "int":
            return num.round().astype("Int64")
        return num.astype("float64")

    if kind == "bool":
        if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            return s.astype(bool)
        if text is None:
            text = _as_text(s)
        lower = text.str.lower()
        true = _isin(lower, _TRUE)
        bad = ok & ~true & ~_isin(lower, _FALSE)
        problems.add_rows(name, col.name, "type", bad, s, "expected true/false")
        return pd.Series(np.where(ok & ~bad, true, bool(col.default)), index=s.index, dtype=bool)
    raise AssertionError(f"unknown column kind {kind}")


def coerce_table(table: Table, raw: pd.DataFrame, problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """Typed frame with exactly the contract's columns, and the names of ignored extra columns.

    A table missing a required column loads as an empty frame (its rows cannot be checked);
    callers treat it as unusable for cross-table rules (see ``missing_columns``).
    """
    raw = raw.reset_index(drop=True)
    missing = missing_columns(table, raw.columns)
    for name in missing:
        problems.add(Problem(table.name, None, name, None, "missing_column",
                             f"required column {name!r} is missing"))
    extra = [str(c) for c in raw.columns if c not in table.names]
    if missing:
        return empty_frame(table), extra
    out = {}
    for col in table.columns:
        if col.name in raw.columns:
            out[col.name] = coerce_column(table, col, raw[col.name], problems)
        else:
            out[col.name] = _default_series(col, len(raw))
    return pd.DataFrame(out, index=raw.index), extra


def _default_series(col: Column, n: int) -> pd.Series:
    if col.default is not None:
        return pd.Series([col.default] * n, dtype=_dtype(col))
    return empty_frame(Table("_", "", (col,)))[col.name].reindex(range(n))


def _dtype(col: Column):
    return {
        "id": ID_DTYPE, "str": ID_DTYPE, "region_code": ID_DTYPE,
        "enum": pd.CategoricalDtype(list(col.values)),
        "date": DATETIME_DTYPE, "month": DATETIME_DTYPE,
        "float": "float64", "int": "Int64", "bool": bool,
    }[col.kind]


def empty_frame(table: Table) -> pd.DataFrame:
    """A typed frame with no rows: what a missing optional table loads as."""
    return pd.DataFrame({c.name: pd.Series([], dtype=_dtype(c)) for c in table.columns})


def check_tables(
    frames: dict[str, pd.DataFrame | Columns], problems: Problems, *, today: dt.date | None = None,
    unusable: Collection[str] = (),
) -> None:
    """Uniqueness, references and the cross-column rules over typed frames.

    ``unusable`` names tables that could not be read or lack required columns: rules that
    look across into them are skipped, so one broken file gives one problem, not thousands.
    """
    year = (today or dt.date.today()).year
    usable = {name for name in frames if name not in unusable}
    frames = {name: as_columns(df) for name, df in frames.items()}
    for name, df in frames.items():
        if not len(df):  # nothing to check (and pandas costs add up over many small empty tables)
            continue
        table = TABLES[name]
        for col in table.columns:
            if col.unique and col.name in df:
                problems.add_rows(name, col.name, "unique", _repeated(first_codes(df[col.name])), df[col.name],
                                  "duplicate identifier")
            if col.references and col.name in df:
                ref_table, ref_col = col.references
                if ref_table in usable:
                    bad = ~missing(df[col.name]) & ~_isin(df[col.name], frames[ref_table][ref_col])
                    problems.add_rows(name, col.name, "references", bad, df[col.name],
                                      f"not found in {ref_table}.{ref_col}")
        if table.key:
            key = list(table.key)
            problems.add_rows(name, ",".join(key), "key_unique", _repeated(_key_codes(df, key)), None,
                              f"({', '.join(key)}) appears twice")
        if table.event_date and "reported_on" in df:
            event = _values(df[table.event_date])
            reported = _values(df["reported_on"])
            if name == "income":
                month_end = (event.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
                problems.add_rows(name, "reported_on", "reported_after_month_end",
                                  reported < month_end.astype(reported.dtype), df["reported_on"],
                                  "reported_on is before the last day of month")
            else:
                problems.add_rows(name, "reported_on", "reported_after_event", reported < event, df["reported_on"],
                                  f"reported_on is before {table.event_date}")

    hh = frames.get("households")
    if hh is not None and len(hh):
        bad = equals(hh["household_type"], "alleviated") & missing(hh["poverty_exit_year"])
        problems.add_rows("households", "poverty_exit_year", "exit_year_if_alleviated", bad,
                          hh["poverty_exit_year"])

    mem = frames.get("members")
    if mem is not None and len(mem):
        problems.add_rows("members", "birth_year", "birth_year_future", _values(mem["birth_year"]) > year,
                          mem["birth_year"], f"birth_year is after {year}")
        problems.add_rows("members", "left_on", "left_after_joined",
                          _values(mem["left_on"]) < _values(mem["joined_on"]), mem["left_on"],
                          "left_on is before joined_on")
        bad = ~missing(mem["left_on"]) & missing(mem["left_reason"])
        problems.add_rows("members", "left_reason", "left_reason_with_left_on", bad, mem["left_reason"])
    if hh is not None and len(hh) and mem is not None and {"households", "members"} <= usable:
        head = equals(mem["relation"], "head")
        where = positions(mem["household_id"], hh["household_id"])
        per_first = np.bincount(where[head & (where >= 0)], minlength=len(hh))[: len(hh)]
        # every households row gets the count of its id (a repeated id is the unique rule's problem)
        first = positions(hh["household_id"], hh["household_id"])
        n_heads = np.where(first >= 0, per_first[np.maximum(first, 0)], 0)
        problems.add_rows("households", "household_id", "one_head", n_heads == 0, hh["household_id"],
                          "no member of this household has relation 'head' (exactly one must)")
        problems.add_rows("households", "household_id", "one_head", n_heads > 1, hh["household_id"],
                          "more than one member of this household has relation 'head'")

    claims = frames.get("medical_claims")
    if claims is not None and len(claims):
        total, reimbursed, oop = (_values(claims[c]) for c in ("total_cost", "reimbursed", "out_of_pocket"))
        with np.errstate(invalid="ignore"):
            gap = np.abs(total - reimbursed - oop)
        problems.add_rows("medical_claims", "out_of_pocket", "cost_balance", gap > 1,
                          claims["out_of_pocket"], "total_cost ≠ reimbursed + out_of_pocket (±1 yuan)")
        problems.add_rows("medical_claims", "reimbursed", "reimbursed_le_total", reimbursed > total,
                          claims["reimbursed"], "reimbursed is more than total_cost")

    ast = frames.get("assistance")
    if ast is not None and len(ast):
        problems.add_rows("assistance", "end_date", "end_after_start",
                          _values(ast["end_date"]) < _values(ast["start_date"]), ast["end_date"],
                          "end_date is before start_date")

    if mem is not None and "members" in usable:
        owners = None  # each member's household id, as the position of its first members row
        for name in ("assistance", "events"):
            df = frames.get(name)
            if df is None or not len(df):
                continue
            if owners is None:
                owners = positions(mem["household_id"], mem["household_id"])
            # the first members row of each member id is its household (like drop_duplicates)
            at = positions(df["member_id"], mem["member_id"])
            theirs = positions(df["household_id"], mem["household_id"])
            bad = (at >= 0) & ~missing(df["household_id"])
            bad[bad] = owners[at[bad]] != theirs[bad]
            problems.add_rows(name, "member_id", "member_in_household", bad, df["member_id"],
                              "member belongs to another household")

    mon = frames.get("monitoring")
    if mon is not None and len(mon):
        codes = pd.Series(mon["risk_types"], copy=False)
        bad = codes.notna().to_numpy() & ~_fullmatch(codes, _RISK_TYPES_PATTERN)
        problems.add_rows("monitoring", "risk_types", "risk_type_codes", bad, codes,
                          f"expected ';'-separated codes from: {', '.join(RISK_TYPES)}")
        problems.add_rows("monitoring", "eliminated_on", "eliminated_after_identified",
                          _values(mon["eliminated_on"]) < _values(mon["identified_on"]), mon["eliminated_on"],
                          "eliminated_on is before identified_on")
