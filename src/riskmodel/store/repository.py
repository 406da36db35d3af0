"""``Store``: the one object through which serving, the weekly run and training use the database.

Every write is one transaction that has committed when the method returns (a write that
returned is never lost: SQLite runs in WAL mode with ``synchronous=FULL``). Reads return
plain dataclasses, dicts or DataFrames, never ORM objects, so callers need no session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
import json
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from riskmodel.contract.columns import id_text
from riskmodel.contract.regions import county_of, township_of
from riskmodel.listing import top_count
from riskmodel.plain import plain
from riskmodel.store.accounts import AccountsMixin, check_scope
from riskmodel.store.models import (
    AccessLog,
    ApiKey,
    Base,
    DriftSummary,
    RiskListRow,
    RiskListRun,
    ScoreRow,
    VisitPrecision,
)

from riskmodel.store.visits import VisitsMixin
from riskmodel.store.values import (
    ApiKeyInfo,
    StoreError,
    _check_frame,
    _checked_day,
    _columns_for_week,
    _day,
    _hash,
    _now,
    _optional,
    _utc,
)

KEY_PREFIX = "rk"
#: Columns of a risk list as ``Store.risk_list`` returns them, in this order.
RISK_LIST_COLUMNS = (
    "as_of", "rank", "household_id", "region_code", "county_code", "township_code", "score",
    "probability", "band", "category", "risk_types", "contributions", "measures", "new_on_list",
    "previous_rank", "model_version", "run_id", "status", "visit_outcome", "visited_on",
)
#: Columns of a household's score history (``Store.household_history``).
HISTORY_COLUMNS = (
    "as_of", "region_code", "score", "probability", "band", "category", "risk_types",
    "contributions", "measures", "list_rank", "model_version", "run_id",
)
#: Observed precision of visits per office and week (``Store.visit_precision``).
PRECISION_COLUMNS = ("week", "level", "office_code", "visited", "confirmed", "identified", "not_home", "precision",
                     "identified_share", "matured", "as_of")
ACCESS_COLUMNS = ("id", "key_id", "user_id", "household_id", "endpoint", "accessed_at")


#: Rows built and sent at a time when a week's scores are stored.
ROW_CHUNK = 100_000
#: Rows of a week's list inserted at a time (with their reasons and measures, heavier than a score row).
LIST_CHUNK = 16_384


class Store(AccountsMixin, VisitsMixin):
    """Repository over the service database (SQLite file by default, PostgreSQL in production).

    ``Store(database_url)`` connects lazily; call ``migrate()`` once (idempotent, safe from
    several processes) before use. ``schema`` (PostgreSQL only) puts every table in that
    schema, created by ``migrate()`` — tests use it to stay isolated.
    """

    def __init__(self, database_url: str | None = None, *, schema: str | None = None):
        if database_url is None:
            from riskmodel.settings import get_settings

            database_url = get_settings().database_url
        self.url = make_url(database_url)
        self.schema = schema
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if schema is not None and self.is_sqlite:
            raise StoreError("schema= is for PostgreSQL; use a separate SQLite file instead")
        self.engine: Engine = self._make_engine()
        self._tx = threading.local()

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"

    # --- connection ------------------------------------------------------------------------

    def _make_engine(self) -> Engine:
        if self.is_sqlite:
            memory = self.url.database in (None, "", ":memory:")
            if not memory:
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs = {"poolclass": StaticPool} if memory else {}
            # hide_parameters: a failing statement's message never carries what a client sent
            engine = create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False},
                                   hide_parameters=True, **kwargs)

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record):
                dbapi_conn.isolation_level = None  # transactions are begun explicitly below
                cur = dbapi_conn.cursor()
                if not memory:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn):
                # writers take the lock up front, so two writers never deadlock on upgrade
                write = conn.get_execution_options().get("riskmodel_write", False)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

            return engine
        connect_args = {}
        if self.schema is not None:
            if not self.schema.replace("_", "").isalnum():
                raise StoreError(f"schema name {self.schema!r}: letters, digits and _ only")
            connect_args["options"] = f"-csearch_path={self.schema}"
        return create_engine(self.url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Several writes as one transaction: write methods called inside (same thread) join it.

        The weekly run publishes a week's list, scores, drift summary and visit precision this
        way, so the store holds all of them or none.
        """
        with self._write() as conn:
            self._tx.conn = conn
            try:
                yield self
            finally:
                self._tx.conn = None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, committed on leaving the block (rolled back on error)."""
        joined = getattr(self._tx, "conn", None)
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn:
            conn.execution_options(riskmodel_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent, concurrency-safe)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self._write() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(724101)"))
                if self.schema is not None:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The Alembic revision the database is at (None before ``migrate()``)."""
        from alembic.runtime.migration import MigrationContext

        with self._read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def ping(self) -> bool:
        """True when the database answers and is migrated (for ``/readyz``)."""
        try:
            return self.revision() is not None
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()

    # --- API keys --------------------------------------------------------------------------

    def create_api_key(self, role: str, region_prefix: str | None = None,
                       name: str | None = None) -> tuple[ApiKeyInfo, str]:
        """Create a key; returns its record and the raw key (shown once, never stored).

        ``office`` keys must have a region prefix (6-digit county or 9-digit township code,
        or any 2–12 digit prefix); ``admin``/``analyst`` keys see every region.
        """
        region_prefix = check_scope(role, region_prefix)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        created = _now()
        with self._write() as conn:
            new_id = conn.execute(
                insert(ApiKey).values(key_id=key_id, name=name, role=role, region_prefix=region_prefix,
                                      salt=salt, key_hash=_hash(salt, secret), created_at=created)
                .returning(ApiKey.id)
            ).scalar_one()
        info = ApiKeyInfo(new_id, key_id, name, role, region_prefix, created, None)
        return info, f"{KEY_PREFIX}_{key_id}_{secret}"

    def authenticate(self, raw_key: str | None) -> ApiKeyInfo | None:
        """The active key matching ``raw_key``, or None (unknown, malformed or revoked)."""
        if not raw_key:
            return None
        parts = raw_key.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
            return None
        with self._read() as conn:
            key = conn.execute(select(ApiKey.__table__).where(ApiKey.key_id == parts[1])).first()
        if key is None:
            return None
        if not hmac.compare_digest(_hash(key.salt, parts[2]), key.key_hash) or key.revoked_at is not None:
            return None
        return self._info(key)

    @staticmethod
    def _info(key) -> ApiKeyInfo:
        return ApiKeyInfo(key.id, key.key_id, key.name, key.role, key.region_prefix,
                          _utc(key.created_at), _utc(key.revoked_at))

    def list_api_keys(self, include_revoked: bool = True) -> list[ApiKeyInfo]:
        """All keys, oldest first (never their secrets)."""
        stmt = select(ApiKey.__table__).order_by(ApiKey.id)
        if not include_revoked:
            stmt = stmt.where(ApiKey.revoked_at.is_(None))
        with self._read() as conn:
            return [self._info(r) for r in conn.execute(stmt)]

    def revoke_api_key(self, key: int | str) -> bool:
        """Revoke by numeric id or public key id; False if no such active key."""
        if isinstance(key, int) or (str(key).isdigit() and len(str(key)) != 12):
            cond = ApiKey.id == int(key)
        else:
            cond = ApiKey.key_id == str(key)
        with self._write() as conn:
            done = conn.execute(update(ApiKey).where(cond, ApiKey.revoked_at.is_(None)).values(revoked_at=_now()))
        return done.rowcount > 0

    # --- risk lists ------------------------------------------------------------------------

    def replace_risk_list(self, as_of, rows_df: pd.DataFrame, run_meta: Mapping | None = None) -> int:
        """Replace the list of week ``as_of`` with ``rows_df`` in one transaction; returns row count.

        ``rows_df`` needs ``household_id, region_code, rank, score``; optional ``probability,
        band, category, risk_types, contributions, measures, new_on_list, previous_rank``
        (``risk_types``/``measures`` as lists or ';'-separated strings). When ``new_on_list`` /
        ``previous_rank`` are absent they are computed against the latest earlier stored week.
        ``run_meta``: ``model_name``, ``model_version``, ``run_id`` and anything else (kept as JSON).
        Readers see either the old list or the new one, never a mix.
        """
        as_of = _checked_day(as_of, "risk list as_of")
        run_meta = dict(run_meta or {})
        df = rows_df.reset_index(drop=True)
        _check_frame(df, ("household_id", "region_code", "rank", "score"), "risk list")
        n = len(df)
        with self._write() as conn:
            prev = None
            if "new_on_list" not in df.columns or "previous_rank" not in df.columns:
                prev_week = conn.execute(select(func.max(RiskListRun.as_of)).where(RiskListRun.as_of < as_of)).scalar()
                prev = {}
                if prev_week is not None:
                    prev = dict(conn.execute(select(RiskListRow.household_id, RiskListRow.rank)
                                             .where(RiskListRow.as_of == prev_week)).all())
            conn.execute(delete(RiskListRow).where(RiskListRow.as_of == as_of))
            conn.execute(delete(RiskListRun).where(RiskListRun.as_of == as_of))
            meta = {k: plain(v) for k, v in run_meta.items() if k not in ("model_name", "model_version", "run_id")}
            conn.execute(insert(RiskListRun).values(
                as_of=as_of, model_name=run_meta.get("model_name"),
                model_version=None if run_meta.get("model_version") is None else str(run_meta["model_version"]),
                run_id=run_meta.get("run_id"), n_rows=n, meta=meta or None, created_at=_now()))
            # a province's list (a fiftieth of its households) a slice at a time: each row's values are Python objects
            _bulk_insert(conn, RiskListRow, (_list_columns(df.iloc[i:i + LIST_CHUNK], as_of, run_meta, prev)
                                             for i in range(0, n, LIST_CHUNK)))
        return n

    def risk_list_weeks(self) -> list[dt.date]:
        """Weeks with a stored list, oldest first."""
        with self._read() as conn:
            return [_day(d) for d in conn.execute(select(RiskListRun.as_of).order_by(RiskListRun.as_of)).scalars()]

    def risk_list_run(self, as_of) -> dict | None:
        """Metadata of a stored week (model, run, row count, written when), or None."""
        with self._read() as conn:
            r = conn.execute(select(RiskListRun.__table__).where(RiskListRun.as_of == _day(as_of))).first()
        if r is None:
            return None
        return {"as_of": _day(r.as_of), "model_name": r.model_name, "model_version": r.model_version,
                "run_id": r.run_id, "n_rows": r.n_rows, "meta": r.meta or {}, "created_at": _utc(r.created_at)}

    def risk_list(self, as_of, region_prefix: str | None = None, *, offset: int = 0,
                  limit: int | None = None) -> pd.DataFrame:
        """Week ``as_of``'s list, by rank, restricted to region codes starting with ``region_prefix``
        (rows ``offset`` … ``offset + limit`` of it; all by default).

        Raises ``KeyError`` when no list is stored for that week (an empty frame means the
        week exists but has no household in the region).
        """
        as_of = _day(as_of)
        cols = [getattr(RiskListRow, c) for c in RISK_LIST_COLUMNS]
        stmt = select(*cols).where(RiskListRow.as_of == as_of).order_by(RiskListRow.rank, RiskListRow.household_id)
        if region_prefix:
            stmt = stmt.where(RiskListRow.region_code.startswith(region_prefix, autoescape=True))
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as conn:
            if conn.execute(select(RiskListRun.as_of).where(RiskListRun.as_of == as_of)).first() is None:
                raise KeyError(f"no risk list stored for week {as_of.isoformat()}")
            rows = conn.execute(stmt).all()
        out = pd.DataFrame(rows, columns=list(RISK_LIST_COLUMNS))
        out["previous_rank"] = out["previous_rank"].astype("Int64")
        out["new_on_list"] = out["new_on_list"].astype("boolean")
        return out

    def risk_list_count(self, as_of, region_prefix: str | None = None) -> int:
        """Households on week ``as_of``'s list in the region (0 when none or no such week)."""
        stmt = select(func.count()).select_from(RiskListRow).where(RiskListRow.as_of == _day(as_of))
        if region_prefix:
            stmt = stmt.where(RiskListRow.region_code.startswith(region_prefix, autoescape=True))
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    # --- scores ----------------------------------------------------------------------------

    def replace_scores(self, as_of, scores_df: pd.DataFrame | Iterable[pd.DataFrame], run_meta: Mapping | None = None) -> int:
        """Replace week ``as_of``'s scores of all scored households (a ``Scorer.score`` frame).

        Needs ``household_id, region_code, score``; optional ``probability, rank, band,
        category, risk_types, contributions, measures``. One transaction; returns row count.
        A province's week may come as chunks (frames in household id order, each with ``rank``),
        so that no process holds it at once; each is checked as the whole frame would be.
        """
        as_of = _checked_day(as_of, "scores as_of")
        run_meta = dict(run_meta or {})
        chunks = (self._score_chunks(scores_df, as_of, run_meta) if isinstance(scores_df, pd.DataFrame)
                  else self._given_chunks(scores_df, as_of, run_meta))
        counted = _Counted(chunks)
        with self._write() as conn:
            conn.execute(delete(ScoreRow).where(ScoreRow.as_of == as_of))
            _bulk_insert(conn, ScoreRow, counted)
        return counted.rows

    @staticmethod
    def _score_chunks(scores_df: pd.DataFrame, as_of: dt.date, run_meta: dict) -> Iterator[dict[str, list]]:
        df = scores_df.reset_index(drop=True)
        _check_frame(df, ("household_id", "region_code", "score"), "scores")
        n = len(df)
        # an integer column stays numpy until a chunk's ranks are made Python ints (not a province's at once)
        rank = (df["rank"].to_numpy() if "rank" in df and isinstance(df["rank"].dtype, np.dtype)
                and df["rank"].dtype.kind in "iu"
                else np.array(_optional(df, "rank", n, lambda v: None if plain(v) is None else int(v)), dtype=object))
        # rows go in by household id, the order of the table's indexes: a week in rank order
        # lands at random places in both, and at a province's size that took twice as long
        ids = df["household_id"]
        order = pc.sort_indices(id_text(ids)).to_numpy().astype(np.intp)
        # a province's rows are built a slice at a time (a million row dicts take ~0.8 GB)
        return (_columns_for_week(df.iloc[part], as_of, run_meta,
                                  {"rank": rank[part].tolist(), "model_name": [run_meta.get("model_name")] * len(part)})
                for part in (order[i:i + ROW_CHUNK] for i in range(0, n, ROW_CHUNK)))

    @staticmethod
    def _given_chunks(chunks: Iterable[pd.DataFrame], as_of: dt.date, run_meta: dict) -> Iterator[dict[str, list]]:
        last, start = None, 0
        for df in chunks:
            df = df.reset_index(drop=True)
            try:
                _check_frame(df, ("household_id", "region_code", "score", "rank"), "scores")
            except StoreError as e:  # rows numbered in the whole week, not the chunk
                raise StoreError(_renumbered(str(e), start)) from None
            ids = df["household_id"].astype(str)
            if len(df) and (last is not None and ids.iloc[0] <= last or not ids.is_monotonic_increasing):
                raise StoreError(f"scores: row {start + 1}: chunks must come in household id order, each id once")
            last = ids.iloc[-1] if len(df) else last
            start += len(df)
            yield _columns_for_week(df, as_of, run_meta, {"rank": df["rank"].astype(np.int64).tolist(),
                                                          "model_name": [run_meta.get("model_name")] * len(df)})

    def score_cutoffs(self, shares: Iterable[float], model_version: str | None = None) -> dict | None:
        """Scores at ranks ``ceil(share × n)`` of the latest stored week (of ``model_version``).

        Lets a single household scored over HTTP get the band it would have in the weekly
        ranking. None when no week of scores is stored.
        """
        base = select(func.max(ScoreRow.as_of))
        if model_version is not None:
            base = base.where(ScoreRow.model_version == str(model_version))
        with self._read() as conn:
            week = conn.execute(base).scalar()
            if week is None:
                return None
            n = conn.execute(select(func.count()).where(ScoreRow.as_of == week)).scalar_one()
            cutoffs = []
            for share in shares:
                k = min(n, max(1, top_count(share, n)))
                cutoffs.append(conn.execute(select(ScoreRow.score).where(ScoreRow.as_of == week)
                                            .order_by(ScoreRow.score.desc(), ScoreRow.household_id)
                                            .offset(k - 1).limit(1)).scalar_one())
        return {"as_of": _day(week), "n": n, "cutoffs": cutoffs}

    def household_region(self, household_id: str) -> str | None:
        """The household's latest known region code (from stored scores or lists), or None."""
        with self._read() as conn:
            found = []
            for model in (ScoreRow, RiskListRow):
                r = conn.execute(select(model.as_of, model.region_code).where(model.household_id == household_id)
                                 .order_by(model.as_of.desc()).limit(1)).first()
                if r is not None:
                    found.append(r)
        return max(found)[1] if found else None

    def household_history(self, household_id: str) -> pd.DataFrame:
        """Every stored week for one household, oldest first: scores, reasons and list rank.

        Weeks come from the scores table and the lists; a week only on a list takes its values
        from the list. Empty frame for an unknown household.
        """
        s_cols = [c for c in HISTORY_COLUMNS if c != "list_rank"]
        with self._read() as conn:
            scores = conn.execute(select(*[getattr(ScoreRow, c) for c in s_cols])
                                  .where(ScoreRow.household_id == household_id)).all()
            listed = conn.execute(select(*[getattr(RiskListRow, c) for c in s_cols], RiskListRow.rank)
                                  .where(RiskListRow.household_id == household_id)).all()
        # a handful of weeks per household: plain records are simplest here
        weeks = {r.as_of: {**r._asdict(), "list_rank": None} for r in scores}
        for r in listed:  # a listed week shows the list's reasons (scores keep none for most rows)
            week = weeks.setdefault(r.as_of, {c: getattr(r, c) for c in s_cols})
            week["list_rank"] = r.rank
            for c in ("risk_types", "contributions", "measures"):
                if week.get(c) is None:
                    week[c] = getattr(r, c)
        out = pd.DataFrame([weeks[w] for w in sorted(weeks)], columns=list(HISTORY_COLUMNS))
        out["list_rank"] = out["list_rank"].astype("Int64")
        return out

    def household_regions(self, household_ids: Iterable[str]) -> dict[str, str]:
        """Each household's latest stored region code (from its scores), for many at once."""
        ids = sorted({str(h) for h in household_ids})
        out: dict[str, str] = {}
        with self._read() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                latest = (select(ScoreRow.household_id, func.max(ScoreRow.as_of).label("week"))
                          .where(ScoreRow.household_id.in_(chunk)).group_by(ScoreRow.household_id).subquery())
                rows = conn.execute(select(ScoreRow.household_id, ScoreRow.region_code).join(
                    latest, (ScoreRow.household_id == latest.c.household_id) & (ScoreRow.as_of == latest.c.week)))
                out.update(dict(rows.all()))
        return out

    # --- observed precision of visits ---------------------------------------------------

    def replace_visit_precision(self, as_of, table: pd.DataFrame) -> int:
        """Replace every office-week row with ``table`` (``PRECISION_COLUMNS`` but ``as_of``)."""
        records = table.to_dict("records")
        columns = {c: [plain(r[c]) for r in records] for c in PRECISION_COLUMNS if c != "as_of"}
        columns["week"] = [_day(w) for w in columns["week"]]
        columns["as_of"] = [_day(as_of)] * len(records)
        with self._write() as conn:
            conn.execute(delete(VisitPrecision))
            _bulk_insert(conn, VisitPrecision, [columns])
        return len(records)

    def visit_precision(self, region_prefix: str | None = None, level: str | None = None) -> pd.DataFrame:
        """Observed precision per office and week (oldest week first), for ``/overview``."""
        stmt = select(*[getattr(VisitPrecision, c) for c in PRECISION_COLUMNS]).order_by(
            VisitPrecision.week, VisitPrecision.level, VisitPrecision.office_code)
        if region_prefix:
            stmt = stmt.where(VisitPrecision.office_code.startswith(region_prefix, autoescape=True))
        if level is not None:
            stmt = stmt.where(VisitPrecision.level == level)
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        out = pd.DataFrame(rows, columns=list(PRECISION_COLUMNS))
        out["week"] = pd.to_datetime(out["week"])
        out["as_of"] = pd.to_datetime(out["as_of"])
        return out

    # --- drift -----------------------------------------------------------------------------

    def save_drift_summary(self, as_of, summary_dict: Mapping, model_version: str | None = None) -> int:
        """Store a week's drift summary (JSON-safe dict); returns its id."""
        summary = plain(dict(summary_dict))
        json.dumps(summary)  # fail here, clearly, rather than inside the driver
        with self._write() as conn:
            return conn.execute(insert(DriftSummary).values(
                as_of=_checked_day(as_of, "drift summary as_of"), model_version=None if model_version is None else str(model_version),
                summary=summary, created_at=_now()).returning(DriftSummary.id)).scalar_one()

    def latest_drift(self) -> dict | None:
        """The newest drift summary (latest week, then latest written), or None."""
        stmt = select(DriftSummary.__table__).order_by(DriftSummary.as_of.desc(), DriftSummary.id.desc()).limit(1)
        with self._read() as conn:
            r = conn.execute(stmt).first()
        if r is None:
            return None
        return {"id": r.id, "as_of": _day(r.as_of), "model_version": r.model_version, "summary": r.summary,
                "created_at": _utc(r.created_at)}

    # --- access log ------------------------------------------------------------------------

    def log_access(self, key_id: int | None, household_ids: str | Iterable[str], endpoint: str, *,
                   user_id: int | None = None) -> int:
        """Record that a key (API) or a user (pages) read these households' data (one row each)."""
        ids = [household_ids] if isinstance(household_ids, str) else [str(h) for h in household_ids]
        if not ids:
            return 0
        now = _now()
        with self._write() as conn:
            conn.execute(insert(AccessLog), [{"key_id": key_id, "user_id": user_id, "household_id": h,
                                              "endpoint": endpoint, "accessed_at": now} for h in ids])
        return len(ids)

    def access_log(self, household_id: str | None = None, since: dt.datetime | None = None) -> pd.DataFrame:
        """Access log rows, oldest first, optionally for one household or after ``since``."""
        stmt = select(*[getattr(AccessLog, c) for c in ACCESS_COLUMNS]).order_by(AccessLog.id)
        if household_id is not None:
            stmt = stmt.where(AccessLog.household_id == household_id)
        if since is not None:
            stmt = stmt.where(AccessLog.accessed_at >= _utc(since))  # SQLite compares wall times
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        out = pd.DataFrame(rows, columns=list(ACCESS_COLUMNS))
        out["accessed_at"] = pd.to_datetime(out["accessed_at"], utc=True)
        return out

    # --- tests and tools -------------------------------------------------------------------

    def drop_all(self) -> None:
        """Drop every table (and the schema, if one was given). For tests and ``riskmodel`` tools."""
        with self._write() as conn:
            if self.schema is not None:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            else:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _list_columns(df: pd.DataFrame, as_of: dt.date, run_meta: Mapping, prev: dict | None) -> dict[str, list]:
    """Rows of a week's list as one list per column; ``prev``: last stored week's ranks by household
    (None: the rows bring ``new_on_list`` and ``previous_rank``)."""
    n = len(df)
    region = df["region_code"].astype(str)
    if prev is not None:
        previous_rank = [prev.get(h) for h in df["household_id"].astype(str)]
        new_on_list = [r is None for r in previous_rank]
    if "previous_rank" in df.columns:
        previous_rank = _optional(df, "previous_rank", n, lambda v: None if plain(v) is None else int(v))
    if "new_on_list" in df.columns:
        new_on_list = _optional(df, "new_on_list", n, lambda v: None if plain(v) is None else bool(v))
    extra = {
        "rank": [int(v) for v in df["rank"].to_numpy()],
        "county_code": county_of(region).tolist(), "township_code": township_of(region).tolist(),
        "new_on_list": new_on_list, "previous_rank": previous_rank,
        "status": _optional(df, "status", n, lambda v: None if plain(v) is None else str(v)),
        "visit_outcome": _optional(df, "visit_outcome", n, lambda v: None if plain(v) is None else str(v)),
        "visited_on": _optional(df, "visited_on", n, lambda v: None if plain(v) is None else _day(v)),
    }
    return _columns_for_week(df, as_of, run_meta, extra)


