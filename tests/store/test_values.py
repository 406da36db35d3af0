"""How a frame's cells become stored values (``riskmodel.store.values``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.store import StoreError
from riskmodel.store.values import _check_frame, _optional, _optional_text, _text_or_none

COLUMNS = {
    "text with gaps": ["high", None, "low", np.nan, "high", pd.NA],
    "categorical": pd.Categorical(["sudden", None, "edge", "sudden", "edge", None]),
    "arrow strings": pd.array(["a", None, "b", "a", "c", "c"], dtype="string[pyarrow]"),
    "numbers and text": [1, "1", 1.0, True, None, "x"],
    "all missing": [None] * 6,
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_a_text_column_is_stored_as_converting_each_cell_would(name):
    df = pd.DataFrame({"c": COLUMNS[name]})
    expected = _optional(df, "c", len(df), _text_or_none)
    got = _optional_text(df, "c", len(df))
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]


def test_an_absent_text_column_is_all_none():
    assert _optional_text(pd.DataFrame({"x": [1, 2]}), "c", 2) == [None, None]


def test_the_first_bad_region_code_is_named_among_repeated_villages():
    df = pd.DataFrame({"household_id": ["H1", "H2", "H3", "H4"], "score": [1.0] * 4,
                       "region_code": ["520322104201", "520322104201", "52032210420", "52032210420"]})
    with pytest.raises(StoreError, match=r"row 3, column region_code, value '52032210420'"):
        _check_frame(df, ("household_id", "region_code", "score"), "scores")
