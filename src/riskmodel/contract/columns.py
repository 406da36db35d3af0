"""Fast lookups on contract-typed columns (ids are ``string[pyarrow]``).

One place for the Arrow tricks the validator, the feature pipeline and the explanations share:
pandas 2.x converts Arrow strings to Python objects for ``isin``/``get_indexer``, an order of
magnitude slower on millions of ids. At the other end, the API scores panels of one household,
where every Arrow or pandas call has a fixed cost far above a dict lookup; so lookups on small
inputs go through Python dicts and give exactly the same answers.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ID_DTYPE = pd.StringDtype("pyarrow")
#: Inputs up to this many values (on each side) are looked up with Python dicts, not Arrow.
SMALL = 64


def arrow_text(s) -> pa.Array | pa.ChunkedArray:
    """A text column (Series, Index, Arrow or pandas array, list of str) as Arrow strings, zero-copy where it can be."""
    if isinstance(s, (pa.Array, pa.ChunkedArray)):
        return s
    if isinstance(s, pd.arrays.ArrowStringArray):  # the contract's id columns: skip the checks below
        return s.__arrow_array__()
    if isinstance(s, list):
        return pa.array(s, type=pa.string())
    arr = getattr(s, "array", s)
    if hasattr(arr, "__arrow_array__") and getattr(arr, "dtype", None) == ID_DTYPE:
        return arr.__arrow_array__()
    return pa.array(np.asarray(s, dtype=object), type=pa.string(), from_pandas=True)


def id_text(s) -> pa.Array | pa.ChunkedArray:
    """Household ids as Arrow strings: the contract's id arrays as they are, anything else made
    text first (ids given as numbers sort as their text)."""
    if getattr(s, "dtype", None) == ID_DTYPE:
        return arrow_text(s)
    return arrow_text(pd.Series(s).astype(str))


#: Distinct values of id columns the loader coerced: ``id(array) -> (data, values, codes, canonical)``.
_DISTINCT: dict[int, tuple[object, pa.Array, np.ndarray, bool]] = {}


def remember_distinct(array, values: pa.Array, codes: np.ndarray, *, canonical: bool) -> None:
    """Note that row ``i`` of ``array`` holds ``values[codes[i]]`` (-1: missing).

    The loader finds each column's distinct values anyway (to check each once); lookups then
    search 100k household ids instead of 3.5M income rows. ``canonical``: each value appears
    once in ``values`` (codes are then the rows' identities, usable as key codes). Forgotten when
    the array is.
    """
    key = id(array)
    _DISTINCT[key] = (getattr(array, "_pa_array", None), values, codes, canonical)
    weakref.finalize(array, _DISTINCT.pop, key, None)


def distinct_of(s) -> tuple[pa.Array, np.ndarray, bool] | None:
    """What ``remember_distinct`` noted about a column (Series or array), or None.

    Only while the array still holds the data it had then (pandas' ``__setitem__`` on an Arrow
    string array swaps its data).
    """
    if not _DISTINCT:
        return None
    array = getattr(s, "array", s)
    hit = _DISTINCT.get(id(array))
    if hit is None or hit[0] is not getattr(array, "_pa_array", None):
        return None
    return hit[1:]


def missing(s) -> np.ndarray:
    """Missing cells of a column (Series, pandas or numpy array) as a bool array, cheap when none are."""
    arr = getattr(s, "array", s)
    if isinstance(arr, pd.arrays.ArrowStringArray):
        pa_arr = arr.__arrow_array__()
        if pa_arr.null_count == 0:
            return np.zeros(len(pa_arr), dtype=bool)
        if len(pa_arr) <= SMALL:
            return np.array([v is None for v in pa_arr.to_pylist()], dtype=bool)
    elif isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        return np.isnan(arr)
    elif isinstance(arr, np.ndarray) and arr.dtype.kind == "M":
        return np.isnat(arr)
    elif isinstance(arr, pd.api.extensions.ExtensionArray):  # what pd.isna asks it, without the dispatch
        return np.asarray(arr.isna(), dtype=bool)
    return np.asarray(pd.isna(arr), dtype=bool)


def id_array(s) -> pd.api.extensions.ExtensionArray:
    """A text column as the contract's id array (``string[pyarrow]``), as is when it already is one."""
    if isinstance(s, pd.arrays.ArrowStringArray) and s.dtype == ID_DTYPE:
        return s
    return pd.array(arrow_text(s), dtype=ID_DTYPE)


def text_values(s) -> list:
    """A (small) text column as a list of Python strings, None where missing."""
    return s if isinstance(s, list) else arrow_text(s).to_pylist()


def positions(values, index) -> np.ndarray:
    """Position of each value in ``index`` (first match), -1 where absent or missing."""
    if len(values) == 0:
        return np.empty(0, dtype=np.intp)
    if len(values) <= SMALL and len(index) <= SMALL:
        first: dict[str, int] = {}
        for i, key in enumerate(text_values(index)):
            if key is not None:
                first.setdefault(key, i)
        return np.array([first.get(v, -1) for v in text_values(values)], dtype=np.intp)
    known = distinct_of(values) if len(values) > SMALL else None
    if known is not None and len(known[0]) < len(values):
        found = positions(known[0], index)
        return np.append(found, -1)[known[1]]
    vals, keys = arrow_text(values), arrow_text(index)
    if keys.type != vals.type:
        keys = keys.cast(vals.type)
    found = pc.index_in(vals, value_set=keys, skip_nulls=True).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)


