"""What the read endpoints answer, built from the store: weekly lists, households, visits.

Risk types are shown the same way everywhere (objects with code, names and contribution, as
``/v1/score`` returns them); every read of household data is written to the access log.
"""

from __future__ import annotations

import datetime as dt
import math


from riskmodel.contract.plausible import id_problem
from riskmodel.contract.schema import CATEGORY_ZH
from riskmodel.plain import plain
from riskmodel.serving.auth import in_region, list_region
from riskmodel.serving.errors import ApiError
from riskmodel.store import ApiKeyInfo, IdempotencyConflict, StoreError, StoreProtocol

def risk_type_items(codes, contributions) -> list[dict]:
    """Risk type codes (main first, as the list policy chose them) as the API shows them, with contributions."""
    from riskmodel.features.spec import risk_types as risk_type_map

    rt_map = risk_type_map()
    codes = [] if codes is None or (isinstance(codes, float) and codes != codes) else list(codes)
    contributions = contributions if isinstance(contributions, dict) else {}
    out = []
    for c in codes:
        if c in rt_map:
            v = contributions.get(c)
            out.append({"code": c, "zh": rt_map[c].zh, "en": rt_map[c].en,
                        "contribution": None if v is None or not math.isfinite(float(v)) else float(v)})
    return out


def _shown(row: dict) -> dict:
    """A stored list or score row with its reasons in the API's shape."""
    category = row.get("category")
    return {**row, "category_zh": CATEGORY_ZH.get(category) if category else None,
            "risk_types": risk_type_items(row.get("risk_types"), row.get("contributions")),
            "measures": [str(m) for m in (row.get("measures") or [])]}


def resolve_week(store: StoreProtocol, week: str) -> dt.date:
    """``latest``, an ISO week (``2024-W27``) or a date, to a stored list's as-of date (404 if none)."""
    weeks = store.risk_list_weeks()
    if week == "latest":
        if not weeks:
            raise ApiError(404, "no risk list stored yet")
        return weeks[-1]
    if "W" in week:
        year, num = int(week[:4]), int(week[-2:])
        found = [w for w in weeks if tuple(w.isocalendar())[:2] == (year, num)]
        if not found:
            raise ApiError(404, f"no risk list stored for ISO week {week}")
        return found[-1]
    try:
        day = dt.date.fromisoformat(week)
    except ValueError:
        raise ApiError(422, f"week {week!r}: not a valid date", loc=["path", "week"], type="date_from_datetime_parsing"
                       ) from None
    if day not in weeks:
        raise ApiError(404, f"no risk list stored for week {week}")
    return day


def risk_list_page(store: StoreProtocol, key: ApiKeyInfo, week: str, region: str | None, page: int,
                   size: int) -> dict:
    """One page of a stored weekly list in the key's region, access-logged per household shown."""
    prefix = list_region(key, region)
    day = resolve_week(store, week)
    df = store.risk_list(day, prefix, offset=(page - 1) * size, limit=size)
    total = store.risk_list_count(day, prefix)
    store.log_access(key.id, df["household_id"].tolist(), "risk_list")
    run = store.risk_list_run(day) or {}
    items = []
    for rec in df.drop(columns=["as_of"]).to_dict("records"):
        item = _shown({k: plain(v) for k, v in rec.items()})
        item.pop("contributions", None)
        items.append(item)
    return {"as_of": day, "region": prefix, "model_name": run.get("model_name"),
            "model_version": run.get("model_version"), "run_id": run.get("run_id"), "total": total,
            "page": page, "size": size, "count": len(items), "items": items}


def visible_region(store: StoreProtocol, key: ApiKeyInfo, household_id: str) -> str:
    """The household's region, or 404 when unknown or outside the key's region (existence not revealed)."""
    problem = id_problem(household_id)
    if problem is not None:
        raise ApiError(422, f"household_id {problem}", loc=["path", "household_id"], type="contract.pseudonymous_id")
    region = store.household_region(household_id)
    if region is None or not in_region(key, region):
        raise ApiError(404, "household not found")
    return region


def visit_out(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("key_id", "idempotency_key")}


def household_view(store: StoreProtocol, key: ApiKeyInfo, household_id: str) -> dict:
    """Latest week with reasons and measures as listed, the score history, and recorded visits."""
    region = visible_region(store, key, household_id)
    history = store.household_history(household_id)
    visits = store.visit_records(household_id=household_id)
    store.log_access(key.id, household_id, "household")
    weeks = [{k: plain(v) for k, v in rec.items()} for rec in history.to_dict("records")]
    for w in weeks:
        w["rank"] = w.pop("list_rank")
    latest = None
    if weeks:
        latest = _shown(weeks[-1])
        latest.pop("contributions", None)
    trend = [{k: w.get(k) for k in ("as_of", "score", "probability", "band", "rank", "model_version")} for w in weeks]
    return {"household_id": household_id, "region_code": region, "latest": latest, "history": trend,
            "visits": [visit_out(v) for v in visits]}


def record_visit(store: StoreProtocol, key: ApiKeyInfo, household_id: str, visit, idempotency_key: str | None,
                 today: dt.date) -> dict:
    """Store a visit of a household the key may see (the date not in the future)."""
    region = visible_region(store, key, household_id)
    if visit.visited_on > today + dt.timedelta(days=1):
        raise ApiError(422, "visited_on is in the future", loc=["body", "visited_on"], type="date_future")
    try:
        row = store.add_visit(household_id, visit.visited_on, visit.outcome, visit.measures, visit.note, key.id,
                              region_code=region, idempotency_key=idempotency_key)
    except IdempotencyConflict as exc:
        raise ApiError(409, str(exc), loc=["header", "idempotency-key"]) from None
    except StoreError as exc:
        raise ApiError(422, str(exc), loc=["body"], type="contract.store") from None
    return visit_out(row)


def visits_page(store: StoreProtocol, key: ApiKeyInfo, since: dt.datetime | None, region: str | None,
                after: int | None, limit: int) -> dict:
    """Visits recorded since a time in the key's region, by id (``next_after`` continues)."""
    prefix = list_region(key, region)
    rows = store.visit_records(region_prefix=prefix, recorded_since=since, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    store.log_access(key.id, [r["household_id"] for r in rows], "visits")
    return {"items": [visit_out(r) for r in rows], "next_after": rows[-1]["id"] if more else None}


def one_visit(store: StoreProtocol, key: ApiKeyInfo, visit_id: int) -> dict:
    row = store.visit(visit_id)
    if row is None or not in_region(key, row["region_code"]):
        raise ApiError(404, "visit not found")
    store.log_access(key.id, row["household_id"], "visit")
    return visit_out(row)
