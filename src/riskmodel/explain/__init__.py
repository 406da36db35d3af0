"""Why a household is on the list: contributions by official risk type.

Contributions are LightGBM's exact per-feature SHAP values (``pred_contrib``) in log-odds,
summed over the features that speak for each risk type in the one risk-type map
(``features.yaml`` → ``feature_risk_types()``; names and measures from ``risk_types.yaml``).
They cost about 200× a prediction, so callers compute them only for rows that are shown.

Which risk types and measures are shown is the list policy's (``riskmodel.listing``); the
suggested category rule is there too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import RISK_TYPES
from riskmodel.listing.policy import DEFAULT_POLICY, ListPolicy, reasons_from_sums


def risk_type_matrix(feature_names: list[str], feature_risk_types: dict[str, str]) -> np.ndarray:
    """A (features × risk types) 0/1 matrix, rows in ``feature_names`` order, columns ``RISK_TYPES``."""
    unknown = [f for f in feature_names if feature_risk_types.get(f, "other") not in RISK_TYPES]
    if unknown:
        raise ValueError(f"features with a risk type outside the contract's codes: {unknown}")
    m = np.zeros((len(feature_names), len(RISK_TYPES)))
    col = {code: j for j, code in enumerate(RISK_TYPES)}
    for i, name in enumerate(feature_names):
        m[i, col[feature_risk_types.get(name, "other")]] = 1.0
    return m


def sum_by_risk_type(contrib: np.ndarray, feature_names: list[str],
                     feature_risk_types: dict[str, str]) -> pd.DataFrame:
    """Per-row contributions summed by risk type; ``contrib`` is ``pred_contrib`` output.

    The last column of ``contrib`` (the bias term) is dropped: it is the same for every row.
    """
    return pd.DataFrame(risk_type_sums(contrib, feature_names, feature_risk_types), columns=list(RISK_TYPES))


def risk_type_sums(contrib: np.ndarray, feature_names: list[str], feature_risk_types: dict[str, str], *,
                   matrix: np.ndarray | None = None) -> np.ndarray:
    """``sum_by_risk_type`` as an array (columns in ``RISK_TYPES`` order).

    ``matrix``: ``risk_type_matrix(feature_names, feature_risk_types)`` when the caller keeps it.
    """
    contrib = np.asarray(contrib, dtype=float)
    if contrib.ndim != 2 or contrib.shape[1] != len(feature_names) + 1:
        raise ValueError(f"pred_contrib must have {len(feature_names) + 1} columns, got {contrib.shape}")
    return contrib[:, :-1] @ (risk_type_matrix(feature_names, feature_risk_types) if matrix is None else matrix)


def reasons(by_type: pd.DataFrame, measures: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """From contributions by risk type to the shown ``risk_types`` (positive ones, largest
    first), ``contributions`` (code → float, all codes with a non-zero sum) and the shown
    ``measures`` (``riskmodel.listing.policy``).

    A row with no positive contribution gets ``["other"]``: the list still needs a visit.
    """
    return pd.DataFrame(reason_lists(by_type.to_numpy(), list(by_type.columns), measures), index=by_type.index)


def reason_lists(values: np.ndarray, codes: list[str], measures: dict[str, tuple[str, ...]],
                 policy: ListPolicy = DEFAULT_POLICY) -> dict[str, list]:
    """``reasons`` as three lists, one item per row of ``values`` (columns named by ``codes``);
    the risk types and measures shown are the list policy's."""
    return reasons_from_sums(values, codes, measures, policy)


__all__ = ["reason_lists", "reasons", "risk_type_matrix", "risk_type_sums", "sum_by_risk_type"]