def _executemany(conn: Connection, model, chunks: Iterable[dict[str, list]]) -> None:
    """One executemany ``INSERT`` per chunk, the values made by each column type's own bind processor.

    What ``conn.execute(insert(model), rows)`` stores, without its per-row parameter building
    (most of the time of a province's week of scores on SQLite), but with a missing value as SQL
    NULL (as ``COPY`` stores it; SQLAlchemy writes JSON's ``null``). The next chunk is read and
    bound on a thread of its own while this one is inserted, and a column no row of a chunk fills
    is left out of its statement. A table with Python-side defaults for columns the chunks leave
    out takes SQLAlchemy's own path, which applies them.
    """
    table = model.__table__
    dialect = conn.dialect
    first, chunks = _with_rows(chunks)
    if first is None:
        return
    keys = list(first)
    if any(c.default is not None for c in table.columns if c.key not in keys):
        for chunk in chunks:
            names = list(chunk)
            conn.execute(insert(model), [dict(zip(names, values)) for values in zip(*chunk.values())])
        return
    keys = list(insert(table).compile(dialect=dialect, column_keys=keys).positiontup)
    processors = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    # a column no row of a chunk fills is left to the database (NULL): fewer values to bind per row
    omissible = {k for k in keys if table.c[k].nullable and table.c[k].default is None
                 and table.c[k].server_default is None}
    statements: dict[tuple[str, ...], str] = {}
    rows = (_bound_rows(chunk, keys, processors, omissible) for chunk in chunks)
    for used, batch in _one_ahead(rows):
        if used not in statements:
            compiled = insert(table).compile(dialect=dialect, column_keys=list(used))
            if tuple(compiled.positiontup) != used:  # the values are bound in the table's order
                raise RuntimeError(f"{table.name}: insert binds {compiled.positiontup}, rows hold {used}")
            statements[used] = str(compiled)
        conn.exec_driver_sql(statements[used], batch)


