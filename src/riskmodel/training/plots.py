"""Plots logged with every training and evaluation run, read at a glance (matplotlib, Agg backend).

The whole-window plots (PR curve, reliability, recall by list size, importance by risk type)
are in ``report``; these add what a single number hides: the top of the calibration curve
(log axes by decile, where the listed households are), each as-of date on its own (a model
that only wins on one date shows it), the score distribution by outcome, and per-feature
importance beside importance by risk type. Aggregates only: no household identifier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.training.metrics import capacity_curve, reliability
from riskmodel.training.report import _plt

LABELS = {"lightgbm": "LightGBM", "logistic": "logistic", "rule": "rule screen", "must_visit": "must-visit (ba bi fang)",
          "oracle": "oracle", "oracle_state": "oracle (state now)", "oracle_observable": "oracle (observable)",
          "champion": "champion",
          "challenger": "challenger"}


def calibration_deciles_figure(frame: pd.DataFrame, models: list[str]):
    """Observed rate vs mean predicted probability per decile, on log axes: the top deciles visible."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    lo, hi = 1.0, 0.0
    for m in models:
        if f"p_{m}" not in frame:
            continue
        r = reliability(frame["label"], frame[f"p_{m}"], bins=10)
        r = r[(r["p_mean"] > 0)]
        y = r["y_rate"].clip(lower=1e-4)
        ax.plot(r["p_mean"], y, marker="o", ms=4, label=LABELS.get(m, m))
        lo, hi = min(lo, float(r["p_mean"].min()), float(y.min())), max(hi, float(r["p_mean"].max()), float(y.max()))
    lo, hi = max(lo * 0.8, 1e-4), min(hi * 1.25, 1.0)
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mean predicted probability (decile, log)")
    ax.set_ylabel("observed rate (log; 0 shown at 1e-4)")
    ax.set_title("Calibration by decile")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _by_date(frame: pd.DataFrame):
    """A figure with one panel per as-of date, and (axis, date, that date's rows) for each."""
    plt = _plt()
    dates = sorted(pd.unique(frame["as_of"]))
    fig, axes = plt.subplots(1, len(dates), figsize=(3.2 * len(dates), 3.2), squeeze=False, sharey=True)
    return fig, axes[0], [(ax, t, frame.loc[(frame["as_of"] == t).to_numpy()]) for ax, t in zip(axes[0], dates)]


def pr_curve_by_date_figure(frame: pd.DataFrame, models: list[str]):
    """One precision-recall panel per as-of date."""
    from sklearn.metrics import precision_recall_curve

    fig, axes, panels = _by_date(frame)
    for ax, t, part in panels:
        y = part["label"].to_numpy()
        if y.min(initial=1) != y.max(initial=0):
            for m in models:
                p, r, _ = precision_recall_curve(y, part[f"s_{m}"].to_numpy())
                ax.plot(r, p, lw=1, label=LABELS.get(m, m))
        ax.set_title(f"{pd.Timestamp(t).date()} ({int(y.sum())} later identified)", fontsize=9)
        ax.set_xlabel("recall")
    axes[0].set_ylabel("precision")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def lift_by_date_figure(frame: pd.DataFrame, models: list[str]):
    """Recall by list size, one panel per as-of date."""
    fig, axes, panels = _by_date(frame)
    for ax, t, part in panels:
        for m in models:
            curve = capacity_curve(part, m)
            xs = sorted(curve)
            ax.plot([100 * x for x in xs], [curve[x] for x in xs], marker="o", ms=3, lw=1, label=LABELS.get(m, m))
        ax.set_title(str(pd.Timestamp(t).date()), fontsize=9)
        ax.set_xlabel("list size (% of eligible)")
    axes[0].set_ylabel("recall")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def score_distribution_figure(frame: pd.DataFrame, model: str = "lightgbm"):
    """Calibrated probability of households later identified vs not (log-spaced bins, densities)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    p = frame[f"p_{model}"].to_numpy(dtype=float)
    positive = frame["label"].to_numpy() > 0
    edges = np.geomspace(max(np.nanmin(p[p > 0]) if (p > 0).any() else 1e-5, 1e-5), 1.0, 40)
    for mask, name in ((~positive, "not identified"), (positive, "identified later")):
        if mask.any():
            ax.hist(np.clip(p[mask], edges[0], 1.0), bins=edges, density=True, histtype="step", lw=1.5, label=name)
    ax.set_xscale("log")
    ax.set_xlabel(f"{LABELS.get(model, model)} probability (log)")
    ax.set_ylabel("density")
    ax.set_title("Score distribution by outcome")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(model, by_type: pd.Series, top: int = 25):
    """Per-feature gain (top ``top``) beside the gain summed by official risk type."""
    plt = _plt()
    imp = model.importance()
    share = (imp / imp.sum() if imp.sum() > 0 else imp).sort_values().tail(top)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 0.25 * top + 1.5), gridspec_kw={"width_ratios": [3, 2]})
    a.barh(share.index, share.to_numpy())
    a.tick_params(axis="y", labelsize=7)
    a.set_xlabel("share of total gain")
    a.set_title(f"Top {len(share)} features")
    s = by_type.sort_values()
    b.barh(s.index, s.to_numpy())
    b.set_xlabel("share of total gain")
    b.set_title("By official risk type")
    fig.tight_layout()
    return fig
