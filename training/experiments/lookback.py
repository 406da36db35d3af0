"""Look-back start: which fit dates does the recipe keep, and what does each choice cost?

Back-tests the recipe three ways on one panel and prints per-date metrics of LightGBM (mean
over the evaluation dates) and the fit dates each keeps:

- ``registration``: the look-back measured from the first registration (before issue 15's fix:
  in a panel whose income survey starts in 2021 nothing was ever dropped);
- ``data start, N weeks``: measured from the first month the income survey covers
  (``Panel.data_start``), with a minimum of 104 and of 52 weeks.

    python training/experiments/lookback.py DATA_DIR [--config training/default.yaml]
"""

from __future__ import annotations

import argparse

import pandas as pd

from riskmodel.contract import load, load_truth
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import evaluate, fit_recipe


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--config", default=None)
    args = ap.parse_args()
    panel = load(args.data)
    truth = load_truth(args.data)
    base = TrainConfig.load(args.config).model_copy(update={"bootstrap_replicates": 0})
    c = panel.cutoff()
    data = panel.as_of(c)
    start = c - pd.Timedelta(weeks=base.horizon_weeks + base.eval_weeks)
    variants = {"registration, 104 weeks": (data.households["registered_on"].min(), 104),
                "data start, 104 weeks": (data.data_start(), 104),
                "data start, 52 weeks": (data.data_start(), 52)}
    print(f"{args.data}: data start {data.data_start().date()}, first registration "
          f"{data.households['registered_on'].min().date()}, back-test cut-off {start.date()}")
    print("| look-back from | fit dates | first fit date | per-date PR-AUC | per-date recall@2 % | ECE |")
    print("|---|---|---|---|---|---|")
    for name, (earliest, weeks) in variants.items():
        cfg = base.model_copy(update={"min_lookback_weeks": weeks})
        try:
            fitted = fit_recipe(data, start, cfg, earliest=earliest)
        except ValueError as e:
            print(f"| {name} | 0 | – | – | – | {e} |")
            continue
        rep = evaluate(data, {"lightgbm": fitted.lightgbm}, start, cfg, truth, data_cutoff=c,
                       with_leads=False).report["models"]["lightgbm"]
        fd = fitted.windows.fit_dates
        print(f"| {name} | {len(fd)} | {fd[0].date()} | {rep['per_date']['pr_auc']['mean']:.3f} | "
              f"{100 * rep['per_date']['recall_at_k']['mean']:.1f} % | {rep['ece']:.4f} |", flush=True)


if __name__ == "__main__":
    main()
