"""Thin data: does a recipe keep the plain income signal when claims, events and assistance are empty?

Real extracts are sparse where the generator is rich (issue 15). Empties those three tables,
back-tests the recipe on what is left (households, members, income, monitoring) and gives recall
at a list share for the fitted models and for a plain ranking by per-capita income of the last
12 months (lowest first; households without income last).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from riskmodel.contract import Panel
from riskmodel.features import build_features
from riskmodel.training.config import TrainConfig
from riskmodel.training.metrics import at_capacity, inside_capacity
from riskmodel.training.pipeline import evaluate, fit_recipe


def thin(panel: Panel) -> Panel:
    """The panel without medical claims, events and assistance."""
    return dataclasses.replace(panel, medical_claims=panel.medical_claims.iloc[:0], events=panel.events.iloc[:0],
                               assistance=panel.assistance.iloc[:0])


def thin_data_recall(panel: Panel, cfg: TrainConfig, *, share: float = 0.10, eval_weeks: int = 24,
                     models: tuple[str, ...] = ("lightgbm", "logistic")) -> tuple[dict[str, float], int, int]:
    """(recall at ``share`` per model and for ``income``, evaluated rows, positives) on ``thin(panel)``."""
    panel = thin(panel)
    cfg = cfg.model_copy(update={"capacity_share": share, "eval_weeks": eval_weeks})
    c = panel.cutoff()
    start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    fitted = fit_recipe(panel.as_of(c), start, cfg, earliest=panel.data_start())
    frame = evaluate(panel.as_of(c), {m: getattr(fitted, m) for m in models}, start, cfg, data_cutoff=c,
                     with_leads=False).frame
    parts = []
    for t in pd.DatetimeIndex(frame["as_of"].unique()):
        f = build_features(panel, t)
        parts.append(pd.DataFrame({"as_of": t, "household_id": f["household_id"].astype(object).to_numpy(),
                                   "s_income": -f["income_pc_12m"].fillna(np.inf).to_numpy()}))
    frame = frame.merge(pd.concat(parts), on=["as_of", "household_id"], how="left", validate="one_to_one")
    recall = {m: at_capacity(frame, inside_capacity(frame, f"s_{m}", share))["recall"] for m in (*models, "income")}
    return recall, len(frame), int(frame["label"].sum())
