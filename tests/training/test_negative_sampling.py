"""Training on every positive and a seeded, weighted sample of negatives (``TrainConfig.negative_rate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import fit_recipe, labelled_table, negative_sample, training_windows

FAST = dict(step_weeks=8, fit_periods=3, calibration_periods=2, num_boost_round=30,
            lightgbm={"num_leaves": 7, "min_data_in_leaf": 20})
T = pd.Timestamp("2023-06-30")


IDS = np.array([f"H{i:06d}" for i in range(20_050)], dtype=object)


def test_every_positive_is_kept_and_negatives_weigh_one_over_the_rate():
    labels = np.r_[np.ones(50, dtype=np.int64), np.zeros(20_000, dtype=np.int64)]
    cfg = TrainConfig(negative_rate=0.25)
    keep, weight = negative_sample(labels, IDS, T, cfg, len(IDS))
    assert keep[:50].all()
    assert np.array_equal(weight, np.where(labels[keep] == 1, 1.0, 4.0))
    kept = int(keep[50:].sum())
    # binomial(20000, 0.25): mean 5000, sd 61; four sd either side
    assert abs(kept - 5000) < 4 * 61
    again, _ = negative_sample(labels, IDS, T, cfg, len(IDS))
    assert np.array_equal(keep, again)  # seeded by the config's seed, the date and the household id
    other_day, _ = negative_sample(labels, IDS, T + pd.Timedelta(weeks=4), cfg, len(IDS))
    other_seed, _ = negative_sample(labels, IDS, T, TrainConfig(negative_rate=0.25, seed=1), len(IDS))
    assert not np.array_equal(keep, other_day) and not np.array_equal(keep, other_seed)
    # a household's draw does not depend on the rows around it (county-by-county reads agree)
    half, _ = negative_sample(labels[::2], IDS[::2], T, cfg, len(IDS))
    assert np.array_equal(half, keep[::2])


def test_auto_keeps_everything_up_to_its_count_then_samples_to_it():
    cfg = TrainConfig(auto_negatives=1000)
    assert cfg.negative_rate == "auto"
    keep, weight = negative_sample(np.zeros(1000, dtype=np.int64), IDS[:1000], T, cfg, 1000)
    assert keep is None and np.array_equal(weight, np.ones(1000))
    assert cfg.negative_keep_rate(4000) == 0.25
    keep, weight = negative_sample(np.zeros(4000, dtype=np.int64), IDS[:4000], T, cfg, 4000)
    assert keep is not None and set(np.unique(weight)) == {4.0}
    assert TrainConfig().negative_keep_rate(1_000_000) == 0.1  # the default at a million households


@pytest.mark.parametrize("bad", [0, -0.1, 1.5])
def test_a_rate_outside_zero_one_is_refused(bad):
    with pytest.raises(ValidationError, match="negative_rate"):
        TrainConfig(negative_rate=bad)


def test_the_sampled_table_is_the_full_tables_rows_with_weights(synth_panel):
    cut = pd.Timestamp("2024-03-31")
    panel = synth_panel.as_of(cut)
    w = training_windows(cut, TrainConfig(**FAST))
    full = labelled_table(panel, w.fit_dates, cut, 26, cfg=TrainConfig(**FAST))
    assert "weight" not in full  # auto on a 2,000-household panel: nothing sampled
    part = labelled_table(panel, w.fit_dates, cut, 26, cfg=TrainConfig(**FAST, negative_rate=0.3))
    assert part["label"].sum() == full["label"].sum()
    assert len(part) < len(full)
    merged = part.merge(full, on=["as_of", "household_id"], suffixes=("", "_full"), validate="one_to_one")
    assert len(merged) == len(part)
    # only the kept households are featured (date_parts): their features are the full table's, every one
    from riskmodel.features import feature_names

    for name in feature_names():
        assert np.array_equal(merged[name].to_numpy(), merged[f"{name}_full"].to_numpy(), equal_nan=True), name
    assert np.array_equal(part["weight"].to_numpy(), np.where(part["label"] == 1, 1.0, 1 / 0.3))
    negatives = int((full["label"] == 0).sum())
    weighted = float(part.loc[part["label"] == 0, "weight"].sum())
    sd = np.sqrt(negatives * 0.3 * 0.7) / 0.3
    assert abs(weighted - negatives) < 4 * sd


def test_a_sampled_fit_is_deterministic_and_reports_the_windows_rate(synth_panel):
    cut = "2024-03-31"
    panel = synth_panel.as_of(cut)
    cfg = TrainConfig(**FAST, negative_rate=0.3)
    a = fit_recipe(panel, cut, cfg)
    b = fit_recipe(panel, cut, cfg)
    full = fit_recipe(panel, cut, TrainConfig(**FAST))
    X = labelled_table(panel, [pd.Timestamp("2023-12-31")], pd.Timestamp(cut), 12)
    assert np.array_equal(a.lightgbm.predict_proba(X), b.lightgbm.predict_proba(X))
    assert np.array_equal(a.logistic.predict_proba(X), b.logistic.predict_proba(X))
    assert a.fit_rows < full.fit_rows
    # the weighted positive rate estimates the full window's: positives are all kept, negatives
    # weighted, so it differs only by the sampled negatives' count (4 sd of the binomial)
    negatives = full.fit_rows * (1 - full.fit_positive_rate)
    sd = np.sqrt(negatives * 0.3 * 0.7) / 0.3
    positives = full.fit_rows * full.fit_positive_rate
    low, high = positives / (positives + negatives + 4 * sd), positives / (positives + negatives - 4 * sd)
    assert low < a.fit_positive_rate < high


def test_a_large_panel_is_evaluated_on_a_seeded_sample_of_households(synth_panel):
    from riskmodel.training.pipeline import evaluation_panel

    assert evaluation_panel(synth_panel, TrainConfig()) is synth_panel  # 2,000 ≤ 200,000: all of them
    cfg = TrainConfig(eval_households=500)
    a, b = evaluation_panel(synth_panel, cfg), evaluation_panel(synth_panel, cfg)
    ids = a.households["household_id"].astype(str)
    # each household in with chance 500 / 2000 (binomial: sd 19; four sd either side)
    assert abs(len(ids) - 500) < 4 * 19 and ids.is_unique and ids.tolist() == b.households["household_id"].astype(str).tolist()
    assert set(a.members["household_id"].astype(str)) <= set(ids)
    assert set(a.members["household_id"].astype(str)) == set(
        synth_panel.members.loc[synth_panel.members["household_id"].astype(str).isin(ids), "household_id"].astype(str))
    other = evaluation_panel(synth_panel, TrainConfig(eval_households=500, seed=1))
    assert other.households["household_id"].astype(str).tolist() != ids.tolist()


def test_a_partitioned_directory_gives_the_whole_panels_tables_and_sample(synth_dir, synth_parts_dir):
    from riskmodel.contract import load
    from riskmodel.training.partitioned import county_training, windows_of
    from riskmodel.training.pipeline import evaluation_panel

    cfg = TrainConfig(**FAST, negative_rate=0.3, eval_households=500, eval_weeks=8)
    parts = county_training(synth_parts_dir, cfg)
    whole = load(synth_dir)
    c = whole.cutoff()
    data = whole.as_of(c)
    assert parts.cutoff == c and parts.households == len(data.households)
    assert parts.earliest == data.data_start()
    windows = windows_of(c, cfg, parts.earliest)
    assert len(windows) == 4 and set(parts.tables) == set(windows)
    for dates, cut in windows:
        expected = labelled_table(data, list(dates), cut, cfg.horizon_weeks, cfg=cfg)
        got = parts.table(dates, cut, "fit window")
        assert "weight" in got and len(got) < sum(len(data.households) for _ in dates)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    sample = evaluation_panel(data, cfg).households["household_id"].astype(str).tolist()
    assert sorted(parts.sample.households["household_id"].astype(str)) == sorted(sample)
    assert len(parts.sample.income) == int(data.income["household_id"].astype(str).isin(sample).sum())


def test_the_logistic_baseline_fits_on_at_most_max_rows_with_every_positive():
    """A province's window is millions of rows; the baseline takes a weighted sample (bounded memory)."""
    from riskmodel.training.model import LogisticBaseline

    rng = np.random.default_rng(0)
    n, names = 5_000, ["a", "b"]
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(X["a"] - 3)))).astype(int).to_numpy()
    weight = np.where(y == 1, 1.0, 2.0)
    small = LogisticBaseline(max_rows=1_000)
    rows, w = small._rows(y, weight)
    assert len(rows) == 1_000 and set(np.flatnonzero(y == 1)) <= set(rows)
    # each class keeps its weighted total: the fit estimates the whole window's
    for label in (0, 1):
        assert w[y[rows] == label].sum() == pytest.approx(weight[y == label].sum())
    assert np.array_equal(rows, LogisticBaseline(max_rows=1_000)._rows(y, weight)[0])  # seeded
    small.fit(X, y, names, weight=weight)
    whole = LogisticBaseline(max_rows=None).fit(X, y, names, weight=weight)
    assert small.fit_rows_ == 1_000 and whole.fit_rows_ == n
    # the same model within sampling noise: the coefficient of the signal agrees to 20 %
    a_small, a_whole = small.pipeline_[-1].coef_[0][0], whole.pipeline_[-1].coef_[0][0]
    assert a_small == pytest.approx(a_whole, rel=0.2)
    assert LogisticBaseline(max_rows=n)._rows(y, weight)[0] is None


