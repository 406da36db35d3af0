"""The run's plots: one panel per as-of date, calibration on log axes by decile, importance twice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.training import plots


def frame(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.beta(0.5, 60, n)
    return pd.DataFrame({"as_of": np.repeat(pd.to_datetime(["2024-01-01", "2024-02-01"]), n // 2),
                         "household_id": [f"H{i % (n // 2)}" for i in range(n)], "county": "370321",
                         "label": (rng.random(n) < p * 3).astype(int), "s_lightgbm": p, "p_lightgbm": p,
                         "s_rule": rng.random(n)})


def test_per_date_plots_have_one_panel_per_as_of_date():
    f = frame()
    for make in (plots.pr_curve_by_date_figure, plots.lift_by_date_figure):
        fig = make(f, ["lightgbm", "rule"])
        titles = [ax.get_title() for ax in fig.axes]
        assert len(fig.axes) == 2 and titles[0].startswith("2024-01-01") and titles[1].startswith("2024-02-01")


def test_calibration_by_decile_is_on_log_axes_with_ten_points():
    fig = plots.calibration_deciles_figure(frame(), ["lightgbm"])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.lines[0].get_xdata()) == 10


def test_feature_importance_sits_beside_importance_by_risk_type():
    class Model:
        def importance(self):
            return pd.Series([3.0, 1.0, 0.0], index=["a", "b", "c"])

    fig = plots.importance_figure(Model(), pd.Series({"illness": 0.75, "disaster": 0.25}), top=2)
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == ["b", "a"]
    assert right.get_title() == "By official risk type"