def _bound_rows(chunk: dict[str, list], keys: list[str], processors: list, omissible: set[str]
                ) -> tuple[tuple[str, ...], list[tuple]]:
    """A chunk's columns (``keys`` in the table's order, but those in ``omissible`` that hold only
    None) and its rows as the driver takes them, each value bound by its column's processor
    and None as SQL NULL."""
    used, columns = [], []
    for key, process in zip(keys, processors):
        values = chunk[key]
        same = bool(values) and values[0] is values[-1] and all(v is values[0] for v in values)
        if same and values[0] is None and key in omissible:
            continue
        if process is not None and same and values[0] is not None:
            values = [process(values[0])] * len(values)  # processors are pure: a week's date is processed once
        elif process is not None:  # a missing value is SQL NULL, as COPY stores it (not JSON's null)
            values = [None if v is None else process(v) for v in values]
        used.append(key)
        columns.append(values)
    return tuple(used), list(zip(*columns))


_END = object()


def _one_ahead(items: Iterable) -> Iterator:
    """``items``, each made on a thread of its own while the caller uses the one before.

    The database inserts a chunk with the GIL released; meanwhile the next chunk's values are
    read and bound. An error making an item is raised here, where that item was due.
    """
    it = iter(items)
    with ThreadPoolExecutor(1, thread_name_prefix="store-rows") as pool:
        pending = pool.submit(next, it, _END)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next, it, _END)
            yield item


