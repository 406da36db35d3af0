"""Calendar months of date columns, as numpy's ``astype("datetime64[M]")`` gives them, faster.

numpy converts each date to its month with calendar arithmetic, value by value: ~30 ns a row,
and a county's income table has half a million rows, checked twice by the contract (its key, and
``reported_on`` after the month's end) and read once more by the features. A column's dates span
a few thousand days at most, so each day of that span is converted once and the rows look
theirs up: a day number, a subtraction and a gather per row. Same answers, NaT included.
"""

from __future__ import annotations

import numpy as np

#: Dates spanning more days than this are converted row by row (a table of their span would not pay).
TABLE_DAYS = 1 << 20
#: Columns up to this many rows are converted row by row: the table's own fixed cost (tens of µs)
#: is more than numpy's cast of a few thousand rows (one household's panel in the API has ~50).
DIRECT_ROWS = 4096
_NAT = np.iinfo(np.int64).min


def _by_day(values, per_day) -> np.ndarray:
    """``per_day(days)`` of each value's day, computed once per day of the values' span.

    ``per_day`` maps ``datetime64[D]`` values to an array of the same length; NaT rows get NaT's
    integer (as numpy's casts give it) or False.
    """
    values = np.asarray(values)
    if values.dtype.kind != "M":
        raise TypeError(f"expected datetime64 values, got {values.dtype}")
    if len(values) <= DIRECT_ROWS:
        return per_day(values.astype("datetime64[D]"))
    days = values.astype("datetime64[D]").view(np.int64)
    absent = days == _NAT
    some_absent = bool(absent.any())
    present = days[~absent] if some_absent else days
    if not len(present) or int(present.max()) - int(present.min()) >= TABLE_DAYS:
        return per_day(days.view("datetime64[D]"))
    low = int(present.min())
    table = per_day(np.arange(low, int(present.max()) + 1, dtype=np.int64).view("datetime64[D]"))
    at = days - low
    if some_absent:
        at[absent] = 0
    out = table[at]
    if some_absent:
        out[absent] = False if out.dtype == bool else _NAT
    return out


def month_numbers(values) -> np.ndarray:
    """Months since 1970-01 (``astype("datetime64[M]").view(np.int64)``; NaT as NaT's integer)."""
    return _by_day(values, lambda d: d.astype("datetime64[M]").view(np.int64))


def month_ends(values) -> np.ndarray:
    """The last day of each value's month (``datetime64[D]``; NaT stays NaT)."""
    return _by_day(values, lambda d: ((d.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1).view(np.int64)
                   ).view("datetime64[D]")


def month_starts(values) -> np.ndarray:
    """Whether each value is the first instant of its month (NaT: False)."""
    values = np.asarray(values)
    first_day = _by_day(values, lambda d: d.astype("datetime64[M]").astype("datetime64[D]") == d)
    midnight = values.astype("datetime64[D]").astype(values.dtype) == values
    return first_day & midnight
