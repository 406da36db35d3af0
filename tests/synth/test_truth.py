"""The truth table: full-information oracle without zeroing of pending households, and the
observable oracle computed from what the tables show on the day (point in time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from riskmodel.contract import load_truth
from riskmodel.synth import generate
from riskmodel.synth.calibration import oracle_aucs
from riskmodel.synth.observable import ObservableOracle
from riskmodel.synth.truth import TRUTH_COLUMNS, realised_oracle


@pytest.fixture(scope="module")
def small():
    return generate(households=400, start="2022-01-01", end="2023-12-31", seed=5)


def _all_tables(result):
    return dict(result.tables)


def test_truth_columns_are_documented_in_the_parquet_schema(synth_dir):
    schema = pq.read_schema(synth_dir / "truth.parquet")
    assert schema.names == list(TRUTH_COLUMNS)
    for name in ("p_identified_26w", "p_identified_26w_observable", "in_hardship"):
        doc = schema.field(name).metadata[b"description"].decode()
        assert len(doc) > 60, name
    assert "ACTUAL screening" in schema.field("p_identified_26w").metadata[b"description"].decode()
    assert "EXPECTED screening" in schema.field("p_identified_26w_observable").metadata[b"description"].decode()


def test_households_identified_in_a_month_are_not_zeroed_at_its_start(synth_dir, synth_panel):
    """A household the process has picked up but not yet confirmed keeps its probability (issue 15)."""
    truth = load_truth(synth_dir).set_index(["household_id", "month"])["p_identified_26w"]
    mon = synth_panel.monitoring.sort_values("identified_on")
    month = mon["identified_on"].dt.to_period("M").dt.to_timestamp()
    first = ~mon["household_id"].duplicated()  # a later spell's month may still be covered by the last one
    keys = pd.MultiIndex.from_arrays([mon["household_id"].astype(str), month])
    p = truth.reindex(keys).to_numpy()
    checked = first.to_numpy() & (mon["identified_on"] > month).to_numpy() & ~np.isnan(p)
    assert checked.sum() > 50
    assert (p[checked] > 0).all(), f"{(p[checked] == 0).sum()} identified households zeroed before confirmation"


def test_open_monitoring_objects_are_zero(synth_dir, synth_panel):
    truth = load_truth(synth_dir)
    mon = synth_panel.monitoring
    t = pd.Timestamp("2023-06-01")
    open_ = mon.loc[(mon["identified_on"] <= t) & (mon["eliminated_on"].isna() | (mon["eliminated_on"] > t)),
                    "household_id"]
    row = truth.loc[truth["month"] == t]
    assert len(open_) > 20
    assert (row.loc[row["household_id"].isin(open_), "p_identified_26w"] == 0).all()
    # the observable oracle knows a spell only once its row is reported (the contract's eligibility)
    seen = mon.loc[(mon["reported_on"] <= t) & mon["household_id"].isin(open_), "household_id"]
    assert (row.loc[row["household_id"].isin(seen), "p_identified_26w_observable"] == 0).all()


def test_hardship_is_distress_at_least_a_half(synth_dir):
    truth = load_truth(synth_dir)
    assert (truth["in_hardship"] == (truth["latent_distress"] >= 0.5)).all()
    assert 0.01 < truth["in_hardship"].mean() < 0.2
    assert (truth["latent_net_income_pc"] <= truth["latent_income_pc"] + 0.01).all()


def test_the_full_oracle_ranks_at_least_as_well_as_the_observable_one(synth_dir, synth_panel):
    auc = oracle_aucs(synth_panel.tables(), load_truth(synth_dir))
    assert auc["p_identified_26w"] >= auc["p_identified_26w_observable"] > 0.7


def test_knowing_the_horizon_s_hazards_ranks_better_than_knowing_today_s_state(synth_dir, synth_panel):
    """The full-information oracle is the ceiling; the state-now one holds today's state for six
    months, which a model that learns the dynamics can beat (issue 15)."""
    truth = load_truth(synth_dir)
    state = truth.assign(p_identified_26w=truth["p_identified_26w_state"])
    full = oracle_aucs(synth_panel.tables(), truth)["p_identified_26w"]
    held = oracle_aucs(synth_panel.tables(), state)["p_identified_26w"]
    assert full > held + 0.03, (full, held)


def test_the_realised_oracle_sums_six_months_of_hazard():
    """Three households over four months: constant hazard, one pickup pending in month 1, one
    hazard only in month 3 (seen from months 0–3; past the end the last month's hazard stands)."""
    ls = np.log1p(-np.array([[0.1, 0.0, 0.0], [0.1, 0.0, 0.0], [0.1, 0.0, 0.0], [0.1, 0.0, 0.5]]))
    pending = np.zeros((4, 3), dtype=bool)
    pending[1, 1] = True
    p = realised_oracle(ls, pending)
    np.testing.assert_allclose(p[:, 0], 1 - 0.9 ** 6)
    np.testing.assert_array_equal(p[:, 1], [0.0, 1.0, 0.0, 0.0])
    # month 3 is the last simulated month: its hazard also stands for the five months after it
    np.testing.assert_allclose(p[:, 2], [1 - 0.5 ** 3, 1 - 0.5 ** 4, 1 - 0.5 ** 5, 1 - 0.5 ** 6])
    assert not np.signbit(p).any()


@pytest.mark.parametrize("month", ["2022-05-01", "2023-03-01", "2023-11-01"])
def test_the_observable_oracle_reads_only_what_was_reported_by_the_day(small, month):
    """Dropping every record reported after the day leaves that day's observable oracle unchanged."""
    t = pd.Timestamp(month)
    tables = _all_tables(small)
    cut = {name: (df.loc[(df["reported_on"] <= t).to_numpy()].reset_index(drop=True) if "reported_on" in df else df)
           for name, df in tables.items()}
    months = small.truth["month"].drop_duplicates().sort_values().to_numpy().astype("datetime64[D]")
    j = int(np.flatnonzero(months == np.datetime64(t.date()))[0])
    full = ObservableOracle(tables, small.policy, months, small.config.seed).month(j)
    trimmed = ObservableOracle(cut, small.policy, months, small.config.seed).month(j)
    np.testing.assert_array_equal(full, trimmed)
    stored = small.truth.loc[small.truth["month"] == t, "p_identified_26w_observable"].to_numpy()
    np.testing.assert_array_equal(stored, full)


def test_the_observable_oracle_does_not_know_the_screening_calendar(small):
    """The actual calendar differs between counties; the expected one does not, so two households
    with the same observable records get the same probability whatever their county."""
    tables = _all_tables(small)
    hh = tables["households"].copy()
    months = small.truth["month"].drop_duplicates().sort_values().to_numpy().astype("datetime64[D]")
    first = ObservableOracle(tables, small.policy, months, small.config.seed).month(10)
    hh["region_code"] = hh["region_code"].str.slice(0, 6).map(lambda c: "370399") + hh["region_code"].str.slice(6)
    moved = ObservableOracle({**tables, "households": hh}, small.policy, months, small.config.seed).month(10)
    np.testing.assert_array_equal(first, moved)
