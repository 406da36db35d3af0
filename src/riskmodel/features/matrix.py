"""The model's feature matrix from a feature frame: what training fits on and scoring predicts with."""

from __future__ import annotations

import numpy as np
import pandas as pd


def feature_matrix(X: pd.DataFrame | np.ndarray, names: list[str], dtype=np.float64) -> np.ndarray:
    """The model's feature matrix: columns ``names`` of a frame (or an array already in that order).

    ``dtype=np.float32`` only where every value already is one (a labelled table): the same
    numbers in half the memory."""
    if isinstance(X, np.ndarray):
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"feature matrix must have {len(names)} columns, got shape {X.shape}")
        return X
    cols, k = X.columns, len(names)
    if len(cols) >= k and cols[len(cols) - k:].tolist() == names:  # build_features' layout: no reindexing
        return X.iloc[:, len(cols) - k:].to_numpy(dtype=dtype, na_value=np.nan)
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise ValueError(f"feature frame lacks model features {missing[:10]} (feature spec changed since training?)")
    return X[names].to_numpy(dtype=dtype, na_value=np.nan)


__all__ = ["feature_matrix"]
