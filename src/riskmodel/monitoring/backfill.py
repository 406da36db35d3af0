"""Backfills: several weeks run and published in order, oldest first.

Inputs are loaded once; on a Dask cluster every (county, week) task is submitted at once.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from riskmodel.monitoring.county_week import submit_parts, week_part
from riskmodel.monitoring.performance import weeks_to_label
from riskmodel.monitoring.rundir import published_weeks
from riskmodel.cluster import cluster_errors, dask_client
from riskmodel.monitoring.weekly import (Loaded, WeekRun, load_inputs, run_weekly, training_reference,
                                         week_plan, week_reference, week_run, week_visits)
from riskmodel.progress import Progress, no_progress


def run_backfill(data_dir, start, end, out_dir, *, every_days: int = 7, model_uri: str | None = None,
                 progress: Progress = no_progress, scheduler=None, panel=None, scorer=None, store=None,
                 workers: int = 0, **kwargs) -> list[dict]:
    """Run the weeks ``start, start + 7 days, … <= end``, published in order (oldest first).

    Inputs are loaded once. Given a scheduler and a model with a training reference, every
    (county, week) task is submitted at once, so the cluster works on later weeks while earlier
    ones are combined and published; weeks whose labels or cut-off the early plan could not know
    are completed by ``compute_week``'s second pass.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ValueError(f"backfill: FROM {start:%Y-%m-%d} is after TO {end:%Y-%m-%d}")
    client, own_client = dask_client(scheduler, workers)
    try:
        with cluster_errors():
            loaded = load_inputs(data_dir, model_uri, panel=panel, scorer=scorer, store=store, client=client)
            weeks = pd.date_range(start, end, freq=f"{every_days}D")
            runs = [week_run(data_dir, t, out_dir, model_uri, kwargs.get("capacity"), kwargs.get("config"))
                    for t in weeks]
            ahead = _fan_out(runs, loaded) if client is not None and training_reference(loaded.scorer) is not None else {}
            out = []
            for i, run in enumerate(runs):
                progress(f"week {run.week}", i, len(weeks))
                out.append(run_weekly(data_dir, run.as_of, out_dir, model_uri=model_uri, progress=progress,
                                      loaded=loaded, prefetched=ahead.pop(run.week, None), **kwargs))
            return out
    finally:
        if own_client:
            client.close()


def _fan_out(runs: list[WeekRun], loaded: Loaded) -> dict[str, tuple]:
    """Every week's partition tasks submitted now: week → (plan, reference, futures)."""
    parts = loaded.parts()
    existing = set(published_weeks(runs[0].out_dir)) if runs else set()
    labelled: set[str] = set()
    ahead = {}
    for run in runs:
        visits = week_visits(run, loaded)
        reference, _cutoff = week_reference(run, loaded, parts)
        drift = None if reference[0] is None else reference[0].plan
        earlier = sorted(existing | {r.week for r in runs if r.as_of < run.as_of})
        weeks = [w for w in weeks_to_label(run.out_dir, earlier, run.as_of, run.as_of, run.horizon_weeks)
                 if w not in labelled]
        labelled.update(weeks)
        plan = replace(week_plan(run, loaded, run.as_of, drift, visits), label_weeks=tuple(weeks))
        futures = submit_parts(week_part, parts, loaded.shipped, loaded.client, plan=plan)
        ahead[run.week] = (plan, reference, futures)
    return ahead
