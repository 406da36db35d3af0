"""Visits in the store: durable, idempotent writes and reads that cannot fail on a stored row.

Mixed into ``Store`` (uses its ``_read``/``_write`` transactions and ``household_region``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from riskmodel.store.models import VISIT_OUTCOMES, Visit
from riskmodel.store.values import (
    IdempotencyConflict,
    StoreError,
    _checked_day,
    _checked_text,
    _day,
    _now,
    _utc,
    _visit_dict,
)

VISIT_COLUMNS = ("id", "household_id", "region_code", "visited_on", "outcome", "measures", "note", "key_id",
                 "recorded_at")


class VisitsMixin:
    """Visit outcomes recorded by offices (API keys) and office users (pages)."""

    def add_visit(self, household_id: str, visited_on, outcome: str, measures: Iterable[str] = (),
                  note: str = "", key_id: int | None = None, *, user_id: int | None = None,
                  region_code: str | None = None, idempotency_key: str | None = None) -> dict:
        """Record a visit outcome durably; returns the stored row (with ``id``, ``recorded_at``).

        With an ``idempotency_key`` (per API key), a repeated call returns the visit already
        recorded under it instead of writing a second one; the same key with other content is
        a ``StoreError``. Dates, notes and ids are checked here, so a read never fails on a row.
        ``key_id`` when recorded over the API, ``user_id`` when through the office pages;
        ``region_code`` defaults to the household's latest known region.
        """
        if outcome not in VISIT_OUTCOMES:
            raise StoreError(f"visit outcome {outcome!r}: allowed {', '.join(VISIT_OUTCOMES)}")
        row = {"household_id": _checked_text(str(household_id), "visit household_id", identifier=True),
               "region_code": region_code or self.household_region(str(household_id)), "visited_on": _checked_day(visited_on, "visit visited_on"),
               "outcome": outcome, "measures": [_checked_text(str(m), "visit measures") for m in measures],
               "note": _checked_text(note or "", "visit note"), "key_id": key_id, "recorded_at": _now(),
               "idempotency_key": idempotency_key}
        if idempotency_key is not None:
            _checked_text(idempotency_key, "Idempotency-Key", identifier=True)
            earlier = self._visit_by_idempotency(key_id, idempotency_key)
            if earlier is not None:
                return self._replayed(earlier, row)
        try:
            with self._write() as conn:
                row["id"] = conn.execute(insert(Visit).values(**row, user_id=user_id).returning(Visit.id)).scalar_one()
        except IntegrityError:
            earlier = self._visit_by_idempotency(key_id, idempotency_key) if idempotency_key else None
            if earlier is None:
                raise
            return self._replayed(earlier, row)  # a concurrent retry won the race
        return {c: row[c] for c in VISIT_COLUMNS}

    def _visit_by_idempotency(self, key_id: int | None, idempotency_key: str) -> dict | None:
        key_cond = Visit.key_id.is_(None) if key_id is None else Visit.key_id == key_id
        with self._read() as conn:
            r = conn.execute(select(*[getattr(Visit, c) for c in VISIT_COLUMNS])
                             .where(key_cond, Visit.idempotency_key == idempotency_key)).first()
        return None if r is None else _visit_dict(r)

    @staticmethod
    def _replayed(earlier: dict, row: dict) -> dict:
        same = all(earlier[c] == row[c] for c in ("household_id", "visited_on", "outcome", "measures", "note"))
        if not same:
            raise IdempotencyConflict("Idempotency-Key already used for a different visit")
        return earlier

    def visit(self, visit_id: int) -> dict | None:
        """One visit by id, or None."""
        with self._read() as conn:
            r = conn.execute(select(*[getattr(Visit, c) for c in VISIT_COLUMNS]).where(Visit.id == visit_id)).first()
        return None if r is None else _visit_dict(r)

    def visit_records(self, *, household_id: str | None = None, region_prefix: str | None = None,
                      recorded_since: dt.datetime | None = None, after_id: int | None = None,
                      limit: int | None = None) -> list[dict]:
        """Visits as plain records (dates as ``date``), by id: for the API and the cadres' app sync."""
        stmt = select(*[getattr(Visit, c) for c in VISIT_COLUMNS]).order_by(Visit.id)
        if household_id is not None:
            stmt = stmt.where(Visit.household_id == household_id)
        if region_prefix:
            stmt = stmt.where(Visit.region_code.startswith(region_prefix, autoescape=True))
        if recorded_since is not None:
            stmt = stmt.where(Visit.recorded_at >= _utc(recorded_since))  # SQLite compares wall times
        if after_id is not None:
            stmt = stmt.where(Visit.id > after_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as conn:
            return [_visit_dict(r) for r in conn.execute(stmt)]

    def visits(self, since=None, household_id: str | None = None) -> pd.DataFrame:
        """Visit outcomes (``visited_on >= since``), oldest first: the feedback training reads.

        A date pandas cannot hold (from before writes were range-checked) reads as NaT rather
        than failing every later read.
        """
        stmt = select(*[getattr(Visit, c) for c in VISIT_COLUMNS]).order_by(Visit.visited_on, Visit.id)
        if since is not None:
            stmt = stmt.where(Visit.visited_on >= _day(since))
        if household_id is not None:
            stmt = stmt.where(Visit.household_id == household_id)
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        out = pd.DataFrame(rows, columns=list(VISIT_COLUMNS))
        out["visited_on"] = pd.to_datetime(out["visited_on"], errors="coerce")
        out["recorded_at"] = pd.to_datetime(out["recorded_at"], utc=True, errors="coerce")
        return out
