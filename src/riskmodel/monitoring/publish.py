"""Writing a computed week: every file staged in a hidden folder, then published with its store
rows as one (``rundir.Journal``): a run killed while publishing is finished or undone by the next.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from riskmodel.monitoring import writers
from riskmodel.monitoring.rundir import Journal, published_weeks, staging
from riskmodel.plain import plain

if TYPE_CHECKING:
    from riskmodel.monitoring.weekly import Loaded, WeekRun



def dump_json(obj) -> str:
    return json.dumps(plain(obj), ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"


def reached(point: str) -> None:
    """A named point of the publish (the kill tests stop the process here)."""


def stage_week(run, table, sizes, scores, header, drift_summary, drift_result, alerts, perf, precision, summary,
           marks, step) -> tuple[Path, list[tuple[str, str]]]:
    """Every file of the week in a hidden staging folder, run_summary.json last."""
    week = run.week
    with staging(run.out_dir, week) as tmp:
        writers.write_json(table, tmp / "risk_list.json", header, sizes)
        writers.write_csv(table, tmp / "risk_list.csv")
        (tmp / "xlsx").mkdir()
        for county, rows in table.groupby("county_code", sort=True):
            writers.write_county_xlsx(county, rows.reset_index(drop=True), sizes[sizes["county_code"] == county],
                                      header, tmp / "xlsx" / f"county_{county}.xlsx")
        writers.write_scores(scores.rank_chunks(), tmp / "scores.parquet")
        drift_dir = tmp / "drift"
        drift_dir.mkdir()
        evidently, evidently_s = None, None
        if drift_result is not None:
            drift_result.per_feature.round(6).to_csv(drift_dir / "features.csv", index=False, encoding="utf-8")
            if run.monitoring.evidently:
                from riskmodel.monitoring.drift_report import evidently_report

                started = time.perf_counter()
                evidently = evidently_report(drift_result, drift_result.per_feature["feature"].tolist(), drift_dir,
                                             run.monitoring.drift)
                evidently_s = time.perf_counter() - started
        drift_summary.update(evidently=evidently)
        (drift_dir / "summary.json").write_text(dump_json(drift_summary), encoding="utf-8")
        (tmp / "alerts.json").write_text(dump_json(alerts), encoding="utf-8")
        precision.assign(week=precision["week"].astype(str)).to_csv(tmp / "visit_precision.csv", index=False,
                                                                     encoding="utf-8")
        copies = [("drift/summary.json", f"drift/{week}.json")]
        if week >= max(published_weeks(run.out_dir) or [week]):
            copies.append(("drift/summary.json", "drift/summary.json"))
        if perf["written"]:
            (tmp / "performance").mkdir()
        for w, report in perf["written"].items():
            (tmp / "performance" / f"{w}.json").write_text(dump_json(report), encoding="utf-8")
            copies.append((f"performance/{w}.json", f"performance/{w}.json"))
        step("publish")
        timings = {a: round(tb - ta, 3) for (a, ta), (_b, tb) in zip(marks, marks[1:])}
        timings["total"] = round(marks[-1][1] - marks[0][1], 3)
        if evidently_s is not None:  # rendered inside the "write" step
            timings["write.evidently_report"] = round(evidently_s, 3)
        outputs = sorted(str(p.relative_to(tmp).as_posix()) for p in tmp.rglob("*") if p.is_file())
        outputs = [f"{week}/{o}" for o in outputs] + [f"{week}/run_summary.json"] + [d for _s, d in copies]
        (tmp / "run_summary.json").write_text(dump_json({**summary, "outputs": outputs, "timings_s": timings}),
                                              encoding="utf-8")
    return tmp, copies


def publish_week(run: WeekRun, loaded: Loaded, tmp: Path, copies, table, contributions, scores, drift_summary,
             precision, header) -> None:
    """Journal, store rows in one transaction, folder swap, copies: see ``rundir``."""
    journal = Journal(week=run.week, staging=tmp.name, publish_id=uuid.uuid4().hex, store=loaded.store is not None,
                      copies=tuple(copies))
    journal.begin(run.out_dir)
    reached("journal")
    if loaded.store is not None:
        meta = {"model_name": header["model_name"], "model_version": header["model_version"],
                "run_id": f"weekly-{run.week}", "rank": "township", "data_cutoff": header["data_cutoff"],
                "publish_id": journal.publish_id,
                # where the office pages find the week's files and the households' data (`serve` needs no setting)
                "out_dir": str(run.out_dir.resolve()),
                "data_dir": None if run.data_dir is None else str(run.data_dir.resolve())}
        rows = table.rename(columns={"village_code": "region_code"}).copy()
        rows["contributions"] = contributions.to_numpy()
        rows["visit_outcome"] = rows["visit_outcome"].replace("", None)
        rows["visited_on"] = rows["visited_on"].replace("", None)
        with loaded.store.transaction() as store:
            store.replace_risk_list(run.as_of.date(), rows, meta)
            store.replace_scores(run.as_of.date(), (c.to_pandas() for c in scores.household_chunks()), meta)
            store.save_drift_summary(run.as_of.date(), drift_summary, header["model_version"])
            store.replace_visit_precision(run.as_of.date(), precision)
        reached("store")
    journal.finish(run.out_dir, reached)
