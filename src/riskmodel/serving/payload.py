"""From validated JSON payloads to a ``Panel``, scores and explained responses.

Pydantic has checked each field; ``Panel.from_frames`` then checks the contract's cross-row
rules exactly as for files. Its problems come back as 422 details whose ``loc`` points into
the request (``["body", "members", 2, "relation"]``). One relaxation: a household sent with
no members at all may lack a head row (a brand-new household the office knows only by its
registration must still score).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from riskmodel.contract import ContractError, Panel, Policy
from riskmodel.contract.columns import Columns, text_values
from riskmodel.contract.schema import CATEGORY_ZH, TABLES
from riskmodel.contract.validate import RULES, Problems, check_tables, empty_frame
from riskmodel.listing import DEFAULT_POLICY, shown_measures, shown_risk_types
from riskmodel.serving.kinds import typed_column
from riskmodel.serving.schemas import CHILD_TABLES
from riskmodel.serving.views import risk_type_items

#: Why a household sent with nothing but its registration gets no measures.
NO_DATA_NOTE = ("no members, income, medical, assistance, event or monitoring records were sent: "
                "no measures are suggested (无任何记录，不提出帮扶措施)")


class PayloadError(Exception):
    """The payload breaks the contract; ``errors`` are FastAPI-style 422 details."""

    def __init__(self, errors: list[dict], status: int = 422):
        self.errors = errors
        self.status = status
        super().__init__(f"{len(errors)} problems")


def _err(loc: list, msg: str, typ: str, value: Any = None) -> dict:
    out = {"loc": loc, "msg": msg, "type": typ}
    if value is not None:
        out["input"] = value
    return out


#: Child tables with a household_id column (a claim belongs to a household through its member).
_OWNED = frozenset(t for t in CHILD_TABLES if "household_id" in TABLES[t].names)
#: Tables whose rows belong to a household through a member (no household_id column).
MEMBER_KEYED = frozenset(t for t in CHILD_TABLES if t not in _OWNED)
#: References ``payload_rows`` has checked (a child row's household is its payload's; a
#: member-keyed row names one of its payload's members): ``check_tables`` need not search them again.
PAYLOAD_REFERENCES = frozenset({(t, "household_id") for t in _OWNED} | {(t, "member_id") for t in MEMBER_KEYED})


def payload_rows(payloads: Sequence, prefix: list) -> tuple[dict[str, list], dict, list[dict]]:
    """Each table's rows as ``(row model, household id)``, each row's origin, and consistency errors.

    ``prefix`` is the ``loc`` of the payload list's items (``["body"]`` for one household,
    ``["body", "households"]`` for a batch; then the item index is added).
    """
    single = len(prefix) == 1
    rows: dict[str, list[tuple]] = {"households": [], **{t: [] for t in CHILD_TABLES}}
    origin: dict[str, list[tuple]] = {t: [] for t in rows}
    errors: list[dict] = []
    for i, p in enumerate(payloads):
        base = prefix if single else [*prefix, i]
        hid = p.household.household_id
        rows["households"].append((p.household, hid))
        origin["households"].append((base, "household", None))
        members = p.members or []
        member_ids = {m.member_id for m in members} if (p.medical_claims or p.member_status) else set()
        for table in CHILD_TABLES:
            owned = table in _OWNED
            for j, row in enumerate(getattr(p, table) or []):
                own = row.household_id if owned else None
                if own is not None and own != hid:
                    errors.append(_err([*base, table, j, "household_id"],
                                       f"must be the household's id {hid!r} (or left out)", "contract.household_id",
                                       own))
                if table in MEMBER_KEYED and row.member_id not in member_ids:
                    errors.append(_err([*base, table, j, "member_id"], "not a member of this household (members)",
                                       "contract.references", row.member_id))
                rows[table].append((row, hid))
                origin[table].append((base, table, j))
    return rows, origin, errors


def payload_frames(rows: dict[str, list]) -> dict[str, pd.DataFrame]:
    """Contract-shaped raw frames (JSON values) of ``payload_rows``: what ``Panel.from_frames`` reads."""
    frames = {}
    for name, items in rows.items():
        records = []
        for row, hid in items:
            r = row.model_dump(mode="json")
            if "household_id" in r and r["household_id"] is None:
                r["household_id"] = hid
            records.append(r)
        # every table present (possibly empty): an absent list means "no records", not a missing file
        frames[name] = pd.DataFrame(records, columns=list(TABLES[name].names))
    return frames


_EMPTY: dict[str, Columns] = {}


def _empty(name: str) -> Columns:
    """A typed empty table with its arrays read, built once and shared by every request (read only)."""
    if name not in _EMPTY:
        cols = Columns(empty_frame(TABLES[name]))
        for col in TABLES[name].names:
            cols[col]  # noqa: B018 - read now, so that no request pays for it
        _EMPTY[name] = cols
    return _EMPTY[name]


def typed_tables(rows: dict[str, list]) -> dict[str, Columns]:
    """Contract-typed tables straight from pydantic row models (plus the household id to fill in).

    Each comes as ``Columns`` of the typed arrays (a frame is built only if something reads
    one), so that the checks, features and category rule never pay pandas' first read of a column.

    Pydantic has already enforced every per-field rule of the schema (types, enums, ranges,
    region codes, ISO dates), so this skips the loader's string coercion — the costliest part
    of ``Panel.from_frames`` for a one-household panel. ``test_payload.py`` checks that the
    result equals ``Panel.from_frames`` on the same rows, table for table.
    """
    out = {}
    for name, table in TABLES.items():
        items = rows.get(name)
        if not items:
            out[name] = _empty(name)
            continue
        cols = {}
        fields = [r.__dict__ for r, _ in items]  # pydantic keeps validated values here
        for col in table.columns:
            if col.name == "household_id" and name != "households":
                values = [f["household_id"] or hid for f, (_, hid) in zip(fields, items)]
            else:
                values = [f[col.name] for f in fields]
            cols[col.name] = typed_column(name, col, values)
        out[name] = Columns.of(cols, len(items))
    return out


def build_panel(payloads: Sequence, prefix: list, *, full: bool = False) -> Panel:
    """Validated ``Panel`` of the payloads, or ``PayloadError`` naming field and rule.

    Cross-row rules (one head, cost balance, references, dates in order…) are the contract's
    own ``check_tables``; ``full=True`` runs the whole ``Panel.from_frames`` loader instead.
    """
    rows, origin, errors = payload_rows(payloads, prefix)
    if errors:
        raise PayloadError(errors)
    if full:
        frames = payload_frames(rows)
        try:
            return Panel.from_frames(frames)
        except ContractError as exc:
            problems = exc.problems
    else:
        typed = typed_tables(rows)
        problems = Problems()
        check_tables(typed, problems, heads=False,  # one_head: below, per payload
                     references_checked=PAYLOAD_REFERENCES)
        if not problems and all(_heads(p) in (None, 1) for p in payloads):
            return Panel.from_columns(typed, Policy.default())
    # one_head is checked here instead: a household sent without members may have no head
    errors = []
    listed = 0
    for prob in problems.examples:
        if prob.rule == "one_head":
            continue
        listed += 1
        if prob.row is None:
            loc = [*prefix, prob.table, prob.column]
        else:
            base, key, j = origin[prob.table][prob.row - 1]
            loc = [*base, key] + ([] if j is None else [j]) + ([prob.column] if prob.column else [])
        message = prob.message or (RULES[prob.rule].text if prob.rule in RULES else f"breaks rule {prob.rule}")
        errors.append(_err(loc, message, f"contract.{prob.rule}", prob.value))
    for i, p in enumerate(payloads):
        heads = _heads(p)
        if heads not in (None, 1):
            base = prefix if len(prefix) == 1 else [*prefix, i]
            errors.append(_err([*base, "members"], f"exactly one member with relation 'head' (found {heads})",
                               "contract.one_head"))
    unlisted = problems.total - problems.counts.get(("households", "household_id", "one_head"), 0) - listed
    if unlisted > 0:
        errors.append(_err(prefix, f"{unlisted} more contract problems", "contract.many"))
    if errors:
        raise PayloadError(errors)
    return Panel.from_frames(frames, check=False) if full else Panel.from_columns(typed, Policy.default())


#: The scorer's text columns (Arrow strings).
_TEXT_COLUMNS = frozenset({"household_id", "region_code"})


def _heads(payload) -> int | None:
    """Members with relation 'head' (None without members: a new household may have no head yet)."""
    return sum(m.relation == "head" for m in payload.members) if payload.members else None


def score_payloads(loaded, payloads: Sequence, prefix: list, default_as_of: dt.date, *,
                   full_validation: bool = False) -> list[dict]:
    """Score each payload as of its ``as_of`` (or the default), in request order."""
    panel = build_panel(payloads, prefix, full=full_validation)
    as_ofs = [p.as_of or default_as_of for p in payloads]
    ids = [p.household.household_id for p in payloads]
    empty = {p.household.household_id for p in payloads if not any(getattr(p, t) for t in CHILD_TABLES)}
    by_date: dict[dt.date, list[str]] = {}
    for hid, day in zip(ids, as_ofs):
        by_date.setdefault(day, []).append(hid)
    results: dict[str, dict] = {}
    for day, group in by_date.items():
        part = panel if len(by_date) == 1 else panel.subset(group)
        scored = loaded.scorer.columns(part, pd.Timestamp(day), explain=list(group))
        # id columns by Arrow (pandas' tolist of a string array goes through an object array)
        columns = {c: text_values(v) if c in _TEXT_COLUMNS else v.tolist() for c, v in scored.items()}
        for i in range(len(columns["household_id"])):
            rec = {c: v[i] for c, v in columns.items()}
            results[str(rec["household_id"])] = _response(rec, day, loaded, no_data=str(rec["household_id"]) in empty)
    missing = [i for i, hid in enumerate(ids) if hid not in results]
    if missing:
        single = len(prefix) == 1
        raise PayloadError([
            _err([*(prefix if single else [*prefix, i]), "household", "registered_on"],
                 f"household is not eligible for scoring as of {as_ofs[i].isoformat()} "
                 "(registered after that date)", "contract.not_eligible")
            for i in missing])
    return [results[hid] for hid in ids]


def _str(v) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def _response(rec: dict, as_of: dt.date, loaded, *, no_data: bool = False) -> dict:
    from riskmodel.features.spec import risk_types as risk_type_map

    rt_map = risk_type_map()
    contrib = rec.get("contributions")
    contrib = contrib if isinstance(contrib, dict) else {}
    codes = shown_risk_types(rec.get("risk_types"), contrib, DEFAULT_POLICY)
    measures = rec.get("measures")
    if measures is None or (isinstance(measures, float) and measures != measures):
        measures = shown_measures(codes, {c: rt.measures for c, rt in rt_map.items()}, DEFAULT_POLICY)
    category = _str(rec.get("category"))
    return {
        "household_id": str(rec["household_id"]),
        "region_code": str(rec["region_code"]),
        "as_of": as_of.isoformat(),
        "score": float(rec["score"]),
        "probability": float(rec["probability"]),
        "band": _str(rec.get("band")),
        "category": category,
        "category_zh": _str(rec.get("category_zh")) or CATEGORY_ZH.get(category or ""),
        "risk_types": risk_type_items(codes, contrib),
        "measures": [] if no_data else [str(m) for m in measures],
        "measures_note": NO_DATA_NOTE if no_data else None,
        "model": {"name": loaded.name, "version": loaded.version},
    }


def panel_payloads(panel: Panel, household_ids, *, as_of=None) -> list[dict]:
    """Score-request JSON objects for households of a ``Panel`` (demo, benchmark, tests).

    The inverse of what the API reads: contract columns, ISO dates, monitoring rows included.
    """
    import json

    from riskmodel.contract.io import to_file_frame

    ids = [str(h) for h in household_ids]
    sub = panel.subset(ids)
    member_hh = sub.members.set_index("member_id")["household_id"].astype(str)
    grouped: dict[str, dict[str, list]] = {}
    for name in ("households", *CHILD_TABLES):
        frame = to_file_frame(TABLES[name], getattr(sub, name))
        owner = frame["member_id"].map(member_hh) if name in MEMBER_KEYED else frame["household_id"]
        records = json.loads(frame.to_json(orient="records", force_ascii=False))  # NaN → null
        for hid, rec in zip(owner.astype(str), records):
            grouped.setdefault(hid, {}).setdefault(name, []).append(rec)
    out = []
    for hid in ids:
        tables = grouped.get(hid, {})
        payload = {"household": tables["households"][0], **{t: tables.get(t, []) for t in CHILD_TABLES}}
        for t in ("members", "income", "assistance", "events", "monitoring"):
            for rec in payload[t]:
                rec.pop("household_id", None)
        if as_of is not None:
            payload["as_of"] = str(pd.Timestamp(as_of).date())
        out.append(payload)
    return out
