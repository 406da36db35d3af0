"""Writing a computed week: every file staged in a hidden folder, then published with its store
rows as one (``rundir.Journal``): a run killed while publishing is finished or undone by the next.

The store's transaction runs on its own thread (``StoreWrite``) once the files this process makes
itself are staged: the week's scores (a province's households, most of a publish's time) and its
list go in while the cluster's files arrive and the small ones are written (not beside the list
files and ``scores.parquet``: an insert hands the GIL over for every row, and a thread busy in
Python beside it slows it several times); the drift summary and visit precision follow, and the transaction
commits only after the journal names the complete staging folder — a run killed before that leaves
nothing committed. On a Dask cluster the county workbooks and the Evidently report are tasks,
made by the workers meanwhile (the same bytes).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskmodel import cluster
from riskmodel.memory import release_memory
from riskmodel.monitoring import writers
from riskmodel.monitoring.rundir import Journal, published_weeks, staging
from riskmodel.plain import plain

if TYPE_CHECKING:
    from riskmodel.monitoring.province import ProvinceScores
    from riskmodel.monitoring.weekly import Loaded, WeekRun


#: Scored rows sent to the store at a time: the driver builds each chunk's Python values, so a
#: chunk, not the province, is what the insert holds.
STORE_ROWS = 32_768


@dataclass
class WeekFiles:
    """What a computed week writes: the list, its townships, the province's scores and the reports."""

    table: pd.DataFrame
    sizes: pd.DataFrame
    contributions: pd.Series
    scores: ProvinceScores
    header: dict
    drift_summary: dict
    drift_result: object
    alerts: dict
    perf: dict
    precision: pd.DataFrame
    summary: dict


