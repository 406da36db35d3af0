"""Training tables: many as-of dates, mature labels only, nothing reported after the cut-off."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.contract import Panel
from riskmodel.features import build_features, feature_names
from riskmodel.labels import outcomes
from riskmodel.training.tables import as_of_dates, training_table

from tests.features.handmade import AS_OF, frames
from tests.features.randpanel import drop_future_panel, random_panel


@pytest.fixture(scope="module")
def panel() -> Panel:
    return Panel.from_frames(frames())


def test_as_of_dates_step_from_start_to_end_inclusive():
    dates = as_of_dates("2024-01-01", "2024-03-25", every_weeks=4)
    assert list(dates) == [pd.Timestamp(d) for d in ("2024-01-01", "2024-01-29", "2024-02-26", "2024-03-25")]
    with pytest.raises(ValueError):
        as_of_dates("2024-01-01", "2024-02-01", every_weeks=0)


def test_columns_and_rows(panel):
    table = training_table(panel, ["2024-01-01", AS_OF], horizon_weeks=9, cutoff="2024-09-05")
    assert list(table.columns) == ["as_of", "household_id", "region_code", *feature_names(), "label"]
    first = table.loc[table["as_of"] == pd.Timestamp(AS_OF)]
    assert first["household_id"].tolist() == ["H1", "H2", "H3"]
    assert first.set_index("household_id")["label"].to_dict() == {"H1": 1, "H2": 0, "H3": 0}


def test_no_label_window_crosses_the_cutoff(panel):
    table = training_table(panel, as_of_dates("2023-01-01", "2024-09-01", 4), horizon_weeks=26, cutoff="2024-09-05")
    assert len(table)
    assert (table["as_of"] + pd.Timedelta(weeks=26)).max() <= pd.Timestamp("2024-09-05")


def test_identifications_reported_after_the_cutoff_are_never_seen(panel):
    # H1 identified 2024-09-01, reported 2024-09-05: with a 2024-09-03 cut-off it is a negative
    before = training_table(panel, [AS_OF], horizon_weeks=9, cutoff="2024-09-03").set_index("household_id")
    after = training_table(panel, [AS_OF], horizon_weeks=9, cutoff="2024-09-05").set_index("household_id")
    assert before.loc["H1", "label"] == 0 and after.loc["H1", "label"] == 1


def test_nothing_reported_after_the_cutoff_changes_the_table():
    full = random_panel(5, households=40)
    cutoff = pd.Timestamp("2024-03-31")
    dates = as_of_dates("2022-01-03", "2024-03-31", 8)
    expected = training_table(full, dates, horizon_weeks=26, cutoff=cutoff)
    truncated = drop_future_panel(full, cutoff, 0.0, 1)
    pd.testing.assert_frame_equal(training_table(truncated, dates, horizon_weeks=26, cutoff=cutoff), expected,
                                  check_exact=True)
    assert expected["label"].sum() > 0


def test_rows_are_the_features_and_outcomes_of_each_date():
    full = random_panel(6, households=40)
    cutoff = pd.Timestamp("2024-12-31")
    table = training_table(full, ["2023-06-30", "2024-01-31"], horizon_weeks=26, cutoff=cutoff)
    known = full.as_of(cutoff)
    for t, part in table.groupby("as_of"):
        feats = build_features(known, t)
        pd.testing.assert_frame_equal(part.drop(columns=["as_of", "label"]).reset_index(drop=True), feats)
        assert part["label"].tolist() == outcomes(known, t, 26)["label"].tolist()


def test_no_usable_date_gives_an_empty_table_with_the_columns(panel):
    calls = []
    table = training_table(panel, [AS_OF], horizon_weeks=26, cutoff="2024-09-05", progress=lambda stage, i, n: calls.append(i))
    assert len(table) == 0 and calls == []
    assert list(table.columns) == ["as_of", "household_id", "region_code", *feature_names(), "label"]
