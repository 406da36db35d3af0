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

from riskmodel.contract.coerce import DATETIME_DTYPE, ID_DTYPE, INT_LIMIT, coerce_column, empty_column
from riskmodel.contract.months import month_ends, month_numbers, month_starts
from riskmodel.contract.columns import (
    SMALL,
    Columns,
    arrow_text,
    as_columns,
    distinct_of,
    equals,
    first_codes,
    missing,
    positions,
    repeated,
    text_values,
)
from riskmodel.contract.schema import (
    ONE_OFF_PROGRAMS,  # noqa: F401  (re-exported for callers of the rules)
    REGION_DIGITS,
    RISK_TYPES,
    RULES,
    TABLES,
    Table,
)

#: Examples kept per (table, column, rule); the rest are counted.
EXAMPLES_PER_RULE = 20
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
    file: str | None = None
    """For a partitioned table: the part file (relative to the data directory) ``row`` counts in."""

    def __str__(self) -> str:
        where = self.table if self.file is None else f"{self.table} ({self.file})"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        value = "" if self.value is None else f", value {self.value!r}"
        text = self.message or RULES[self.rule].text
        return f"{where}{value}: [{self.rule}] {text}"

    def as_dict(self) -> dict:
        out = {
            "table": self.table, "row": self.row, "column": self.column, "value": self.value,
            "rule": self.rule, "message": self.message or RULES[self.rule].text,
        }
        if self.file is not None:
            out["file"] = self.file
        return out


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
        if not np.count_nonzero(mask):  # the usual case, answered without building the positions
            return
        idx = np.flatnonzero(mask)
        key = (table, column, rule)
        n = self.counts.get(key, 0)
        self.counts[key] = n + int(idx.size)
        room = max(0, EXAMPLES_PER_RULE - n)
        shown = idx[:room]
        if values is None:
            texts = [None] * len(shown)
        elif isinstance(values, (pa.Array, pa.ChunkedArray)):  # a raw column, before coercion
            texts = [_show(v) for v in values.take(pa.array(shown)).to_pylist()]
        else:
            if not hasattr(values, "iloc"):  # a column array (``Columns``)
                values = pd.Series(values)
            texts = [_show(values.iloc[i]) for i in shown]
        for i, value in zip(shown, texts):
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

    def __reduce__(self):  # made again from its problems (a county's error comes back from a Dask worker)
        return type(self), (self.problems,)


def _show(v: object) -> str | None:
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime)) and v == v.replace(hour=0, minute=0, second=0, microsecond=0):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < INT_LIMIT:
        return str(int(v))  # 50000, not 50000.0: as the office typed it
    return str(v)


def _isin(s, values) -> np.ndarray:
    """``s.isin(values)`` as a bool array; NA is never in.

    pandas 2.x loops in Python over ``values`` for pyarrow strings, which takes seconds for
    a reference table of 100k ids; Arrow's hash lookup takes milliseconds.
    """
    if s.dtype == ID_DTYPE:
        return positions(s, values) >= 0  # missing → -1 → False
    s = pd.Series(s, copy=False)
    return s.isin(values).to_numpy(dtype=bool) & s.notna().to_numpy()


def coerce_all(
    raws: dict[str, pd.DataFrame | pa.Table | None], problems: Problems, *, unreadable: Collection[str] = (),
    nonempty: Collection[str] = (),
) -> tuple[dict[str, pd.DataFrame], list[str], set[str]]:
    """Typed frames, notes (extra columns, absent optional tables) and unusable table names.

    ``raws[name]`` is None for a table with no data (absent file or frame); ``unreadable``
    tables were already reported and load empty. A table named in ``nonempty`` that has a
    header but no rows is one ``no_rows`` problem (and unusable), not a reference error for
    every row that points into it.
    """
    typed: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    unusable: set[str] = set(unreadable)
    for name, table in TABLES.items():
        raw = raws.get(name)
        if name in unreadable:
            typed[name] = empty_frame(table)
            continue
        if raw is None:
            if table.required:
                problems.add(Problem(name, None, None, None, "missing_table",
                                     f"{name}.csv or {name}.parquet is required"))
                unusable.add(name)
            else:
                notes.append(f"{name}: no file, treated as empty")
            typed[name] = empty_frame(table)
            continue
        columns = raw.column_names if isinstance(raw, pa.Table) else raw.columns
        if missing_columns(table, columns):
            unusable.add(name)
        elif name in nonempty and len(raw) == 0:
            problems.add(Problem(name, None, None, None, "no_rows", f"{name} has no rows"))
            unusable.add(name)
        typed[name], extra = coerce_table(table, raw, problems)
        if extra:
            notes.append(f"{name}: extra columns ignored: {', '.join(extra)}")
    return typed, notes, unusable


