"""SQLAlchemy 2 models of the service store (the Alembic migrations create exactly these).

The store keeps only pseudonymous identifiers, scores and office notes; no names or ID numbers.
Lists, scores and drift rows carry the model version and run id that produced them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from riskmodel.listing.followup import OUTCOMES

ROLES = ("admin", "analyst", "office")
#: What a visit found (``not_home`` = nobody met: still to be visited): the follow-up rules'
#: vocabulary, defined once in ``listing.followup.OUTCOMES``.
VISIT_OUTCOMES = OUTCOMES


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """An API key: only a salted hash of its secret part is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    """Public identifier, also the lookup part of the raw key (``rk_<key_id>_<secret>``)."""
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    region_prefix: Mapped[str | None] = mapped_column(String(12))
    salt: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RiskListRun(Base):
    """One stored weekly list: which model and run produced it, and when it was written."""

    __tablename__ = "risk_list_runs"
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RiskListRow(Base):
    """One household on a week's ranked list."""

    __tablename__ = "risk_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, ForeignKey("risk_list_runs.as_of", ondelete="CASCADE"))
    household_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str] = mapped_column(String(9))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    risk_types: Mapped[list | None] = mapped_column(JSON)
    contributions: Mapped[dict | None] = mapped_column(JSON)
    measures: Mapped[list | None] = mapped_column(JSON)
    new_on_list: Mapped[bool | None] = mapped_column(Boolean)
    previous_rank: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    """new | carried_over | visited | pending (新进 / 上周在榜 / 已走访 / 待认定), see listing.followup."""
    visit_outcome: Mapped[str | None] = mapped_column(String(32))
    """Outcome of the household's latest visit before the list date (None: never visited)."""
    visited_on: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (
        UniqueConstraint("as_of", "household_id", name="uq_risk_lists_week_household"),
        Index("ix_risk_lists_week_region", "as_of", "region_code"),
        Index("ix_risk_lists_household", "household_id"),
    )


class ScoreRow(Base):
    """A household's score for one week (all eligible households, not only those listed)."""

    __tablename__ = "scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    household_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    risk_types: Mapped[list | None] = mapped_column(JSON)
    contributions: Mapped[dict | None] = mapped_column(JSON)
    measures: Mapped[list | None] = mapped_column(JSON)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("as_of", "household_id", name="uq_scores_week_household"),
        Index("ix_scores_household", "household_id"),
    )


class Visit(Base):
    """A visit outcome recorded by an office: feedback for the lists and for evaluation (never a training label)."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(32))
    measures: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    key_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("api_keys.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    """Set when recorded through the office pages (``key_id`` when through the API)."""
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    """The household's region when the visit was recorded (lets an office sync its own visits)."""
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    """The client's ``Idempotency-Key``: a retried POST returns the visit it already recorded."""
    __table_args__ = (UniqueConstraint("key_id", "idempotency_key", name="uq_visits_key_idempotency"),)


class VisitPrecision(Base):
    """Observed precision of the visits of one office (county or township) in one week.

    Recomputed whole by every weekly run (identifications arrive months after a visit).
    """

    __tablename__ = "visit_precision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[dt.date] = mapped_column(Date)
    """Monday of the visits' week."""
    level: Mapped[str] = mapped_column(String(16))
    """county | township"""
    office_code: Mapped[str] = mapped_column(String(12))
    visited: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer)
    identified: Mapped[int] = mapped_column(Integer)
    not_home: Mapped[int] = mapped_column(Integer)
    precision: Mapped[float | None] = mapped_column(Float)
    identified_share: Mapped[float | None] = mapped_column(Float)
    matured: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[dt.date] = mapped_column(Date)
    """The weekly run that computed the row."""
    __table_args__ = (UniqueConstraint("week", "level", "office_code", name="uq_visit_precision_week_office"),)


class DriftSummary(Base):
    """A weekly drift summary (the report itself lives with the weekly run's files)."""

    __tablename__ = "drift_summaries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    model_version: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AccessLog(Base):
    """Who read which household's data, when and through which endpoint."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("api_keys.id"))
    household_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    accessed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"))
    """Set for page views by a signed-in user (``key_id`` for API reads)."""


class User(Base):
    """A person who signs in to the office pages: only an Argon2 hash of the password is stored."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    region_prefix: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie carries the token, the store keeps its SHA-256 only."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
