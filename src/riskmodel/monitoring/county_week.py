"""One partition's share of the weekly run (a county of a partitioned data directory, or a whole panel).

Everything about a household this week — features, score, follow-up action, reasons, label of a
matured week — depends on its own rows, and capacity is per township (a county's allocation stays
in the county). So a partition is loaded, validated, featured, scored and explained on its own,
and only small results leave it: scored rows, the follow-up decisions, reasons of the households
that its own townships' lists take, drift statistics in the reference's fixed bins
(``drift.CurrentStats``, addable), shock counts (``shocks.ShockCounts``, addable), labels of matured
weeks and what observed precision needs of the visited households. The weekly run adds them up;
one process holds one county at a time, a Dask worker its own counties.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.cluster import in_order, submit
from riskmodel.contract.columns import positions
from riskmodel.listing import followup
from riskmodel.memory import release_memory
from riskmodel.monitoring import lists as lists_mod
from riskmodel.monitoring.capacity import Capacity, list_sizes
from riskmodel.monitoring.drift import CurrentStats, DriftBins, DriftThresholds, deterministic_sample
from riskmodel.monitoring.shocks import ShockCounts, shock_counts
from riskmodel.monitoring.performance import week_labels

#: A county's transient memory is kept for the next county to reuse until the process holds more
#: than this (``memory.release_memory``). Measured with 2 workers: the 1M panel's counties of ~15,000
#: households peak a worker at 0.71–0.78 GB, mostly below it; counties of ~30,000 (1M in 33 counties,
#: 3M in 99) cross it and are handed back, which kept those two within 6.5 % of each other (0.85 vs
#: 0.91 GB; 1 GiB here: 0.88 vs 1.00 GB) at no measurable cost in time.
RELEASE_ABOVE_BYTES = 768 << 20
#: Scorer output columns that only the explained rows fill (they come back separately).
REASON_COLUMNS = ("risk_types", "contributions", "measures")


@dataclass(frozen=True)
class Source:
    """Where a partition's panel comes from: one county of a partitioned folder (read where the task
    runs), or a panel already in memory (a whole panel, or one county of it)."""

    data_dir: str | None = None
    county: str | None = None
    panel: object = None

    def load(self):
        if self.panel is not None:
            return self.panel
        from riskmodel.contract import load

        return load(self.data_dir, county=self.county)


@dataclass(frozen=True)
class WeekPlan:
    """What every partition needs to know of the week (small; sent with each task)."""

    as_of: pd.Timestamp
    capacity: Capacity
    cutoff: pd.Timestamp
    """The data's cut-off for labels and observed precision (``min(data cut-off, as_of)``)."""
    horizon_weeks: int
    thresholds: DriftThresholds
    drift: DriftBins | None = None
    label_weeks: tuple[str, ...] = ()
    latest_visits: pd.DataFrame | None = None
    """``followup.latest_visits`` of the store's visits up to this week (None: no store)."""
    visited: frozenset[str] = frozenset()
    """Households with visits up to this week (observed precision)."""
    score: bool = True
    """False: only labels and observed precision (a second pass once the cut-off is known)."""


@dataclass
class PartResult:
    """One partition's small results (see module docstring)."""

    cutoff: pd.Timestamp | None
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    features: tuple[str, ...] = ()
    drift: CurrentStats | None = None
    shocks: ShockCounts | None = None
    decided: pd.DataFrame | None = None
    explained: pd.DataFrame | None = None
    labels: dict[str, pd.DataFrame] = field(default_factory=dict)
    regions: pd.Series | None = None
    monitoring: pd.DataFrame | None = None
    lists: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None
    """``part_lists`` of ``scores``: its rows' ``row`` column is their position in ``scores``."""


def week_part(source: Source, scorer, plan: WeekPlan) -> PartResult:
    """The task: one partition's share of the week."""
    panel = source.load()
    cutoff = _cutoff(panel)
    out = PartResult(cutoff=cutoff)
    if plan.score:
        _score(panel, scorer, plan, out)
    out.labels = week_labels(panel, list(plan.label_weeks), plan.cutoff, plan.horizon_weeks)
    if plan.visited:
        hh = panel.households
        mine = hh["household_id"].astype(str).isin(plan.visited).to_numpy()
        out.regions = pd.Series(hh.loc[mine, "region_code"].astype(str).to_numpy(),
                                index=hh.loc[mine, "household_id"].astype(str).to_numpy())
        mon = panel.subset(out.regions.index).as_of(plan.cutoff).monitoring
        out.monitoring = mon[["household_id", "identified_on"]]
    del panel
    release_memory(above=RELEASE_ABOVE_BYTES)  # a grown process hands the county's arrays back
    return out


def _cutoff(panel) -> pd.Timestamp | None:
    try:
        return panel.cutoff()
    except ValueError:  # a partition without dated records: the others decide
        return None


