"""Dask: the household-partitioned run equals the single-process run."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.features import build_features
from riskmodel.features.distributed import build_features_dask, household_partitions

from .randpanel import random_panel


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_two_worker_cluster_output_is_identical_to_single_process(client):
    panel = random_panel(11, households=60)
    for as_of in ("2023-06-30", "2024-11-15"):
        expected = build_features(panel, as_of)
        got = build_features_dask(panel, as_of, client, partitions=4)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_partitions_cover_every_household_once_in_order():
    panel = random_panel(12, households=25)
    parts = household_partitions(panel, 4)
    joined = pd.Index(pd.concat([p.to_series() for p in parts]))
    assert joined.tolist() == sorted(panel.households["household_id"].tolist())
    assert len(household_partitions(panel, 100)) == 25  # never an empty partition
    with pytest.raises(ValueError):
        household_partitions(panel, 0)
