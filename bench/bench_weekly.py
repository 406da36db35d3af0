"""Weekly run timing: the full run on a generated panel, and drift + lists on 1M households.

    .venv/bin/python bench/bench_weekly.py [--households 50000] [--rows 1000000]

1. The whole weekly run (features, scoring, lists, explanations, drift, XLSX/CSV/JSON) on a
   generated panel of ``--households``, with a transparent stand-in model (scoring cost of the
   real LightGBM model is the training stage's benchmark) and the Evidently report on.
2. Drift on ``--rows`` rows (target ≤ 60 s for 1M): the panel's feature frames (this week and
   a year earlier) repeated with new ids up to ``--rows``. The alert statistics use every row;
   the Evidently report uses a deterministic sample of 20,000 rows per side (smallest hashes of
   household id), as in the weekly run.
3. Lists and writers for ``--rows`` scored households.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "monitoring"))


def tile(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    reps = int(np.ceil(rows / len(frame)))
    out = pd.concat([frame] * reps, ignore_index=True).iloc[:rows].copy()
    out["household_id"] = [f"B{i:08d}" for i in range(len(out))]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    from panels import make_scorer

    from riskmodel.contract import Panel
    from riskmodel.features import feature_names, feature_risk_types
    from riskmodel.features.spec import risk_types
    from riskmodel.monitoring import writers
    from riskmodel.monitoring.capacity import Capacity, list_sizes
    from riskmodel.monitoring.drift import compute_drift, shock_indicators
    from riskmodel.monitoring.drift_report import evidently_report
    from riskmodel.monitoring.lists import attach_reasons, finish, mark_changes, select
    from riskmodel.monitoring.weekly import run_weekly, score_households
    from riskmodel.synth import generate

    as_of = pd.Timestamp("2024-12-30")
    t = time.perf_counter()
    r = generate(households=args.households, start="2021-01-01", end="2024-12-31", seed=7, scenario="flood")
    panel = Panel(**r.tables, policy=r.policy)
    print(f"generate {args.households:,} households: {time.perf_counter() - t:.1f} s")
    scorer = make_scorer()
    out = Path(tempfile.mkdtemp())
    t = time.perf_counter()
    summary = run_weekly(None, as_of, out, panel=panel, scorer=scorer)
    total = time.perf_counter() - t
    print(f"full weekly run, {summary['eligible']:,} eligible households: {total:.1f} s "
          f"({total / summary['eligible'] * 1e6:.1f} µs per household; alert={summary['drift']['alert']})")
    for k, v in summary["timings_s"].items():
        print(f"  {k:12s} {v:8.2f} s")
    per_hh = (summary["timings_s"]["score"] + summary["timings_s"]["drift"]) / summary["eligible"]
    print(f"  features+scoring+reference extrapolated to 1M households: {per_hh * 1e6:.0f} s "
          "(linear; single process — use --scheduler for a cluster)")

    # drift on --rows rows
    feats, scores = score_households(panel, scorer, as_of)
    rfeats, rscores = score_households(panel, scorer, as_of - pd.DateOffset(years=1))
    cur = tile(feats.merge(scores[["household_id", "probability"]], on="household_id"), args.rows)
    ref = tile(rfeats.merge(rscores[["household_id", "probability"]], on="household_id"), args.rows)
    names = [f for f in feature_names() if f in cur]
    zh = {c: rt.zh for c, rt in risk_types().items()}
    t = time.perf_counter()
    shocks = shock_indicators(panel, as_of)
    result = compute_drift(ref, cur, features=names, risk_types=feature_risk_types(), as_of=as_of,
                           reference_as_of=as_of - pd.DateOffset(years=1), line=panel.policy.line,
                           risk_type_zh=zh, shocks=shocks)
    stats = time.perf_counter() - t
    t = time.perf_counter()
    evidently_report(result, names, out / "bench_drift")
    report = time.perf_counter() - t
    print(f"drift on {args.rows:,} rows × {len(names)} features: statistics {stats:.1f} s (all rows), "
          f"Evidently report {report:.1f} s (20,000-row deterministic sample per side); total {stats + report:.1f} s "
          f"= {(stats + report) / 60:.2f} of the 60 s budget; alert={result.summary['alert']}")

    # lists and writers for --rows scored households
    big = tile(scores, args.rows)
    t = time.perf_counter()
    sizes = list_sizes(big, Capacity())
    listed = mark_changes(select(big, sizes), None)
    explained = pd.DataFrame({"household_id": listed["household_id"], "risk_types": [["disaster"]] * len(listed),
                              "contributions": [{"disaster": 1.0}] * len(listed), "measures": [None] * len(listed)})
    table = finish(attach_reasons(listed, explained, risk_types()), as_of)
    lists_s = time.perf_counter() - t
    t = time.perf_counter()
    (out / "w").mkdir()
    writers.write_csv(table, out / "w" / "l.csv")
    header = {"as_of": "2024-12-30", "data_cutoff": "2024-12-30", "model_name": "x", "model_version": "1"}
    writers.write_json(table, out / "w" / "l.json", header, sizes)
    for county, rows in table.groupby("county_code"):
        writers.write_county_xlsx(county, rows.reset_index(drop=True), sizes[sizes["county_code"] == county],
                                  header, out / "w" / f"{county}.xlsx")
    write_s = time.perf_counter() - t
    print(f"lists for {args.rows:,} households ({len(table):,} listed): {lists_s:.1f} s; writing XLSX/CSV/JSON {write_s:.1f} s")


if __name__ == "__main__":
    main()
