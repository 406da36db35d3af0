"""Plain Python values from numpy and pandas ones: what JSON files, the store's JSON columns
and MLflow can hold. One converter, so a list row reads the same in every one of them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def plain(value):
    """``value`` with numpy/pandas scalars and containers made plain: NaN, NA and NaT → None,
    numpy numbers → int/float/bool, arrays and Series → lists, dict keys → str. Anything else
    (str, dates, …) is returned as it is."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain_values(column: pd.Series) -> list:
    """``[plain(v) for v in column]``, a numeric column converted at once (a province has millions of rows)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biu":
        return column.to_numpy().tolist()
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
        return [None if v != v else v for v in column.to_numpy().tolist()]  # NaN → None
    return [plain(v) for v in column.astype(object).tolist()]


__all__ = ["plain", "plain_values"]
