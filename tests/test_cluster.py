"""The Dask cluster a job runs on (riskmodel.cluster)."""

from __future__ import annotations

import os

import pytest

from riskmodel.cluster import dask_client


@pytest.mark.slow
def test_local_workers_run_with_glibcs_own_malloc_settings():
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ (a county then costs ~1.4x the CPU); its other settings stay."""
    client, opened = dask_client(None, 1)
    try:
        assert opened
        assert set(client.run(lambda name: __import__("os").environ.get(name), "MALLOC_TRIM_THRESHOLD_").values()) == {None}
        assert set(client.run(lambda name: __import__("os").environ.get(name), "OMP_NUM_THREADS").values()) == {"1"}
    finally:
        client.close()


def test_no_scheduler_and_no_workers_is_a_plain_loop():
    assert dask_client(None, 0) == (None, False)


def test_a_negative_number_of_local_workers_is_refused():
    with pytest.raises(ValueError, match="workers: -1"):
        dask_client(None, -1)
