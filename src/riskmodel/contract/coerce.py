"""Raw columns to contract types, one function per column kind, on Arrow arrays.

Files arrive as Arrow (Parquet typed by whoever wrote it, CSV as text); frames from the API or
tests arrive as pandas and are handed to Arrow first. Each kind's function decides from the
Arrow type once which path a column takes (native dates, ISO text, numbers as text…), checks
the whole column with Arrow compute or numpy (no Python per row), records every problem, and
returns the pandas array ``load`` documents. Values that break a rule become missing, so that
later cross-column rules skip them; loading still fails.

Dates are checked against the plausible range before anything converts them to nanoseconds:
a date in year 1024 or 9999 is a row error here, never an ``OutOfBoundsDatetime`` later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.contract.schema import AMOUNT_LIMIT, FIRST_DATE, KINDS, LAST_DATE, Column, Table
from riskmodel.contract.plausible import text_problems

ID_DTYPE = pd.StringDtype("pyarrow")
DATETIME_DTYPE = "datetime64[ns]"
#: Largest integer a float holds exactly; bigger "integers" are type errors, not overflows.
INT_LIMIT = 2**53
_TRUE = ("true", "1", "yes", "t", "y", "是")
_FALSE = ("false", "0", "no", "f", "n", "否")
_EPOCH = dt.date(1970, 1, 1)
_FIRST_DAY = (FIRST_DATE - _EPOCH).days
_LAST_DAY = (LAST_DATE - _EPOCH).days
_NS_PER_DAY = 86_400_000_000_000
_UNIT_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": _NS_PER_DAY}
_RANGE_TEXT = f"outside {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"


def pandas_dtype(col: Column):
    """The pandas dtype ``load`` gives a column."""
    name = KINDS[col.kind].dtype
    return pd.CategoricalDtype(list(col.values)) if name == "category" else (ID_DTYPE if name == "string[pyarrow]"
                                                                             else name)


def to_arrow(values) -> pa.ChunkedArray:
    """Any raw column (Arrow, pandas Series or array, list) as an Arrow chunked array, dictionaries decoded."""
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    elif not isinstance(values, pa.ChunkedArray):
        s = pd.Series(values, copy=False)
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        try:
            values = pa.chunked_array([pa.array(s, from_pandas=True)])
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects: as the text a file would hold
            text = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
            values = pa.chunked_array([pa.array(text.tolist(), type=pa.string())])
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    return values


def _mask(arr) -> np.ndarray:
    """A boolean Arrow result as numpy, null as False."""
    if isinstance(arr, np.ndarray):
        return arr
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_text(values: pa.ChunkedArray) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def _text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Stripped text; empty cells become null."""
    if not _is_text(values):
        values = values.cast(pa.string())
    values = pc.utf8_trim_whitespace(values)
    empty = pc.equal(pc.binary_length(values), 0)
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, values.type), values)
    return values


class Checked:
    """One column being coerced: its problems go to ``problems`` under table and column names."""

    def __init__(self, table: Table, col: Column, raw: pa.ChunkedArray, problems):
        self.table, self.col, self.raw, self.problems = table, col, raw, problems

    def report(self, rule: str, mask, message: str, *, show: bool = True) -> None:
        self.problems.add_rows(self.table.name, self.col.name, rule, _mask(mask), self.raw if show else None, message)

    def required(self, empty: np.ndarray) -> None:
        if not self.col.nullable and self.col.default is None:
            self.report("required", empty, "")


