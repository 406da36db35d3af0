"""What each page shows, assembled from the store (and the households' data): no HTTP here.

The rows, their order, bands, reasons and measures are the stored list as the weekly run and
its list policy wrote it; this module only labels them in Chinese and filters them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from riskmodel.contract.schema import CATEGORY_ZH
from riskmodel.features.spec import risk_types
from riskmodel.listing.followup import OUTCOME_ZH
from riskmodel.store import StoreProtocol
from riskmodel.web import charts
from riskmodel.web.households import household_data, identified_since, region_names
from riskmodel.web.status import STATUSES, list_status, visit_window

BAND_ZH = {"high": "高", "medium": "中", "low": "低"}
TREND_WEEKS = 8


def region_prefix(user) -> str | None:
    return user.region_prefix if user.role == "office" else None


def week_meta(store: StoreProtocol, as_of: dt.date) -> dict:
    return (store.risk_list_run(as_of) or {}).get("meta") or {}


def _place(names: dict[str, str], code: str) -> str:
    name = names.get(code)
    return f"{name}（{code}）" if name else code


def week_rows(store: StoreProtocol, user, as_of: dt.date, weeks: list[dt.date],
              names: dict[str, str]) -> pd.DataFrame:
    """Week ``as_of``'s list in the user's region, labelled for the page, with each row's status."""
    rows = store.risk_list(as_of, region_prefix(user))
    start, end = visit_window(weeks, as_of)
    visits = store.visits(since=start)
    if end is not None:
        visits = visits[visits["visited_on"] < pd.Timestamp(end)]
    rows = pd.concat([rows.drop(columns=["status"], errors="ignore"), list_status(rows, visits)], axis=1)
    rt = risk_types()
    rows["band_zh"] = rows["band"].map(BAND_ZH).fillna("")
    rows["category_zh"] = rows["category"].map(CATEGORY_ZH).fillna("")
    rows["risk_types_zh"] = [[rt[c].zh for c in (codes or []) if c in rt] for codes in rows["risk_types"]]
    rows["measures"] = [list(m or []) for m in rows["measures"]]
    rows["village"] = [_place(names, c) for c in rows["region_code"]]
    rows["township"] = [_place(names, c) for c in rows["township_code"]]
    outcome_zh = rows["last_outcome"].map(OUTCOME_ZH)
    rows["outcome_zh"] = outcome_zh.astype(object).where(outcome_zh.notna(), None)
    # the stored township ranks, one township after another (the list policy's order within each)
    return rows.sort_values(["township_code", "rank"], kind="stable").reset_index(drop=True)


def filter_rows(rows: pd.DataFrame, township: str = "", village: str = "", risk_type: str = "",
                status: str = "") -> pd.DataFrame:
    keep = pd.Series(True, index=rows.index)
    if township:
        keep &= rows["township_code"] == township
    if village:
        keep &= rows["region_code"] == village
    if risk_type:
        keep &= rows["risk_types"].map(lambda codes: risk_type in (codes or []))
    if status:
        keep &= rows["status"] == status
    return rows[keep]


def filter_options(rows: pd.DataFrame) -> dict:
    rt = risk_types()
    present = {c for codes in rows["risk_types"] for c in (codes or [])}
    return {
        "townships": sorted(set(zip(rows["township_code"], rows["township"]))),
        "villages": sorted(set(zip(rows["region_code"], rows["village"]))),
        "risk_types": [(c, rt[c].zh) for c in rt if c in present],
        "statuses": list(STATUSES),
    }


def household_page(store: StoreProtocol, panels, household_id: str, as_of: dt.date,
                   weeks: list[dt.date]) -> dict:
    """Everything 户详情 shows: score history, reasons, data as of the list date, visits."""
    history = store.household_history(household_id)
    history = history[history["as_of"] <= as_of]
    listed = store.risk_list(as_of)
    row = listed[listed["household_id"] == household_id]
    latest = row.iloc[0].to_dict() if len(row) else (history.iloc[-1].to_dict() if len(history) else {})
    meta = week_meta(store, as_of)
    panel = panels.get(meta.get("data_dir"))
    names = region_names(panel, meta.get("data_dir"))
    visits = store.visits(household_id=household_id)
    status = None
    if len(row):
        start, end = visit_window(weeks, as_of)
        window = visits[(visits["visited_on"] >= pd.Timestamp(start))
                        & ((visits["visited_on"] < pd.Timestamp(end)) if end else True)]
        status = list_status(row, window).iloc[0].to_dict()
    rt = risk_types()
    contributions = latest.get("contributions") or {}
    reasons = sorted(((rt[c].zh if c in rt else c, float(v)) for c, v in contributions.items()),
                     key=lambda kv: -abs(kv[1]))
    prob = [None if pd.isna(p) else float(p) for p in history["probability"]]
    data = household_data(panel, household_id, as_of)
    return {
        "household_id": household_id, "as_of": as_of, "latest": latest, "status": status,
        "band_zh": BAND_ZH.get(latest.get("band") or "", ""),
        "category_zh": CATEGORY_ZH.get(latest.get("category") or "", ""),
        "risk_types_zh": [rt[c].zh for c in (latest.get("risk_types") or []) if c in rt],
        "village": _place(names, str(latest.get("region_code", ""))),
        "score_chart": charts.line_chart([w.strftime("%m-%d") for w in history["as_of"]], prob,
                                         "各周纳入监测概率", pct=True),
        "reasons_chart": charts.bar_chart(reasons[:8], "风险因素贡献"),
        "data": data,
        "income_chart": charts.stacked_bars(data["income_months"], data["income"], "月收入（元）按来源")
        if data else None,
        "visits": [{"visited_on": v.visited_on.strftime("%Y-%m-%d"), "outcome_zh": OUTCOME_ZH.get(v.outcome, v.outcome),
                    "measures": "；".join(v.measures or []), "note": v.note}
                   for v in visits.sort_values(["visited_on", "id"], ascending=False).itertuples()],
        "measure_choices": [(rt[c].zh, list(rt[c].measures)) for c in rt],
    }