def dump_json(obj) -> str:
    return json.dumps(plain(obj), ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"


def reached(point: str) -> None:
    """A named point of the publish (the kill tests stop the process here)."""


def write_week(run: WeekRun, loaded: Loaded, week: WeekFiles, marks, step) -> None:
    """Stage every file and the store's rows, then publish them as one: journal, commit, folder swap, copies."""
    publish_id = uuid.uuid4().hex
    journal = tmp = writer = None
    try:
        if loaded.store is not None:
            writer = StoreWrite(loaded.store, run, week, _store_meta(run, week.header, publish_id))
        tmp, copies = _stage(run, loaded.client, writer, week, marks, step)
        journal = Journal(week=run.week, staging=tmp.name, publish_id=publish_id, store=writer is not None,
                          copies=tuple(copies))
        journal.begin(run.out_dir)
        reached("journal")
        if writer is not None:
            writer.commit()
            reached("store")
    except BaseException:  # nothing committed: the previous week stays
        if writer is not None:
            writer.abort()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if journal is not None:
            journal.path(run.out_dir).unlink(missing_ok=True)
        raise
    journal.finish(run.out_dir, reached)  # committed: a failure from here on is finished by the next run


class StoreWrite:
    """The week's store transaction on a thread of its own, from ``start`` (once staging began):
    the scores and the list go in meanwhile; ``commit`` adds the drift summary and visit precision and
    commits (call it once the journal is written); ``abort`` rolls everything back."""

    def __init__(self, store, run: WeekRun, week: WeekFiles, meta: dict):
        self.store, self.run, self.week, self.meta = store, run, week, meta
        self.rows_s: float | None = None
        self.scores_s: float | None = None
        self._go, self._scored = threading.Event(), threading.Event()
        self._abort = False
        self._done = None

    def start(self) -> None:
        pool = ThreadPoolExecutor(1, thread_name_prefix="store-write")
        self._done = pool.submit(self._write)
        pool.shutdown(wait=False)

    def _write(self) -> None:
        with self.store.transaction() as store:
            started = time.perf_counter()
            try:
                store.replace_scores(self.run.as_of.date(), _store_chunks(self.week.scores), self.meta)
                self.scores_s = time.perf_counter() - started
                release_memory()  # the score rows' Python values, freed on this thread's own heap
                if not self._abort:
                    _store_list(store, self.run, self.week, self.meta)
                self.rows_s = time.perf_counter() - started
            finally:
                self._scored.set()
            reached("scores")
            self._go.wait()
            if self._abort:
                raise _Aborted
            _store_reports(store, self.run, self.week)

    def wait_for_rows(self) -> float:
        """Seconds waited until the scores and the list are in (the insert's own error, if it failed)."""
        started = time.perf_counter()
        self._scored.wait()
        if self.rows_s is None:
            self._done.result()
        return time.perf_counter() - started

    def commit(self) -> None:
        self._go.set()
        self._done.result()

    def abort(self) -> None:
        if self._done is None:
            return
        self._abort = True
        self._go.set()
        try:
            self._done.result()
        except BaseException:  # noqa: BLE001 — the run is failing already; its own error is raised
            pass


class _Aborted(Exception):
    """Raised inside the store's transaction to roll it back."""


def _store_chunks(scores: ProvinceScores):
    """The province's scores in household order, ``STORE_ROWS`` rows at a time (read from the
    partitions' files in larger chunks: each read maps every file once)."""
    for chunk in scores.household_chunks():
        for start in range(0, chunk.num_rows, STORE_ROWS):
            yield chunk.slice(start, STORE_ROWS).to_pandas()


def _store_meta(run: WeekRun, header: dict, publish_id: str) -> dict:
    return {"model_name": header["model_name"], "model_version": header["model_version"],
            "run_id": f"weekly-{run.week}", "rank": "township", "data_cutoff": header["data_cutoff"],
            "publish_id": publish_id,
            # where the office pages find the week's files and the households' data (`serve` needs no setting)
            "out_dir": str(run.out_dir.resolve()),
            "data_dir": None if run.data_dir is None else str(run.data_dir.resolve())}


def _store_list(store, run: WeekRun, week: WeekFiles, meta: dict) -> None:
    """The week's list (after its scores, while staging: a province's list is a fiftieth of its households)."""
    rows = week.table.rename(columns={"village_code": "region_code"})
    rows = rows.assign(contributions=week.contributions.to_numpy(),
                       visit_outcome=rows["visit_outcome"].replace("", None),
                       visited_on=rows["visited_on"].replace("", None))
    store.replace_risk_list(run.as_of.date(), rows, meta)


def _store_reports(store, run: WeekRun, week: WeekFiles) -> None:
    """The drift summary (complete once staging wrote the Evidently report) and visit precision."""
    store.save_drift_summary(run.as_of.date(), week.drift_summary, week.header["model_version"])
    store.replace_visit_precision(run.as_of.date(), week.precision)


@dataclass
class _Remote:
    """Files the cluster makes while the run writes the rest (futures)."""

    books: list
    report: object = None


def _dispatch(client, run: WeekRun, week: WeekFiles, counties) -> _Remote | None:
    """The county workbooks and the Evidently report as tasks (None without a cluster)."""
    if client is None:
        return None
    report = None
    if week.drift_result is not None and run.monitoring.evidently:
        from riskmodel.monitoring.drift_report import evidently_files, report_sample

        # the report's rows only; still too large for a task's own arguments
        result = client.scatter(report_sample(week.drift_result, run.monitoring.drift), hash=False)
        report = cluster.submit(client, evidently_files, result, week.drift_result.per_feature["feature"].tolist(),
                                run.monitoring.drift, priority=1)  # the longest task first
    books = [cluster.submit(client, writers.list_workbook, rows, week.header, sizes, region=("县代码", county))
             for county, rows, sizes in counties]
    return _Remote(books, report)


def _stage(run: WeekRun, client, writer: StoreWrite | None, week: WeekFiles, marks, step
           ) -> tuple[Path, list[tuple[str, str]]]:
    """Every file of the week in a hidden staging folder, run_summary.json last (the store's
    ``writer`` inserts the scores meanwhile, from when this thread's own work on files is done)."""
    table, sizes, header = week.table, week.sizes, week.header
    counties = [(county, rows.reset_index(drop=True), sizes[sizes["county_code"] == county])
                for county, rows in table.groupby("county_code", sort=True)]
    remote = _dispatch(client, run, week, counties)
    extra: dict[str, float] = {}
    with staging(run.out_dir, run.week) as tmp:
        writers.write_json(table, tmp / "risk_list.json", header, sizes)
        writers.write_csv(table, tmp / "risk_list.csv")
        (tmp / "xlsx").mkdir()
        if remote is None:
            for county, rows, county_sizes in counties:
                writers.write_county_xlsx(county, rows, county_sizes, header, tmp / "xlsx" / f"county_{county}.xlsx")
        writers.write_scores(week.scores.rank_chunks(), tmp / "scores.parquet")
        drift_dir = tmp / "drift"
        drift_dir.mkdir()
        evidently = None
        if week.drift_result is not None:
            week.drift_result.per_feature.round(6).to_csv(drift_dir / "features.csv", index=False, encoding="utf-8")
        if remote is None and week.drift_result is not None and run.monitoring.evidently:
            from riskmodel.monitoring.drift_report import evidently_report

            started = time.perf_counter()
            evidently = evidently_report(week.drift_result, week.drift_result.per_feature["feature"].tolist(),
                                         drift_dir, run.monitoring.drift)
            extra["write.evidently_report"] = time.perf_counter() - started
        if writer is not None:
            writer.start()
        if remote is not None:
            started = time.perf_counter()
            for (county, _rows, _sizes), book in zip(counties, remote.books):
                (tmp / "xlsx" / f"county_{county}.xlsx").write_bytes(cluster.result(book))
            if remote.report is not None:
                from riskmodel.monitoring.drift_report import write_report

                evidently = write_report(cluster.result(remote.report), drift_dir)
            extra["write.waiting_for_cluster"] = time.perf_counter() - started
        week.drift_summary.update(evidently=evidently)
        (drift_dir / "summary.json").write_text(dump_json(week.drift_summary), encoding="utf-8")
        (tmp / "alerts.json").write_text(dump_json(week.alerts), encoding="utf-8")
        precision = week.precision
        precision.assign(week=precision["week"].astype(str)).to_csv(tmp / "visit_precision.csv", index=False,
                                                                     encoding="utf-8")
        copies = [("drift/summary.json", f"drift/{run.week}.json")]
        if run.week >= max(published_weeks(run.out_dir) or [run.week]):
            copies.append(("drift/summary.json", "drift/summary.json"))
        perf = week.perf
        if perf["written"]:
            (tmp / "performance").mkdir()
        for w, report in perf["written"].items():
            (tmp / "performance" / f"{w}.json").write_text(dump_json(report), encoding="utf-8")
            copies.append((f"performance/{w}.json", f"performance/{w}.json"))
        if writer is not None:  # the scores' insert, on its thread since the local files were staged
            extra["write.waiting_for_store"] = writer.wait_for_rows()
            extra["write.store_rows"] = writer.rows_s
            extra["write.store_rows.scores"] = writer.scores_s
        step("publish")
        timings = {a: round(tb - ta, 3) for (a, ta), (_b, tb) in zip(marks, marks[1:])}
        timings["total"] = round(marks[-1][1] - marks[0][1], 3)
        timings |= {k: round(v, 3) for k, v in extra.items()}  # parts of the "write" step
        outputs = sorted(str(p.relative_to(tmp).as_posix()) for p in tmp.rglob("*") if p.is_file())
        outputs = [f"{run.week}/{o}" for o in outputs] + [f"{run.week}/run_summary.json"] + [d for _s, d in copies]
        (tmp / "run_summary.json").write_text(dump_json({**week.summary, "outputs": outputs, "timings_s": timings}),
                                              encoding="utf-8")
    return tmp, copies