def _text_kind(c: Checked) -> pd.api.extensions.ExtensionArray:
    text = _text(c.raw)
    empty = _mask(pc.is_null(text))
    c.required(empty)
    col = c.col
    if col.kind in ("id", "str"):
        found = text_problems(text)
        if "visible_text" in found:
            c.report("visible_text", found["visible_text"], "has control, zero-width or other invisible characters")
        if col.kind == "id" and "pseudonymous_id" in found:
            # the value itself is personal data: never echo it
            c.report("pseudonymous_id", found["pseudonymous_id"],
                     "looks like a resident ID number or a phone number (value not shown)", show=False)
    if col.kind == "region_code":
        digits = pc.match_substring_regex(text, "^[0-9]+$")
        right_length = pc.is_in(pc.utf8_length(text), value_set=pa.array(col.digits, pa.int32()))
        bad = ~empty & ~(_mask(digits) & _mask(right_length))
        c.report("region_code", bad, "expected " + " or ".join(f"{n}" for n in col.digits) + " digits")
        if bad.any():  # unknown from here on: no rule looks it up
            text = pc.if_else(pa.array(bad), pa.scalar(None, text.type), text)
    if col.kind == "enum":
        codes = pc.index_in(text, value_set=pa.array(col.values, text.type))
        bad = ~empty & _mask(pc.is_null(codes))
        c.report("allowed_values", bad, f"allowed: {', '.join(col.values)}")
        codes = np.asarray(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), dtype=np.int8)
        return pd.Categorical.from_codes(codes, dtype=pandas_dtype(col), validate=False)
    if text.type != pa.large_string():  # pandas keeps Arrow strings as large_string
        text = text.cast(pa.large_string())
    return pd.arrays.ArrowStringArray(text)


