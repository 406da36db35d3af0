"""Contract rules: coerce raw columns to their types and check every rule, vectorised.

Each problem names table, row (1-based data row of the file), column, value and rule id, so
that an office can find and fix the record. Rows that fail a type rule are left out of later
cross-column rules (their value is unknown) but never silently dropped: loading fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
ID_DTYPE = pd.StringDtype("pyarrow")
DATETIME_DTYPE = "datetime64[ns]"


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
        for i in idx[:room]:
            value = None if values is None else _show(values.iloc[i])
            self.examples.append(Problem(table, int(i) + 1, column, value, rule, message))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return self.total > 0

    def summary_lines(self) -> list[str]:
        lines = [str(p) for p in self.examples]
        for (table, column, rule), n in self.counts.items():
            if n > EXAMPLES_PER_RULE:
                col = f", column {column}" if column else ""
                lines.append(f"{table}{col}: [{rule}] {n - EXAMPLES_PER_RULE} more rows break this rule")
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
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return str(v)


def _is_string_like(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype) or (
        isinstance(s.dtype, pd.ArrowDtype) and "string" in str(s.dtype)
    )


def _empty(s: pd.Series) -> np.ndarray:
    na = s.isna().to_numpy()
    if _is_string_like(s):
        as_str = s.astype(ID_DTYPE)
        blank = (as_str.str.strip() == "").fillna(False).to_numpy(dtype=bool)
        return na | blank
    return na


def coerce_column(table: Table, col: Column, s: pd.Series, problems: Problems) -> pd.Series:
    """Convert one raw column to its contract type; record empties and type errors."""
    empty = _empty(s)
    if not col.nullable and col.default is None:
        problems.add_rows(table.name, col.name, "required", empty, s)
    ok = ~empty
    kind = col.kind
    if kind in ("id", "str", "region_code", "enum"):
        out = s.astype(ID_DTYPE).str.strip()
        out = out.mask(empty, pd.NA)
        if kind == "region_code":
            bad = ok & ~out.str.fullmatch(r"\d{12}").fillna(False).to_numpy(dtype=bool)
            problems.add_rows(table.name, col.name, "region_code", bad, s)
        if kind == "enum":
            bad = ok & ~out.isin(col.values).to_numpy(dtype=bool)
            problems.add_rows(
                table.name, col.name, "allowed_values", bad, s,
                f"allowed: {', '.join(col.values)}",
            )
            out = pd.Series(pd.Categorical(out.where(~bad), categories=list(col.values)), index=s.index)
        return out
    if kind in ("date", "month"):
        fmt = "%Y-%m-%d" if kind == "date" else "%Y-%m"
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = pd.to_datetime(s).dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
            out = out.astype(DATETIME_DTYPE)
        else:
            text = s.astype(ID_DTYPE).str.strip()
            out = pd.to_datetime(text.astype(object), format=fmt, errors="coerce")
            # pandas parses "2024-1-5"; the contract asks for ISO with leading zeros
            pattern = r"\d{4}-\d{2}-\d{2}" if kind == "date" else r"\d{4}-\d{2}"
            strict = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
            out = out.where(strict).astype(DATETIME_DTYPE)
        if kind == "month":
            out = out.dt.to_period("M").dt.to_timestamp().astype(DATETIME_DTYPE)
        bad = ok & out.isna().to_numpy()
        problems.add_rows(
            table.name, col.name, "type", bad, s,
            "expected a date YYYY-MM-DD" if kind == "date" else "expected a month YYYY-MM",
        )
        return out
    if kind in ("float", "int"):
        num = pd.to_numeric(s.mask(pd.Series(empty, index=s.index)), errors="coerce")
        bad = ok & num.isna().to_numpy()
        if kind == "int":
            frac = ok & ~bad & (np.mod(num.fillna(0).to_numpy(dtype=float), 1) != 0)
            bad = bad | frac
        problems.add_rows(table.name, col.name, "type", bad, s, f"expected {'an integer' if kind == 'int' else 'a number'}")
        num = num.where(~pd.Series(bad, index=s.index))
        if col.min is not None:
            problems.add_rows(table.name, col.name, "min", (num < col.min).fillna(False).to_numpy(dtype=bool), s, f"must be ≥ {col.min:g}")
        if col.max is not None:
            problems.add_rows(table.name, col.name, "max", (num > col.max).fillna(False).to_numpy(dtype=bool), s, f"must be ≤ {col.max:g}")
        if kind == "int":
            return num.round().astype("Int64")
        return num.astype("float64")
    if kind == "bool":
        if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            return s.astype(bool)
        text = s.astype(ID_DTYPE).str.strip().str.lower()
        mapping = {"true": True, "1": True, "yes": True, "t": True, "y": True, "是": True,
                   "false": False, "0": False, "no": False, "f": False, "n": False, "否": False}
        out = text.map(mapping)
        bad = ok & out.isna().to_numpy()
        problems.add_rows(table.name, col.name, "type", bad, s, "expected true/false")
        return out.fillna(bool(col.default)).astype(bool)
    raise AssertionError(f"unknown column kind {kind}")


def coerce_table(table: Table, raw: pd.DataFrame, problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """Typed frame with exactly the contract's columns, and the names of ignored extra columns."""
    raw = raw.reset_index(drop=True)
    missing = [c.name for c in table.columns if c.required and c.name not in raw.columns]
    for name in missing:
        problems.add(Problem(table.name, None, name, None, "missing_column", f"required column {name!r} is missing"))
    extra = [c for c in raw.columns if c not in table.names]
    out = {}
    for col in table.columns:
        if col.name in raw.columns:
            out[col.name] = coerce_column(table, col, raw[col.name], problems)
        elif col.name not in missing:
            out[col.name] = _default_series(col, len(raw))
    if missing:
        return empty_frame(table), extra
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