def _key_part(values) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative integer codes of one key column and where it is missing.

    Dates are their day numbers (a range of days, no hashing); other columns ``first_codes``.
    """
    known = distinct_of(values)
    if known is not None and known[2]:  # the loader's codes: one per distinct id, -1 missing
        codes = known[1]
        return np.maximum(codes, 0), codes < 0
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        absent = np.isnat(values)
        if (month_starts(values) | absent).all():  # first days of months: count months
            steps = month_numbers(values)
        else:
            steps = values.astype("datetime64[D]").view(np.int64)
        low = int(steps[~absent].min()) if (~absent).any() else 0
        return np.where(absent, 0, steps - low), absent
    codes = first_codes(values)
    return np.maximum(codes, 0), codes < 0


def _all_distinct(values: np.ndarray, span: int) -> bool:
    """Whether non-negative integer codes below ``span`` are all different, without hashing.

    Arrow's hash count is slow on millions of distinct integers; rows usually come sorted
    (one pass), else a count per code when the codes are dense, else a sort.
    """
    if len(values) < 2 or bool((np.diff(values) > 0).all()):
        return True
    if span <= 2 * len(values):
        return int(np.bincount(values, minlength=span).max()) <= 1
    ordered = np.sort(values)
    return bool((np.diff(ordered) != 0).all())


def _key_repeated(df: Columns, key: list[str]) -> np.ndarray:
    """Rows whose combination of ``key`` values appeared in an earlier row (rows missing one never do).

    One hash pass says whether there is any repeat at all; only then are the rows found.
    """
    if len(df) <= SMALL and _distinct_rows(df, key):
        return np.zeros(len(df), dtype=bool)
    combined = np.zeros(len(df), dtype=np.int64)
    absent = np.zeros(len(df), dtype=bool)
    span = 1
    for name in key:
        c, gone = _key_part(df[name])
        absent |= gone
        width = int(c.max(initial=0)) + 1
        if span * width >= 2**62:  # renumber before the product could overflow
            combined, span = first_codes(combined), len(df) + 1
        combined = combined * width + c
        span *= width
    present = combined[~absent]
    if _all_distinct(present, span):
        return np.zeros(len(df), dtype=bool)
    codes = first_codes(combined)
    codes[absent] = -1
    return repeated(codes)


def _small_distinct(values) -> bool:
    """Whether a small id column holds no value twice (missing aside): then it has no repeat to find."""
    if len(values) > SMALL or getattr(values, "dtype", None) != ID_DTYPE:
        return False
    present = [v for v in text_values(values) if v is not None]
    return len(set(present)) == len(present)


def _not_found(values, index) -> np.ndarray:
    """Present values that are not in ``index`` (a reference that points nowhere)."""
    if len(values) <= SMALL and len(index) <= SMALL and getattr(values, "dtype", None) == ID_DTYPE:
        known = set(text_values(index))
        return np.array([v is not None and v not in known for v in text_values(values)], dtype=bool)
    return ~missing(values) & ~_isin(values, index)


def _distinct_rows(df: Columns, key: list[str]) -> bool:
    """Whether a small table's rows all differ in ``key``, by a Python set (no repeat to find then).

    Values equal for ``_key_part`` are equal here too (dates by their day, enums by their
    code), so True means no repeat; False (or a kind not handled here) only sends the rows on
    to the exact search, which also leaves out rows missing a part.
    """
    parts = []
    for name in key:
        values = df[name]
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            parts.append(values.astype("datetime64[D]").view(np.int64).tolist())
        elif getattr(values, "dtype", None) == ID_DTYPE:
            parts.append(text_values(values))
        elif isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
            parts.append(values.codes.tolist())
        else:
            return False
    return len(set(zip(*parts))) == len(df)


def _values(s) -> np.ndarray:
    """A typed column as numpy, missing as NaN/NaT (so comparisons with a missing value are False)."""
    if isinstance(s, pd.arrays.IntegerArray):  # values and mask as they are (``to_numpy``'s checks cost more)
        out = s._data.astype(np.float64)
        out[s._mask] = np.nan
        return out
    if isinstance(s.dtype, pd.Int64Dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(s)


class _ArrowColumns:
    """An Arrow table read like a frame (``columns``, ``[name]``, ``len``), with no pandas conversion."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.columns = table.column_names

    def __getitem__(self, name: str) -> pa.ChunkedArray:
        return self.table.column(name)

    def __len__(self) -> int:
        return self.table.num_rows