def _township_counts(rows: pd.DataFrame, identified: set[str]) -> pd.DataFrame:
    flags = pd.DataFrame({
        "code": rows["township_code"], "township": rows["township"], "listed": 1,
        "visited": rows["last_outcome"].notna().astype(int),
        "confirmed": (rows["last_outcome"] == "confirmed_at_risk").astype(int),
        "identified": rows["household_id"].isin(identified).astype(int)})
    flags["pending"] = flags["confirmed"] * (1 - flags["identified"])
    counts = flags.groupby(["code", "township"], sort=True)[["listed", "visited", "confirmed", "pending",
                                                              "identified"]].sum()
    return counts.reset_index("code", drop=True)  # in code order, labelled by name


def overview_page(store: StoreProtocol, panels, user, weeks: list[dt.date]) -> dict:
    """概览: per township this week, the trend over recent weeks, and (analysts) model and drift."""
    as_of = weeks[-1]
    data_dir = week_meta(store, as_of).get("data_dir")
    panel = panels.get(data_dir)
    names = region_names(panel, data_dir)
    rows = week_rows(store, user, as_of, weeks, names)
    table = _township_counts(rows, identified_since(panel, rows["household_id"], as_of))
    trend = []
    for w in weeks[-TREND_WEEKS:]:
        r = rows if w == as_of else week_rows(store, user, w, weeks, names)
        trend.append({"week": w.strftime("%m-%d"), "listed": len(r), "visited": int(r["last_outcome"].notna().sum()),
                      "confirmed": int((r["last_outcome"] == "confirmed_at_risk").sum())})
    return {
        "as_of": as_of, "townships": table.reset_index().to_dict("records"),
        "precision": precision_panel(store, user, names),
        "totals": table.sum().to_dict() if len(table) else {},
        "township_chart": charts.grouped_bars(
            [t.split("（")[0][-6:] for t in table.index], {"名单": table["listed"].tolist(),
                                                           "已走访": table["visited"].tolist(),
                                                           "确认存在风险": table["confirmed"].tolist()}, "各乡镇本周"),
        "trend_chart": charts.grouped_bars(
            [t["week"] for t in trend], {"名单": [t["listed"] for t in trend],
                                         "已走访": [t["visited"] for t in trend],
                                         "确认存在风险": [t["confirmed"] for t in trend]}, "近几周趋势"),
    }


def precision_panel(store: StoreProtocol, user, names: dict[str, str]) -> dict:
    """Observed precision of visits (confirmed ÷ visited, and identified later) as the weekly run
    stored it: the office's own level, recent weeks."""
    prefix = region_prefix(user)
    level = "township" if prefix and len(prefix) >= 9 else "county"
    table = store.visit_precision(prefix, level)
    weeks = sorted(table["week"].unique())[-TREND_WEEKS:]
    table = table[table["week"].isin(weeks)]
    rows = [{"week": r.week.strftime("%Y-%m-%d"), "office": _place(names, r.office_code), "visited": r.visited,
             "confirmed": r.confirmed, "identified": r.identified, "not_home": r.not_home,
             "precision": r.precision, "identified_share": r.identified_share, "matured": bool(r.matured)}
            for r in table.itertuples()]
    by_week = table.groupby("week")[["visited", "confirmed"]].sum()
    share = [None if v == 0 else c / v for v, c in zip(by_week["visited"], by_week["confirmed"])]
    return {"rows": rows, "chart": charts.line_chart([w.strftime("%m-%d") for w in by_week.index], share,
                                                     "走访确认率（确认存在风险 ÷ 已走访）", pct=True)}


def model_panel(store: StoreProtocol, loaded) -> dict:
    """For analysts and admins: the served champion (``loaded``: the model holder's current
    model, None before the first load), its key metrics, the last drift summary."""
    metrics = {}
    if loaded is not None:
        metrics = loaded.info.get("metrics") or {}
    drift = store.latest_drift()
    summary = (drift or {}).get("summary") or {}
    features = summary.get("drifted_features") or []
    threshold = (summary.get("thresholds") or {}).get("feature_psi")
    return {
        "model": None if loaded is None else {"name": loaded.name, "version": loaded.version,
                                              "trained_at": loaded.info.get("trained_at")},
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
        "drift": None if drift is None else {
            "as_of": drift["as_of"], "alert": summary.get("alert"), "share_drifted": summary.get("share_drifted"),
            "score_psi": summary.get("score_psi"), "reasons": summary.get("reasons") or [],
            "status": summary.get("status")},
        "drift_chart": charts.bar_chart([(f.get("feature", ""), float(f.get("psi") or 0)) for f in features[:10]],
                                        "漂移最大的特征（PSI）", threshold=threshold if isinstance(threshold, (int, float)) else None),
    }
