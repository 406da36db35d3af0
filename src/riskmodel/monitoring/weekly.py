"""The weekly run: what a monitoring office receives each Monday, with drift alongside.

``run_weekly`` scores every eligible household as of the date with the champion, cuts lists
per township (and county) to the offices' visiting capacity, explains the listed rows, and
writes ``OUT_DIR/<as_of>/``::

    risk_list.json  risk_list.csv  xlsx/county_<code>.xlsx  scores.parquet  alerts.json
    drift/summary.json  drift/features.csv  drift/report.html  drift/report.json
    visit_precision.csv  performance/<week>.json (weeks whose labels matured)
    run_summary.json   (the only file with timings)

plus copies ``OUT_DIR/drift/summary.json`` (latest week), ``OUT_DIR/drift/<as_of>.json`` and
``OUT_DIR/performance/<week>.json``, and rows in the store. The lists read the offices'
visits (``riskmodel.listing.followup``): held and pending households take no capacity, and
every row has a status. A rerun of the same week writes identical list, drift and alert files.
A week is published completely or not at all — files, store rows and copies — under a lock
(``rundir.Journal``); a run killed while publishing is finished or undone by the next one.

The households are worked on by partition (``county_week``): each county of a county-partitioned
folder is loaded, validated, featured, scored and explained on its own — in a plain loop, one
county in memory at a time, or as Dask tasks given a scheduler (the model sent once to each
worker) — and the run adds up their small results: ranks and bands over the province, the
township lists, drift from fixed-bin histograms in the reference's bins, shock counts, labels of
matured weeks. A panel in memory (or a one-file folder) is one partition, or its counties on a
cluster. The files are the same whichever way the week was computed.
"""

from __future__ import annotations

import json
import time
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskmodel.config_file import read_yaml
from riskmodel.listing import HORIZON_WEEKS
from riskmodel.contract import Panel
from riskmodel.features import feature_names, feature_risk_types
from riskmodel.features.spec import risk_types
from riskmodel.listing import followup
from riskmodel.listing.followup import STATUSES
from riskmodel.monitoring import lists as lists_mod
from riskmodel.monitoring import writers
from riskmodel.monitoring.capacity import Capacity, resolve_capacity
from riskmodel.monitoring.county_week import (Source, WeekPlan, no_decisions, reference_part, run_parts, sources,
                                              week_part)
from riskmodel.monitoring.drift import (CurrentStats, DriftBins, DriftThresholds, PreparedReference, compute_drift,
                                        prepare_reference)
from riskmodel.monitoring.shocks import ShockCounts, regional_from_counts, shocks_from_counts
from riskmodel.monitoring.performance import (DecayThresholds, matured_reports, observed_precision, precision_summary,
                                              weeks_to_label)
from riskmodel.monitoring.performance import alerts as week_alerts, stale_data
from riskmodel.monitoring.province import ProvinceScores
from riskmodel.monitoring.publish import WeekFiles, write_week
from riskmodel.monitoring.rundir import Journal, published_weeks, recover, run_lock, scratch_prefix
from riskmodel.cluster import cluster_errors, dask_client, in_order, preload
from riskmodel.memory import release_memory
from riskmodel.progress import Progress, no_progress
from riskmodel.scoring import Scorer, ScorerProtocol

if TYPE_CHECKING:
    from riskmodel.store import StoreProtocol

#: Last week's list is the latest earlier run at most this many days before.
PREVIOUS_MAX_DAYS = 14
#: The stand-in drift reference when the model carries none: the same date a year earlier
#: (same season and the same place in the month, which income reporting lags depend on).
REFERENCE_YEARS_BACK = 1
#: What a partition's task imports (``cluster.preload``: on fresh workers while the run loads the model).
TASK_MODULES = ("riskmodel.monitoring.county_week", "riskmodel.features", "riskmodel.listing", "riskmodel.scoring",
                "riskmodel.training.model", "riskmodel.contract")
STEPS = ("load", "score", "lists", "explain", "drift", "performance", "write", "publish")


