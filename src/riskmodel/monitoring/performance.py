"""How good were the lists of weeks whose outcomes are now known?

A week's labels mature when its horizon has passed by the data's cut-off (``t + H <= cutoff``).
For such a week the list that was actually sent is compared with who was identified:
recall and precision at the capacity actually used, PR-AUC over all scored households, and
calibration (predicted vs observed rate, Brier score, expected calibration error). Decay is
measured against a reference PR-AUC (the model's own test PR-AUC when the model carries it,
else the first matured week of the same model version), so it shows long before a retrain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score


@dataclass(frozen=True)
class DecayThresholds:
    """Retraining is recommended when a matured week falls below these."""

    pr_auc_ratio: float = 0.8
    """PR-AUC below this share of the reference PR-AUC."""
    recall_ratio: float = 0.8
    """Recall at capacity below this share of the reference week's."""
    calibration_low: float = 0.67
    calibration_high: float = 1.5
    """Observed/predicted positive rate outside [low, high]."""
    min_positives: int = 20
    """Fewer identified households than this: report, but do not judge decay."""

    @classmethod
    def from_mapping(cls, raw: dict | None) -> DecayThresholds:
        raw = dict(raw or {})
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"decay thresholds: unknown keys {sorted(unknown)}")
        return cls(**raw)


def _r(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def week_performance(scores: pd.DataFrame, listed_ids, labels: pd.DataFrame, *, bins: int = 10) -> dict:
    """Metrics of one matured week.

    ``scores``: that week's scored households (``household_id, score, probability``);
    ``listed_ids``: households on its lists; ``labels``: ``household_id, label`` (0/1).
    Households scored but missing from ``labels`` (or the reverse) are an error, not dropped.
    """
    s = scores.set_index(scores["household_id"].astype(str))
    lab = labels.set_index(labels["household_id"].astype(str))["label"]
    only_scored = s.index.difference(lab.index)
    only_labelled = lab.index.difference(s.index)
    if len(only_scored) or len(only_labelled):
        raise ValueError(f"performance: scored and labelled households differ ({len(only_scored)} scored only, "
                         f"e.g. {list(only_scored[:1])}; {len(only_labelled)} labelled only, e.g. {list(only_labelled[:1])})")
    y = lab.loc[s.index].to_numpy(dtype=int)
    p = s["probability"].to_numpy(dtype=float)
    listed = s.index.isin(pd.Index([str(i) for i in listed_ids]))
    positives = int(y.sum())
    tp = int((y[listed] == 1).sum())
    out = {
        "eligible": int(len(y)), "positives": positives, "base_rate": _r(y.mean() if len(y) else np.nan),
        "listed": int(listed.sum()), "true_positives_listed": tp,
        "recall_at_capacity": _r(tp / positives if positives else np.nan),
        "precision_at_capacity": _r(tp / listed.sum() if listed.sum() else np.nan),
        "pr_auc": _r(average_precision_score(y, s["score"].to_numpy(dtype=float)) if 0 < positives < len(y) else np.nan),
    }
    # calibration on probability deciles
    order = np.argsort(p, kind="mergesort")
    groups = np.array_split(order, bins) if len(p) >= bins else [order]
    table, ece = [], 0.0
    for g in groups:
        if len(g) == 0:
            continue
        mp, ob = float(p[g].mean()), float(y[g].mean())
        ece += len(g) / len(p) * abs(mp - ob)
        table.append({"n": int(len(g)), "mean_predicted": _r(mp), "observed": _r(ob)})
    predicted = float(p.mean()) if len(p) else np.nan
    out["calibration"] = {
        "mean_predicted": _r(predicted), "observed_rate": _r(y.mean() if len(y) else np.nan),
        "observed_over_predicted": _r(y.mean() / predicted if predicted else np.nan),
        "brier": _r(np.mean((p - y) ** 2) if len(p) else np.nan), "ece": _r(ece if len(p) else np.nan),
        "deciles": table,
    }
    return out


def judge_decay(week: dict, reference: dict | None, thresholds: DecayThresholds = DecayThresholds()) -> list[str]:
    """Reasons to recommend retraining from one matured week (empty: no decay seen)."""
    if week["positives"] < thresholds.min_positives:
        return []
    reasons = []
    ratio = week["calibration"]["observed_over_predicted"]
    if ratio is not None and not thresholds.calibration_low <= ratio <= thresholds.calibration_high:
        reasons.append(f"calibration: observed/predicted rate {ratio:.2f} outside "
                       f"[{thresholds.calibration_low}, {thresholds.calibration_high}]")
    if reference:
        ref_pr, pr = reference.get("pr_auc"), week.get("pr_auc")
        if ref_pr and pr is not None and pr < thresholds.pr_auc_ratio * ref_pr:
            reasons.append(f"PR-AUC {pr:.3f} < {thresholds.pr_auc_ratio} × reference {ref_pr:.3f}")
        ref_rc, rc = reference.get("recall_at_capacity"), week.get("recall_at_capacity")
        if ref_rc and rc is not None and rc < thresholds.recall_ratio * ref_rc:
            reasons.append(f"recall at capacity {rc:.3f} < {thresholds.recall_ratio} × reference {ref_rc:.3f}")
    return reasons


def thresholds_dict(t: DecayThresholds) -> dict:
    return asdict(t)
