"""How strongly to shrink isotonic calibration towards the base rate (``ISOTONIC_PRIOR_ROWS``).

Back-tests the default recipe on a panel exactly as ``riskmodel evaluate`` does (fit window,
later calibration window, evaluation dates after the training cut-off), then refits only the
calibrator with several prior strengths and prints, on the evaluation rows: the largest
probability, predicted vs observed rate of the top 0.1 % of scores, Brier score, ECE (20
equal-count bins) and log-loss.

    .venv/bin/python training/experiments/calibration_prior.py DATA_DIR [--prior 0 5 20 50 100]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd


def ece(p: np.ndarray, y: np.ndarray, bins: int = 20) -> float:
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    return float(sum(abs(p[idx == b].mean() - y[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("--prior", type=float, nargs="+", default=[0, 5, 20, 50, 100])
    args = ap.parse_args()

    from riskmodel.contract import load
    from riskmodel.training import pipeline
    from riskmodel.training.config import TrainConfig
    from riskmodel.training.model import _smoothed_isotonic

    panel = load(args.data_dir)
    cfg = TrainConfig()
    cutoff = panel.cutoff() - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    fitted = pipeline.fit_recipe(panel, cutoff, cfg)
    model = fitted.lightgbm
    cal = pipeline.labelled_table(panel, fitted.windows.calibration_dates, fitted.windows.cutoff,
                                  cfg.horizon_weeks)
    dates, _ = pipeline.evaluation_dates(cutoff, panel.cutoff(), cfg)
    ev = pipeline.labelled_table(panel, dates, panel.cutoff(), cfg.horizon_weeks)
    s_cal, y_cal = model.score(cal), cal["label"].to_numpy(dtype=float)
    s_ev, y_ev = model.score(ev), ev["label"].to_numpy(dtype=float)
    top = np.argsort(-s_ev, kind="stable")[: max(1, len(s_ev) // 1000)]
    print(f"calibration rows {len(y_cal):,} ({int(y_cal.sum())} positive); "
          f"evaluation rows {len(y_ev):,} ({int(y_ev.sum())} positive)")
    print(f"{'prior rows':>10s} {'max p':>7s} {'top 0.1% pred':>14s} {'observed':>9s} {'Brier':>8s} "
          f"{'ECE':>7s} {'log-loss':>9s}")
    for k in args.prior:
        p = _smoothed_isotonic(s_cal, y_cal, k).predict(s_ev)
        q = np.clip(p, 1e-6, 1 - 1e-6)
        log_loss = -np.mean(y_ev * np.log(q) + (1 - y_ev) * np.log(1 - q))
        print(f"{k:10g} {p.max():7.3f} {p[top].mean():14.3f} {y_ev[top].mean():9.3f} "
              f"{np.mean((p - y_ev) ** 2):8.5f} {ece(p, y_ev):7.4f} {log_loss:9.5f}")


if __name__ == "__main__":
    main()