class WeeklyConfig(BaseModel):
    """Thresholds for drift and decay alerts (``monitoring:`` section of a YAML, or defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drift: DriftThresholds = DriftThresholds()
    decay: DecayThresholds = DecayThresholds()
    evidently: bool = True
    """Render the Evidently HTML/JSON report (the alert does not need it)."""
    stale_after_days: int = Field(35, ge=0)
    """Alert when the newest record is more than this many days before the list date (data not loaded)."""

    @classmethod
    def load(cls, path: str | Path) -> WeeklyConfig:
        """The ``monitoring:`` section of a YAML file (or the whole file); ``ValueError`` naming the file."""
        path = Path(path)
        raw = read_yaml(path) or {}
        section = raw.get("monitoring", raw) if isinstance(raw, dict) else raw
        if not isinstance(section, dict):
            raise ValueError(f"{path.name}: expected a mapping of thresholds (monitoring: {{drift: …}}), "
                             f"got {type(section).__name__}")
        try:
            return cls.model_validate(section)
        except ValidationError as exc:
            raise ValueError(f"{path.name}: {exc}") from None


# --- the partitions -------------------------------------------------------------------------

@dataclass
class Week:
    """The partitions' results added up: all the driver holds of the households this week."""

    scores: ProvinceScores | None
    """Every eligible household's row, on disk, ranked over the province (None: a pass without scores)."""
    lists: PartLists
    features: tuple[str, ...]
    drift: CurrentStats | None
    shocks: ShockCounts | None
    decided: pd.DataFrame
    explained: pd.DataFrame | None
    labels: dict[str, pd.DataFrame]
    regions: pd.Series
    monitoring: pd.DataFrame
    cutoff: pd.Timestamp
    partitions: int


@dataclass
class PartLists:
    """The townships' lists as their partitions cut them (``county_week.part_lists``), each row
    with its number in ``ProvinceScores`` (``row``) for the province's rank and band."""

    sizes: list[pd.DataFrame]
    listed: list[pd.DataFrame]
    waiting: list[pd.DataFrame]


def _combine(results, share: float | None, keep: bool, folder: Path | None = None) -> Week:
    """Partition results (in partition order) added up; memory holds the sums, not the parts.

    ``keep``: each partition's scored rows go to a ``ProvinceScores`` (files in ``folder``; None:
    the system's temporary folder) and its lists (``county_week.part_lists``) are kept; without it
    (a pass for labels only) no rows are kept.
    """
    decided, explained, regions, monitoring, cutoffs = [], [], [], [], []
    labels: dict[str, list[pd.DataFrame]] = {}
    drift = shocks = None
    features: tuple[str, ...] = ()
    province = ProvinceScores(share, folder, scratch_prefix("scores")) if keep else None
    lists = PartLists([], [], [])
    n = 0
    try:
        for r in results:
            n += 1
            if r.cutoff is not None:
                cutoffs.append(r.cutoff)
            if len(r.scores) and province is not None:
                features = features or r.features
                numbers = province.add(r.scores)
                sizes, listed, waiting = r.lists  # cut where the partition ran: rows numbered in r.scores
                lists.sizes.append(sizes)
                lists.listed.append(listed.assign(row=numbers[listed["row"].to_numpy()]))
                lists.waiting.append(waiting.assign(row=numbers[waiting["row"].to_numpy()]))
            r.scores = r.lists = None
            drift = r.drift if drift is None else (drift if r.drift is None else drift + r.drift)
            shocks = r.shocks if shocks is None else (shocks if r.shocks is None else shocks + r.shocks)
            for frames, item in ((decided, r.decided), (explained, r.explained), (regions, r.regions),
                                 (monitoring, r.monitoring)):
                if item is not None and len(item):
                    frames.append(item)
            for w, lab in r.labels.items():
                labels.setdefault(w, []).append(lab)
        if not cutoffs:
            raise ValueError("the panel has no dated records")
        if province is not None:
            province.finish()
    except BaseException:
        if province is not None:
            province.close()
        raise
    return Week(
        scores=province, lists=lists, features=features, drift=drift, shocks=shocks,
        decided=pd.concat(decided, ignore_index=True) if decided else no_decisions(),
        explained=pd.concat(explained, ignore_index=True) if explained else None,
        labels={w: pd.concat(f, ignore_index=True) for w, f in labels.items()},
        regions=pd.concat(regions) if regions else pd.Series(dtype=object),
        monitoring=(pd.concat(monitoring, ignore_index=True) if monitoring else
                    pd.DataFrame(columns=["household_id", "identified_on"])),
        cutoff=max(cutoffs), partitions=n)


