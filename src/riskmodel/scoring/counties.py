"""Scoring a county-partitioned data directory, one county in memory at a time.

A household's score, probability, category and reasons depend only on its own rows; its rank
and band depend on every household. So each county is scored on its own (reasons for its own
top ``explain`` rows: the province's top ``explain`` are among them), then the rows are ranked
once over the province and the bands and shown reasons follow that ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.cluster import gather, submit_map
from riskmodel.contract import Panel, counties, load
from riskmodel.features.counties import county_panels, unique_households
from riskmodel.listing import ListPolicy, bands
from riskmodel.listing.policy import ranked

REASON_COLUMNS = ("risk_types", "contributions", "measures")


def merge_ranked(parts: list[pd.DataFrame], policy: ListPolicy, explain: Iterable[str] | int | None) -> pd.DataFrame:
    """Per-county ``Scorer.score`` frames as one ranked frame: rank and band over all rows; with an
    integer ``explain`` only the first ``explain`` rows keep their reasons."""
    frame = ranked(unique_households(pd.concat(parts, ignore_index=True)))
    n = len(frame)
    frame["rank"] = np.arange(1, n + 1, dtype=np.int64)
    frame["band"] = bands(frame["rank"].to_numpy(), n, policy)
    if isinstance(explain, (int, np.integer)) and not isinstance(explain, bool):
        for col in REASON_COLUMNS:
            values = frame[col].to_numpy(dtype=object, copy=True)
            values[int(explain):] = None
            frame[col] = values
    return frame


def score_county(data_dir: str | Path, county: str, scorer, as_of: pd.Timestamp, explain) -> pd.DataFrame:
    """One county loaded, validated and scored where the task runs (a Dask worker reads its own files)."""
    return scorer.score(load(data_dir, county=county), as_of, explain=explain)


def score_by_county(scorer, data_dir: str | Path, as_of, *, explain: Iterable[str] | int | None = None,
                    loader: Callable[..., Panel] = load, client=None) -> pd.DataFrame:
    """``scorer.score(load(data_dir), as_of, explain=explain)`` computed one county at a time.

    With a ``distributed.Client`` each county is a task on the cluster: workers load their county
    from ``data_dir`` (a path they can read) and the scorer is sent once to each worker, not with
    every task; only the scored rows come back.
    """
    t = pd.Timestamp(as_of)
    if explain is not None and not isinstance(explain, (int, np.integer, str)):
        explain = list(explain)  # asked of every county
    if client is not None:
        names = counties(data_dir)
        remote = client.scatter(scorer, broadcast=True, hash=False)
        parts = gather(submit_map(client, score_county, [str(data_dir)] * len(names), names, scorer=remote,
                                  as_of=t, explain=explain))
    else:
        parts = [scorer.score(panel, t, explain=explain)
                 for _county, panel in county_panels(data_dir, loader=loader)]
    if not parts:
        return scorer.score(loader(data_dir), t, explain=explain)
    return merge_ranked(parts, scorer.list_policy, explain)
