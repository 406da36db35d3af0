"""Values going into and out of the store: checked dates and texts, JSON-safe cells, week rows.

Every date written is range-checked (contract v1.1: 1900-01-01 … 2100-12-31) and every text
free of NUL, lone surrogates and ID-/phone-shaped runs, so that nothing a write accepted can
make a later read fail (pandas holds only 1677–2262; PostgreSQL refuses NUL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from riskmodel.contract.plausible import date_problem, id_problem, personal_data_problem, text_problem
from riskmodel.contract.regions import VILLAGE_PATTERN
from riskmodel.plain import plain, plain_values


class StoreError(ValueError):
    """Input a store method cannot accept (names the column and the rule)."""


class IdempotencyConflict(StoreError):
    """An idempotency key reused for a different write."""


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as the service sees it (never the secret)."""

    id: int
    key_id: str
    name: str | None
    role: str
    region_prefix: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict:
        return asdict(self)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _day(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise StoreError(f"{value!r}: expected an ISO date YYYY-MM-DD") from None
    return pd.Timestamp(value).date()


def _checked_day(value, what: str) -> dt.date:
    """A date to store: range-checked, so that no later read can fail on it (pandas holds 1677–2262)."""
    day = _day(value)
    problem = date_problem(day)
    if problem is not None:
        raise StoreError(f"{what}, value {day.isoformat()}: {problem}")
    return day


def _checked_text(value: str, what: str, *, identifier: bool = False) -> str:
    """Text to store: no NUL (PostgreSQL refuses it), no lone surrogates, nothing ID- or phone-shaped."""
    problem = id_problem(value) if identifier else (text_problem(value) or personal_data_problem(value))
    if problem is not None:
        raise StoreError(f"{what}: {problem}")  # the value itself is not echoed: it may be personal
    return value


def _visit_dict(r) -> dict:
    return {"id": r.id, "household_id": r.household_id, "region_code": r.region_code,
            "visited_on": _day(r.visited_on), "outcome": r.outcome, "measures": list(r.measures or []),
            "note": r.note or "", "key_id": r.key_id, "recorded_at": _utc(r.recorded_at)}


def _hash(salt: str, secret: str) -> str:
    # Keys carry 256 random bits, so a salted SHA-256 cannot be brute-forced and keeps
    # per-request authentication cheap (a slow KDF only helps low-entropy passwords).
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def _codes(value) -> list[str] | None:
    """A list of codes/measures given as a list or a ';'-separated string."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return [str(v) for v in value]


def _contrib(value) -> dict | None:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def _check_frame(df: pd.DataFrame, required: tuple[str, ...], what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise StoreError(f"{what}: required column(s) missing: {', '.join(missing)}")
    for col in required:
        bad = df[col].isna().to_numpy()
        if bad.any():
            raise StoreError(f"{what}: row {int(np.flatnonzero(bad)[0]) + 1}, column {col}: value is empty")
    # a province's rows, a few thousand villages: each distinct code made text and checked once
    codes, uniques = pd.factorize(df["region_code"])
    text = pd.Series(uniques).astype(str)
    bad = ~text.str.fullmatch(VILLAGE_PATTERN).to_numpy(dtype=bool)[codes]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StoreError(f"{what}: row {i + 1}, column region_code, value {text.iloc[codes[i]]!r}: "
                         "region_code is exactly 12 digits")
    dup = df["household_id"].duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise StoreError(f"{what}: row {i + 1}, column household_id, value {df['household_id'].iloc[i]!r}: "
                         "a household appears once per week")


def _optional(df: pd.DataFrame, col: str, n: int, convert=None) -> list:
    if col not in df.columns:
        return [None] * n
    if convert is None:
        return plain_values(df[col])
    return [convert(v) for v in df[col].astype(object).tolist()]


def _text_or_none(v) -> str | None:
    return v if type(v) is str else (None if plain(v) is None else str(v))


def _optional_text(df: pd.DataFrame, col: str, n: int) -> list:
    """``_optional(df, col, n, _text_or_none)``, one distinct value at a time when the column holds
    only text (a week's bands and categories are a few values over a province of rows)."""
    if col in df.columns and pd.api.types.infer_dtype(df[col], skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(df[col], use_na_sentinel=True)
        return np.append(np.asarray(uniques, dtype=object), None)[codes].tolist()  # code -1 (missing): None
    return _optional(df, col, n, _text_or_none)


def _columns_for_week(df: pd.DataFrame, as_of: dt.date, run_meta: Mapping, extra: dict[str, list]) -> dict[str, list]:
    """A week's rows (scores or a list) as one list per column: a province's worth of row dicts costs more than its insert."""
    n = len(df)
    hh = df["household_id"].astype(str).tolist()
    region = df["region_code"].astype(str).tolist()
    probability = _optional(df, "probability", n)
    cols = {
        "as_of": [as_of] * n, "household_id": hh, "region_code": region,
        "score": [float(v) for v in df["score"].to_numpy(dtype=float)],
        "probability": probability,
        "band": _optional_text(df, "band", n),
        "category": _optional_text(df, "category", n),
        "risk_types": _optional(df, "risk_types", n, _codes),
        "contributions": _optional(df, "contributions", n, _contrib),
        "measures": _optional(df, "measures", n, _codes),
        "model_version": [None if run_meta.get("model_version") is None else str(run_meta["model_version"])] * n,
        "run_id": [run_meta.get("run_id")] * n,
        **extra,
    }
    return cols
