"""The same feature function on Dask (``dask.distributed``), partitioned by household.

Every feature of a household depends on that household's records only, so building each
partition separately and concatenating gives the single-process table exactly. Partitions are
contiguous ranges of sorted household ids, so the concatenation is already in order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.cluster import gather, submit
from riskmodel.contract import Panel
from riskmodel.features.build import build_features


def household_partitions(panel: Panel, partitions: int) -> list[pd.Index]:
    """Sorted household ids cut into at most ``partitions`` contiguous, non-empty ranges."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    ids = pd.Index(panel.households["household_id"]).sort_values()
    bounds = np.linspace(0, len(ids), min(partitions, max(len(ids), 1)) + 1).round().astype(int)
    return [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def build_features_dask(panel: Panel, as_of, client, partitions: int = 8) -> pd.DataFrame:
    """``build_features(panel, as_of)`` computed on a ``distributed.Client``, one task per partition."""
    t = pd.Timestamp(as_of)
    parts = household_partitions(panel, partitions)
    if not parts:
        return build_features(panel, t)
    tables = gather([submit(client, build_features, panel.subset(ids), t) for ids in parts])
    return pd.concat(tables, ignore_index=True)
