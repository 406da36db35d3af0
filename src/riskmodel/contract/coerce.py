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

from riskmodel.contract.columns import remember_distinct, repeated
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
_NAT = np.iinfo(np.int64).min
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
    if pa.types.is_dictionary(values.type) and not _is_text(values.type.value_type):
        values = values.cast(values.type.value_type)  # text dictionaries stay: checked once per value
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    return values


def true_where(arr) -> np.ndarray:
    """A boolean Arrow result as numpy, null as False."""
    if isinstance(arr, np.ndarray):
        return arr
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_text(values: pa.ChunkedArray | pa.DataType) -> bool:
    typ = values if isinstance(values, pa.DataType) else values.type
    return pa.types.is_string(typ) or pa.types.is_large_string(typ)


def _combined(values: pa.ChunkedArray) -> pa.Array:
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()


class Coded:
    """A text column as the values to check and, per row, which of them it holds.

    Columns that repeat values (a household id in every income row, dates, enums) are checked
    once per distinct value (``codes``: each row's position in ``values``, -1 for null); unique
    columns are checked row by row (``codes`` None). Every check runs on ``values`` and
    ``rows()`` spreads its answer to the rows.
    """

    def __init__(self, raw: pa.ChunkedArray, distinct: bool, *, dictionary_ok: bool = True):
        if pa.types.is_dictionary(raw.type) and distinct and dictionary_ok and raw.num_chunks:
            self._from_dictionaries(raw)
            return
        if pa.types.is_dictionary(raw.type):
            raw = raw.cast(raw.type.value_type)
        arr = raw if _is_text(raw) else raw.cast(pa.string())
        self.raw, self.codes = arr, None
        if distinct and len(arr) and arr.num_chunks:
            enc = pc.dictionary_encode(arr)  # one dictionary shared by every chunk
            self.codes = np.concatenate([np.asarray(chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                                                    dtype=np.int64) for chunk in enc.chunks])
            arr = enc.chunk(0).dictionary
        else:
            arr = _combined(arr) if arr.num_chunks else pa.array([], arr.type)
        self._strip(arr)

    def _from_dictionaries(self, raw: pa.ChunkedArray) -> None:
        """A column Parquet gave as dictionaries (one per chunk): their values, concatenated, are
        what gets checked — a value may repeat across chunks, which costs a little work, not a
        wrong answer (only ``canonical`` needs each value once, and unique columns are not read so)."""
        dictionaries, codes, offset = [], [], 0
        for chunk in raw.chunks:
            dictionary = chunk.dictionary
            if not _is_text(dictionary):
                dictionary = dictionary.cast(pa.string())
            idx = np.asarray(chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
            codes.append(np.where(idx < 0, -1, idx + offset))
            dictionaries.append(dictionary.cast(pa.string()))
            offset += len(dictionary)
        self.raw, self.codes = None, np.concatenate(codes)
        self._strip(pa.concat_arrays(dictionaries))
        self.changed = True  # the rows' text exists only as dictionary codes: ``text()`` builds it

    def _strip(self, arr: pa.Array) -> None:
        trimmed = pc.utf8_trim_whitespace(arr)
        empty = pc.equal(pc.binary_length(trimmed), 0)
        any_empty = pc.any(empty).as_py() is True
        # trimming only removes characters: the same total length means nothing changed
        self.changed = any_empty or pc.sum(pc.binary_length(trimmed)).as_py() != pc.sum(pc.binary_length(arr)).as_py()
        if any_empty:
            trimmed = pc.if_else(empty, pa.scalar(None, trimmed.type), trimmed)
        self.values = trimmed

    def rows(self, on_values: np.ndarray, fill=False) -> np.ndarray:
        if self.codes is None:
            return on_values
        return np.append(on_values, np.array([fill], dtype=on_values.dtype))[self.codes]

    def canonical(self) -> tuple[pa.Array, np.ndarray]:
        """Each distinct stripped value once, and each row's position in them (-1 missing).

        Positions follow the order of first appearance in the rows (as ``first_codes``).
        """
        if self.codes is None:
            raise ValueError("canonical codes need distinct=True")
        if not self.changed:
            return self.values, self.codes
        # the dictionary is in order of first appearance, so encoding it keeps that order
        merged = pc.dictionary_encode(self.values)
        at = np.asarray(merged.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return merged.dictionary, np.append(at, -1)[self.codes]

    def missing(self) -> np.ndarray:
        return self.rows(true_where(pc.is_null(self.values)), True)

    def nulled(self, bad_values: np.ndarray) -> None:
        """Make values that broke a rule missing (no later rule looks them up)."""
        if bad_values.any():
            self.values = pc.if_else(pa.array(bad_values), pa.scalar(None, self.values.type), self.values)
            self.changed = True

    def text(self) -> pa.Array:
        """The column's stripped text, rows in order (the raw column itself when nothing changed)."""
        if self.codes is None:
            return self.values
        if not self.changed:
            return self.raw
        return self.values.take(pa.array(np.where(self.codes < 0, 0, self.codes), mask=self.codes < 0))


class Checked:
    """One column being coerced: its problems go to ``problems`` under table and column names.

    A column of a type no kind reads (nested values, bytes that are not UTF-8 text) has those
    rows named under ``type`` and made missing (``unreadable``), so each kind sees only text,
    numbers, dates or booleans.
    """

    def __init__(self, table: Table, col: Column, raw: pa.ChunkedArray, problems):
        self.table, self.col, self.raw, self.problems = table, col, raw, problems
        self.unreadable: np.ndarray | None = None
        self._readable()

    def report(self, rule: str, mask, message: str, *, show: bool = True) -> None:
        self.problems.add_rows(self.table.name, self.col.name, rule, true_where(mask), self.raw if show else None,
                               message)

    def required(self, empty: np.ndarray) -> None:
        if not self.col.nullable and self.col.default is None:
            self.report("required", empty if self.unreadable is None else empty & ~self.unreadable, "")

    def _readable(self) -> None:
        if _read_as_is(self.raw.type):
            return
        text, rows, what = as_text(self.raw)
        if rows is not None:
            self.report("type", rows, f"{what}, expected {KINDS[self.col.kind].doc}", show=False)
        self.raw, self.unreadable = text, rows


def _read_as_is(typ: pa.DataType) -> bool:
    """Types the kinds read themselves (text, numbers, dates, booleans, text dictionaries)."""
    return (_is_text(typ) or pa.types.is_dictionary(typ) or pa.types.is_integer(typ) or pa.types.is_floating(typ)
            or pa.types.is_decimal(typ) or pa.types.is_boolean(typ) or pa.types.is_date(typ)
            or pa.types.is_timestamp(typ) or pa.types.is_null(typ))


def as_text(values: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray | None, str]:
    """A raw column of any Arrow type as text: missing where a value is no text — nested values
    (lists, structs, maps) or bytes that are not UTF-8 — with those rows (None: every value read)
    and what they held."""
    typ = values.type
    if pa.types.is_string_view(typ) or pa.types.is_binary_view(typ):
        values = values.cast(pa.string() if pa.types.is_string_view(typ) else pa.binary())
    try:
        return values.cast(pa.string()), None, ""
    except pa.ArrowInvalid:  # bytes, some of them not UTF-8: those rows, one value at a time
        raw = values.to_pylist()
        text = [None if v is None else _utf8_or_none(v) for v in raw]
        rows = np.array([v is not None and t is None for v, t in zip(raw, text)], dtype=bool)
        return pa.chunked_array([pa.array(text, pa.string())]), rows, "bytes that are not UTF-8 text"
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):  # no text form at all
        return (pa.chunked_array([pa.nulls(len(values), pa.string())]), true_where(pc.is_valid(values)),
                f"a value of type {typ}")


def _utf8_or_none(value: bytes) -> str | None:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _all_different(values: pa.Array) -> bool:
    """Whether the non-missing values are all different, without a hash table.

    Hashing millions of distinct strings is the slowest step of a load; ids usually come in
    order (one comparison per row), else a sort finds any repeat.
    """
    present = values.drop_null() if values.null_count else values
    n = len(present)
    if n < 2 or pc.all(pc.less(present.slice(0, n - 1), present.slice(1))).as_py():
        return True
    ordered = present.take(pc.sort_indices(present))
    return not pc.any(pc.equal(ordered.slice(0, n - 1), ordered.slice(1))).as_py()


def _text_kind(c: Checked) -> pd.api.extensions.ExtensionArray:
    col = c.col
    # unique ids are checked row by row: hashing millions of distinct strings costs more than it saves
    coded = Coded(c.raw, distinct=not col.unique)
    c.required(coded.missing())
    if col.unique:
        values = coded.values
        if not _all_different(values):
            codes = pc.dictionary_encode(values).indices.fill_null(-1).to_numpy(zero_copy_only=False)
            c.report("unique", repeated(np.asarray(codes, dtype=np.int64)), "duplicate identifier")
    if col.kind in ("id", "str"):
        found = text_problems(coded.values)
        if "visible_text" in found:
            c.report("visible_text", coded.rows(found["visible_text"]),
                     "has control, zero-width or other invisible characters")
        if col.kind == "id" and "pseudonymous_id" in found:
            # the value itself is personal data: never echo it
            c.report("pseudonymous_id", coded.rows(found["pseudonymous_id"]),
                     "looks like a resident ID number or a phone number (value not shown)", show=False)
    if col.kind == "region_code":
        text = coded.values
        digits = pc.match_substring_regex(text, "^[0-9]+$")
        right_length = pc.is_in(pc.utf8_length(text), value_set=pa.array(col.digits, pa.int32()))
        bad = true_where(pc.is_valid(text)) & ~(true_where(digits) & true_where(right_length))
        c.report("region_code", coded.rows(bad), "expected " + " or ".join(f"{n}" for n in col.digits) + " digits")
        coded.nulled(bad)
    if col.kind == "enum":
        text = coded.values
        codes = pc.index_in(text, value_set=pa.array(col.values, text.type))
        bad = true_where(pc.is_valid(text)) & true_where(pc.is_null(codes))
        c.report("allowed_values", coded.rows(bad), f"allowed: {', '.join(col.values)}")
        codes = coded.rows(np.asarray(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), dtype=np.int8), -1)
        return pd.Categorical.from_codes(codes, dtype=pandas_dtype(col), validate=False)
    text = coded.text()
    if text.type != pa.large_string():  # pandas keeps Arrow strings as large_string
        text = text.cast(pa.large_string())
    out = pd.arrays.ArrowStringArray(text)
    if coded.codes is not None and col.kind == "id":
        if coded.raw is not None:
            remember_distinct(out, *coded.canonical(), canonical=True)
        else:  # from Parquet dictionaries: a value may repeat across chunks
            remember_distinct(out, coded.values, coded.codes, canonical=False)
    return out