def missing_columns(table: Table, columns: Collection[str]) -> list[str]:
    """Required columns of ``table`` that a file does not have."""
    return [c.name for c in table.columns if c.required and c.name not in columns]


def coerce_table(table: Table, raw: pd.DataFrame | pa.Table, problems: Problems) -> tuple[pd.DataFrame, list[str]]:
    """Typed frame with exactly the contract's columns, and the names of ignored extra columns.

    ``raw`` is a file's Arrow table or a pandas frame. A table missing a required column loads
    as an empty frame (its rows cannot be checked); callers treat it as unusable for
    cross-table rules (see ``missing_columns``).
    """
    if isinstance(raw, pa.Table):
        raw = _ArrowColumns(raw)
    else:
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
            out[col.name] = empty_column(col, len(raw))
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)), copy=False), extra


def empty_frame(table: Table) -> pd.DataFrame:
    """A typed frame with no rows: what a missing optional table loads as."""
    return pd.DataFrame({c.name: empty_column(c) for c in table.columns})


def check_tables(
    frames: dict[str, pd.DataFrame | Columns], problems: Problems, *, today: dt.date | None = None,
    unusable: Collection[str] = (), unique_checked: bool = False, heads: bool = True,
    references_checked: Collection[tuple[str, str]] = (),
) -> None:
    """Uniqueness, references and the cross-column rules over typed frames.

    ``unusable`` names tables that could not be read or lack required columns: rules that
    look across into them are skipped, so one broken file gives one problem, not thousands.
    ``unique_checked``: the coercion already checked single unique columns (``coerce_all`` does,
    from the codes it computes anyway). ``heads=False`` leaves out the one-head rule (the API
    checks it its own way: a household sent without members may have no head).
    ``references_checked``: ``(table, column)`` references the caller has already checked (the
    API's payload structure guarantees a child row's household and a claim's member).
    """
    year = (today or dt.date.today()).year
    usable = {name for name in frames if name not in unusable}
    frames = {name: as_columns(df) for name, df in frames.items()}
    for name, df in frames.items():
        if len(df):  # nothing to check (and pandas costs add up over many small empty tables)
            _check_table(name, df, frames, problems, usable, unique_checked, references_checked)
    _check_households(frames, problems)
    _check_members(frames, problems, year)
    if heads:
        _check_heads(frames, problems, usable)
    _check_claims(frames, problems)
    _check_assistance(frames, problems)
    _check_member_households(frames, problems, usable)
    _check_monitoring(frames, problems)
    _check_regions(frames, problems, usable)