def _days_of_text(text: pa.ChunkedArray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of ISO text (strict), and where the text is not a valid date or month."""
    n = len(text)
    shaped = text if kind == "date" else pc.binary_join_element_wise(text, "-01", "", null_handling="emit_null")
    width = 10
    try:  # fast path: every cell a valid ISO date (Arrow's cast is strict)
        right = pc.all(pc.equal(pc.binary_length(shaped), width)).as_py() is not False
        if not right:
            raise pa.ArrowInvalid("not all ISO")
        days = shaped.cast(pa.date32()).cast(pa.int32())
        return np.asarray(days.to_numpy(zero_copy_only=False).astype(np.float64)), np.zeros(n, dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # slow path, only when something is wrong: each distinct value once, in Python
    encoded = pc.dictionary_encode(shaped).combine_chunks()
    values = encoded.dictionary.to_pylist()
    parsed = np.full(len(values) + 1, np.nan)  # last slot: null
    for i, v in enumerate(values):
        if len(v) == width and v[4] == "-" and v[7] == "-" and v.replace("-", "").isascii() \
                and v.replace("-", "").isdigit():
            try:
                parsed[i] = (dt.date.fromisoformat(v) - _EPOCH).days
            except ValueError:
                pass
    idx = np.asarray(pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False), dtype=np.intp)
    days = parsed[idx]
    return days, np.isnan(days) & (idx < len(values))


def _days_of_timestamps(values: pa.ChunkedArray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of Arrow dates or timestamps; a time of day is not a date (month: any time)."""
    typ = values.type
    if pa.types.is_date32(typ) or pa.types.is_date64(typ):
        raw = values.cast(pa.date32()).cast(pa.int32())
        return raw.to_numpy(zero_copy_only=False).astype(np.float64), np.zeros(len(values), dtype=bool)
    if typ.tz is not None:  # the wall-clock date where it was recorded
        values = pc.local_timestamp(values)
    ticks = values.cast(pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
    per_day = _UNIT_PER_DAY[typ.unit]
    days = np.floor(ticks / per_day)
    bad = (ticks - days * per_day != 0) if kind == "date" else np.zeros(len(values), dtype=bool)
    return days, bad & ~np.isnan(ticks)


def _date_kind(c: Checked) -> np.ndarray:
    raw = c.raw
    if pa.types.is_date(raw.type) or pa.types.is_timestamp(raw.type):
        days, bad_type = _days_of_timestamps(raw, c.col.kind)
        empty = np.isnan(days)
    else:
        text = _text(raw)
        empty = _mask(pc.is_null(text))
        days, bad_type = _days_of_text(text, c.col.kind)
    c.required(empty)
    c.report("type", bad_type, "expected a date YYYY-MM-DD" if c.col.kind == "date" else "expected a month YYYY-MM")
    with np.errstate(invalid="ignore"):
        out_of_range = ~np.isnan(days) & ~bad_type & ((days < _FIRST_DAY) | (days > _LAST_DAY))
    c.report("plausible_range", out_of_range, f"{c.col.kind} {_RANGE_TEXT}")
    days[bad_type | out_of_range] = np.nan
    if c.col.kind == "month" and not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
        known = ~np.isnan(days)
        months = days[known].astype("datetime64[D]").astype("datetime64[M]")
        days[known] = months.astype("datetime64[D]").astype(np.float64)
    nat = np.isnan(days)
    ns = np.where(nat, 0, days).astype(np.int64) * _NS_PER_DAY
    out = ns.view(DATETIME_DTYPE)
    out[nat] = np.datetime64("NaT")
    return out


def _numbers(c: Checked) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where empty or unparsable) and where the cell was empty."""
    raw = c.raw
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type) or pa.types.is_decimal(raw.type):
        values = raw.cast(pa.float64()).to_numpy(zero_copy_only=False)
        values = np.asarray(values, dtype=np.float64)
        return values, np.asarray(pc.is_null(raw, nan_is_null=True).to_numpy(zero_copy_only=False), dtype=bool)
    text = _text(raw)
    empty = _mask(pc.is_null(text))
    try:  # fast path: every cell a plain number (or empty)
        values = text.cast(pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = pd.to_numeric(pd.Series(text.to_pandas(), dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    return np.asarray(values, dtype=np.float64), empty


def _number_kind(c: Checked):
    col = c.col
    values, empty = _numbers(c)
    c.required(empty)
    finite = np.isfinite(values)
    bad = ~empty & ~finite
    whole = np.where(finite, values, 0)
    if col.kind == "int":
        bad |= ~empty & finite & ((np.mod(whole, 1) != 0) | (np.abs(whole) > INT_LIMIT))
    c.report("type", bad, f"expected {'an integer' if col.kind == 'int' else 'a number'}")
    values = np.where(bad | empty, np.nan, values)
    if col.kind == "float":
        with np.errstate(invalid="ignore"):
            huge = np.abs(values) >= AMOUNT_LIMIT
        c.report("plausible_range", huge, f"amounts must be below {AMOUNT_LIMIT:,.0f} yuan")
        values[huge] = np.nan
    with np.errstate(invalid="ignore"):
        if col.min is not None:
            c.report("min", values < col.min, f"must be ≥ {col.min:g}")
        if col.max is not None:
            c.report("max", values > col.max, f"must be ≤ {col.max:g}")
    if col.kind == "int":
        nan = np.isnan(values)
        return pd.arrays.IntegerArray(np.where(nan, 0, values).astype(np.int64), nan)
    return values


def _bool_kind(c: Checked) -> np.ndarray:
    raw, default = c.raw, bool(c.col.default)
    if pa.types.is_boolean(raw.type):
        return np.asarray(pc.fill_null(raw, default).to_numpy(zero_copy_only=False), dtype=bool)
    text = pc.utf8_lower(_text(raw))
    empty = _mask(pc.is_null(text))
    c.required(empty)
    true = _mask(pc.is_in(text, value_set=pa.array(_TRUE)))
    bad = ~empty & ~true & ~_mask(pc.is_in(text, value_set=pa.array(_FALSE)))
    c.report("type", bad, "expected true/false")
    return np.where(~empty & ~bad, true, default)


#: The one dispatch from a column kind to its coercion.
COERCE: dict[str, Callable[[Checked], object]] = {
    "id": _text_kind, "str": _text_kind, "region_code": _text_kind, "enum": _text_kind,
    "date": _date_kind, "month": _date_kind, "float": _number_kind, "int": _number_kind, "bool": _bool_kind,
}
assert set(COERCE) == set(KINDS), "every column kind needs a coercion"


def coerce_column(table: Table, col: Column, raw, problems):
    """One raw column (Arrow or pandas) as its contract type; every problem recorded."""
    return COERCE[col.kind](Checked(table, col, to_arrow(raw), problems))


def empty_column(col: Column, n: int = 0) -> pd.Series:
    """A column of ``n`` missing values (or the column's default) in its loaded dtype."""
    return pd.Series([col.default] * n if col.default is not None else [None] * n, dtype=pandas_dtype(col))
