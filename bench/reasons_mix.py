"""Main risk types on a weekly list: how often is 其他 (other) the reason an office is given?

Trains the default recipe at the panel's cut-off (the model `riskmodel train` registers),
scores the last Monday of the panel, explains the listed households (the capacity share of the
eligible ones, 2 % by default) and prints the share of each main risk type. Where the panel
says who was identified after the date, it also prints how often the listed main risk type is
among the risk types recorded at identification (a check that the reasons are not invented).

    python bench/reasons_mix.py DATA_DIR [--config training/default.yaml]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections import Counter

import pandas as pd

from riskmodel.contract import load
from riskmodel.scoring import Scorer
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import fit_recipe


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--config", default=None)
    ap.add_argument("--as-of", default=None, help="default: the last Monday on or before the panel's cut-off")
    args = ap.parse_args()
    panel = load(args.data)
    cfg = TrainConfig.load(args.config)
    cutoff = panel.cutoff()
    day = cutoff.date()
    as_of = pd.Timestamp(args.as_of) if args.as_of else pd.Timestamp(day - dt.timedelta(days=day.weekday()))
    # train at the as-of date's cut-off minus nothing: what the weekly run would use
    earliest = panel.data_start()
    fitted = fit_recipe(panel.as_of(as_of), as_of, cfg, earliest=earliest)
    scorer = Scorer(fitted.lightgbm, capacity_share=cfg.capacity_share)
    n = len(scorer.score(panel.as_of(as_of), as_of))
    k = math.ceil(cfg.capacity_share * n)
    listed = scorer.score(panel.as_of(as_of), as_of, explain=k).head(k)
    main = Counter(r[0] for r in listed["risk_types"])
    print(f"as of {as_of.date()}: {n} eligible, {k} listed")
    for code, c in main.most_common():
        print(f"  main risk type {code:<11} {c:>5}  {100 * c / k:5.1f} %")
    anywhere = sum("other" in r for r in listed["risk_types"])
    print(f"  'other' among the positive reasons: {anywhere} of {k} ({100 * anywhere / k:.1f} %)")
    mon = panel.monitoring
    later = mon.loc[(mon["identified_on"] > as_of).to_numpy() & (mon["identified_on"] <= as_of + pd.Timedelta(weeks=26)).to_numpy()]
    truth = later.groupby(later["household_id"].astype(str))["risk_types"].first().astype(str).str.split(";")
    hits = [(r[0], truth[h]) for h, r in zip(listed["household_id"].astype(str), listed["risk_types"]) if h in truth.index]
    if hits:
        agree = sum(m in [x.strip() for x in t] for m, t in hits)
        first = sum(m == t[0].strip() for m, t in hits)
        print(f"  listed and identified within 26 weeks: {len(hits)}; listed main type among the recorded risk types: "
              f"{agree} ({100 * agree / len(hits):.0f} %), equal to the recorded main type: {first} ({100 * first / len(hits):.0f} %)")


if __name__ == "__main__":
    main()
