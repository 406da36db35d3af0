"""Fast lookups on contract-typed columns (ids are ``string[pyarrow]``).

One place for the Arrow tricks the validator, the feature pipeline and the explanations share:
pandas 2.x converts Arrow strings to Python objects for ``isin``/``get_indexer``, ~10× slower
on millions of ids and a fixed cost of hundreds of microseconds on the API's one household.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ID_DTYPE = pd.StringDtype("pyarrow")


def arrow_text(s) -> pa.Array | pa.ChunkedArray:
    """A text column (Series, Index or array) as Arrow strings, zero-copy for ``string[pyarrow]``."""
    arr = getattr(s, "array", s)
    if hasattr(arr, "__arrow_array__") and getattr(arr, "dtype", None) == ID_DTYPE:
        return arr.__arrow_array__()
    return pa.array(np.asarray(s, dtype=object), type=pa.string(), from_pandas=True)


def positions(values, index) -> np.ndarray:
    """Position of each value in ``index`` (first match), -1 where absent or missing."""
    if len(values) == 0:
        return np.empty(0, dtype=np.intp)
    vals, keys = arrow_text(values), arrow_text(index)
    if keys.type != vals.type:
        keys = keys.cast(vals.type)
    found = pc.index_in(vals, value_set=keys).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)


def equals(s: pd.Series, *values: str) -> np.ndarray:
    """Rows of a contract enum (categorical) column equal to one of ``values``; missing is False."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        wanted = [cats.get_loc(v) for v in values if v in cats]
        return np.isin(s.array.codes, wanted)
    return s.isin(values).to_numpy(dtype=bool) & s.notna().to_numpy()
