"""A predict uses no more threads than its process is given (``OMP_NUM_THREADS``, as Dask's nanny sets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.training.model import SMALL_PREDICT_ROWS, CalibratedLightGBM


def _fitted() -> tuple[CalibratedLightGBM, pd.DataFrame]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3_000, 3)), columns=["a", "b", "c"])
    y = (X["a"] + rng.normal(size=len(X)) > 1.5).astype(float).to_numpy()
    model = CalibratedLightGBM(num_boost_round=20, n_jobs=2).fit(X, y, ["a", "b", "c"])
    return model.calibrate(X, y), X


def test_a_large_predict_uses_n_jobs_when_the_process_is_not_told_otherwise(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert CalibratedLightGBM(n_jobs=2)._threads(SMALL_PREDICT_ROWS) == 2
    assert CalibratedLightGBM(n_jobs=2)._threads(SMALL_PREDICT_ROWS - 1) == 1


@pytest.mark.parametrize(("given", "threads"), [("1", 1), ("2", 2), ("8", 2), ("0", 2), ("two", 2), ("", 2)])
def test_omp_num_threads_caps_a_large_predict(monkeypatch, given, threads):
    monkeypatch.setenv("OMP_NUM_THREADS", given)
    assert CalibratedLightGBM(n_jobs=2)._threads(50_000) == threads


def test_scores_and_contributions_do_not_depend_on_the_threads(monkeypatch):
    model, X = _fitted()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    two = model.score(X), model.contributions(X)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = model.score(X), model.contributions(X)
    assert np.array_equal(two[0], one[0])
    assert np.array_equal(two[1], one[1])