def check_tables(frames: dict[str, pd.DataFrame], problems: Problems, *, today: dt.date | None = None) -> None:
    """Uniqueness, references and the cross-column rules over typed frames."""
    year = (today or dt.date.today()).year
    for name, df in frames.items():
        table = TABLES[name]
        for col in table.columns:
            if col.unique and col.name in df:
                dup = df[col.name].duplicated(keep="first") & df[col.name].notna()
                problems.add_rows(name, col.name, "unique", dup, df[col.name], "duplicate identifier")
            if col.references and col.name in df:
                ref_table, ref_col = col.references
                if ref_table in frames:
                    known = frames[ref_table][ref_col].dropna()
                    bad = df[col.name].notna() & ~df[col.name].isin(known)
                    problems.add_rows(name, col.name, "references", bad, df[col.name], f"not found in {ref_table}.{ref_col}")
        if table.key and len(df):
            dup = df.duplicated(list(table.key), keep="first") & df[list(table.key)].notna().all(axis=1)
            problems.add_rows(name, ",".join(table.key), "key_unique", dup, None, f"({', '.join(table.key)}) appears twice")
        if table.event_date and "reported_on" in df and len(df):
            event = df[table.event_date]
            if name == "income":
                month_end = event + pd.offsets.MonthEnd(0)
                bad = (df["reported_on"] < month_end).fillna(False)
                problems.add_rows(name, "reported_on", "reported_after_month_end", bad, df["reported_on"])
            else:
                bad = (df["reported_on"] < event).fillna(False)
                problems.add_rows(name, "reported_on", "reported_after_event", bad, df["reported_on"], f"reported_on is before {table.event_date}")

    hh = frames.get("households")
    if hh is not None and len(hh):
        bad = (hh["household_type"] == "alleviated").fillna(False) & hh["poverty_exit_year"].isna()
        problems.add_rows("households", "poverty_exit_year", "exit_year_if_alleviated", bad, hh["poverty_exit_year"])

    mem = frames.get("members")
    if mem is not None and hh is not None:
        problems.add_rows("members", "birth_year", "birth_year_future", (mem["birth_year"] > year).fillna(False), mem["birth_year"], f"after {year}")
        bad = (mem["left_on"] < mem["joined_on"]).fillna(False)
        problems.add_rows("members", "left_on", "left_after_joined", bad, mem["left_on"])
        bad = mem["left_on"].notna() & mem["left_reason"].isna()
        problems.add_rows("members", "left_reason", "left_reason_with_left_on", bad, mem["left_reason"])
        heads = mem.loc[(mem["relation"] == "head").fillna(False), "household_id"].value_counts()
        n_heads = hh["household_id"].map(heads).fillna(0).astype(int)
        problems.add_rows("households", "household_id", "one_head", (n_heads != 1).to_numpy(), hh["household_id"],
                          "household must have exactly one member with relation 'head'")

    claims = frames.get("medical_claims")
    if claims is not None and len(claims):
        gap = (claims["total_cost"] - claims["reimbursed"] - claims["out_of_pocket"]).abs()
        problems.add_rows("medical_claims", "out_of_pocket", "cost_balance", (gap > 1).fillna(False), claims["out_of_pocket"])
        problems.add_rows("medical_claims", "reimbursed", "reimbursed_le_total",
                          (claims["reimbursed"] > claims["total_cost"]).fillna(False), claims["reimbursed"])

    ast = frames.get("assistance")
    if ast is not None and len(ast):
        bad = (ast["end_date"] < ast["start_date"]).fillna(False)
        problems.add_rows("assistance", "end_date", "end_after_start", bad, ast["end_date"])

    if mem is not None:
        owner = mem.drop_duplicates("member_id").set_index("member_id")["household_id"]
        for name in ("assistance", "events"):
            df = frames.get(name)
            if df is None or not len(df):
                continue
            has = df["member_id"].notna() & df["member_id"].isin(owner.index)
            their = df["member_id"].map(owner)
            bad = has & (their != df["household_id"]).fillna(False)
            problems.add_rows(name, "member_id", "member_in_household", bad, df["member_id"])

    mon = frames.get("monitoring")
    if mon is not None and len(mon):
        codes = mon["risk_types"].fillna("").astype(str).str.split(";")
        known = set(RISK_TYPES)
        bad = mon["risk_types"].notna() & codes.map(lambda xs: not xs or any(x.strip() not in known for x in xs))
        problems.add_rows("monitoring", "risk_types", "risk_type_codes", bad, mon["risk_types"],
                          f"known codes: {', '.join(RISK_TYPES)}")
        bad = (mon["eliminated_on"] < mon["identified_on"]).fillna(False)
        problems.add_rows("monitoring", "eliminated_on", "eliminated_after_identified", bad, mon["eliminated_on"])