# --- previous week, reference ---------------------------------------------------------------

def previous_list(out_dir: Path, as_of: pd.Timestamp, store: StoreProtocol | None = None) -> tuple[pd.DataFrame | None, str | None]:
    """Last week's list rows (``household_id, rank``) from the output folder, else the store."""
    earliest = as_of - pd.Timedelta(days=PREVIOUS_MAX_DAYS)
    for week in reversed(published_weeks(out_dir)):
        t = pd.Timestamp(week)
        if earliest <= t < as_of:
            return writers.read_json_list(out_dir / week / "risk_list.json")[["household_id", "rank"]], week
        if t < earliest:
            break
    if store is not None:
        weeks = [pd.Timestamp(w) for w in store.risk_list_weeks()]
        earlier = [w for w in weeks if earliest <= w < as_of]
        if earlier:
            week = max(earlier)
            return store.risk_list(week.date())[["household_id", "rank"]], week.strftime("%Y-%m-%d")
    return None, None


def training_reference(scorer) -> pd.DataFrame | None:
    """The reference sample logged with the model (``Scorer.reference``), if it has one.

    Models trained by ``train_job`` carry one (``riskmodel.training.reference``: training
    snapshots with as-of dates, scores and probabilities, no identifiers); older models do
    not, and the weekly run falls back to the same date a year earlier.
    """
    ref = scorer.reference
    if callable(ref):
        ref = ref()
    return ref.copy() if isinstance(ref, pd.DataFrame) and len(ref) else None


# --- the run --------------------------------------------------------------------------------

