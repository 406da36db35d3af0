"""Thin data: does the model keep the plain income signal when claims, events and assistance are empty?

Prints recall at a list share for LightGBM, the logistic baseline and a plain ranking by
per-capita income (``riskmodel.training.thin_data``).

    python training/experiments/thin_data.py DATA_DIR [--config training/fast.yaml] [--share 0.10]
"""

from __future__ import annotations

import argparse

from riskmodel.contract import load
from riskmodel.training.config import TrainConfig
from riskmodel.training.thin_data import thin_data_recall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--config", default=None)
    ap.add_argument("--share", type=float, default=0.10)
    ap.add_argument("--eval-weeks", type=int, default=24)
    args = ap.parse_args()
    recall, rows, positives = thin_data_recall(load(args.data), TrainConfig.load(args.config), share=args.share,
                                               eval_weeks=args.eval_weeks)
    print(f"{rows} rows, {positives} positives, list share {args.share:.0%}")
    for name, r in recall.items():
        print(f"  recall {name:<9} {r:.3f}")


if __name__ == "__main__":
    main()
