"""The logistic baseline scores a back-test's millions of rows without sklearn's per-step copies:
sklearn's transformed numbers to the last bit, and its scores to 1e-12."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.features.matrix import feature_matrix
from riskmodel.training.model import LogisticBaseline


def _fitted(n: int = 4_000, k: int = 9):
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(n, k)) * rng.uniform(0.1, 1_000, k), columns=[f"f{i}" for i in range(k)])
    X = X.mask(rng.random((n, k)) < 0.15)
    X["f4"] = np.nan  # missing throughout: not used
    X["f6"] = X["f6"].fillna(1.0)  # never missing at fit: no indicator
    y = (X["f0"].fillna(0) / 500 + rng.normal(size=n) > 0.8).astype(int).to_numpy()
    return LogisticBaseline(max_iter=200).fit(X, y, list(X.columns)), X


def test_the_transformed_rows_are_sklearns_and_the_scores_agree():
    model, X = _fitted()
    later = X.copy()
    later.loc[::5, "f6"] = np.nan  # missing now, never at fit: imputed, still no indicator
    for frame in (X, later):
        M = feature_matrix(frame, model.used_features_)
        np.testing.assert_array_equal(model._standardised(M), model.pipeline_[:-1].transform(M))
        np.testing.assert_allclose(model.predict_proba(frame), model.pipeline_.predict_proba(M)[:, 1],
                                   rtol=0, atol=1e-12)
    assert model.used_features_ == [c for c in X.columns if c != "f4"]

