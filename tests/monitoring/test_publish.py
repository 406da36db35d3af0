"""A week is published completely or not at all: files, store rows and the copies beside it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riskmodel.monitoring import writers
from riskmodel.monitoring.rundir import Journal, recover
from riskmodel.monitoring.weekly import run_weekly

W1, W2 = "2025-05-26", "2025-06-02"


def staged(out: Path, week: str, text: str) -> Path:
    tmp = out / f".staging-{week}.x"
    (tmp / "drift").mkdir(parents=True)
    (tmp / "drift" / "summary.json").write_text(text, "utf-8")
    (tmp / "run_summary.json").write_text("{}", "utf-8")
    return tmp


def test_recover_finishes_a_journal_that_has_no_store_part(tmp_path):
    tmp = staged(tmp_path, W2, '{"as_of": "2025-06-02"}')
    Journal(week=W2, staging=tmp.name, publish_id="p", store=False,
            copies=(("drift/summary.json", "drift/summary.json"),)).begin(tmp_path)
    assert recover(tmp_path) == [f"finished {W2}"]
    assert (tmp_path / W2 / "run_summary.json").exists() and not tmp.exists()
    assert json.loads((tmp_path / "drift" / "summary.json").read_text("utf-8"))["as_of"] == W2
    assert not list(tmp_path.glob(".publish-*"))


def test_the_scored_rows_of_a_killed_run_are_dropped_by_the_next_run(tmp_path):
    from riskmodel.monitoring.province import ProvinceScores
    from riskmodel.monitoring.rundir import scratch_prefix

    province = ProvinceScores(0.1, tmp_path, scratch_prefix("scores"))  # a run killed before closing it
    (left,) = list(tmp_path.iterdir())
    assert recover(tmp_path) == [] and not left.exists()
    province.close()


def test_recover_undoes_a_journal_whose_store_part_did_not_commit(tmp_path):
    (tmp_path / W2).mkdir()
    (tmp_path / W2 / "risk_list.json").write_text("old", "utf-8")
    tmp = staged(tmp_path, W2, "new")
    journal = Journal(week=W2, staging=tmp.name, publish_id="p", store=True,
                      copies=(("drift/summary.json", "drift/summary.json"),))
    journal.begin(tmp_path)
    assert recover(tmp_path, lambda j: j.publish_id == "other") == [f"undid {W2}"]
    assert (tmp_path / W2 / "risk_list.json").read_text("utf-8") == "old"
    assert not tmp.exists() and not (tmp_path / "drift").exists() and not list(tmp_path.glob(".publish-*"))


def _kill_at(point: str, out: Path, db: Path) -> None:
    root = Path(__file__).parents[2]
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(root)!r})
        from tests.monitoring.panels import make_panel, make_scorer
        from riskmodel.monitoring import publish, weekly
        def die(point):
            if point == {point!r}:
                os.kill(os.getpid(), signal.SIGKILL)
        publish.reached = die
        weekly.run_weekly(None, {W2!r}, {str(out)!r}, panel=make_panel(seed=1, households=400, end="2025-06-30"),
                          scorer=make_scorer(), config=weekly.WeeklyConfig(evidently=False),
                          store="sqlite:///{db}", capacity={{"share": 0.05}})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]


def _published(out: Path, store, week: str) -> None:
    """Everything a reader looks at is on ``week``, and files and store rows agree."""
    summary = json.loads((out / week / "run_summary.json").read_text("utf-8"))
    assert summary["as_of"] == week
    assert json.loads((out / "drift" / "summary.json").read_text("utf-8"))["as_of"] == week
    assert (out / "drift" / f"{week}.json").exists()
    assert str(store.latest_drift()["as_of"]) == week
    rows = writers.read_json_list(out / week / "risk_list.json")
    stored = store.risk_list(week)
    assert sorted(stored["household_id"]) == sorted(rows["household_id"])
    assert len(stored) == summary["listed"]
    assert not list(out.glob(".publish-*")) and not list(out.glob(".staging-*"))


@pytest.mark.slow
@pytest.mark.parametrize("point", ["journal", "store", "swapped", "copied"])
def test_a_run_killed_while_publishing_is_finished_or_undone_and_a_rerun_repairs_it(
        tmp_path, panel, scorer, quick, point):
    from riskmodel.monitoring.weekly import _committed
    from riskmodel.store import Store

    out, db = tmp_path / "out", tmp_path / "store.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store, capacity={"share": 0.05})
    _kill_at(point, out, db)
    assert list(out.glob(".publish-*"))  # killed inside the publish
    done = recover(out, _committed(store))  # what the next run does first, under the lock
    if point == "journal":  # the store had not committed: the new week was not published at all
        assert done == [f"undid {W2}"]
        assert not (out / W2).exists() and store.risk_list_run(W2) is None
        _published(out, store, W1)
    else:  # the store had committed: the rest of the publish is finished
        assert done == [f"finished {W2}"]
        _published(out, store, W2)
    run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store, capacity={"share": 0.05})
    _published(out, store, W2)


@pytest.mark.slow
def test_a_run_killed_after_storing_the_weeks_scores_but_before_the_journal_published_nothing(
        tmp_path, panel, scorer, quick):
    """The week's scores go into the store's open transaction while the files are staged: killed
    then, the store rolls them back and the previous week stays, files and rows."""
    from sqlalchemy import text

    from riskmodel.monitoring.weekly import _committed
    from riskmodel.store import Store

    out, db = tmp_path / "out", tmp_path / "store.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    run_weekly(None, W1, out, panel=panel, scorer=scorer, config=quick, store=store, capacity={"share": 0.05})
    _kill_at("scores", out, db)
    assert not list(out.glob(".publish-*")) and list(out.glob(".staging-*"))  # killed while staging
    assert recover(out, _committed(store)) == []
    with store.engine.connect() as conn:
        weeks = conn.execute(text("SELECT DISTINCT as_of FROM scores")).scalars().all()
    assert [str(w) for w in weeks] == [W1] and store.risk_list_run(W2) is None
    _published(out, store, W1)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_week_is_committed_from_the_publish_thread_on_postgresql(postgres_url, tmp_path, panel, scorer, quick):
    """PostgreSQL takes the week's scores by ``COPY`` on the publish's own thread, and the list,
    drift and precision in the same transaction: all of the week, as on SQLite."""
    import uuid

    from sqlalchemy import text

    from riskmodel.store import Store

    store = Store(postgres_url, schema=f"rm_test_{uuid.uuid4().hex[:12]}")
    store.migrate()
    try:
        out = tmp_path / "out"
        summary = run_weekly(None, W2, out, panel=panel, scorer=scorer, config=quick, store=store,
                             capacity={"share": 0.05})
        with store.engine.connect() as conn:
            scored = conn.execute(text(f'SELECT count(*) FROM "{store.schema}".scores')).scalar_one()
        assert scored == summary["eligible"] > 0
        assert "write.store_rows" in summary["timings_s"]
        _published(out, store, W2)
    finally:
        store.drop_all()
        store.dispose()


def test_the_stores_rows_start_once_the_files_this_process_writes_are_staged(tmp_path, panel, scorer, quick,
                                                                               monkeypatch):
    """Not beside them: an insert hands the GIL over for every row, and a busy thread beside it slows it."""
    from sqlalchemy import text

    from riskmodel.monitoring import publish
    from riskmodel.store import Store

    seen = []
    start = publish.StoreWrite.start

    def recording(self):
        (staging,) = (tmp_path / "out").glob(f".staging-{W2}.*")
        seen.append(sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()))
        start(self)

    monkeypatch.setattr(publish.StoreWrite, "start", recording)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    summary = run_weekly(None, W2, tmp_path / "out", panel=panel, scorer=scorer, config=quick, store=store)
    (files,) = seen
    assert {"risk_list.json", "risk_list.csv", "scores.parquet"} <= set(files)
    assert any(f.startswith("xlsx/") for f in files) and "run_summary.json" not in files
    with store._read() as conn:
        assert conn.execute(text("SELECT count(*) FROM scores")).scalar_one() == summary["eligible"] > 0
    store.dispose()
