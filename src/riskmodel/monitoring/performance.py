"""How good were the lists of weeks whose outcomes are now known?

A week's labels mature when its horizon has passed by the data's cut-off (``t + H <= cutoff``).
For such a week the list that was actually sent is compared with who was identified:
recall and precision at the capacity actually used, PR-AUC over all scored households, and
calibration (predicted vs observed rate, Brier score, expected calibration error). Decay is
measured against a reference PR-AUC (the model's own test PR-AUC when the model carries it,
else the first matured week of the same model version), so it shows long before a retrain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict
from sklearn.metrics import average_precision_score

from riskmodel.contract.columns import ID_DTYPE, arrow_text, positions, text_values


class DecayThresholds(BaseModel):
    """Retraining is recommended when a matured week falls below these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pr_auc_ratio: float = 0.8
    """PR-AUC below this share of the reference PR-AUC."""
    recall_ratio: float = 0.8
    """Recall at capacity below this share of the reference week's."""
    calibration_low: float = 0.67
    calibration_high: float = 1.5
    """Observed/predicted positive rate outside [low, high]."""
    min_positives: int = 20
    """Fewer identified households than this: report, but do not judge decay."""


def _r(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def week_performance(scores: pd.DataFrame, listed_ids, labels: pd.DataFrame, *, bins: int = 10) -> dict:
    """Metrics of one matured week.

    ``scores``: that week's scored households (``household_id, score, probability``);
    ``listed_ids``: households on its lists; ``labels``: ``household_id, label`` (0/1).
    Households scored but missing from ``labels`` (or the reverse) are an error, not dropped.
    """
    # Arrow lookups, not an index of Python strings: a matured week is a province's households
    ids, lab_ids = scores["household_id"], labels["household_id"]
    at = positions(ids, lab_ids)
    if (at < 0).any() or (positions(lab_ids, ids) < 0).any():
        only_scored = sorted(set(text_values(arrow_text(ids).filter(pa.array(at < 0)))))
        only_labelled = sorted(set(text_values(arrow_text(lab_ids).filter(pa.array(positions(lab_ids, ids) < 0)))))
        raise ValueError(f"performance: scored and labelled households differ ({len(only_scored)} scored only, "
                         f"e.g. {only_scored[:1]}; {len(only_labelled)} labelled only, e.g. {only_labelled[:1]})")
    y = labels["label"].to_numpy(dtype=int)[at]
    p = scores["probability"].to_numpy(dtype=float)
    listed = positions(ids, [str(i) for i in listed_ids]) >= 0
    positives = int(y.sum())
    tp = int((y[listed] == 1).sum())
    out = {
        "eligible": int(len(y)), "positives": positives, "base_rate": _r(y.mean() if len(y) else np.nan),
        "listed": int(listed.sum()), "true_positives_listed": tp,
        "recall_at_capacity": _r(tp / positives if positives else np.nan),
        "precision_at_capacity": _r(tp / listed.sum() if listed.sum() else np.nan),
        "pr_auc": _r(average_precision_score(y, scores["score"].to_numpy(dtype=float)) if 0 < positives < len(y) else np.nan),
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
    return t.model_dump()


# --- observed precision of visits -----------------------------------------------------------

#: Columns of ``observed_precision`` (the store's ``visit_precision`` rows without ``as_of``).
PRECISION_COLUMNS = ("week", "level", "office_code", "visited", "confirmed", "identified", "not_home", "precision",
                     "identified_share", "matured")
LEVELS = {"county": 6, "township": 9}


def observed_precision(visits: pd.DataFrame, regions: pd.Series, monitoring: pd.DataFrame, cutoff,
                       horizon_weeks: int) -> pd.DataFrame:
    """What the offices' own visits say about the lists, per office (county, township) and week.

    ``visits``: ``household_id, visited_on, outcome`` up to ``cutoff``; ``regions``: region code
    by household id; ``monitoring``: contract rows known at ``cutoff``. A household counts once
    per week (its last visit that week). ``visited`` excludes 未遇到 (counted as ``not_home``);
    ``precision`` = confirmed ÷ visited; ``identified`` = visited households identified as
    monitoring objects within the horizon after the visit, final once the week has ``matured``
    (week + horizon on or before ``cutoff``). Visits of households outside ``regions`` are an error.
    """
    cutoff = pd.Timestamp(cutoff)
    v = visits.loc[pd.to_datetime(visits["visited_on"]) <= cutoff, ["household_id", "visited_on", "outcome"]].copy()
    if v.empty:
        return pd.DataFrame(columns=list(PRECISION_COLUMNS))
    v["household_id"] = v["household_id"].astype(str)
    v["visited_on"] = pd.to_datetime(v["visited_on"])
    v["region"] = v["household_id"].map(regions)
    if v["region"].isna().any():
        missing = v.loc[v["region"].isna(), "household_id"]
        raise ValueError(f"visits: {len(missing)} visit(s) of households not in the panel, e.g. {missing.iloc[0]}")
    v["week"] = v["visited_on"].dt.to_period("W-SUN").dt.start_time
    v = v.sort_values("visited_on", kind="stable").drop_duplicates(["household_id", "week"], keep="last")
    mon = monitoring[["household_id", "identified_on"]].copy()
    mon["household_id"] = mon["household_id"].astype(str)
    j = v[["household_id", "visited_on"]].reset_index().merge(mon, on="household_id")
    end = j["visited_on"] + pd.Timedelta(weeks=horizon_weeks)
    hit = j.loc[((j["identified_on"] >= j["visited_on"]) & (j["identified_on"] <= end)).to_numpy(), "index"]
    met = (v["outcome"] != "not_home").to_numpy()
    v["met"] = met
    v["confirmed"] = (v["outcome"] == "confirmed_at_risk").to_numpy()
    v["identified"] = v.index.isin(hit) & met
    v["not_home"] = ~met
    frames = []
    for level, digits in LEVELS.items():
        g = v.assign(office_code=v["region"].str[:digits]).groupby(["week", "office_code"], sort=True)
        t = g.agg(visited=("met", "sum"), confirmed=("confirmed", "sum"), identified=("identified", "sum"),
                  not_home=("not_home", "sum")).reset_index()
        t.insert(1, "level", level)
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    for col in ("visited", "confirmed", "identified", "not_home"):
        out[col] = out[col].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["precision"] = [_r(c / n) if n else None for c, n in zip(out["confirmed"], out["visited"])]
        out["identified_share"] = [_r(c / n) if n else None for c, n in zip(out["identified"], out["visited"])]
    out["matured"] = (out["week"] + pd.Timedelta(days=6) + pd.Timedelta(weeks=horizon_weeks) <= cutoff).to_numpy()
    return out.sort_values(["week", "level", "office_code"], kind="stable", ignore_index=True)[list(PRECISION_COLUMNS)]


def precision_summary(table: pd.DataFrame, as_of) -> dict:
    """Totals of last week's visits (the 7 days before ``as_of``) and of all visits so far."""
    t = pd.Timestamp(as_of)
    county = table.loc[table["level"] == "county"] if len(table) else table

    def totals(rows: pd.DataFrame) -> dict:
        visited, confirmed = int(rows["visited"].sum()), int(rows["confirmed"].sum())
        matured = rows.loc[rows["matured"].astype(bool)]
        m_visited = int(matured["visited"].sum())
        return {"visited": visited, "confirmed": confirmed, "not_home": int(rows["not_home"].sum()),
                "precision": _r(confirmed / visited) if visited else None,
                "matured_visited": m_visited,
                "identified_share_matured": _r(int(matured["identified"].sum()) / m_visited) if m_visited else None}

    last_week = county.loc[(county["week"] >= t - pd.Timedelta(days=7)) & (county["week"] < t)] if len(county) else county
    return {"last_week": totals(last_week), "to_date": totals(county)}


# --- performance on matured weeks -----------------------------------------------------------

def weeks_to_label(out_dir: Path, weeks: list[str], t, cutoff, horizon_weeks: int) -> list[str]:
    """Earlier weeks whose labels matured by the cut-off and that have no performance report yet."""
    horizon = pd.Timedelta(weeks=horizon_weeks)
    return [w for w in weeks if pd.Timestamp(w) + horizon <= cutoff and pd.Timestamp(w) < pd.Timestamp(t)
            and not (out_dir / "performance" / f"{w}.json").exists()]


def week_labels(panel, weeks: list[str], cutoff, horizon_weeks: int) -> dict[str, pd.DataFrame]:
    """``household_id, label`` of each week as known at the cut-off (of a whole panel or of one
    partition: a household's label depends on its own rows, so partitions' labels stack)."""
    from riskmodel.labels import outcomes

    if not weeks:
        return {}
    known = panel.as_of(cutoff)  # the point-in-time view costs seconds on a big panel: only when needed
    return {w: outcomes(known, pd.Timestamp(w), horizon_weeks)[["household_id", "label"]] for w in weeks}


def matured_reports(panel, out_dir: Path, weeks: list[str], t, cutoff, horizon_weeks: int,
                    decay: DecayThresholds, *, labels: dict[str, pd.DataFrame] | None = None) -> dict:
    """Reports for earlier weeks (folders ``weeks`` of ``out_dir``) whose labels matured by the cut-off.

    ``labels``: ``week_labels`` of the weeks to report (``weeks_to_label``), stacked over partitions;
    when None they are computed from ``panel``.
    """
    import json

    from riskmodel.monitoring import writers

    horizon = pd.Timedelta(weeks=horizon_weeks)
    matured = [w for w in weeks if pd.Timestamp(w) + horizon <= cutoff and pd.Timestamp(w) < t]
    if labels is None:
        labels = week_labels(panel, weeks_to_label(out_dir, weeks, t, cutoff, horizon_weeks), cutoff, horizon_weeks)
    written, reports = {}, {}
    for w in matured:
        path = out_dir / "performance" / f"{w}.json"
        if path.exists():
            reports[w] = json.loads(path.read_text("utf-8"))
            continue
        wdir = out_dir / w
        scores = pq.read_table(wdir / "scores.parquet", columns=["household_id", "score", "probability"]
                               ).to_pandas(types_mapper={pa.string(): ID_DTYPE}.get)
        listed = writers.read_json_list(wdir / "risk_list.json")
        header = json.loads((wdir / "risk_list.json").read_text("utf-8"))
        report = {"as_of": w, "evaluated_with_cutoff": cutoff.strftime("%Y-%m-%d"), "horizon_weeks": horizon_weeks,
                  "model_version": header.get("model_version"),
                  **week_performance(scores, listed["household_id"] if len(listed) else [], labels[w])}
        written[w] = report
        reports[w] = report
    latest = reports[max(reports)] if reports else None
    reasons: list[str] = []
    reference = None
    if latest is not None:
        same = [r for w, r in sorted(reports.items()) if r.get("model_version") == latest.get("model_version")]
        if same and same[0]["as_of"] != latest["as_of"]:
            reference = {**same[0], "source": f"first matured week of this model version ({same[0]['as_of']})"}
        reasons = judge_decay(latest, reference, decay)
    return {
        "written": written,
        "summary": {"matured_weeks": sorted(reports), "latest": None if latest is None else latest["as_of"],
                    "latest_metrics": None if latest is None else {
                        k: latest.get(k) for k in ("recall_at_capacity", "precision_at_capacity", "pr_auc",
                                                   "positives", "listed")},
                    "reference": None if reference is None else {k: reference.get(k) for k in
                                                                 ("pr_auc", "recall_at_capacity", "source")},
                    "decay_reasons": reasons},
    }


def stale_data(as_of, cutoff, max_days: int) -> list[str]:
    """Why the week's data is too old for its list (empty when it is not): the newest record more
    than ``max_days`` before the list date means the list shows households as they were then."""
    days = (pd.Timestamp(as_of).normalize() - pd.Timestamp(cutoff).normalize()).days
    if days <= max_days:
        return []
    return [f"the newest record ({pd.Timestamp(cutoff):%Y-%m-%d}) is {days} days before the list date "
            f"(> {max_days}): the list shows the households as they were then; load the latest data"]


def alerts(drift_summary: dict, perf: dict, data_reasons: list[str] = ()) -> dict:
    """The week's alerts: drift and decay recommend retraining; stale data (``stale_data``) does not
    (a model cannot fix old input), it is an alert of its own."""
    drift_reasons = [f"drift: {r}" for r in drift_summary.get("reasons", [])]
    decay_reasons = [f"decay: {r}" for r in perf["summary"]["decay_reasons"]]
    data = [f"data: {r}" for r in data_reasons]
    return {"as_of": drift_summary["as_of"], "drift_alert": bool(drift_summary.get("alert")),
            "decay_alert": bool(decay_reasons), "data_alert": bool(data),
            "retrain_recommended": bool(drift_reasons or decay_reasons),
            "reasons": data + drift_reasons + decay_reasons}
