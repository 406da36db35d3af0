"""``StoreProtocol``: what the weekly run, the API and the office pages call on the store.

``Store`` (SQLAlchemy) is the one implementation; code above the store is typed against this
protocol, so a stand-in (a test fake, a read-only replica) is checked by the same names and
signatures instead of by ``hasattr`` branches. ``tests/store/test_protocol.py`` checks that
``Store`` matches it signature for signature and that every store method the jobs, serving
and web call is named here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from riskmodel.store.accounts import SESSION_HOURS

if TYPE_CHECKING:
    import pandas as pd

    from riskmodel.store.accounts import UserInfo
    from riskmodel.store.values import ApiKeyInfo


@runtime_checkable
class StoreProtocol(Protocol):
    """The store as its callers see it (keys, users and sessions, lists, scores, visits, drift, access log)."""

    # --- lifecycle and transactions
    def migrate(self) -> None: ...

    def ping(self) -> bool: ...

    def transaction(self) -> AbstractContextManager[StoreProtocol]: ...

    # --- API keys, users, sessions
    def authenticate(self, raw_key: str | None) -> ApiKeyInfo | None: ...

    def verify_login(self, username: str, password: str) -> UserInfo | None: ...

    def create_session(self, user_id: int, hours: float = SESSION_HOURS) -> tuple[str, str]: ...

    def session(self, token: str | None) -> tuple[UserInfo, str] | None: ...

    def end_session(self, token: str | None) -> None: ...

    # --- weekly lists and scores
    def replace_risk_list(self, as_of, rows_df: pd.DataFrame, run_meta: Mapping | None = None) -> int: ...

    def risk_list_weeks(self) -> list[dt.date]: ...

    def risk_list_run(self, as_of) -> dict | None: ...

    def risk_list(self, as_of, region_prefix: str | None = None, *, offset: int = 0,
                  limit: int | None = None) -> pd.DataFrame: ...

    def risk_list_count(self, as_of, region_prefix: str | None = None) -> int: ...

    def replace_scores(self, as_of, scores_df: pd.DataFrame | Iterable[pd.DataFrame],
                       run_meta: Mapping | None = None) -> int: ...

    def score_cutoffs(self, shares: Iterable[float], model_version: str | None = None) -> dict | None: ...

    def household_region(self, household_id: str) -> str | None: ...

    def household_regions(self, household_ids: Iterable[str]) -> dict[str, str]: ...

    def household_history(self, household_id: str) -> pd.DataFrame: ...

    # --- visits and what they show
    def add_visit(self, household_id: str, visited_on, outcome: str, measures: Iterable[str] = (),
                  note: str = "", key_id: int | None = None, *, user_id: int | None = None,
                  region_code: str | None = None, idempotency_key: str | None = None) -> dict: ...

    def visit(self, visit_id: int) -> dict | None: ...

    def visit_records(self, *, household_id: str | None = None, region_prefix: str | None = None,
                      recorded_since: dt.datetime | None = None, after_id: int | None = None,
                      limit: int | None = None) -> list[dict]: ...

    def visits(self, since=None, household_id: str | None = None) -> pd.DataFrame: ...

    def replace_visit_precision(self, as_of, table: pd.DataFrame) -> int: ...

    def visit_precision(self, region_prefix: str | None = None, level: str | None = None) -> pd.DataFrame: ...

    # --- drift and access log
    def save_drift_summary(self, as_of, summary_dict: Mapping, model_version: str | None = None) -> int: ...

    def latest_drift(self) -> dict | None: ...

    def log_access(self, key_id: int | None, household_ids: str | Iterable[str], endpoint: str, *,
                   user_id: int | None = None) -> int: ...


__all__ = ["StoreProtocol"]
