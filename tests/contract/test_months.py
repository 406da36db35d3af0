"""Months of date columns by a table over their days: the same answers as numpy's calendar casts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from riskmodel.contract import months
from riskmodel.contract.months import month_ends, month_numbers, month_starts

NAT = np.iinfo(np.int64).min
# datetime64[ns] spans ±292 years around 1970: wide enough for a span past TABLE_DAYS
TICKS = st.one_of(st.just(NAT), st.integers(-(2**62), 2**62),
                  st.integers(0, 4000).map(lambda d: (18_000 + d) * 86_400 * 10**9))


def numpy_months(v):
    return v.astype("datetime64[M]").view(np.int64)


def numpy_ends(v):
    return (v.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1


def numpy_starts(v):
    return (v.astype("datetime64[M]").astype(v.dtype) == v) & ~np.isnat(v)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 50), elements=TICKS), st.sampled_from([0, months.DIRECT_ROWS]))
def test_the_same_as_numpys_casts(ticks, direct_rows):
    """By the table over the days (``DIRECT_ROWS`` 0) and row by row (short columns)."""
    v = ticks.view("datetime64[ns]")
    before, months.DIRECT_ROWS = months.DIRECT_ROWS, direct_rows
    try:
        np.testing.assert_array_equal(month_numbers(v), numpy_months(v))
        np.testing.assert_array_equal(month_ends(v), numpy_ends(v))  # NaT equals NaT here
        np.testing.assert_array_equal(month_starts(v), numpy_starts(v))
    finally:
        months.DIRECT_ROWS = before


def test_a_long_column_of_month_starts_by_the_table():
    v = np.repeat((np.datetime64("2021-01", "M") + np.arange(48)).astype("datetime64[ns]"), 100)
    v[::997] = np.datetime64("NaT")
    assert len(v) > months.DIRECT_ROWS
    np.testing.assert_array_equal(month_numbers(v), numpy_months(v))
    np.testing.assert_array_equal(month_ends(v), numpy_ends(v))
    np.testing.assert_array_equal(month_starts(v), numpy_starts(v))


@pytest.fixture(params=["table", "direct"], autouse=True)
def way(request, monkeypatch):
    """Every example below both ways: by the table over the days, and row by row."""
    if request.param == "table":
        monkeypatch.setattr(months, "DIRECT_ROWS", 0)
    return request.param


def test_a_month_column_of_first_days_with_a_missing_value():
    v = np.array(["2023-01-01", "2023-02-01", "NaT", "2024-02-01", "1969-12-01"], dtype="datetime64[ns]")
    assert month_numbers(v).tolist() == [636, 637, NAT, 649, -1]
    assert month_ends(v).astype(str).tolist() == ["2023-01-31", "2023-02-28", "NaT", "2024-02-29", "1969-12-31"]
    assert month_starts(v).tolist() == [True, True, False, True, True]


def test_a_time_of_day_is_not_the_start_of_a_month():
    v = np.array(["2023-01-01T00:00", "2023-01-01T00:00:00.000000001", "1969-12-31T12:00"], dtype="datetime64[ns]")
    assert month_starts(v).tolist() == [True, False, False]
    assert month_numbers(v).tolist() == [636, 636, -1]


def test_dates_spanning_more_than_the_table_are_converted_row_by_row(monkeypatch):
    v = np.array(["1700-03-15", "2200-07-04", "NaT"], dtype="datetime64[ns]")
    monkeypatch.setattr(months, "TABLE_DAYS", 10)
    monkeypatch.setattr(months, "DIRECT_ROWS", 0)
    np.testing.assert_array_equal(month_numbers(v), numpy_months(v))
    np.testing.assert_array_equal(month_ends(v), numpy_ends(v))


def test_no_values_and_only_missing_values():
    assert month_numbers(np.array([], dtype="datetime64[ns]")).tolist() == []
    assert month_numbers(np.array(["NaT"], dtype="datetime64[ns]")).tolist() == [NAT]
    assert month_starts(np.array(["NaT"], dtype="datetime64[ns]")).tolist() == [False]


def test_other_values_are_refused():
    with pytest.raises(TypeError, match="datetime64"):
        month_numbers(np.array([1, 2]))