def _days(values: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of (distinct, stripped) ISO text, strictly parsed, and where the text is no date."""
    n = len(values)
    shaped = values if kind == "date" else pc.binary_join_element_wise(values, "-01", "", null_handling="emit_null")
    try:  # fast path: every cell a valid ISO date (Arrow's cast is strict; the length rules out extra text)
        if pc.all(pc.equal(pc.binary_length(shaped), 10)).as_py() is False:
            raise pa.ArrowInvalid("not all ISO")
        days = shaped.cast(pa.date32()).cast(pa.int32())
        return np.asarray(days.to_numpy(zero_copy_only=False), dtype=np.float64), np.zeros(n, dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    parsed = np.full(n, np.nan)  # slow path, only when something is wrong: one value at a time
    for i, v in enumerate(shaped.to_pylist()):
        if v is not None and len(v) == 10 and v[4] == "-" and v[7] == "-" and v.replace("-", "").isascii() \
                and v.replace("-", "").isdigit():
            try:
                parsed[i] = (dt.date.fromisoformat(v) - _EPOCH).days
            except ValueError:
                pass
    return parsed, np.isnan(parsed) & true_where(pc.is_valid(values))


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
    """Dates and months: each distinct text parsed and range-checked once, the rows filled in one gather."""
    raw, kind = c.raw, c.col.kind
    native = pa.types.is_date(raw.type) or pa.types.is_timestamp(raw.type)
    if native:
        days, bad_type = _days_of_timestamps(raw, kind)
        c.required(np.isnan(days))

        def spread(per_unit, fill):
            return per_unit
    else:
        coded = Coded(raw, distinct=True)
        days, bad_type = _days(coded.values, kind)
        c.required(coded.missing())
        spread = coded.rows
    if bad_type.any():
        c.report("type", spread(bad_type, False), "expected a date YYYY-MM-DD" if kind == "date"
                 else "expected a month YYYY-MM")
    with np.errstate(invalid="ignore"):
        out_of_range = ~np.isnan(days) & ~bad_type & ((days < _FIRST_DAY) | (days > _LAST_DAY))
    if out_of_range.any():
        c.report("plausible_range", spread(out_of_range, False), f"{kind} {_RANGE_TEXT}")
    days[bad_type | out_of_range] = np.nan
    nat = np.isnan(days)
    whole = np.where(nat, 0, days).astype(np.int64)
    if kind == "month" and native:  # a timestamp names its month
        whole = whole.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    ns = np.where(nat, _NAT, whole * _NS_PER_DAY)
    return spread(ns, _NAT).view(DATETIME_DTYPE)


def _numbers(c: Checked) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where empty or unparsable) and where the cell was empty."""
    raw = c.raw
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type) or pa.types.is_decimal(raw.type):
        # Arrow refuses to cast an integer beyond 2**53 (no exact float): cast it anyway, then move it
        # past the limit, so that the integer rule (or an amount's range) names it
        values = np.asarray(raw.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False), dtype=np.float64)
        if pa.types.is_integer(raw.type):
            beyond = pc.greater(raw, pa.scalar(INT_LIMIT, raw.type)) if raw.type.bit_width > 53 else None
            if beyond is not None and pa.types.is_signed_integer(raw.type):
                beyond = pc.or_(beyond, pc.less(raw, pa.scalar(-INT_LIMIT, raw.type)))
            if beyond is not None:
                far = true_where(beyond)
                if far.any():
                    values = values.copy()  # Arrow's buffer is read-only
                    values[far] = np.where(values[far] < 0, -2.0 * INT_LIMIT, 2.0 * INT_LIMIT)
        return values, np.asarray(pc.is_null(raw, nan_is_null=True).to_numpy(zero_copy_only=False), dtype=bool)
    text = Coded(raw, distinct=False).values
    empty = true_where(pc.is_null(text))
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
    text = pc.utf8_lower(Coded(raw, distinct=False).values)
    empty = true_where(pc.is_null(text))
    c.required(empty)
    true = true_where(pc.is_in(text, value_set=pa.array(_TRUE)))
    bad = ~empty & ~true & ~true_where(pc.is_in(text, value_set=pa.array(_FALSE)))
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
