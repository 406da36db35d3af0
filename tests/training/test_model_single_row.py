"""One row (the API's case) goes through LightGBM's single-row handle: the same numbers as a
whole-matrix predict, bit for bit, from any thread, and the model still pickles."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from riskmodel.training.model import _SINGLE_ROW, CalibratedLightGBM


def _fitted() -> tuple[CalibratedLightGBM, np.ndarray]:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(3_000, 4)), columns=["a", "b", "c", "d"])
    X.loc[rng.random(len(X)) < 0.2, "b"] = np.nan  # missing values take their own branch
    y = (X["a"] + X["b"].fillna(0) + rng.normal(size=len(X)) > 1.5).astype(float).to_numpy()
    model = CalibratedLightGBM(num_boost_round=30, n_jobs=2).fit(X, y, list(X.columns))
    return model.calibrate(X, y), X.to_numpy()


def test_one_row_at_a_time_gives_the_matrix_scores_and_contributions_bit_for_bit():
    model, M = _fitted()
    rows = M[:300]
    scores, contrib = model.score(rows), model.contributions(rows)
    assert model.booster_ not in _SINGLE_ROW  # a matrix goes the usual way
    one_score = np.concatenate([model.score(rows[i:i + 1]) for i in range(len(rows))])
    one_contrib = np.concatenate([model.contributions(rows[i:i + 1]) for i in range(len(rows))])
    assert model.booster_ in _SINGLE_ROW  # and the rows the single-row way
    np.testing.assert_array_equal(one_score, scores, strict=True)
    np.testing.assert_array_equal(one_contrib, contrib, strict=True)
    assert one_contrib.shape == (len(rows), M.shape[1] + 1)


def test_single_rows_from_several_threads_get_their_own_numbers():
    model, M = _fitted()
    rows = M[:400]
    expected = model.contributions(rows)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: model.contributions(rows[i:i + 1])[0], range(len(rows))))
    np.testing.assert_array_equal(np.array(got), expected)


def test_a_model_that_predicted_single_rows_still_pickles_and_predicts_alike():
    model, M = _fitted()
    before = model.score(M[:1])
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.score(M[:1]), before)