def _score(panel, scorer, plan: WeekPlan, out: PartResult) -> None:
    from riskmodel.features import build_features, feature_names
    from riskmodel.listing import ranked

    t = plan.as_of
    feats = build_features(panel, t)
    scores = ranked(scorer.score_features(feats, panel, t))  # the province's order, restricted to the partition
    out.scores = scores.drop(columns=[c for c in REASON_COLUMNS if c in scores])
    out.features = tuple(f for f in feature_names() if f in feats.columns)
    if plan.drift is not None:
        current = feats.merge(scores[["household_id", "probability"]], on="household_id", how="left")
        out.drift = CurrentStats.of(current, plan.drift)
        del current
    out.shocks = shock_counts(panel, t, plan.thresholds)
    out.decided = _follow_up(panel, plan, scores)
    out.lists = part_lists(out.scores.assign(row=np.arange(len(scores))), out.decided, plan.capacity)
    _, listed, waiting = out.lists
    ids = list(dict.fromkeys([*listed["household_id"].astype(str), *waiting["household_id"].astype(str)]))
    if ids:  # their features are rows of the county's: a household's features are its own rows'
        rows = np.flatnonzero(positions(feats["household_id"], ids) >= 0)
        explained = scorer.score_features(feats.iloc[rows], panel, t, explain=ids)
        out.explained = explained[["household_id", *[c for c in REASON_COLUMNS if c in explained]]]


def _follow_up(panel, plan: WeekPlan, scores: pd.DataFrame) -> pd.DataFrame:
    """Each visited eligible household's action this week (``followup.decide``)."""
    latest = plan.latest_visits
    if latest is None or latest.empty:
        return no_decisions()
    latest = latest.loc[positions(latest["household_id"], scores["household_id"]) >= 0]
    if latest.empty:
        return no_decisions()
    facts = followup.visit_facts(latest, panel.subset(latest["household_id"]).as_of(plan.as_of).tables(), plan.as_of)
    return followup.decide(facts, plan.as_of, plan.capacity.cooldown)


def no_decisions() -> pd.DataFrame:
    """The follow-up decisions of a partition without visited households (their columns, no rows)."""
    return pd.DataFrame(columns=["household_id", "visited_on", "outcome", "action", "recent"])


def part_lists(scores: pd.DataFrame, decided: pd.DataFrame, capacity: Capacity):
    """A partition's ``(sizes, listed, waiting)``: ``list_sizes``, ``lists.select`` of the households
    still to visit, and the pending households' rows. A township's list needs only its own
    households, so the partition's lists are the province's lists of its townships."""
    sizes = list_sizes(scores, capacity)
    held = decided.loc[decided["action"] != "visit", "household_id"]
    listed = lists_mod.select(scores.loc[positions(scores["household_id"], held) < 0], sizes)
    pending = decided.loc[decided["action"] == "pending", "household_id"]
    return sizes, listed, scores.loc[positions(scores["household_id"], pending) >= 0]


# --- the reference a year earlier (models without a training reference) ---------------------

@dataclass
class ReferencePart:
    cutoff: pd.Timestamp | None
    first_registered: pd.Timestamp | None
    rows: int
    sample: pd.DataFrame


def reference_part(source: Source, scorer, as_of: pd.Timestamp, rows: int) -> ReferencePart:
    """Features and probabilities a year earlier, as at most ``rows + 1`` rows of the smallest id
    hashes: the union over partitions holds the whole panel's deterministic sample, and is longer
    than ``rows`` exactly when the whole reference is."""
    from riskmodel.features import build_features

    panel = source.load()
    first = panel.households["registered_on"].min()
    first = None if pd.isna(first) else first
    if first is None or as_of < first:  # nobody registered yet: no eligible household here
        return ReferencePart(_cutoff(panel), first, 0, pd.DataFrame())
    feats = build_features(panel, as_of)
    scores = scorer.score_features(feats, panel, as_of)
    frame = feats.merge(scores[["household_id", "probability"]], on="household_id", how="left")
    return ReferencePart(_cutoff(panel), first, len(frame), deterministic_sample(frame, rows + 1))


# --- running the partitions -----------------------------------------------------------------

def sources(data_dir, panel, client) -> list[Source]:
    """The partitions: a partitioned folder's counties; a panel in memory whole (one process) or
    by county (a cluster)."""
    if panel is None:
        from riskmodel.contract import counties

        return [Source(data_dir=str(Path(data_dir)), county=c) for c in counties(data_dir)]
    if client is None:
        return [Source(panel=panel)]
    from riskmodel.contract.regions import county_of

    hh = panel.households
    county = county_of(hh["region_code"].astype(str)).to_numpy()
    return [Source(panel=panel.subset(hh.loc[county == c, "household_id"])) for c in sorted(set(county))]


def run_parts(fn, parts: list[Source], scorer, client, **kwargs) -> Iterator:
    """``fn(source, scorer, **kwargs)`` for every partition, yielded in order: a plain loop (one
    partition in memory at a time), or Dask tasks (``scorer`` a future broadcast to the workers
    once; a partition in memory is scattered, a county folder is read by the worker)."""
    if client is None:
        for s in parts:
            yield fn(s, scorer, **kwargs)
        return
    yield from in_order(submit_parts(fn, parts, scorer, client, **kwargs))


def submit_parts(fn, parts: list[Source], scorer, client, **kwargs) -> list:
    """The partitions' tasks on the cluster (futures, in partition order)."""
    return [submit(client, fn, s, scorer, **kwargs) if s.panel is None else
            submit(client, _on_panel, fn, client.scatter(s.panel, hash=False), scorer, **kwargs)
            for s in parts]


def _on_panel(fn, panel, scorer, **kwargs):
    return fn(Source(panel=panel), scorer, **kwargs)