def _with_rows(chunks: Iterable[dict[str, list]]) -> tuple[dict[str, list] | None, Iterator[dict[str, list]]]:
    """The first chunk that holds rows (None: none does) and every such chunk, that one first."""
    rest = (chunk for chunk in chunks if _length(chunk))
    first = next(rest, None)
    return first, itertools.chain(() if first is None else (first,), rest)


def _length(chunk: dict[str, list]) -> int:
    return len(next(iter(chunk.values()))) if chunk else 0


class _Counted:
    """Chunks passed through, their rows counted."""

    def __init__(self, chunks: Iterable[dict[str, list]]):
        self.chunks, self.rows = chunks, 0

    def __iter__(self) -> Iterator[dict[str, list]]:
        for chunk in self.chunks:
            self.rows += len(chunk["household_id"])
            yield chunk


def _renumbered(message: str, start: int) -> str:
    """A chunk's ``row N`` message with N counted from the week's first row."""
    return re.sub(r"row (\d+)", lambda m: f"row {int(m.group(1)) + start}", message, count=1)


def _bulk_insert(conn: Connection, model, chunks: Iterable[dict[str, list]]) -> None:
    """Rows (given in chunks, each one list per column) into ``model``'s table inside ``conn``'s transaction.

    PostgreSQL through psycopg 3: one ``COPY … FROM STDIN (FORMAT csv)`` on the same connection,
    fed chunk by chunk, each chunk made CSV by Arrow (``_csv_chunk``: no Python work per row, which
    was most of the client's time for a province's week of scores); otherwise one executemany
    ``INSERT`` per chunk (``_executemany``). Either way ``chunks`` is read on a thread of its own
    while the database takes the chunk before, so it must not use ``conn``. JSON columns are
    serialised as SQLAlchemy's JSON type does (``json.dumps``).
    """
    driver = conn.connection.driver_connection
    if conn.dialect.name != "postgresql" or type(driver).__module__.partition(".")[0] != "psycopg":
        _executemany(conn, model, chunks)
        return
    from psycopg import sql

    table = model.__table__
    first, chunks = _with_rows(chunks)
    if first is None:
        return
    columns = list(first)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        # the next chunk made CSV on a thread of its own while the server reads this one
        for data in _one_ahead(_csv_chunk(table, {c: chunk[c] for c in columns}) for chunk in chunks):
            copy.write(data)


def _csv_chunk(table, chunk: dict[str, list]) -> bytes:
    """A chunk's rows as PostgreSQL's CSV: Arrow typed by each column's SQL type, text always
    quoted (an unquoted empty field is NULL, a quoted one the empty text), floats in their
    shortest exact form (they read back bit for bit), JSON values as ``json.dumps`` text."""
    arrays = []
    for name, values in chunk.items():
        kind = _ARROW_TYPES.get(type(table.c[name].type).__name__)
        if kind is None:
            raise TypeError(f"{table.name}.{name}: no bulk-load type for {table.c[name].type!r}")
        if kind == "json":
            values, kind = [None if v is None else json.dumps(v) for v in values], "string"
        arrays.append(pa.array(values, type=getattr(pa, kind)()))
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(pa.table(arrays, names=list(chunk)), sink,
                     pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue().to_pybytes()


#: Arrow's type for each SQL type a bulk-loaded table has (by the SQLAlchemy type's class name).
_ARROW_TYPES = {"String": "string", "Text": "string", "Integer": "int64", "Float": "float64", "Boolean": "bool_",
                "Date": "date32", "JSON": "json"}
