"""What a training run shows people: plots (matplotlib, Agg backend), the model card and the table.

Nothing here contains household identifiers: plots and the card are aggregates only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from riskmodel.listing.policy import CAPACITY_SHARE, HORIZON_WEEKS
from riskmodel.training.metrics import reliability

MODEL_LABELS = {"lightgbm": "LightGBM (calibrated)", "logistic": "Logistic regression", "rule": "Rule screen",
                "must_visit": "Must-visit rule", "oracle": "Oracle (truth)", "oracle_state": "State-now oracle",
                "oracle_observable": "Observable oracle"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def pr_curve_figure(frame: pd.DataFrame, models: list[str]):
    from sklearn.metrics import precision_recall_curve

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    y = frame["label"].to_numpy()
    for m in models:
        if y.min(initial=1) == y.max(initial=0):
            break
        p, r, _ = precision_recall_curve(y, frame[f"s_{m}"].to_numpy())
        ax.plot(r, p, label=MODEL_LABELS.get(m, m))
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall on the evaluation window")
    ax.legend()
    fig.tight_layout()
    return fig


def calibration_figure(frame: pd.DataFrame, models: list[str]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 5))
    top = 0.0
    for m in models:
        col = f"p_{m}"
        if col not in frame:
            continue
        r = reliability(frame["label"], frame[col])
        ax.plot(r["p_mean"], r["y_rate"], marker="o", ms=3, label=MODEL_LABELS.get(m, m))
        top = max(top, float(r["p_mean"].max()), float(r["y_rate"].max()))
    top = top * 1.05 or 1.0
    ax.plot([0, top], [0, top], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("mean predicted probability (equal-count bins)")
    ax.set_ylabel("observed rate")
    ax.set_title("Reliability")
    ax.legend()
    fig.tight_layout()
    return fig


def lift_figure(report: dict):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for m, metrics in report["models"].items():
        curve = metrics.get("capacity_curve") or {}
        xs = sorted(float(k) for k in curve)
        ax.plot([100 * x for x in xs], [curve[x] if x in curve else curve[str(x)] for x in xs], marker="o",
                label=MODEL_LABELS.get(m, m))
    share = report["window"]["capacity_share"]
    ax.axvline(100 * share, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("list size (% of eligible households)")
    ax.set_ylabel("recall (share of later-identified households listed)")
    ax.set_title("Recall by list size")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(by_type: pd.Series):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    s = by_type.sort_values()
    ax.barh(s.index, s.to_numpy())
    ax.set_xlabel("share of total gain")
    ax.set_title("Importance by official risk type")
    fig.tight_layout()
    return fig


def importance_by_risk_type(model) -> pd.Series:
    from riskmodel.contract import RISK_TYPES
    from riskmodel.features import feature_risk_types

    imp = model.importance()
    types = feature_risk_types()
    out = imp.groupby(imp.index.map(lambda f: types.get(f, "other"))).sum()
    out = out.reindex(list(RISK_TYPES), fill_value=0.0)
    total = out.sum()
    return out / total if total > 0 else out


def _fmt(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{100 * v:.1f}%" if pct else f"{v:.3f}"


TABLE_ROWS = (
    ("ROC-AUC", "roc_auc", False), ("PR-AUC", "pr_auc", False), ("Brier", "brier", False),
    ("ECE", "ece", False), ("precision@k", "precision_at_k", True), ("recall@k", "recall_at_k", True),
    ("recall@k (county lists)", "recall_at_k_county", True), ("lift over rule @k", "lift_over_rule", False),
    ("PR-AUC / oracle", "oracle_ratio_pr_auc", False), ("recall@k / oracle", "oracle_ratio_recall_at_k", False),
    ("lift over 八必访 @k", "lift_over_must_visit", False), ("worst bin p / rate", "worst_bin_ratio", False),
)
#: Per-date means (averaged over as-of dates, not pooled), with bootstrap intervals when computed.
PER_DATE_ROWS = (
    ("per-date ROC-AUC", "roc_auc", False), ("per-date PR-AUC", "pr_auc", False),
    ("per-date recall@k", "recall_at_k", True), ("per-date PR-AUC / reference", "ratio_pr_auc", False),
    ("per-date recall@k / reference", "ratio_recall_at_k", False),
)


def _fmt_interval(v: dict | None, pct: bool) -> str:
    if not v:
        return "–"
    mid = _fmt(v.get("mean"), pct)
    if "lo" in v:
        return f"{mid} [{_fmt(v['lo'], pct)}, {_fmt(v['hi'], pct)}]"
    return mid


def table_rows(report: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the model-vs-rule-vs-oracle table (metrics as rows, models as columns)."""
    models = list(report["models"])
    header = ["metric", *[MODEL_LABELS.get(m, m) for m in models]]
    rows = []
    for label, key, pct in TABLE_ROWS:
        rows.append([label, *[_fmt(report["models"][m].get(key), pct) for m in models]])
    if all("per_date" in report["models"][m] for m in models):
        ref = MODEL_LABELS.get(report.get("per_date_reference") or "", "reference")
        for label, key, pct in PER_DATE_ROWS:
            rows.append([label.replace("reference", ref),
                         *[_fmt_interval(report["models"][m]["per_date"].get(key), pct) for m in models]])
    if all("lead_time" in report["models"][m] for m in models):
        rows.append(["median lead (weeks)", *[_fmt(report["models"][m]["lead_time"]["median_lead_weeks"])
                                              for m in models]])
        rows.append(["found in look-back", *[_fmt(report["models"][m]["lead_time"]["found_share"], True)
                                             for m in models]])
    return header, rows


