"""The evaluation table of docs/evaluation.md: back-test on one or more generated panels.

For each panel: fit the recipe at ``C − H − eval_weeks`` with only the data reported by then,
score the later as-of dates with LightGBM, the logistic baseline, the department screen, 八必访,
the full-information oracle and the observable oracle, and print per-date metrics (averaged
over as-of dates) with bootstrap intervals over households, subgroup recall and calibration.
With several panels it also prints the mean over panels. Nothing is logged to MLflow.

    python bench/evaluation_table.py PANEL [PANEL ...] [--config FILE] [--replicates 200] [--json OUT]

100k-household panels need ~12 GB: run them under ``flock /work/bigmem.lock`` (or your
machine's equivalent) one at a time.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import pandas as pd

from riskmodel.contract import load, load_truth
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import evaluate, fit_recipe

MODELS = ("lightgbm", "logistic", "rule", "must_visit", "oracle", "oracle_state", "oracle_observable")


def one(path: str, cfg: TrainConfig) -> dict:
    t0 = time.time()
    panel = load(path)
    truth = load_truth(path)
    c = panel.cutoff()
    start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    fitted = fit_recipe(panel.as_of(c), start, cfg, earliest=panel.data_start())
    ev = evaluate(panel.as_of(c), {"lightgbm": fitted.lightgbm, "logistic": fitted.logistic}, start, cfg, truth,
                  data_cutoff=c, with_leads=False)
    rep = ev.report
    rep["panel"] = path
    rep["households"] = int(len(panel.households))
    rep["fit_dates"] = [str(t.date()) for t in fitted.windows.fit_dates]
    rep["calibration_dates"] = [str(t.date()) for t in fitted.windows.calibration_dates]
    rep["seconds"] = round(time.time() - t0, 1)
    return rep


def _f(v, pct=False) -> str:
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return "–" if v is None or math.isnan(v) else "∞"
    return f"{100 * v:.1f} %" if pct else f"{v:.3f}"


def _iv(d: dict | None, pct=False) -> str:
    if not d:
        return "–"
    s = _f(d.get("mean"), pct)
    return f"{s} [{_f(d['lo'], pct)}, {_f(d['hi'], pct)}]" if "lo" in d else s


def table(rep: dict) -> str:
    models = [m for m in MODELS if m in rep["models"]]
    ref = rep.get("per_date_reference")
    rows = [("per-date ROC-AUC", lambda m: _iv(rep["models"][m]["per_date"]["roc_auc"])),
            ("per-date PR-AUC", lambda m: _iv(rep["models"][m]["per_date"]["pr_auc"])),
            ("per-date recall@2 %", lambda m: _iv(rep["models"][m]["per_date"]["recall_at_k"], True)),
            (f"PR-AUC ÷ {ref}", lambda m: _iv(rep["models"][m]["per_date"].get("ratio_pr_auc"))),
            (f"recall@2 % ÷ {ref}", lambda m: _iv(rep["models"][m]["per_date"].get("ratio_recall_at_k"))),
            ("recall@2 % ÷ department screen", lambda m: _f(rep["models"][m]["lift_over_rule"])),
            ("recall@2 % ÷ 八必访", lambda m: _f(rep["models"][m]["lift_over_must_visit"])),
            ("general households' recall@2 %",
             lambda m: _f(rep["models"][m]["subgroup_recall_at_k"].get("household_type", {}).get("general"), True)),
            ("alleviated households' recall@2 %",
             lambda m: _f(rep["models"][m]["subgroup_recall_at_k"].get("household_type", {}).get("alleviated"), True)),
            ("ECE", lambda m: _f(rep["models"][m].get("ece"))),
            ("worst bin p ÷ rate (bins expecting ≥ 5 positives)", lambda m: _f(rep["models"][m].get("worst_bin_ratio"))),
            ("worst of the bins expecting < 5 (how many)",
             lambda m: "–" if rep["models"][m].get("small_bins") is None else
             f'{_f(rep["models"][m].get("worst_small_bin_ratio"))} ({rep["models"][m]["small_bins"]})'),
            ("pooled PR-AUC", lambda m: _f(rep["models"][m]["pr_auc"]))]
    lines = ["| metric | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    lines += ["| " + label + " | " + " | ".join(fn(m) for m in models) + " |" for label, fn in rows]
    return "\n".join(lines)


def mean_table(reports: list[dict]) -> str:
    models = [m for m in MODELS if all(m in r["models"] for r in reports)]
    keys = [("per-date PR-AUC", lambda r, m: r["models"][m]["per_date"]["pr_auc"]["mean"], False),
            ("per-date recall@2 %", lambda r, m: r["models"][m]["per_date"]["recall_at_k"]["mean"], True),
            ("PR-AUC ÷ observable oracle", lambda r, m: r["models"][m]["per_date"].get("ratio_pr_auc", {}).get("mean"), False),
            ("recall@2 % ÷ observable oracle",
             lambda r, m: r["models"][m]["per_date"].get("ratio_recall_at_k", {}).get("mean"), False),
            ("recall@2 % ÷ department screen", lambda r, m: r["models"][m]["lift_over_rule"], False),
            ("recall@2 % ÷ 八必访", lambda r, m: r["models"][m]["lift_over_must_visit"], False),
            ("general households' recall@2 %",
             lambda r, m: r["models"][m]["subgroup_recall_at_k"].get("household_type", {}).get("general"), True),
            ("ECE", lambda r, m: r["models"][m].get("ece"), False),
            ("worst bin p ÷ rate (bins expecting ≥ 5 positives)", lambda r, m: r["models"][m].get("worst_bin_ratio"), False)]
    lines = [f"mean over {len(reports)} panels", "| metric | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for label, fn, pct in keys:
        cells = []
        for m in models:
            vals = [fn(r, m) for r in reports]
            vals = [v for v in vals if v is not None]
            cells.append(_f(float(np.mean(vals)), pct) if vals else "–")
        lines.append("| " + label + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("panels", nargs="+")
    ap.add_argument("--config", default=None)
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    cfg = TrainConfig.load(args.config).model_copy(update={"bootstrap_replicates": args.replicates})
    reports = []
    for path in args.panels:
        rep = one(path, cfg)
        reports.append(rep)
        print(f"\n{path}: {rep['households']} households, {rep['rows']} rows, {rep['positives']} positives, "
              f"eval dates {rep['window']['eval_dates']}, {len(rep['fit_dates'])} fit dates "
              f"{rep['fit_dates'][0]}…{rep['fit_dates'][-1]}, calibration {rep['calibration_dates']}, {rep['seconds']} s")
        print(table(rep), flush=True)
    if len(reports) > 1:
        print()
        print(mean_table(reports))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(reports, fh, default=str, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
