"""Thin data: does the model keep the plain income signal when claims, events and assistance are empty?

Empties those three tables of a panel, back-tests a recipe on what is left (households, members,
income, monitoring) and prints recall at a list share for LightGBM and for a plain ranking by
per-capita income of the last 12 months (lowest first; households without income last).

    python training/experiments/thin_data.py DATA_DIR [--config training/fast.yaml] [--share 0.10]
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pandas as pd

from riskmodel.contract import load
from riskmodel.features import build_features
from riskmodel.training.config import TrainConfig
from riskmodel.training.metrics import at_capacity, inside_capacity
from riskmodel.training.pipeline import evaluate, fit_recipe


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--config", default=None)
    ap.add_argument("--share", type=float, default=0.10)
    ap.add_argument("--eval-weeks", type=int, default=24)
    args = ap.parse_args()
    full = load(args.data)
    panel = dataclasses.replace(full, medical_claims=full.medical_claims.iloc[:0], events=full.events.iloc[:0],
                                assistance=full.assistance.iloc[:0])
    cfg = TrainConfig.load(args.config).model_copy(update={"capacity_share": args.share, "eval_weeks": args.eval_weeks})
    c = panel.cutoff()
    start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    fitted = fit_recipe(panel.as_of(c), start, cfg, earliest=panel.households["registered_on"].min())
    frame = evaluate(panel.as_of(c), {"lightgbm": fitted.lightgbm, "logistic": fitted.logistic}, start, cfg,
                     data_cutoff=c, with_leads=False).frame
    parts = []
    for t in pd.DatetimeIndex(frame["as_of"].unique()):
        f = build_features(panel, t)
        parts.append(pd.DataFrame({"as_of": t, "household_id": f["household_id"].astype(object).to_numpy(),
                                   "s_income": -f["income_pc_12m"].fillna(np.inf).to_numpy()}))
    frame = frame.merge(pd.concat(parts), on=["as_of", "household_id"], how="left", validate="one_to_one")
    print(f"{len(frame)} rows, {int(frame['label'].sum())} positives, list share {args.share:.0%}")
    for name in ("lightgbm", "logistic", "income"):
        r = at_capacity(frame, inside_capacity(frame, f"s_{name}", args.share))["recall"]
        print(f"  recall {name:<9} {r:.3f}")


if __name__ == "__main__":
    main()
