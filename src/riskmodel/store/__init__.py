"""The service store: API keys (hashed), users and sessions (Argon2, ``accounts``), weekly risk lists, scores, visits, drift summaries, access log.

One ``Store(database_url)`` object with repository methods; every write is one committed
transaction. SQLite (WAL) by default from ``settings.database_url``; PostgreSQL via
``RISKMODEL_DATABASE_URL``. The schema is managed by Alembic: ``Store(url).migrate()``.

Used by: serving (keys, lists, households, visits, access log), the weekly run
(``replace_risk_list``, ``replace_scores``, ``save_drift_summary``, ``replace_visit_precision`` in
one ``transaction()``; ``visits()`` for the follow-up rules and observed precision) and
``riskmodel visits export``. Code above the store is typed against ``StoreProtocol`` (what those
callers use), which ``Store`` implements. Visits are not training labels (docs/architecture.md).
"""

from riskmodel.store.accounts import LoginThrottled, UserInfo, sees_region
from riskmodel.store.models import ROLES, VISIT_OUTCOMES
from riskmodel.store.protocol import StoreProtocol
from riskmodel.store.repository import (
    HISTORY_COLUMNS,
    PRECISION_COLUMNS,
    RISK_LIST_COLUMNS,
    ApiKeyInfo,
    Store,
    StoreError,
)
from riskmodel.store.values import IdempotencyConflict
from riskmodel.store.visits import VISIT_COLUMNS

__all__ = [
    "HISTORY_COLUMNS", "PRECISION_COLUMNS", "RISK_LIST_COLUMNS", "ROLES", "VISIT_COLUMNS", "VISIT_OUTCOMES",
    "ApiKeyInfo", "IdempotencyConflict", "LoginThrottled", "Store", "StoreError", "StoreProtocol", "UserInfo",
    "sees_region",
]