def test_lightgbm_fits_a_float32_table_without_a_float64_copy_and_to_the_same_trees():
    from riskmodel.training.model import CalibratedLightGBM, _fit_matrix

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=3_000), "b": rng.normal(size=3_000)}).astype(np.float32)
    y = (rng.random(3_000) < 1 / (1 + np.exp(-(2 * X["a"] - 3)))).astype(int).to_numpy()
    assert _fit_matrix(X, ["a", "b"]).dtype == np.float32
    assert _fit_matrix(X.astype(np.float64), ["a", "b"]).dtype == np.float64
    params = {"num_leaves": 4, "min_data_in_leaf": 20}
    m32 = CalibratedLightGBM(params, 20).fit(X, y, ["a", "b"])
    m64 = CalibratedLightGBM(params, 20).fit(X.astype(np.float64), y, ["a", "b"])
    assert m32.booster_.model_to_string() == m64.booster_.model_to_string()


def test_a_windows_parts_are_stacked_by_date_then_household_with_the_features_in_one_uncopied_block():
    """A province's window is gigabytes: stacking empties the parts as it copies them, and the fit
    reads the features where they lie."""
    from riskmodel.training.model import _fit_matrix
    from riskmodel.training.pipeline import LabelledPart, stack_parts

    names = ["a", "b"]

    def part(day: str, ids: list[str], rows: list[list[float]]) -> LabelledPart:
        meta = pd.DataFrame({"as_of": np.full(len(ids), np.datetime64(day, "ns")),
                             "household_id": pd.array(ids, dtype="string[pyarrow]"),
                             "region_code": pd.array(["520322104201"] * len(ids), dtype="string[pyarrow]"),
                             "label": np.array([1, 0][:len(ids)]), "weight": np.ones(len(ids))})
        return LabelledPart(meta, np.ascontiguousarray(np.array(rows, dtype=np.float32).T), names, sampled=False)

    parts = [part("2024-02-01", ["H2", "H1"], [[1, 2], [3, 4]]), part("2024-01-01", ["H3", "H1"], [[5, 6], [7, 8]])]
    table = stack_parts(parts, in_order=True)
    assert parts == []
    assert list(table.columns) == ["as_of", "household_id", "region_code", "label", "a", "b"]  # nothing sampled
    assert table["household_id"].tolist() == ["H1", "H3", "H1", "H2"]
    assert table["as_of"].dt.strftime("%m").tolist() == ["01", "01", "02", "02"]
    assert table["label"].tolist() == [0, 1, 0, 1]
    assert table[names].to_numpy().tolist() == [[7, 8], [5, 6], [3, 4], [1, 2]]
    M = _fit_matrix(table, names)
    assert M.dtype == np.float32 and np.shares_memory(M, table["a"].to_numpy())


