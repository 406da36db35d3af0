"""Training tables: features and mature labels over many as-of dates, never past the cut-off.

Here, in training, and not in ``labels``: the features need eligibility from ``labels``, so
a table of both can only sit above them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from riskmodel.contract import Panel
from riskmodel.features import build_features, feature_names
from riskmodel.labels import outcomes
from riskmodel.listing import HORIZON_WEEKS
from riskmodel.progress import Progress, no_progress


def as_of_dates(start, end, every_weeks: int = 4) -> pd.DatetimeIndex:
    """As-of dates from ``start`` every ``every_weeks`` weeks, up to and including ``end``."""
    if every_weeks < 1:
        raise ValueError(f"every_weeks must be at least 1, got {every_weeks}")
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=pd.Timedelta(weeks=every_weeks),
                         name="as_of")


def training_table(
    panel: Panel,
    as_of_dates: Iterable,
    horizon_weeks: int = HORIZON_WEEKS,
    cutoff=None,
    *,
    progress: Progress = no_progress,
) -> pd.DataFrame:
    """Rows (as_of, household_id, region_code, <features>, label) with mature labels only.

    Only records reported by ``cutoff`` (default: the panel's cut-off) are ever read, and an
    as-of date is used only if its label window ends by the cut-off, so no label window
    crosses it. ``progress("training table", done, total)`` is called after each date.
    """
    cut = pd.Timestamp(cutoff) if cutoff is not None else panel.cutoff()
    horizon = pd.Timedelta(weeks=horizon_weeks)
    known = panel.as_of(cut)
    dates = sorted({pd.Timestamp(d) for d in as_of_dates})
    usable = [d for d in dates if d + horizon <= cut]
    parts = []
    for i, t in enumerate(usable, start=1):
        feats = build_features(known, t)
        labels = outcomes(known, t, horizon_weeks)
        if not labels["household_id"].equals(feats["household_id"]):
            raise RuntimeError(f"features and labels disagree on the eligible households at {t.date()}")
        feats.insert(0, "as_of", t)
        feats["label"] = labels["label"].to_numpy()
        parts.append(feats)
        progress("training table", i, len(usable))
    if not parts:
        cols = ["as_of", "household_id", "region_code", *feature_names(), "label"]
        empty = build_features(known, cut).iloc[:0]
        empty.insert(0, "as_of", pd.Series([], dtype="datetime64[ns]"))
        empty["label"] = pd.Series([], dtype="int64")
        return empty[cols]
    return pd.concat(parts, ignore_index=True)
