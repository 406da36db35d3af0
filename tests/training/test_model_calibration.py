"""Isotonic calibration shrunk towards the base rate: no certainty from a handful of rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from riskmodel.training.model import CalibratedLightGBM, _smoothed_isotonic


def _window(seed: int = 0):
    rng = np.random.default_rng(seed)
    s = rng.random(20_000)
    y = (rng.random(20_000) < 0.01 + 0.04 * s).astype(float)
    s = np.append(s, [1.5, 1.6, 1.7])  # three top scores, all positive: plain isotonic says 1.0
    y = np.append(y, [1.0, 1.0, 1.0])
    return s, y


def test_a_few_positive_top_rows_do_not_make_a_certainty():
    s, y = _window()
    plain = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(s, y)
    assert plain.predict([1.7])[0] == 1.0
    smooth = _smoothed_isotonic(s, y, prior_rows=50)
    top = smooth.predict([1.7])[0]
    assert top == pytest.approx((3 + 50 * y.mean()) / (3 + 50), rel=1e-9)
    assert top < 0.1


def test_smoothed_calibration_stays_monotone_and_keeps_well_populated_steps():
    s, y = _window(1)
    plain = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(s, y)
    smooth = _smoothed_isotonic(s, y, prior_rows=50)
    grid = np.linspace(0, 1.7, 500)
    p = smooth.predict(grid)
    assert np.all(np.diff(p) >= -1e-12)
    middle = (grid > 0.2) & (grid < 0.8)  # steps of thousands of rows move by little
    assert np.max(np.abs(p[middle] - plain.predict(grid[middle]))) < 0.01


def test_zero_prior_rows_is_plain_isotonic():
    s, y = _window(2)
    plain = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(s, y)
    assert np.array_equal(_smoothed_isotonic(s, y, prior_rows=0).predict(s), plain.predict(s))


def test_calibrated_scores_are_exactly_the_isotonic_predictions():
    """``calibrate_scores`` skips sklearn's input checks; the numbers must not change."""
    s, y = _window(3)
    model = CalibratedLightGBM(calibration="isotonic")
    model.calibrator_ = _smoothed_isotonic(s, y, prior_rows=50)
    grid = np.concatenate([np.linspace(-0.5, 2.0, 997), s[:50]])
    assert np.array_equal(model.calibrate_scores(grid), np.clip(model.calibrator_.predict(grid), 0, 1))
    assert np.array_equal(model.calibrate_scores(grid[:1]), model.calibrator_.predict(grid[:1]))
