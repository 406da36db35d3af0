"""Training on a county-partitioned data directory, one county in memory at a time.

Two passes over the counties, each county loaded and validated on its own:

1. the data's cut-off, first registration and number of households;
2. the labelled tables of every fit and calibration window (back-test and refit): each date's
   labels, its negatives sampled and only the kept households featured (``pipeline.date_parts``),
   before the next county loads; and the back-test's evaluation sample
   (``pipeline.evaluation_sample``), whose panel the evaluation and the drift reference read.

A household's features and labels depend only on its own rows, and its sampling draws only on
its id, so the tables are those of the whole panel (a test compares them) while memory is
bounded by the largest county, the sampled tables and the evaluation sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.cluster import in_order, submit
from riskmodel.contract import Panel, counties, load
from riskmodel.memory import release_memory
from riskmodel.progress import Progress, no_progress
from riskmodel.training.config import TrainConfig
from riskmodel.labels import outcomes
from riskmodel.training.pipeline import (
    date_parts,
    evaluation_sample,
    stack_parts,
    training_cutoff,
    training_windows,
)


@dataclass
class CountyTraining:
    """What ``pipeline.train`` needs of a partitioned directory."""

    sample: Panel
    """The evaluation sample's households, every table."""
    cutoff: pd.Timestamp
    earliest: pd.Timestamp
    households: int
    tables: dict
    """(as-of dates, cut-off) → labelled table, for every window ``train`` fits."""

    def table(self, dates, cutoff, stage: str) -> pd.DataFrame:
        """The window's table, handed over once: ``train`` fits each window once, and forgetting
        it here frees the back-test's tables before the evaluation and the refit."""
        key = (tuple(pd.Timestamp(t) for t in dates), pd.Timestamp(cutoff))
        if key not in self.tables:
            raise KeyError(f"no table for the window {[str(pd.Timestamp(t).date()) for t in dates]} at "
                           f"{pd.Timestamp(cutoff).date()} (each window's table is handed over once)")
        return self.tables.pop(key)


def windows_of(cutoff: pd.Timestamp, cfg: TrainConfig, earliest) -> list[tuple[tuple, pd.Timestamp]]:
    """(dates, cut-off) of every window ``pipeline.train`` fits: the back-test's and the refit's."""
    cuts = []
    if cfg.eval_weeks > 0:
        cuts.append(cutoff - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks))
    if cfg.refit or not cuts:
        cuts.append(cutoff)
    out = []
    for cut in cuts:
        w = training_windows(cut, cfg, earliest)
        out += [(tuple(w.fit_dates), w.cutoff), (tuple(w.calibration_dates), w.cutoff)]
    return out


def county_training(data_dir: str | Path, cfg: TrainConfig, cutoff=None, *,
                    loader: Callable[..., Panel] = load, progress: Progress = no_progress,
                    client=None) -> CountyTraining:
    """The labelled tables and the evaluation sample of a partitioned directory (see module docstring).

    With a ``distributed.Client`` each county is a task on the cluster reading its own partition
    (``data_dir`` must be readable by the workers); only its facts, sampled tables and evaluation
    sample come back, and they are the plain loop's (a test compares them).
    """
    names = counties(data_dir)
    where = {"data_dir": str(data_dir), "loader": loader}
    facts = list(_each(client, _county_facts, names, progress, "counties (cut-off)", **where))
    cuts, registered, starts = zip(*facts)
    earliest = min(s for s in starts if s is not None)
    c = training_cutoff(cutoff, max(cuts), earliest)
    dates = np.concatenate(registered)
    households = int((dates <= c.to_datetime64()).sum())
    windows = windows_of(c, cfg, earliest)
    parts: dict = {w: [] for w in windows}
    samples = []
    for county_parts, sample in _each(client, _county_tables, names, progress, "counties (tables)", **where,
                                      cutoff=c, windows=windows, cfg=cfg, households=households):
        for w, got in county_parts.items():
            parts[w] += got
        samples.append(sample)
    tables = {}
    for w in list(parts):  # each window's parts freed as soon as its table exists
        tables[w] = stack_parts(parts.pop(w), in_order=True)
        release_memory()
    return CountyTraining(concat_panels(samples), c, earliest, households, tables)


def _each(client, fn, names: list[str], progress: Progress, stage: str, **kwargs) -> Iterator:
    """``fn(county, **kwargs)`` for every county in order: a plain loop (one county in memory at a
    time), or tasks on the cluster, collected in county order."""
    if client is None:
        for i, county in enumerate(names, start=1):
            yield fn(county, **kwargs)
            progress(stage, i, len(names))
        return
    futures = [submit(client, fn, county, **kwargs) for county in names]
    for i, result in enumerate(in_order(futures), start=1):
        yield result
        progress(stage, i, len(names))


def _county_facts(county: str, *, data_dir: str, loader):
    """Pass 1 for one county: its cut-off, registration dates and start of the data."""
    panel = loader(data_dir, county=county)
    return panel.cutoff(), panel.households["registered_on"].to_numpy(), panel.data_start()


def _county_tables(county: str, *, data_dir: str, loader, cutoff: pd.Timestamp, windows, cfg: TrainConfig,
                   households: int) -> tuple[dict, Panel]:
    """Pass 2 for one county: every window's sampled parts and the county's evaluation sample."""
    panel = loader(data_dir, county=county).as_of(cutoff)
    known = {cut: panel.as_of(cut) for cut in {cut for _, cut in windows}}
    parts: dict = {w: [] for w in windows}
    for t in sorted({t for w_dates, _ in windows for t in w_dates}):
        mine = [(w_dates, cut) for w_dates, cut in windows if t in w_dates]
        labels = [outcomes(known[cut], t, cfg.horizon_weeks) for _, cut in mine]
        for w, part in zip(mine, date_parts(panel, t, labels, cfg, households)):
            parts[w].append(part)
    ids = panel.households["household_id"].to_numpy()
    keep = evaluation_sample(ids, households, cfg)
    sample = panel if keep is None else panel.subset(ids[keep])
    del panel, known
    release_memory()  # the county's transient arrays, before the next county allocates its own
    return parts, sample


def concat_panels(panels: list[Panel]) -> Panel:
    """Panels of disjoint households as one (the regions table is every county's, taken once)."""
    first = panels[0]
    tables = {name: pd.concat([getattr(p, name) for p in panels], ignore_index=True)
              for name in first.tables() if name != "regions"}
    return Panel(**tables, regions=first.regions, policy=first.policy)