def _check_table(name: str, df: Columns, frames: dict[str, Columns], problems: Problems, usable: set[str],
                 unique_checked: bool, references_checked: Collection[tuple[str, str]] = ()) -> None:
    """One table's own rules: unique ids, references, its key, reported after the event."""
    table = TABLES[name]
    for col in table.columns:
        if col.unique and col.name in df and not unique_checked and not _small_distinct(df[col.name]):
            problems.add_rows(name, col.name, "unique", repeated(first_codes(df[col.name])), df[col.name],
                              "duplicate identifier")
        if col.references and col.name in df and (name, col.name) not in references_checked:
            ref_table, ref_col = col.references
            if ref_table in usable:
                bad = _not_found(df[col.name], frames[ref_table][ref_col])
                problems.add_rows(name, col.name, "references", bad, df[col.name],
                                  f"not found in {ref_table}.{ref_col}")
    if table.key:
        key = list(table.key)
        problems.add_rows(name, ",".join(key), "key_unique", _key_repeated(df, key), None,
                          f"({', '.join(key)}) appears twice")
    if table.event_date and "reported_on" in df:
        event = _values(df[table.event_date])
        reported = _values(df["reported_on"])
        if name == "income":
            problems.add_rows(name, "reported_on", "reported_after_month_end",
                              reported < month_ends(event).astype(reported.dtype), df["reported_on"],
                              "reported_on is before the last day of month")
        else:
            problems.add_rows(name, "reported_on", "reported_after_event", reported < event, df["reported_on"],
                              f"reported_on is before {table.event_date}")


def _rows_of(frames: dict[str, Columns], name: str) -> Columns | None:
    """A table that has rows, else None."""
    df = frames.get(name)
    return df if df is not None and len(df) else None


def _check_households(frames: dict[str, Columns], problems: Problems) -> None:
    hh = _rows_of(frames, "households")
    if hh is not None:
        bad = equals(hh["household_type"], "alleviated") & missing(hh["poverty_exit_year"])
        problems.add_rows("households", "poverty_exit_year", "exit_year_if_alleviated", bad,
                          hh["poverty_exit_year"])


def _check_members(frames: dict[str, Columns], problems: Problems, year: int) -> None:
    mem = _rows_of(frames, "members")
    if mem is None:
        return
    problems.add_rows("members", "birth_year", "birth_year_future", _values(mem["birth_year"]) > year,
                      mem["birth_year"], f"birth_year is after {year}")
    problems.add_rows("members", "left_on", "left_after_joined",
                      _values(mem["left_on"]) < _values(mem["joined_on"]), mem["left_on"],
                      "left_on is before joined_on")
    bad = ~missing(mem["left_on"]) & missing(mem["left_reason"])
    problems.add_rows("members", "left_reason", "left_reason_with_left_on", bad, mem["left_reason"])


def _check_heads(frames: dict[str, Columns], problems: Problems, usable: set[str]) -> None:
    """Exactly one member with relation 'head' per household."""
    hh, mem = _rows_of(frames, "households"), frames.get("members")
    if hh is None or mem is None or not {"households", "members"} <= usable:
        return
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


def _check_claims(frames: dict[str, Columns], problems: Problems) -> None:
    claims = _rows_of(frames, "medical_claims")
    if claims is None:
        return
    total, reimbursed, oop = (_values(claims[c]) for c in ("total_cost", "reimbursed", "out_of_pocket"))
    with np.errstate(invalid="ignore"):
        gap = np.abs(total - reimbursed - oop)
    problems.add_rows("medical_claims", "out_of_pocket", "cost_balance", gap > 1,
                      claims["out_of_pocket"], "total_cost ≠ reimbursed + out_of_pocket (±1 yuan)")
    problems.add_rows("medical_claims", "reimbursed", "reimbursed_le_total", reimbursed > total,
                      claims["reimbursed"], "reimbursed is more than total_cost")


def _check_assistance(frames: dict[str, Columns], problems: Problems) -> None:
    ast = _rows_of(frames, "assistance")
    if ast is not None:
        problems.add_rows("assistance", "end_date", "end_after_start",
                          _values(ast["end_date"]) < _values(ast["start_date"]), ast["end_date"],
                          "end_date is before start_date")


