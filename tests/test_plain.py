"""A column made plain at once is what ``plain`` makes of each of its values."""

import numpy as np
import pandas as pd
import pytest

from riskmodel.plain import plain, plain_values

COLUMNS = {
    "int64": pd.Series(np.array([3, -1, 2 ** 40])),
    "uint8": pd.Series(np.array([0, 255], dtype=np.uint8)),
    "bool": pd.Series([True, False]),
    "float64 with NaN": pd.Series([0.5, np.nan, -0.0, 1e-9]),
    "float32": pd.Series(np.array([0.1, np.nan], dtype=np.float32)),
    "Int64 with NA": pd.Series([1, None], dtype="Int64"),
    "text with None": pd.Series(["a", None, "因病"], dtype=object),
    "pyarrow text": pd.Series(["x", None], dtype="string[pyarrow]"),
    "lists and dicts": pd.Series([[np.int64(1)], {"a": np.float64(np.nan)}, None], dtype=object),
}


@pytest.mark.parametrize("name", COLUMNS)
def test_plain_values_are_plain_of_each_value_with_the_same_types(name):
    column = COLUMNS[name]
    got, want = plain_values(column), [plain(v) for v in column]
    assert got == want
    assert [type(v) for v in got] == [type(v) for v in want]
    assert not any(isinstance(v, np.generic) for v in got)
