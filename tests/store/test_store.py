"""The store on SQLite and PostgreSQL: migrations, keys, lists, scores, visits, drift, access log."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import text

from riskmodel.store import RISK_LIST_COLUMNS, Store, StoreError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        s = Store(url, schema=f"rm_test_{uuid.uuid4().hex[:12]}")  # own schema: isolated, dropped after
    s.migrate()
    yield s
    s.drop_all()
    s.dispose()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import riskmodel.store

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(riskmodel.store.__file__).parent / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()  # raises if the chain has two heads


HEAD = _head()
REGIONS = {"H1": "520322104201", "H2": "520322105001", "H3": "520323101001"}


def week_rows(ids=("H1", "H2", "H3"), regions=None) -> pd.DataFrame:
    n = len(ids)
    regions = regions or [REGIONS.get(h, "520322104201") for h in ids]
    return pd.DataFrame({"household_id": list(ids), "region_code": list(regions), "rank": range(1, n + 1),
                         "score": [3.0 - i for i in range(n)], "probability": [0.5 - i / 10 for i in range(n)],
                         "category": ["sudden"] * n, "risk_types": ["illness;labor"] * n,
                         "contributions": [{"illness": 0.4, "labor": 0.1}] * n, "measures": [["临时救助"]] * n})


def test_migrate_is_idempotent_and_matches_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from riskmodel.store.models import Base

    store.migrate()
    assert store.revision() == HEAD and store.ping()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_api_key_round_trip_and_revocation(store):
    info, raw = store.create_api_key("office", "520322", name="county office")
    assert raw.startswith(f"rk_{info.key_id}_")
    assert store.authenticate(raw) == info
    assert store.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert store.authenticate("") is None and store.authenticate("rk_x_y") is None
    assert store.revoke_api_key(info.key_id) is True
    assert store.authenticate(raw) is None
    assert store.revoke_api_key(info.key_id) is False
    assert [k.key_id for k in store.list_api_keys()] == [info.key_id]
    assert store.list_api_keys(include_revoked=False) == []


def test_raw_keys_are_never_stored(store):
    _info, raw = store.create_api_key("admin")
    secret = raw.split("_", 2)[2]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).all()
    assert secret not in repr(rows) and raw not in repr(rows)


@pytest.mark.parametrize("role, region", [("office", None), ("boss", None), ("office", "52a"), ("office", "5")])
def test_bad_key_requests_are_refused(store, role, region):
    with pytest.raises(StoreError):
        store.create_api_key(role, region)


def test_replace_risk_list_replaces_the_week_and_filters_by_region(store):
    store.replace_risk_list("2024-07-01", week_rows(), {"model_name": "riskmodel", "model_version": 3, "run_id": "abc"})
    got = store.risk_list("2024-07-01")
    assert list(got.columns) == list(RISK_LIST_COLUMNS)
    assert got["household_id"].tolist() == ["H1", "H2", "H3"]
    assert got.loc[0, "risk_types"] == ["illness", "labor"] and got.loc[0, "contributions"] == {"illness": 0.4, "labor": 0.1}
    assert got.loc[0, "county_code"] == "520322" and got.loc[1, "township_code"] == "520322105"
    assert set(got["model_version"]) == {"3"}
    assert store.risk_list("2024-07-01", "520322104")["household_id"].tolist() == ["H1"]
    assert store.risk_list("2024-07-01", "520322")["household_id"].tolist() == ["H1", "H2"]
    assert store.risk_list("2024-07-01", "11").empty
    store.replace_risk_list("2024-07-01", week_rows(("H9",), ("520322104201",)), {"model_version": 4})
    assert store.risk_list("2024-07-01")["household_id"].tolist() == ["H9"]
    assert store.risk_list_run("2024-07-01")["model_version"] == "4"
    with pytest.raises(KeyError):
        store.risk_list("2024-07-08")


def test_new_on_list_and_previous_rank_against_the_previous_week(store):
    store.replace_risk_list("2024-06-24", week_rows(("H1", "H2")), {})
    store.replace_risk_list("2024-07-01", week_rows(("H2", "H3", "H1")), {})
    got = store.risk_list("2024-07-01").set_index("household_id")
    assert got["new_on_list"].to_dict() == {"H2": False, "H3": True, "H1": False}
    assert got["previous_rank"].tolist() == [2, pd.NA, 1]
    assert store.risk_list_weeks() == [dt.date(2024, 6, 24), dt.date(2024, 7, 1)]


def test_a_list_stored_in_slices_reads_back_as_one(store, monkeypatch):
    ids = [f"H{i}" for i in range(7)]
    rows = week_rows(ids).assign(status=["new", "held", None, "new", "new", "new", "pending"],
                                 visited_on=[None, "2024-06-20", None, None, None, None, "2024-06-28"])
    store.replace_risk_list("2024-06-24", week_rows(ids[3:]), {})
    store.replace_risk_list("2024-07-01", rows, {"model_version": 3})
    whole = store.risk_list("2024-07-01")
    import riskmodel.store.repository as repository

    monkeypatch.setattr(repository, "LIST_CHUNK", 2)  # four slices, the last of one row
    store.replace_risk_list("2024-07-01", rows, {"model_version": 3})
    sliced = store.risk_list("2024-07-01")
    pd.testing.assert_frame_equal(sliced, whole)
    assert sliced["previous_rank"].tolist() == [pd.NA] * 3 + [1, 2, 3, 4]
    assert sliced["visited_on"].notna().tolist() == [False, True, False, False, False, False, True]
    assert store.risk_list_run("2024-07-01")["n_rows"] == 7


def test_a_failed_replace_leaves_the_old_list(store):
    store.replace_risk_list("2024-07-01", week_rows(), {})
    broken = week_rows()
    broken["score"] = ["3", "2", "not a number"]
    with pytest.raises((StoreError, ValueError)):
        store.replace_risk_list("2024-07-01", broken, {})
    bad_region = week_rows(regions=("520322104201", "52032", "520323101001"))
    with pytest.raises(StoreError, match="row 2, column region_code"):
        store.replace_risk_list("2024-07-01", bad_region, {})
    dup = week_rows(("H1", "H1", "H3"))
    with pytest.raises(StoreError, match="household_id"):
        store.replace_risk_list("2024-07-01", dup, {})
    assert store.risk_list("2024-07-01")["household_id"].tolist() == ["H1", "H2", "H3"]


def test_readers_never_see_a_half_replaced_list(store):
    big_a = week_rows([f"A{i}" for i in range(400)], ["520322104201"] * 400)
    big_b = week_rows([f"B{i}" for i in range(300)], ["520322104201"] * 300)
    store.replace_risk_list("2024-07-01", big_a, {})
    seen, errors = set(), []

    def read():
        for _ in range(30):
            try:
                ids = store.risk_list("2024-07-01")["household_id"]
                seen.add((len(ids), ids.str[0].unique().tolist().__repr__()))
            except Exception as exc:  # pragma: no cover - the assertion below reports it
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(6):
        store.replace_risk_list("2024-07-01", big_b if i % 2 == 0 else big_a, {})
    reader.join()
    assert not errors
    assert seen <= {(400, "['A']"), (300, "['B']")}


def test_scores_and_household_history(store):
    store.replace_scores("2024-06-24", week_rows().drop(columns="rank"), {"model_version": "3"})
    store.replace_risk_list("2024-07-01", week_rows(("H2", "H1")), {"model_version": "4"})
    hist = store.household_history("H1")
    assert hist["as_of"].tolist() == [dt.date(2024, 6, 24), dt.date(2024, 7, 1)]
    assert hist["list_rank"].isna().tolist() == [True, False] and hist["list_rank"].iloc[1] == 2
    assert hist["model_version"].tolist() == ["3", "4"]
    assert store.household_region("H1") == "520322104201"
    assert store.household_history("nobody").empty and store.household_region("nobody") is None


def test_visits_are_feedback_for_training(store):
    info, _ = store.create_api_key("office", "520322")
    first = store.add_visit("H1", "2024-07-03", "confirmed_at_risk", ["临时救助"], "note", info.id)
    store.add_visit("H2", dt.date(2024, 6, 1), "not_at_risk")
    assert first["id"] > 0 and first["recorded_at"].tzinfo is not None
    assert store.visits()["household_id"].tolist() == ["H2", "H1"]
    recent = store.visits(since="2024-07-01")
    assert recent[["household_id", "outcome", "key_id"]].values.tolist() == [["H1", "confirmed_at_risk", info.id]]
    assert recent.loc[0, "measures"] == ["临时救助"]
    with pytest.raises(StoreError):
        store.add_visit("H1", "2024-07-03", "maybe")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Los_Angeles", "UTC"])
def test_since_is_an_instant_whatever_its_time_zone(store, zone):
    """A cut-off given in Beijing time (the API's day boundary) selects by instant, not by wall time."""
    info, _ = store.create_api_key("office", "520322")
    recorded = store.add_visit("H1", "2024-07-03", "not_at_risk", key_id=info.id)["recorded_at"]
    store.log_access(info.id, "H1", "household")
    tz = ZoneInfo(zone)
    before, after = (recorded - dt.timedelta(minutes=1)).astimezone(tz), (recorded + dt.timedelta(minutes=1)).astimezone(tz)
    assert [r["household_id"] for r in store.visit_records(recorded_since=before)] == ["H1"]
    assert store.visit_records(recorded_since=after) == []
    assert store.access_log(since=before)["household_id"].tolist() == ["H1"]
    assert store.access_log(since=after).empty


def test_drift_summaries(store):
    assert store.latest_drift() is None
    store.save_drift_summary("2024-07-01", {"share_drifted": 0.1}, "3")
    store.save_drift_summary("2024-06-24", {"share_drifted": 0.9}, "2")
    store.save_drift_summary("2024-07-01", {"share_drifted": 0.2, "features": {"income": 0.3}}, "3")
    latest = store.latest_drift()
    assert latest["as_of"] == dt.date(2024, 7, 1) and latest["summary"]["share_drifted"] == 0.2


def test_access_log(store):
    info, _ = store.create_api_key("analyst")
    assert store.log_access(info.id, ["H1", "H2"], "risk_list") == 2
    store.log_access(info.id, "H1", "household")
    log = store.access_log(household_id="H1")
    assert log["endpoint"].tolist() == ["risk_list", "household"] and set(log["key_id"]) == {info.id}
    assert log["accessed_at"].dt.tz is not None


def test_a_returned_write_survives_the_process_dying(tmp_path):
    """The writer exits abruptly (no cleanup, no dispose) right after add_visit returns."""
    url = f"sqlite:///{tmp_path / 'durable.db'}"
    Store(url).migrate()
    code = ("import os; from riskmodel.store import Store; s = Store(%r); "
            "s.add_visit('H1', '2024-07-03', 'not_at_risk'); os._exit(0)") % url
    subprocess.run([sys.executable, "-c", code], check=True)
    assert Store(url).visits()["household_id"].tolist() == ["H1"]


def test_sqlite_runs_in_wal_mode(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'wal.db'}")
    s.migrate()
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_writes_inside_a_transaction_commit_together_or_not_at_all(store):
    store.migrate()
    with pytest.raises(RuntimeError, match="killed"):
        with store.transaction() as tx:
            tx.replace_risk_list("2024-07-01", week_rows(), {"run_id": "a"})
            tx.save_drift_summary("2024-07-01", {"alert": False})
            raise RuntimeError("killed")
    assert store.risk_list_run("2024-07-01") is None and store.latest_drift() is None
    with store.transaction() as tx:
        tx.replace_risk_list("2024-07-01", week_rows(), {"run_id": "a"})
        tx.save_drift_summary("2024-07-01", {"alert": False})
    assert store.risk_list_run("2024-07-01")["run_id"] == "a" and store.latest_drift()["summary"] == {"alert": False}


def test_a_weeks_rows_go_in_bulk_in_one_transaction(store, monkeypatch):
    """SQLite: one executemany INSERT per table and chunk of scores; PostgreSQL: one COPY per table
    (no INSERT); all of it rolls back together."""
    from sqlalchemy import event

    from riskmodel.store import repository

    monkeypatch.setattr(repository, "ROW_CHUNK", 128)  # 300 scores: three chunks

    n = 300
    rows = pd.DataFrame({"household_id": [f"H{i:05d}" for i in range(n)], "region_code": "520322104201",
                         "score": [i / n for i in range(n)], "probability": [i / (2 * n) for i in range(n)],
                         "rank": range(1, n + 1), "band": "high", "category": "edge_poor",
                         "risk_types": [["illness", "labor"]] * n, "contributions": [{"illness": 0.25}] * n,
                         "measures": [["医疗救助"]] * n})
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO"):
            seen.append((statement.split()[2].strip('"'), executemany))

    event.listen(store.engine, "before_cursor_execute", spy)
    try:
        with store.transaction() as tx:
            tx.replace_scores("2024-07-01", rows, {"model_version": "5"})
            tx.replace_risk_list("2024-07-01", rows.head(20), {"model_version": "5"})
    finally:
        event.remove(store.engine, "before_cursor_execute", spy)
    bulk = [s for s in seen if s[0] in ("scores", "risk_lists")]
    assert bulk == ([("scores", True)] * 3 + [("risk_lists", True)] if store.is_sqlite else [])
    listed = store.risk_list("2024-07-01")
    assert len(listed) == 20 and listed["risk_types"].iloc[3] == ["illness", "labor"]
    assert listed["contributions"].iloc[3] == {"illness": 0.25} and listed["measures"].iloc[0] == ["医疗救助"]
    with store._read() as conn:
        stored = conn.execute(text("SELECT count(*), sum(rank), max(probability) FROM scores")).one()
    assert tuple(stored) == (n, n * (n + 1) // 2, pytest.approx((n - 1) / (2 * n)))
    with pytest.raises(RuntimeError, match="after the rows"), store.transaction() as tx:
        tx.replace_scores("2024-07-08", rows, {"model_version": "5"})
        raise RuntimeError("after the rows")
    with store._read() as conn:
        assert conn.execute(text("SELECT count(*) FROM scores")).scalar_one() == n


def test_a_weeks_scores_are_stored_as_sqlalchemys_own_insert_stores_them_with_missing_values_as_null(tmp_path):
    """The bulk path (executemany with the columns' own bind processors) against ``insert(model)``:
    every cell the same, but a missing JSON value is SQL NULL (as COPY stores it on PostgreSQL), not
    JSON's ``null``; a column no row fills (``measures``) is left out of the insert. Both read back the same."""
    import sqlite3

    import numpy as np
    from sqlalchemy import insert

    from riskmodel.store.models import ScoreRow
    from riskmodel.store.values import _columns_for_week

    n = 300
    df = pd.DataFrame({"household_id": pd.array([f"H{i:04d}" for i in range(n)], dtype="string[pyarrow]"),
                       "region_code": ["370321104201"] * n, "score": np.linspace(0, 1, n),
                       "probability": [np.nan if i % 9 == 0 else i / n for i in range(n)],
                       "band": (["high", None, "low"] * n)[:n], "category": ["none"] * n, "rank": np.arange(1, n + 1),
                       "risk_types": [["illness"] if i % 4 == 0 else None for i in range(n)],
                       "contributions": [{"illness": 0.5, "其他": -0.1} if i % 5 == 0 else None for i in range(n)]})
    meta = {"model_name": "m", "model_version": "3", "run_id": "r"}
    fast, slow = Store(f"sqlite:///{tmp_path / 'fast.db'}"), Store(f"sqlite:///{tmp_path / 'slow.db'}")
    fast.migrate()
    slow.migrate()
    fast.replace_scores("2024-12-30", df, meta)
    cols = _columns_for_week(df, dt.date(2024, 12, 30), meta, {"rank": list(range(1, n + 1)), "model_name": ["m"] * n})
    rows = [dict(zip(cols, values)) for values in zip(*cols.values())]  # row dicts, as insert(model) takes them
    with slow._write() as conn:
        conn.execute(insert(ScoreRow), rows)
    read = [sqlite3.connect(tmp_path / f"{name}.db").execute("SELECT * FROM scores ORDER BY id").fetchall()
            for name in ("fast", "slow")]
    assert {r[9] for r in read[1]} == {"null", '["illness"]'}  # SQLAlchemy: None as JSON null
    assert {r[9] for r in read[0]} == {None, '["illness"]'}
    assert {r[11] for r in read[0]} == {None}
    json_null = [tuple(None if i in (9, 10, 11) and v == "null" else v for i, v in enumerate(r)) for r in read[1]]
    assert len(read[0]) == n and read[0] == json_null
    pd.testing.assert_frame_equal(fast.household_history("H0004"), slow.household_history("H0004"))


AWKWARD_TEXT = ["a,b", 'x"y', "l\nm", "", "中文 \\ \t", "'q'", "plain"]
AWKWARD_FLOATS = [5e-324, 1.7976931348623157e308, 0.1, -0.0, 1 / 3, -2.5e-300, 123456789.12345679]


def test_the_bulk_load_reads_back_every_value_it_was_given(store):
    """Scores, list rows and visit precision through the bulk loader (COPY on PostgreSQL, executemany
    on SQLite): text with commas, quotes, newlines and backslashes, empty text apart from a missing
    value, floats bit for bit, JSON, booleans and dates all read back as given."""
    from sqlalchemy import insert, select

    from riskmodel.store.models import RiskListRow, RiskListRun, ScoreRow, VisitPrecision
    from riskmodel.store.repository import _bulk_insert

    n, day = len(AWKWARD_TEXT), dt.date(2024, 12, 30)
    text_or_none = [None if i == 2 else t for i, t in enumerate(AWKWARD_TEXT)]
    common = {"as_of": [day] * n, "household_id": [f"H{i}{t}" for i, t in enumerate(AWKWARD_TEXT)],
              "region_code": ["370321104201"] * n, "rank": [1, 2, 3, 2 ** 31 - 1, 5, 6, 7], "score": AWKWARD_FLOATS,
              "probability": [None, *AWKWARD_FLOATS[1:]], "band": text_or_none, "category": AWKWARD_TEXT,
              "risk_types": [["illness", 'x"y'], None, [], ["a\\b"], ["中文"], None, ["labor"]],
              "contributions": [{"其他": -0.1, "a,b": 5e-324}, None, {}, {"x": 1 / 3}, None, {"l\nm": 2.0}, None],
              "measures": [["临时救助,\"x\""], None, None, [], ["a"], None, None], "model_version": text_or_none,
              "run_id": AWKWARD_TEXT}
    given = {
        ScoreRow: {**common, "model_name": AWKWARD_TEXT},
        RiskListRow: {**common, "county_code": ["370321"] * n, "township_code": ["370321104"] * n,
                      "new_on_list": [True, False, None, True, False, True, None],
                      "previous_rank": [None, 1, 2, None, 3, 4, 5], "status": text_or_none,
                      "visit_outcome": AWKWARD_TEXT, "visited_on": [None, day, dt.date(2021, 2, 28), None, day, day, day]},
        VisitPrecision: {"week": [day - dt.timedelta(days=7 * i) for i in range(n)], "level": AWKWARD_TEXT,
                         "office_code": ["370321"] * n, "visited": list(range(n)), "confirmed": [0] * n,
                         "identified": [2 ** 31 - 1] * n, "not_home": [1] * n, "precision": [None, *AWKWARD_FLOATS[1:]],
                         "identified_share": AWKWARD_FLOATS, "matured": [True, False] * 3 + [True], "as_of": [day] * n},
    }
    with store._write() as conn:
        conn.execute(insert(RiskListRun), [{"as_of": day, "n_rows": n,
                                            "created_at": dt.datetime(2024, 12, 30, tzinfo=dt.timezone.utc)}])
        for model, columns in given.items():
            _bulk_insert(conn, model, [{c: v[:4] for c, v in columns.items()}, {c: v[4:] for c, v in columns.items()}])
    for model, columns in given.items():
        with store._read() as conn:
            read = conn.execute(select(*(getattr(model, c) for c in columns)).order_by(model.id)).all()
        expected = [repr(row) for row in zip(*columns.values())]  # repr: every float digit compared
        if store.engine.dialect.name == "sqlite":  # SQLite stores a REAL -0.0 as 0 (whatever inserts it)
            expected = [e.replace("-0.0,", "0.0,") for e in expected]
        assert [repr(tuple(r)) for r in read] == expected, model.__tablename__


def test_a_weeks_scores_go_in_by_household_id_whatever_order_they_come_in(tmp_path):
    """Rank order is random to the table's indexes; household order keeps a province's insert sequential."""
    import sqlite3

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    ids = ["H07", "H02", "H10", "H01", "H05"]
    df = pd.DataFrame({"household_id": ids, "region_code": ["370321104201"] * 5,
                       "score": [0.9, 0.8, 0.7, 0.6, 0.5], "rank": [1, 2, 3, 4, 5]})
    assert store.replace_scores("2024-12-30", df) == 5
    stored = sqlite3.connect(tmp_path / "s.db").execute("SELECT household_id, rank FROM scores ORDER BY id").fetchall()
    assert stored == [("H01", 4), ("H02", 2), ("H05", 5), ("H07", 1), ("H10", 3)]


def stored_scores(store, week="2024-12-30"):
    from sqlalchemy import select

    from riskmodel.store.models import ScoreRow

    with store._read() as conn:
        return conn.execute(select(ScoreRow.household_id, ScoreRow.region_code, ScoreRow.rank, ScoreRow.band,
                                   ScoreRow.score, ScoreRow.model_version)
                            .where(ScoreRow.as_of == dt.date.fromisoformat(week))
                            .order_by(ScoreRow.household_id)).all()


def test_a_week_given_in_household_ordered_chunks_is_stored_as_the_whole_frame_would_be(store):
    """The weekly run hands a province's scores over a chunk at a time; the rows are the same."""
    ids = [f"H{i:02d}" for i in range(7)]
    df = week_rows(ids).drop(columns=["risk_types", "contributions", "measures"])
    df["rank"] = [3, 1, 7, 2, 6, 4, 5]
    df["band"] = ["high", None, "low", "low", "medium", "low", "low"]
    assert store.replace_scores("2024-12-30", df, {"model_version": "2"}) == 7
    whole = stored_scores(store)
    assert len(whole) == 7
    assert store.replace_scores("2024-12-30", (df.iloc[i:i + 3] for i in range(0, 7, 3)), {"model_version": "2"}) == 7
    assert stored_scores(store) == whole


def test_a_column_one_chunk_leaves_empty_and_the_next_fills_is_stored_in_both(store):
    """A column no row of a chunk fills is left out of that chunk's insert (NULL); the next chunk's values stay."""
    from sqlalchemy import select

    from riskmodel.store.models import ScoreRow

    df = week_rows([f"H{i}" for i in range(6)])
    df["probability"] = [None, None, None, 0.3, None, 0.1]
    df["band"] = ["low", "low", "low", None, None, None]
    assert store.replace_scores("2024-12-30", [df.iloc[:3], df.iloc[3:]]) == 6
    with store._read() as conn:
        got = conn.execute(select(ScoreRow.household_id, ScoreRow.probability, ScoreRow.band, ScoreRow.category)
                           .order_by(ScoreRow.household_id)).all()
    assert [tuple(r) for r in got] == [(f"H{i}", p, b, "sudden") for i, p, b in
                                       zip(range(6), [None, None, None, 0.3, None, 0.1],
                                           ["low", "low", "low", None, None, None])]


def test_chunks_out_of_household_order_or_repeating_an_id_are_refused_naming_the_weeks_row(store):
    df = week_rows([f"H{i}" for i in range(5)])
    store.replace_scores("2024-12-30", df)
    before = stored_scores(store)
    with pytest.raises(StoreError, match="row 4: chunks must come in household id order"):
        store.replace_scores("2024-12-30", [df.iloc[:3], df.iloc[2:]])
    bad = df.copy()
    bad.loc[4, "region_code"] = "3703"
    with pytest.raises(StoreError, match=r"row 5, column region_code, value '3703'"):
        store.replace_scores("2024-12-30", [bad.iloc[:3], bad.iloc[3:]])
    assert stored_scores(store) == before  # each refused week changed nothing
