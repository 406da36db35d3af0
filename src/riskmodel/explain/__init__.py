"""Why a household is on the list: contributions by official risk type.

Contributions are LightGBM's exact per-feature SHAP values (``pred_contrib``) in log-odds,
summed over the features that speak for each risk type in the one risk-type map
(``features.yaml`` → ``feature_risk_types()``; names and measures from ``risk_types.yaml``).
They cost about 200× a prediction, so callers compute them only for rows that are shown.

An income level says *that* a household is short, not *why*; summed as "other" it made 其他
the main risk type of three in four listed households. ``explained_sums`` therefore splits the
contributions of ``explain: by_cause`` features over the risk types in proportion to the
household's own ``cause`` features — yuan per person a year by which a fall in wages
(务工就业不稳), in business income (因产业项目失败), too few workers (缺劳动力), medical bills
(因病), school costs (因学), disaster or accident losses lower its resources, and the shortfall
none of them accounts for (其他). ``explain: context`` features (calendar, data coverage) are
split like the household's other positive reasons. The totals per row are unchanged.

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


class AttributionPlan:
    """How each model feature's contribution reaches the risk types (built once per model)."""

    def __init__(self, feature_names: list[str], specs: dict):
        """``specs``: feature name → an object with ``risk_type``, ``explain`` and ``cause`` (FeatureSpec);
        features without one count as fixed ``other``."""
        k = len(RISK_TYPES)
        col = {code: j for j, code in enumerate(RISK_TYPES)}
        self.fixed = np.zeros((len(feature_names), k))
        self.by_cause = np.zeros(len(feature_names), dtype=bool)
        self.context = np.zeros(len(feature_names), dtype=bool)
        causes = []
        for i, name in enumerate(feature_names):
            spec = specs.get(name)
            code = getattr(spec, "risk_type", "other")
            if code not in col:
                raise ValueError(f"feature {name} has a risk type outside the contract's codes: {code}")
            mode = getattr(spec, "explain", "fixed")
            if mode == "by_cause":
                self.by_cause[i] = True
            elif mode == "context":
                self.context[i] = True
            else:
                self.fixed[i, col[code]] = 1.0
            if getattr(spec, "cause", 0):
                causes.append((i, col[code], float(spec.cause)))
        self.cause_index = np.array([c[0] for c in causes], dtype=np.intp)
        self.cause_type = np.array([c[1] for c in causes], dtype=np.intp)
        self.cause_sign = np.array([c[2] for c in causes])
        self.other = col["other"]


def cause_weights(X: np.ndarray, plan: AttributionPlan) -> np.ndarray:
    """Per row, the shares of the risk types in the household's shortfall (rows sum to 1; no cause: other)."""
    n, k = X.shape[0], len(RISK_TYPES)
    w = np.zeros((n, k))
    if len(plan.cause_index):
        v = np.nan_to_num(X[:, plan.cause_index] * plan.cause_sign, nan=0.0)
        np.add.at(w.T, plan.cause_type, np.maximum(v, 0.0).T)
    total = w.sum(axis=1)
    none = total <= 0
    w[none, plan.other] = 1.0
    total[none] = 1.0
    return w / total[:, None]


def explained_sums(contrib: np.ndarray, X: np.ndarray, plan: AttributionPlan) -> np.ndarray:
    """Contributions by risk type (columns ``RISK_TYPES``) with by-cause and context features split.

    ``contrib``: ``pred_contrib`` output (bias last, dropped); ``X``: the same rows' features.
    Each row's total equals the sum of its feature contributions.
    """
    contrib = np.asarray(contrib, dtype=float)
    X = np.asarray(X, dtype=float)
    if contrib.ndim != 2 or contrib.shape[1] != plan.fixed.shape[0] + 1 or X.shape != (contrib.shape[0], plan.fixed.shape[0]):
        raise ValueError(f"pred_contrib must have {plan.fixed.shape[0] + 1} columns and X {plan.fixed.shape[0]}, "
                         f"got {contrib.shape} and {X.shape}")
    c = contrib[:, :-1]
    sums = c @ plan.fixed
    sums += c[:, plan.by_cause].sum(axis=1)[:, None] * cause_weights(X, plan)
    ctx = c[:, plan.context].sum(axis=1)
    pos = np.maximum(sums, 0.0)
    total = pos.sum(axis=1)
    share = np.zeros_like(sums)
    has = total > 0
    share[has] = pos[has] / total[has, None]
    share[~has, plan.other] = 1.0
    return sums + ctx[:, None] * share


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


__all__ = ["AttributionPlan", "cause_weights", "explained_sums", "reason_lists", "reasons", "risk_type_matrix",
           "risk_type_sums", "sum_by_risk_type"]