def markdown_table(report: dict) -> str:
    header, rows = table_rows(report)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def subgroup_markdown(report: dict, model: str = "lightgbm") -> str:
    models = [m for m in report["models"] if m in ("lightgbm", "rule", "must_visit", "oracle", "oracle_state",
                                                   "oracle_observable", "logistic")]
    groups = report["models"][model]["subgroup_recall_at_k"]
    lines = ["| subgroup | " + " | ".join(MODEL_LABELS.get(m, m) for m in models) + " |",
             "|---|" + "---|" * len(models)]
    for group, values in groups.items():
        if group == "county" and len(values) > 12:
            continue
        for v in values:
            cells = [_fmt((report["models"][m]["subgroup_recall_at_k"].get(group) or {}).get(v), True) for m in models]
            lines.append(f"| {group} = {v} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_card(*, model_name: str, version: str | None, meta: dict, report: dict | None) -> str:
    """Markdown model card: data, intended use, limits, evaluation and subgroup results."""
    w = meta.get("windows", {})
    parts = [
        f"# Model card: {model_name}" + (f" v{version}" if version else ""),
        "",
        "## What it does",
        "Ranks rural households that are not currently monitoring objects by their probability of being "
        f"identified as a monitoring object (防止返贫监测对象) within {meta.get('horizon_weeks', HORIZON_WEEKS)} weeks, "
        "with reasons by official risk type. Calibrated LightGBM over the point-in-time features in "
        "`features/features.yaml`.",
        "",
        "## Intended use",
        "Sizing and ordering visit lists for village and township monitoring staff (capacity "
        f"{100 * meta.get('capacity_share', CAPACITY_SHARE):.0f} % of eligible households by default), alongside the "
        "departmental screen and self-reporting. Not for deciding eligibility for any benefit: a household's "
        "status is decided by the official identification procedure after a visit.",
        "",
        "## Data",
        f"- training cut-off (records reported by): {meta.get('training_cutoff')}",
        f"- fit as-of dates: {w.get('fit_first')} … {w.get('fit_last')} ({meta.get('fit_rows')} household-snapshots, "
        f"positive rate {_fmt(meta.get('fit_positive_rate'), True)})",
        f"- calibration as-of dates (later): {w.get('calibration_first')} … {w.get('calibration_last')} "
        f"({meta.get('calibration_rows')} rows, calibration: {meta.get('calibration')})",
        f"- data fingerprint: `{meta.get('data_fingerprint', '')[:16]}`, feature spec fingerprint: "
        f"`{meta.get('spec_fingerprint', '')[:16]}`, code: `{meta.get('git_commit') or 'unknown'}`",
        "- pseudonymous identifiers only; no names or ID numbers are read or stored.",
        "",
    ]
    ref = meta.get("reference_sample")
    if ref:
        parts[-1:-1] = [f"- drift reference (`{ref['file']}` in the model): {ref['rows']} feature rows with scores "
                        f"from {ref['as_of_dates']} as-of dates {ref['as_of_first']} … {ref['as_of_last']}, "
                        "no identifiers"]
    if report:
        win = report["window"]
        parts += [
            "## Evaluation (back-test: trained at an earlier cut-off, evaluated only on later as-of dates)",
            f"As-of dates {win['eval_dates'][0]} … {win['eval_dates'][-1]} (training cut-off {win['start']}, data "
            f"cut-off {win['data_cutoff']}), {report['rows']} household-snapshots, {report['positives']} later "
            f"identified. k = top {100 * win['capacity_share']:.0f} % of eligible households per as-of date.",
            "",
            markdown_table(report),
            "",
            "### Recall@k by subgroup",
            subgroup_markdown(report),
            "",
        ]
    parts += [
        "## Limits",
        "- Learns the existing identification process, including its blind spots: households the process "
        "never identifies are labelled 0.",
        "- Depends on timely departmental data; late income surveys and claims delay signals.",
        "- Calibration holds for the population and period it was calibrated on; re-check after policy "
        "changes (monitoring line, alert thresholds) and watch the drift reports.",
        "- Subgroups with few identified households have uncertain recall.",
    ]
    return "\n".join(parts) + "\n"


def flat_metrics(report: dict) -> dict[str, float]:
    """Scalar metrics for MLflow (``<model>.<metric>``), NaNs left out."""
    out = {}
    for m, metrics in report["models"].items():
        for k, v in metrics.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v is not None and np.isfinite(v):
                out[f"{m}.{k}"] = float(v)
        for k, v in (metrics.get("per_date") or {}).items():
            if np.isfinite(v.get("mean", float("nan"))):
                out[f"{m}.per_date.{k}"] = float(v["mean"])
        for k, v in (metrics.get("lead_time") or {}).items():
            if isinstance(v, (int, float)) and not np.isnan(v):
                out[f"{m}.lead_{k}"] = float(v)
    return out