@pytest.mark.slow
def test_counties_built_on_local_dask_workers_give_the_plain_loops_tables_and_sample(synth_parts_dir):
    """``riskmodel train D --workers 2``: each county a task on two worker processes, the same tables."""
    from riskmodel.cluster import dask_client
    from riskmodel.contract import counties
    from riskmodel.training.partitioned import county_training

    cfg = TrainConfig(**FAST, negative_rate=0.3, eval_households=500, eval_weeks=8)
    loop = county_training(synth_parts_dir, cfg)
    client, opened = dask_client(None, 2)
    try:
        seen = []
        cluster = county_training(synth_parts_dir, cfg, client=client,
                                  progress=lambda stage, done, total: seen.append((stage, done, total)))
    finally:
        client.close()
    n = len(counties(synth_parts_dir))
    assert opened and n >= 2 and seen[-1] == ("counties (tables)", n, n)
    assert (cluster.cutoff, cluster.earliest, cluster.households) == (loop.cutoff, loop.earliest, loop.households)
    assert set(cluster.tables) == set(loop.tables)
    for w in loop.tables:
        pd.testing.assert_frame_equal(cluster.tables[w], loop.tables[w], check_exact=True)
    for name in loop.sample.tables():
        pd.testing.assert_frame_equal(getattr(cluster.sample, name), getattr(loop.sample, name), check_exact=True)


def test_workers_on_a_single_file_panel_are_refused(synth_dir):
    from riskmodel.training.lifecycle import train_job

    with pytest.raises(ValueError, match="county-partitioned"):
        train_job(synth_dir, workers=2)


@pytest.mark.slow
def test_the_back_tests_grid_scored_on_dask_workers_is_the_plain_loops(synth_panel, synth_dir):
    """Each date a task on two worker processes: the same rows, columns and scores, in the same order."""
    from riskmodel.cluster import dask_client
    from riskmodel.contract import load_truth
    from riskmodel.training.pipeline import score_grid

    cut = "2024-03-31"
    panel = synth_panel.as_of(cut)
    fitted = fit_recipe(panel, cut, TrainConfig(**FAST))
    models = {"lightgbm": fitted.lightgbm, "logistic": fitted.logistic}
    truth = load_truth(synth_dir)
    dates = [pd.Timestamp("2024-04-01") + pd.Timedelta(weeks=i) for i in range(5)]
    loop = score_grid(panel, dates, models, truth)
    client, _ = dask_client(None, 2)
    try:
        cluster = score_grid(panel, dates, models, truth, client=client)
    finally:
        client.close()
    assert len(loop) > 5 * 1000 and "s_oracle" in loop
    pd.testing.assert_frame_equal(cluster, loop, check_exact=True)