def _check_member_households(frames: dict[str, Columns], problems: Problems, usable: set[str]) -> None:
    """A row naming a member and a household: the member belongs to that household."""
    mem = frames.get("members")
    if mem is None or "members" not in usable:
        return
    owners = None  # each member's household id, as the position of its first members row
    for name in ("assistance", "events"):
        df = _rows_of(frames, name)
        if df is None:
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


def _check_monitoring(frames: dict[str, Columns], problems: Problems) -> None:
    mon = _rows_of(frames, "monitoring")
    if mon is None:
        return
    codes = arrow_text(mon["risk_types"])
    bad = ~missing(mon["risk_types"]) & ~_matches(codes, _RISK_TYPES_PATTERN)
    problems.add_rows("monitoring", "risk_types", "risk_type_codes", bad, codes,
                      f"expected ';'-separated codes from: {', '.join(RISK_TYPES)}")
    problems.add_rows("monitoring", "eliminated_on", "eliminated_after_identified",
                      _values(mon["eliminated_on"]) < _values(mon["identified_on"]), mon["eliminated_on"],
                      "eliminated_on is before identified_on")


def _matches(text, pattern: str) -> np.ndarray:
    """Where Arrow text matches ``pattern`` as a whole (RE2); missing is False."""
    found = pc.match_substring_regex(arrow_text(text), f"^(?:{pattern})$")
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def _check_regions(frames: dict[str, Columns], problems: Problems, usable: set[str]) -> None:
    """The regions table's own hierarchy, and households' codes against it (only when it has rows)."""
    reg = frames.get("regions")
    if reg is None or not len(reg) or "regions" not in usable:
        return
    code, parent = reg["region_code"], reg["parent_code"]
    lengths = np.asarray(pc.utf8_length(arrow_text(code)).fill_null(0).to_numpy(zero_copy_only=False))
    level_codes = np.asarray(pd.Categorical(reg["level"]).codes)
    levels = list(REGION_DIGITS)
    expected = np.array([REGION_DIGITS[v] for v in levels] + [0])[level_codes]  # -1 (missing) → 0
    problems.add_rows("regions", "level", "region_level",
                      ~missing(code) & (level_codes >= 0) & (lengths != expected), reg["level"],
                      "level does not match the code's length (6 county, 9 township, 12 village)")
    # the code's length says where a region sits (a wrong level is region_level's problem alone)
    county = lengths == REGION_DIGITS["county"]
    has_parent = ~missing(parent)
    text = arrow_text(code)
    enclosing = pc.if_else(pa.array(lengths == 12), pc.utf8_slice_codeunits(text, 0, 9),
                           pc.utf8_slice_codeunits(text, 0, 6))
    same = np.asarray(pc.fill_null(pc.equal(enclosing, arrow_text(parent).cast(text.type)), False)
                      .to_numpy(zero_copy_only=False), dtype=bool)
    exists = positions(parent, code) >= 0
    known = ~missing(code)
    problems.add_rows("regions", "parent_code", "region_parent", known & ~county & ~has_parent, reg["parent_code"],
                      "a township or village needs parent_code")
    problems.add_rows("regions", "parent_code", "region_parent", known & ~county & has_parent & ~(same & exists),
                      reg["parent_code"], "parent_code is not the enclosing region (first 9 or 6 digits) in regions")
    problems.add_rows("regions", "parent_code", "region_parent", known & county & has_parent, reg["parent_code"],
                      "a county has no parent_code")
    hh = frames.get("households")
    if hh is not None and len(hh) and "households" in usable:
        where = positions(hh["region_code"], code)
        village = np.append(lengths == REGION_DIGITS["village"], False)  # position -1: not found
        bad = ~missing(hh["region_code"]) & ~village[where]
        problems.add_rows("households", "region_code", "region_known", bad, hh["region_code"],
                          "not a village in regions")