def positions_at(values, rows: np.ndarray, index) -> np.ndarray:
    """``positions`` of the values at row positions ``rows`` (without taking a pandas subset)."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.intp)
    if len(values) <= SMALL or len(rows) * 3 > len(values):
        return positions(values, index)[rows]
    return positions(arrow_text(values).take(pa.array(rows)), index)


def first_codes(s) -> np.ndarray:
    """Integer codes of a column's values in order of first appearance (-1 for missing): ``pd.factorize``."""
    if len(s) <= SMALL:
        if getattr(s, "dtype", None) == ID_DTYPE or isinstance(s, list):
            values, missing = text_values(s), None
        else:
            arr = np.asarray(getattr(s, "array", s))
            values, missing = arr.tolist(), pd.isna(arr)
        seen: dict = {}
        return np.array([-1 if v is None or (missing is not None and missing[i]) else seen.setdefault(v, len(seen))
                         for i, v in enumerate(values)], dtype=np.int64)
    if getattr(s, "dtype", None) != ID_DTYPE:
        return pd.factorize(s, use_na_sentinel=True)[0].astype(np.int64, copy=False)
    arr = arrow_text(s)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pc.dictionary_encode(arr).indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def repeated(codes: np.ndarray) -> np.ndarray:
    """Rows whose (non-missing) code appeared in an earlier row: ``duplicated(keep="first")``.

    ``first_codes`` (and Arrow's ``dictionary_encode``) number values in order of first
    appearance, so a row repeats an earlier value exactly when its code is at most the largest
    code before it.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return (codes >= 0) & (codes <= before)


def sort_order(ids) -> np.ndarray | None:
    """Positions that sort a text column (stable, by code point), or None if it is in order already."""
    if len(ids) <= SMALL:
        vals = text_values(ids)
        if all(a <= b for a, b in zip(vals, vals[1:])):
            return None
        return np.array(sorted(range(len(vals)), key=vals.__getitem__), dtype=np.intp)
    order = pc.sort_indices(arrow_text(ids)).to_numpy().astype(np.intp)
    return None if np.array_equal(order, np.arange(len(order))) else order


#: Each categorical dtype's categories as a tuple: ``id(dtype) -> (dtype, categories)`` (the dtype
#: is held, so its id is not reused while listed).
_CATEGORIES: dict[int, tuple[pd.CategoricalDtype, tuple]] = {}


def categories_of(dtype: pd.CategoricalDtype) -> tuple:
    """``tuple(dtype.categories)``, made once per dtype object: the API's enum columns share one
    dtype each, and reading an Index into a tuple costs more than the lookup it serves."""
    hit = _CATEGORIES.get(id(dtype))
    if hit is None or hit[0] is not dtype:
        if len(_CATEGORIES) >= 1024:  # loaded panels bring new dtype objects: stay bounded
            _CATEGORIES.clear()
        hit = _CATEGORIES[id(dtype)] = (dtype, tuple(dtype.categories))
    return hit[1]


def enum_lookup(categories, values) -> np.ndarray:
    """A boolean table over a categorical's codes: True at each of ``values``; index -1 (missing) is False.

    ``enum_lookup(cats, ("a", "b"))[codes]`` is ``isin`` on the codes, without ``np.isin``'s
    fixed cost.
    """
    cats = list(categories)
    table = np.zeros(len(cats) + 1, dtype=bool)  # the extra last slot answers code -1
    for v in values:
        if v in cats:
            table[cats.index(v)] = True
    return table


def equals(s, *values: str) -> np.ndarray:
    """Rows of a contract enum (categorical) column (Series or array) equal to one of ``values``; missing is False."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return enum_lookup(categories_of(s.dtype), values)[getattr(s, "array", s).codes]
    s = pd.Series(s, copy=False)
    return s.isin(values).to_numpy(dtype=bool) & s.notna().to_numpy()


class Columns:
    """A typed table's columns as arrays, each taken out of its frame once.

    The first read of a pandas column builds a Series (a fixed cost per column); the
    API's one-household panels read about a hundred columns per request between the checks,
    the features and the category rule, so those read them through this. numpy dtypes come
    back as numpy arrays (zero-copy), the others as pandas arrays (Arrow strings,
    categoricals, nullable integers). ``len()`` is the number of rows.

    Made from arrays alone (``Columns.of``), the frame is built only when something asks for it.
    """

    __slots__ = ("_frame", "_arrays", "_rows")

    def __init__(self, frame: pd.DataFrame, arrays: dict | None = None):
        self._frame = frame
        self._arrays = dict(arrays or {})
        self._rows = len(frame)

    @classmethod
    def of(cls, arrays: dict, rows: int) -> Columns:
        """Columns of typed arrays (all of a table's columns, in its order), no frame yet."""
        out = cls.__new__(cls)
        out._frame, out._arrays, out._rows = None, dict(arrays), rows
        return out

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = pd.DataFrame(self._arrays, index=pd.RangeIndex(self._rows), copy=False)
        return self._frame

    def __getitem__(self, name: str):
        hit = self._arrays.get(name)
        if hit is None:
            s = self.frame[name]
            hit = self._arrays[name] = s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array
        return hit

    def __contains__(self, name: str) -> bool:
        return name in self._arrays or (self._frame is not None and name in self._frame.columns)

    def __len__(self) -> int:
        return self._rows


def as_columns(table) -> Columns:
    """A DataFrame's (or already a ``Columns``') columns as arrays."""
    return table if isinstance(table, Columns) else Columns(table)
