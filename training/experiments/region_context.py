"""County and township context: do recent identification and shock rates around a household help?

Issue 15 asks for context features "reported only as of the date". Before adding them to the
feature set (which the API would then need as a stored, dated context table so that API and list
scores stay equal), this back-test measures what they buy. For each as-of date ``t`` and each
county (6 digits) and township (9 digits), from records reported by ``t`` only:

- identifications with ``identified_on`` in the last 13 and 52 weeks per registered household;
- adverse events (disaster, job loss, business failure, accident, death, unsafe housing) with
  ``event_date`` in the last 13 weeks per registered household; disasters alone likewise.

Both models are the recipe's LightGBM (same windows, parameters, seed and calibration) fitted on
the feature set with and without these columns; the table gives per-date means over the
evaluation dates (bootstrap intervals over households).

    python training/experiments/region_context.py DATA_DIR [--config FILE] [--replicates 100]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from riskmodel.contract import Panel, load
from riskmodel.features import build_features, feature_names
from riskmodel.labels import outcomes
from riskmodel.training.config import TrainConfig
from riskmodel.training.metrics import bootstrap_per_date
from riskmodel.training.model import CalibratedLightGBM
from riskmodel.training.pipeline import evaluation_dates, lightgbm_params, training_windows

ADVERSE = ("disaster", "job_loss", "business_failure", "accident", "death", "housing_unsafe")
LEVELS = {"county": 6, "township": 9}


def _rate(codes: pd.Series, base: pd.Series, digits: int) -> pd.Series:
    """Rows per registered household, by the first ``digits`` of the region code."""
    return codes.str.slice(0, digits).value_counts().reindex(base.index, fill_value=0) / base


def region_context(panel: Panel, t: pd.Timestamp, f: pd.DataFrame) -> pd.DataFrame:
    """The context columns for the rows of ``f`` (features as of ``t``), point in time."""
    hh = panel.households
    hh = hh.loc[(hh["registered_on"] <= t).to_numpy()]
    code = hh.set_index("household_id")["region_code"].astype(str)
    mon = panel.monitoring
    mon = mon.loc[(mon["reported_on"] <= t).to_numpy()]
    ev = panel.events
    ev = ev.loc[((ev["reported_on"] <= t) & (ev["event_date"] <= t)
                 & (ev["event_date"] > t - pd.Timedelta(weeks=13))).to_numpy()]
    out = {}
    for level, digits in LEVELS.items():
        base = code.str.slice(0, digits).value_counts()
        area = f["region_code"].astype(str).str.slice(0, digits)
        for weeks in (13, 52):
            recent = mon.loc[((mon["identified_on"] <= t)
                              & (mon["identified_on"] > t - pd.Timedelta(weeks=weeks))).to_numpy(), "household_id"]
            rate = _rate(code.reindex(recent.astype(str)).dropna(), base, digits)
            out[f"{level}_identified_{weeks}w"] = area.map(rate).to_numpy(dtype=float)
        adverse = ev.loc[ev["event_type"].astype(str).isin(ADVERSE).to_numpy(), "household_id"]
        out[f"{level}_adverse_events_13w"] = area.map(
            _rate(code.reindex(adverse.astype(str)).dropna(), base, digits)).to_numpy(dtype=float)
        disaster = ev.loc[(ev["event_type"].astype(str) == "disaster").to_numpy(), "household_id"]
        out[f"{level}_disasters_13w"] = area.map(
            _rate(code.reindex(disaster.astype(str)).dropna(), base, digits)).to_numpy(dtype=float)
    return pd.DataFrame(out, index=f.index)


def table(panel: Panel, known: Panel, dates, horizon_weeks: int) -> pd.DataFrame:
    parts = []
    for t in dates:
        f = build_features(panel, t)
        lab = outcomes(known, t, horizon_weeks)
        if not np.array_equal(lab["household_id"].to_numpy(), f["household_id"].to_numpy()):
            raise RuntimeError(f"features and labels disagree at {t.date()}")
        part = pd.concat([f, region_context(panel, t, f)], axis=1)
        part["as_of"] = t.to_datetime64()
        part["label"] = lab["label"].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--config", default=None)
    ap.add_argument("--replicates", type=int, default=100)
    args = ap.parse_args()
    cfg = TrainConfig.load(args.config)
    panel = load(args.data)
    c = panel.cutoff()
    data = panel.as_of(c)
    start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    w = training_windows(start, cfg, data.data_start())
    known = data.as_of(w.cutoff)
    fit = table(data, known, w.fit_dates, cfg.horizon_weeks)
    cal = table(data, known, w.calibration_dates, cfg.horizon_weeks)
    ev = table(data, data, evaluation_dates(start, c, cfg)[0], cfg.horizon_weeks)
    context = [n for n in ev.columns if n.split("_")[0] in LEVELS]
    frame = ev[["as_of", "household_id", "label"]].copy()
    for name, names in {"without": feature_names(), "with_context": [*feature_names(), *context]}.items():
        m = CalibratedLightGBM(lightgbm_params(cfg, names), cfg.num_boost_round, cfg.calibration, cfg.seed,
                               early_stopping_rounds=cfg.early_stopping_rounds)
        m.fit(fit, fit["label"].to_numpy(), names, valid=(cal, cal["label"].to_numpy(), None))
        m.calibrate(cal, cal["label"].to_numpy())
        frame[f"s_{name}"] = m.score(ev)
        if name == "with_context":
            gain = m.importance().reindex(context)
            share = gain.sum() / m.importance().sum()
    res = bootstrap_per_date(frame, ["without", "with_context"], cfg.capacity_share, reference="without",
                             replicates=args.replicates, seed=cfg.seed)
    print(f"{args.data}: {len(w.fit_dates)} fit dates, {len(frame)} evaluation rows, {int(frame['label'].sum())} "
          f"positives; context columns' share of the gain {share:.1%}")

    def iv(d, pct=False):
        k = 100 if pct else 1
        return f"{k * d['mean']:.3f} [{k * d['lo']:.3f}, {k * d['hi']:.3f}]" if "lo" in d else f"{k * d['mean']:.3f}"

    print("| | per-date PR-AUC | per-date recall@2 % | PR-AUC ÷ without | recall ÷ without |")
    print("|---|---|---|---|---|")
    for name in ("without", "with_context"):
        r = res[name]
        ratios = (f"{iv(r['ratio_pr_auc'])} | {iv(r['ratio_recall_at_k'])}" if "ratio_pr_auc" in r else "1 | 1")
        print(f"| {name} | {iv(r['pr_auc'])} | {iv(r['recall_at_k'], True)} | {ratios} |")


if __name__ == "__main__":
    main()