class WeekRun(BaseModel):
    """One week's run: what it needs besides the loaded panel, scorer, store and cluster."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    as_of: pd.Timestamp
    out_dir: Path
    capacity: Capacity
    monitoring: WeeklyConfig = WeeklyConfig()
    horizon_weeks: int = HORIZON_WEEKS
    model_uri: str | None = None
    data_dir: Path | None = None

    @property
    def scores_dir(self) -> Path | None:
        """Where the week's scored rows wait on disk: beside the outputs (a system's temporary
        folder is often memory)."""
        return self.out_dir if self.out_dir.is_dir() else None

    @property
    def week(self) -> str:
        return self.as_of.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Loaded:
    """The objects a run works on (loaded once; a backfill shares them between weeks)."""

    panel: Panel | None
    """The whole panel in memory, or None: a county-partitioned folder read county by county."""
    scorer: Scorer
    store: StoreProtocol | None
    client: object | None
    """A ``distributed.Client`` or None (one process)."""
    data_dir: Path | None = None
    shipped: object = None
    """The scorer as the partitions get it: itself, or a future broadcast to every worker once."""

    def parts(self) -> list[Source]:
        return sources(self.data_dir, self.panel, self.client)

    @property
    def policy(self):
        if self.panel is not None:
            return self.panel.policy
        from riskmodel.contract import load_policy

        return load_policy(self.data_dir)


def _store(store: StoreProtocol | str | os.PathLike | None) -> StoreProtocol | None:
    """The run's store: one given (``Store`` or any ``StoreProtocol``), or a ``Store`` opened and
    migrated from a database URL."""
    if not isinstance(store, (str, os.PathLike)):
        return store
    from riskmodel.store import Store

    opened = Store(str(store))
    opened.migrate()
    return opened


def load_inputs(data_dir, model_uri, *, panel=None, scorer=None, store=None, client=None) -> Loaded:
    """The panel (None for a county-partitioned folder: read county by county), scorer and store."""
    if panel is None:
        from riskmodel.features.counties import is_partitioned

        if data_dir is None or not is_partitioned(data_dir):
            from riskmodel.contract import load

            panel = load(data_dir)
    warming = [] if client is None else preload(client, TASK_MODULES)
    if scorer is None:
        from riskmodel.training.scorers import load_scorer

        scorer = load_scorer(model_uri)
    shipped = scorer if client is None else client.scatter(scorer, broadcast=True, hash=False)
    del warming
    return Loaded(panel, scorer, _store(store), client, None if data_dir is None else Path(data_dir), shipped)


def week_run(data_dir, as_of, out_dir, model_uri, capacity, config) -> WeekRun:
    from riskmodel.settings import get_settings

    settings = get_settings()
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ValueError(f"the output folder {out_dir} exists and is not a folder")
    return WeekRun(as_of=pd.Timestamp(as_of).normalize(), out_dir=Path(out_dir), model_uri=model_uri,
                   capacity=resolve_capacity(capacity, default_share=settings.capacity_share),
                   monitoring=config or WeeklyConfig(), horizon_weeks=settings.horizon_weeks,
                   data_dir=None if data_dir is None else Path(data_dir))


def run_weekly(data_dir, as_of, out_dir, model_uri: str | None = None, capacity=None, store=None,
               scheduler=None, progress: Progress = no_progress, *, scorer=None, panel=None,
               config: WeeklyConfig | None = None, lock_timeout: float | None = None,
               log_mlflow: bool | None = None, loaded: Loaded | None = None, prefetched: tuple | None = None,
               workers: int = 0) -> dict:
    """Run one week (see module docstring); returns the run summary (also in ``run_summary.json``).

    ``capacity``: ``None`` (settings share), a YAML path, a mapping or a ``Capacity``.
    ``store``: a ``StoreProtocol`` (``Store``) or database URL (None: files only). ``scheduler``: Dask
    scheduler address or ``distributed.Client``; without one, ``workers`` local worker processes
    (0: a plain loop). ``scorer``/``panel``: already loaded ones (tests);
    ``loaded``: what a backfill loaded once. ``log_mlflow``: default when the model has a
    registry version.
    """
    from riskmodel.settings import get_settings

    settings = get_settings()
    marks: list[tuple[str, float]] = []

    def step(name: str) -> None:
        marks.append((name, time.perf_counter()))
        progress(name, STEPS.index(name) if name in STEPS else len(STEPS), len(STEPS))

    step(STEPS[0])
    run = week_run(data_dir, as_of, out_dir, model_uri, capacity, config)
    own_client = False
    if loaded is None:
        client, own_client = dask_client(scheduler, workers)
    try:
        with cluster_errors():
            if loaded is None:
                loaded = load_inputs(data_dir, model_uri, panel=panel, scorer=scorer, store=store, client=client)
            with run_lock(run.out_dir, timeout=lock_timeout):
                recover(run.out_dir, _committed(loaded.store))
                summary = _run_locked(run, loaded, step, marks, prefetched)
    finally:
        if own_client:
            client.close()
    if (log_mlflow if log_mlflow is not None else loaded.scorer.model_version is not None):
        _log_mlflow(summary, run.out_dir / run.week, loaded.scorer, settings)
    return summary


def _committed(store: StoreProtocol | None):
    if store is None:
        return None

    def check(journal: Journal) -> bool:
        stored = store.risk_list_run(journal.week)
        return stored is not None and stored["meta"].get("publish_id") == journal.publish_id

    return check


def week_visits(run: WeekRun, loaded: Loaded) -> pd.DataFrame:
    if loaded.store is None:
        return pd.DataFrame(columns=["household_id", "visited_on", "outcome"])
    visits = loaded.store.visits()
    return visits.loc[visits["visited_on"] <= run.as_of]


def week_plan(run: WeekRun, loaded: Loaded, cutoff: pd.Timestamp, drift: DriftBins | None, visits: pd.DataFrame,
          *, score: bool = True, skip: tuple[str, ...] = ()) -> WeekPlan:
    latest = followup.latest_visits(visits, run.as_of) if loaded.store is not None else None
    weeks = weeks_to_label(run.out_dir, published_weeks(run.out_dir), run.as_of, cutoff, run.horizon_weeks)
    return WeekPlan(as_of=run.as_of, capacity=run.capacity, cutoff=cutoff, horizon_weeks=run.horizon_weeks,
                    thresholds=run.monitoring.drift, drift=drift, latest_visits=latest, score=score,
                    label_weeks=tuple(w for w in weeks if w not in skip),
                    visited=frozenset(visits["household_id"].astype(str)))


def compute_week(run: WeekRun, loaded: Loaded, visits: pd.DataFrame, prefetched: tuple | None = None,
                 ) -> tuple[Week, tuple]:
    """Every partition's share of the week, added up; and the drift reference (prepared, note, date).

    The cut-off (for labels and observed precision) is the whole data's: with a panel in memory it
    is known; else the partitions run with this week's date and, when the data end earlier (or a
    backfill's early plan missed a matured week), a second, light pass redoes the labels and the
    visited households' records. ``prefetched``: a backfill's (plan, reference, futures).
    """
    parts = loaded.parts()
    if prefetched is None:
        reference, cutoff = week_reference(run, loaded, parts)
        known = cutoff if cutoff is not None else run.as_of
        plan = week_plan(run, loaded, min(known, run.as_of), None if reference[0] is None else reference[0].plan, visits)
        results = run_parts(week_part, parts, loaded.shipped, loaded.client, plan=plan)
    else:
        plan, reference, futures = prefetched
        results = in_order(futures)
    week = _combine(results, loaded.scorer.capacity_share, True, run.scores_dir)
    real = min(week.cutoff, run.as_of)
    needed = weeks_to_label(run.out_dir, published_weeks(run.out_dir), run.as_of, real, run.horizon_weeks)
    again = None
    if real != plan.cutoff:
        again = week_plan(run, loaded, real, None, visits, score=False)
    elif [w for w in needed if w not in week.labels]:
        again = replace(week_plan(run, loaded, real, None, visits, score=False, skip=tuple(week.labels)),
                        visited=frozenset())
    if again is not None:
        fixed = _combine(run_parts(week_part, parts, loaded.shipped, loaded.client, plan=again), None, False)
        if again.visited:
            week = replace(week, labels=fixed.labels, regions=fixed.regions, monitoring=fixed.monitoring)
        else:
            week = replace(week, labels={**week.labels, **fixed.labels})
    return replace(week, cutoff=real), reference


def _run_locked(run: WeekRun, loaded: Loaded, step, marks, prefetched: tuple | None = None) -> dict:
    """Compute the week, stage every file, then publish files, store rows and copies as one."""
    step("score")
    visits = week_visits(run, loaded)
    week, reference = compute_week(run, loaded, visits, prefetched)
    release_memory()  # the partitions' results, received and added up: the week is written from a trimmed heap
    with week.scores as scores:
        return _run_week(run, loaded, step, marks, visits, week, reference, scores)


def _run_week(run: WeekRun, loaded: Loaded, step, marks, visits, week: Week, reference, scores: ProvinceScores) -> dict:
    if not len(scores):
        raise ValueError(f"no eligible household as of {run.week}: nothing to list (check the data's dates)")
    step("lists")
    listed, sizes, previous_week, follow = _lists(run, loaded, week)
    step("explain")
    table, contributions = _explain(run, listed, week.explained)
    step("drift")
    drift_summary, drift_result = _drift(run, loaded, week, *reference)
    step("performance")
    cutoff = week.cutoff
    perf = matured_reports(None, run.out_dir, published_weeks(run.out_dir), run.as_of, cutoff, run.horizon_weeks,
                           run.monitoring.decay, labels=week.labels)
    precision = _observed(run, week, cutoff, visits)
    alerts = week_alerts(drift_summary, perf, stale_data(run.as_of, cutoff, run.monitoring.stale_after_days))
    drift_summary = {**drift_summary, "retrain_recommended": alerts["retrain_recommended"],
                     "model_name": scorer_model_name(loaded.scorer), "model_version": _version(loaded.scorer)}
    step("write")
    header = {"as_of": run.week, "data_cutoff": cutoff.strftime("%Y-%m-%d"),
              "model_name": scorer_model_name(loaded.scorer), "model_version": _version(loaded.scorer),
              "previous_as_of": previous_week, "capacity": run.capacity.as_dict()}
    counties = sorted(table["county_code"].unique().tolist())
    summary = {
        "as_of": run.week, "data_cutoff": header["data_cutoff"], "model_name": header["model_name"],
        "model_version": header["model_version"], "model_uri": run.model_uri, "previous_as_of": previous_week,
        "eligible": int(len(scores)), "listed": int(len(table)), "new_on_list": int(table["new_on_list"].sum()),
        "status": {k: int((table["status"] == k).sum()) for k in STATUSES}, "follow_up": follow["counts"],
        "counties": len(counties), "townships": int((sizes["capacity"] > 0).sum()),
        "capacity": run.capacity.as_dict(), "partitions": week.partitions,
        "drift": {k: drift_summary.get(k) for k in ("status", "alert", "share_drifted", "score_psi", "reference",
                                                    "regional_alerts")},
        "performance": {**perf["summary"], "observed": precision_summary(precision, run.as_of)},
        "alerts": alerts, "store": loaded.store is not None,
    }
    write_week(run, loaded, WeekFiles(table, sizes, contributions, scores, header, drift_summary, drift_result, alerts,
                                      perf, precision, summary), marks, step)
    step("done")
    return json.loads((run.out_dir / run.week / "run_summary.json").read_text("utf-8"))


def _lists(run: WeekRun, loaded: Loaded, week: Week):
    """Capacity-sized lists of households still to visit, plus the pending ones, with statuses.

    The partitions' lists (``county_week.part_lists``) put together, with the province's bands.
    """
    decided = week.decided
    sizes = _province_rows(week, week.lists.sizes, None).sort_values("township_code", kind="stable",
                                                                       ignore_index=True)
    listed = _province_rows(week, week.lists.listed, lists_mod.LIST_COLUMNS).sort_values(
        ["county_code", "township_code", "rank"], kind="stable", ignore_index=True)
    waiting = _province_rows(week, week.lists.waiting, None)
    pending = decided.loc[decided["action"] == "pending", "household_id"]
    if len(waiting):  # shown after the township's list, outside its capacity
        unlimited = sizes.assign(capacity=sizes["eligible"])
        extra = lists_mod.select(waiting, unlimited)
        offset = extra["township_code"].map(listed.groupby("township_code").size()).fillna(0).astype(np.int64)
        extra["rank"] = extra["rank"].to_numpy() + offset.to_numpy()
        listed = pd.concat([listed, extra], ignore_index=True).sort_values(
            ["county_code", "township_code", "rank"], kind="stable", ignore_index=True)
        listed["county_rank"] = listed.assign(p=listed["household_id"].isin(pending)).sort_values(
            ["county_code", "p", "score", "household_id"], ascending=[True, True, False, True], kind="stable"
        ).groupby("county_code").cumcount().reindex(listed.index).to_numpy() + 1
    previous, previous_week = previous_list(run.out_dir, run.as_of, loaded.store)
    listed = lists_mod.mark_changes(listed, previous)
    listed["status"] = followup.status(listed["household_id"], decided,
                                       None if previous is None else previous["household_id"])
    last = decided.set_index(decided["household_id"].astype(str))
    listed["visit_outcome"] = listed["household_id"].astype(str).map(last["outcome"])
    listed["visited_on"] = listed["household_id"].astype(str).map(last["visited_on"])
    counts = {a: int((decided["action"] == a).sum()) for a in followup.ACTIONS}
    return listed, sizes, previous_week, {"counts": counts}


def _province_rows(week: Week, frames: list[pd.DataFrame], columns) -> pd.DataFrame:
    """Partitions' rows as one frame; rows numbered in ``week.scores`` get the province's band."""
    if not frames:
        return pd.DataFrame(columns=list(columns) if columns is not None else None)
    out = pd.concat(frames, ignore_index=True)
    if "row" in out:
        band = week.scores.bands(week.scores.ranks(out.pop("row").to_numpy()))
        if band is not None and "band" in out:
            out["band"] = band
    return out


def _explain(run: WeekRun, listed: pd.DataFrame, explained: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.Series]:
    """Reasons of the listed rows, as their partitions explained them (every listed row must have them)."""
    table = lists_mod.finish(lists_mod.attach_reasons(listed, explained if len(listed) else None, risk_types()),
                             run.as_of)
    if explained is not None and "contributions" in explained:
        contrib = explained.set_index(explained["household_id"].astype(str))["contributions"]
        return table, table["household_id"].map(contrib)
    return table, pd.Series([None] * len(table))


def _observed(run: WeekRun, week: Week, cutoff: pd.Timestamp, visits: pd.DataFrame) -> pd.DataFrame:
    """Observed precision of the visits so far, per office and week (empty without visits)."""
    regions = week.regions
    known = visits.loc[visits["household_id"].astype(str).isin(regions.index)] if len(visits) else visits
    return observed_precision(known, regions, week.monitoring, cutoff, run.horizon_weeks)


def scorer_model_name(scorer: ScorerProtocol) -> str | None:
    return scorer.model_name


def _version(scorer: ScorerProtocol) -> str | None:
    v = scorer.model_version
    return None if v is None else str(v)


# --- drift ----------------------------------------------------------------------------------

def week_reference(run: WeekRun, loaded: Loaded, parts: list[Source]) -> tuple[tuple, pd.Timestamp | None]:
    """((prepared reference or None, note, reference date), the data's cut-off if this learnt it).

    The model's training reference sample when it carries one; else the panel a year earlier,
    featured and scored partition by partition (each sends its rows of smallest id hashes: their
    union holds the deterministic sample the comparison uses).
    """
    t, thresholds = run.as_of, run.monitoring.drift
    line = loaded.policy.line
    names = feature_names()
    cutoff = None if loaded.panel is None else loaded.panel.cutoff()
    ref = training_reference(loaded.scorer)
    ref_as_of = None
    if ref is not None:
        note = _reference_note(loaded.scorer, ref)
    else:
        ref_as_of = t - pd.DateOffset(years=REFERENCE_YEARS_BACK)
        note = (f"features and scores as of {ref_as_of:%Y-%m-%d} (a year earlier, same season): "
                "the model carries no training reference sample")
        got = list(run_parts(reference_part, parts, loaded.shipped, loaded.client, as_of=ref_as_of,
                             rows=thresholds.reference_rows))
        cutoffs = [g.cutoff for g in got if g.cutoff is not None]
        cutoff = max(cutoffs) if cutoffs and cutoff is None else cutoff
        firsts = [g.first_registered for g in got if g.first_registered is not None]
        samples = [g.sample for g in got if len(g.sample)]
        if not firsts or ref_as_of < min(firsts) or not samples:
            ref = None
        else:
            ref = pd.concat(samples, ignore_index=True)
            ref = ref.iloc[ref["household_id"].astype(str).to_numpy().argsort(kind="stable")].reset_index(drop=True)
    if ref is None or len(ref) < 50:
        return (None, note, ref_as_of), cutoff
    unknown = [f for f in names if f not in ref]
    if unknown:  # features added to the spec after the model was trained: compare the others
        note += f"; {len(unknown)} newer feature(s) not in the reference left out: {', '.join(unknown[:5])}"
    prepared = prepare_reference(ref, features=[f for f in names if f in ref], as_of=t, line=line,
                                 reference_as_of=ref_as_of, thresholds=thresholds)
    return (prepared, note, ref_as_of), cutoff


def _drift(run: WeekRun, loaded: Loaded, week: Week, prepared: PreparedReference | None, note: str, ref_as_of):
    """The drift summary (and result) from the added-up statistics of the partitions."""
    t = run.as_of
    if prepared is None:
        summary = {"as_of": t.strftime("%Y-%m-%d"), "status": "skipped", "alert": False, "share_drifted": None,
                   "drifted_features": [], "score_psi": None, "reference": note,
                   "reasons": [], "why": "no reference: the data start less than a year before this week "
                                          "and the model carries no reference sample"}
        return summary, None
    config = run.monitoring.drift
    names = [f for f in week.features if f in prepared.values]
    result = compute_drift(prepared, week.drift, features=names, risk_types=feature_risk_types(), as_of=t,
                           line=loaded.policy.line, reference_as_of=ref_as_of, thresholds=config,
                           risk_type_zh={code: rt.zh for code, rt in risk_types().items()},
                           shocks=shocks_from_counts(week.shocks, config),
                           regional=regional_from_counts(week.shocks, config))
    return {"status": "ok", **result.summary, "reference": note}, result


def drift_of(panel, scorer, as_of, config: WeeklyConfig | None = None, out_dir: Path | None = None) -> dict:
    """This week's drift summary of a panel in memory, as the weekly run computes it (no files)."""
    run = WeekRun(as_of=pd.Timestamp(as_of), out_dir=out_dir or Path(os.devnull), capacity=Capacity(),
                  monitoring=config or WeeklyConfig())
    loaded = Loaded(panel, scorer, None, None, shipped=scorer)
    week, reference = compute_week(run, loaded, week_visits(run, loaded))
    week.scores.close()
    return _drift(run, loaded, week, *reference)[0]


def _reference_note(scorer, ref: pd.DataFrame) -> str:
    version = _version(scorer)
    note = "the model's training reference sample (logged with the model" + (
        f", version {version})" if version is not None else ")")
    if "as_of" in ref and len(ref):
        dates = pd.to_datetime(ref["as_of"])
        note += (f": {len(ref):,} rows from {dates.nunique()} as-of dates "
                 f"{dates.min():%Y-%m-%d} … {dates.max():%Y-%m-%d}")
    return note


# --- MLflow ---------------------------------------------------------------------------------

def _log_mlflow(summary: dict, week_dir: Path, scorer, settings) -> None:
    """Drift and alerts as an MLflow run of kind ``weekly``, tagged with the model version (nothing is
    written on the version itself: weekly results belong to the weekly run)."""
    from riskmodel.training.tracking import log_weekly_run

    drift = summary["drift"]
    regional = drift.get("regional_alerts") or []
    tags = {"model_name": str(scorer_model_name(scorer)), "model_version": str(_version(scorer)),
            "drift_alert": str(bool(drift.get("alert"))),
            "regional_alerts": "; ".join(f"{a['level']} {a['region']}: {a['indicator']}" for a in regional) or "none"}
    metrics = {"eligible": summary["eligible"], "listed": summary["listed"],
               "drift_alert": float(bool(drift.get("alert"))),
               "retrain_recommended": float(summary["alerts"]["retrain_recommended"]),
               "data_alert": float(summary["alerts"]["data_alert"]),
               "share_drifted": drift.get("share_drifted"), "score_psi": drift.get("score_psi"),
               "regional_alerts": float(len(regional))}
    latest = summary["performance"].get("latest_metrics") or {}
    for k in ("recall_at_capacity", "precision_at_capacity", "pr_auc"):
        metrics[f"matured_{k}"] = latest.get(k)
    observed = summary["performance"].get("observed") or {}
    for period, totals in observed.items():  # the offices' own visits: last week and so far
        for k in ("visited", "confirmed", "precision", "identified_share_matured"):
            metrics[f"observed_{period}_{k}"] = totals.get(k)
    files = [(week_dir / "drift" / name, "drift") for name in ("summary.json", "report.html", "features.csv")]
    log_weekly_run(settings, as_of=summary["as_of"], tags=tags, metrics=metrics, files=files)


# --- backfill -------------------------------------------------------------------------------
