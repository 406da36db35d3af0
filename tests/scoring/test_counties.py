"""Scoring a county-partitioned directory county by county: the same ranked list as the whole panel's."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.features import build_features
from riskmodel.features.counties import features_by_county
from riskmodel.scoring.counties import score_by_county
from riskmodel.training.lifecycle import score_job

AS_OF = pd.Timestamp("2024-06-30")
@pytest.mark.parametrize("explain", [None, 40, 10_000])
def test_ranks_bands_and_reasons_equal_the_whole_panel(scorer, synth_panel, synth_parts_dir, explain):
    expected = scorer.score(synth_panel, AS_OF, explain=explain)
    got = score_by_county(scorer, synth_parts_dir, AS_OF, explain=explain)
    assert expected["region_code"].str[:6].nunique() > 1  # several counties to merge
    pd.testing.assert_frame_equal(got, expected)


def test_named_households_are_explained_wherever_their_county(scorer, synth_panel, synth_parts_dir):
    whole = scorer.score(synth_panel, AS_OF)
    named = [whole["household_id"].iloc[i] for i in (0, len(whole) // 2, len(whole) - 1)]
    got = score_by_county(scorer, synth_parts_dir, AS_OF, explain=named)
    pd.testing.assert_frame_equal(got, scorer.score(synth_panel, AS_OF, explain=named))
    assert got["risk_types"].notna().sum() == 3


def test_score_job_writes_the_same_csv_for_both_layouts(scorer, synth_dir, synth_parts_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("riskmodel.training.scorers.load_scorer", lambda uri=None: scorer)
    score_job(synth_dir, as_of=AS_OF, out=tmp_path / "single.csv", explain=20)
    score_job(synth_parts_dir, as_of=AS_OF, out=tmp_path / "parts.csv", explain=20)
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()


def test_a_two_worker_cluster_scores_the_counties_like_one_process(scorer, synth_panel, synth_dir, synth_parts_dir,
                                                                    tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr("riskmodel.training.scorers.load_scorer", lambda uri=None: scorer)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got = score_by_county(scorer, synth_parts_dir, AS_OF, explain=40, client=client)
        features = features_by_county(synth_parts_dir, AS_OF, client=client)
        assert len(client.scheduler_info()["workers"]) == 2
        score_job(synth_parts_dir, as_of=AS_OF, out=tmp_path / "cluster.csv", explain=20,
                  scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(got, scorer.score(synth_panel, AS_OF, explain=40))
    pd.testing.assert_frame_equal(features, build_features(synth_panel, AS_OF))
    score_job(synth_dir, as_of=AS_OF, out=tmp_path / "single.csv", explain=20)
    assert (tmp_path / "cluster.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
    with pytest.raises(ValueError, match="county-partitioned"):
        score_job(synth_dir, as_of=AS_OF, out=tmp_path / "x.csv", scheduler=cluster.scheduler_address)
