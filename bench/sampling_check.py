"""Training on every positive and a weighted sample of negatives against the full fit window.

Same panel, the default recipe (``training/default.yaml``), one back-test (no refit), with the
negative rate given (1.0: the full window). Prints one JSON line of the back-test's figures;
run it twice and compare (issue 18; docs/evaluation.md, "Training on a sample of negatives").

    .venv/bin/python bench/sampling_check.py P 1.0
    .venv/bin/python bench/sampling_check.py P 0.1
"""

import json
import sys
import time
from pathlib import Path

from riskmodel.contract import load, load_truth
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import train

ROOT = Path(__file__).resolve().parents[1]

data = Path(sys.argv[1])
rate = sys.argv[2]
panel = load(data)
truth = load_truth(data)
cfg = TrainConfig.load(ROOT / "training" / "default.yaml")
cfg = cfg.model_copy(update={"negative_rate": "auto" if rate == "auto" else float(rate), "refit": False})
t = time.perf_counter()
res = train(panel, cfg, None, truth)
m = res.evaluation.report["models"]
out = {"rate": rate, "seconds": round(time.perf_counter() - t, 1), "fit_rows": res.final.fit_rows,
       "fit_positive_rate": res.final.fit_positive_rate, "rows": res.evaluation.report["rows"],
       "positives": res.evaluation.report["positives"]}
for name in ("lightgbm", "logistic"):
    for k in ("pr_auc", "recall_at_k", "ece", "brier", "mean_probability", "worst_bin_ratio"):
        out[f"{name}.{k}"] = m[name].get(k)
out["label_rate"] = res.evaluation.frame["label"].mean()
print(json.dumps(out))
