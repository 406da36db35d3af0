"""``load`` gives typed frames; ``Panel`` obeys the point-in-time rule; frames validate like files."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel import RiskmodelWarning
from riskmodel.contract import TABLES, ContractError, Panel, atomic_dir, load, write_panel
from riskmodel.contract.example import example_tables, write_tables

ID = pd.StringDtype("pyarrow")
DATE = "datetime64[ns]"
EXPECTED_DTYPE = {"id": ID, "str": ID, "region_code": ID, "date": DATE, "month": DATE,
                  "float": "float64", "int": "Int64", "bool": bool}


@pytest.fixture(params=["csv", "parquet"])
def panel(request, tmp_path) -> Panel:
    return load(write_tables(example_tables(), tmp_path / "d", request.param))


def test_load_returns_the_documented_dtypes(panel):
    for name, df in panel.tables().items():
        table = TABLES[name]
        assert list(df.columns) == list(table.names)
        for col in table.columns:
            dtype = df[col.name].dtype
            if col.kind == "enum":
                assert isinstance(dtype, pd.CategoricalDtype), (name, col.name)
                assert list(dtype.categories) == list(col.values), (name, col.name)
            else:
                assert dtype == EXPECTED_DTYPE[col.kind], (name, col.name, dtype)


def test_values_survive_loading(panel):
    income = panel.income.set_index(["household_id", "month"])
    assert income.loc[("H001", pd.Timestamp("2023-01-01")), "business"] == -120.5
    assert panel.households["relocated"].tolist() == [False, True, False]  # empty means false
    assert panel.households["poverty_exit_year"].isna().tolist() == [False, True, False]
    assert panel.members.loc[panel.members["member_id"] == "M002", "left_reason"].item() == "death"
    assert panel.events["member_id"].isna().tolist() == [False, False, True]


def test_cutoff_is_the_latest_report(panel):
    assert panel.cutoff() == pd.Timestamp("2023-09-03")


def test_the_data_starts_with_the_income_survey_not_the_first_registration(panel):
    """Look-back windows reach back to the first surveyed month; registrations may be years older."""
    first_month = panel.income["month"].min()
    assert panel.households["registered_on"].min() < first_month
    assert panel.data_start() == first_month
    no_income = panel.subset([])  # an empty panel has neither
    assert no_income.data_start() is None
    registered_only = Panel.from_frames({**panel.tables(), "income": panel.income.iloc[:0]}, panel.policy)
    assert registered_only.data_start() == panel.households["registered_on"].min()


def test_as_of_shows_only_what_was_reported_by_then(panel):
    t = pd.Timestamp("2023-04-10")
    view = panel.as_of(t)
    for name in ("income", "medical_claims", "assistance", "events", "monitoring"):
        assert (getattr(view, name)["reported_on"] <= t).all()
    # income for 2023-02 was reported exactly on t; the claim of 2023-04-11 not yet
    assert len(view.income) == 4
    assert view.medical_claims["claim_id"].tolist() == ["C001"]
    assert view.monitoring.empty  # identified 2023-04-12, reported 2023-04-15


def test_as_of_hides_later_departures_endings_and_eliminations(panel):
    view = panel.as_of("2023-10-01")
    m002 = view.members.loc[view.members["member_id"] == "M002"].iloc[0]
    m005 = view.members.loc[view.members["member_id"] == "M005"].iloc[0]
    assert m002["left_on"] == pd.Timestamp("2023-05-10") and m002["left_reason"] == "death"
    assert pd.isna(m005["left_on"]) and pd.isna(m005["left_reason"])  # leaves 2024-02-01
    spell = view.assistance.loc[view.assistance["program"] == "disability_living"].iloc[0]
    assert pd.isna(spell["end_date"])  # ends 2023-12-31, after t
    h001 = view.monitoring.loc[view.monitoring["household_id"] == "H001"].iloc[0]
    assert pd.isna(h001["eliminated_on"])  # eliminated 2023-11-20, after t
    # the full panel still knows
    assert panel.monitoring["eliminated_on"].notna().sum() == 1


def test_as_of_is_the_same_with_or_without_later_records(panel):
    t = pd.Timestamp("2023-06-01")
    later_removed = Panel(**{name: df.loc[(df["reported_on"] <= t).to_numpy()] if "reported_on" in df else df
                             for name, df in panel.tables().items()}, policy=panel.policy)
    for name, df in panel.as_of(t).tables().items():
        pd.testing.assert_frame_equal(df, getattr(later_removed.as_of(t), name))


def test_as_of_drops_households_and_members_not_yet_registered(panel):
    view = panel.as_of("2021-02-01")
    assert view.households["household_id"].tolist() == ["H001", "H002"]
    assert "M007" not in set(view.members["member_id"])


def test_subset_keeps_only_those_households(panel):
    part = panel.subset(["H003"])
    assert set(part.members["household_id"]) == {"H003"}
    assert part.medical_claims["claim_id"].tolist() == ["C002"]
    assert part.events["event_id"].tolist() == ["E002"]


def test_subset_takes_ids_in_any_container(panel):
    import numpy as np
    import pyarrow as pa

    ids = panel.households["household_id"]
    expected = panel.subset(["H001", "H003"]).tables()
    for given in (ids[ids.isin(["H001", "H003"])], pd.Index(["H003", "H001"]), np.array(["H001", "H003"], dtype=object),
                  {"H001", "H003"}, (i for i in ("H003", "H001")), pa.array(["H001", "H003"])):
        got = panel.subset(given).tables()
        for name in expected:
            pd.testing.assert_frame_equal(got[name], expected[name])
    assert len(panel.subset([]).households) == 0
    assert len(panel.subset([3]).households) == 0  # a number is its text: no household "3"


def test_from_frames_accepts_raw_text_and_typed_frames(panel):
    from_text = Panel.from_frames(example_tables())
    from_typed = Panel.from_frames(panel.tables())
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(from_text, name), getattr(panel, name))
        pd.testing.assert_frame_equal(getattr(from_typed, name), getattr(panel, name))


def test_from_frames_validates_like_files():
    tables = example_tables()
    tables["medical_claims"].loc[0, "reimbursed"] = "50000"
    with pytest.raises(ContractError) as err:
        Panel.from_frames(tables)
    assert err.value.problems.rules == {"cost_balance", "reimbursed_le_total"}
    assert "medical_claims row 1, column reimbursed, value '50000'" in str(err.value)


def test_from_frames_needs_households_and_members():
    tables = example_tables()
    del tables["members"]
    with pytest.raises(ContractError, match=r"\[missing_table\]"):
        Panel.from_frames(tables)


def test_from_frames_warns_about_extra_columns():
    tables = example_tables()
    tables["events"]["note"] = "x"
    with pytest.warns(RiskmodelWarning, match="events: extra columns ignored: note"):
        panel = Panel.from_frames(tables)
    assert "note" not in panel.events


def test_from_frames_rejects_unknown_tables():
    with pytest.raises(ValueError, match="unknown tables"):
        Panel.from_frames({**example_tables(), "truth": pd.DataFrame()})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_written_panel_loads_back_identical(panel, fmt, tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        write_panel(panel.tables(), tmp, fmt=fmt)
    again = load(out)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(panel, name))


def test_parquet_with_native_date_and_timestamp_columns_loads(tmp_path):
    tables = example_tables()
    data_dir = write_tables(tables, tmp_path / "d", "parquet")
    hh = pd.read_parquet(data_dir / "households.parquet")
    hh["registered_on"] = pd.to_datetime(hh["registered_on"]).dt.date  # parquet date32
    hh.to_parquet(data_dir / "households.parquet")
    ev = pd.read_parquet(data_dir / "events.parquet")
    ev["event_date"] = pd.to_datetime(ev["event_date"]).astype("datetime64[ms]")  # timestamp
    ev.to_parquet(data_dir / "events.parquet")
    panel = load(data_dir)
    assert panel.households["registered_on"].dtype == DATE
    assert panel.events["event_date"].iloc[0] == pd.Timestamp("2023-03-25")


def test_a_timestamp_with_a_time_of_day_is_not_a_date(tmp_path):
    data_dir = write_tables(example_tables(), tmp_path / "d", "parquet")
    ev = pd.read_parquet(data_dir / "events.parquet")
    ev["event_date"] = pd.to_datetime(ev["event_date"]) + pd.Timedelta(hours=9)
    ev.to_parquet(data_dir / "events.parquet")
    with pytest.raises(ContractError, match=r"events row 1, column event_date.*\[type\]"):
        load(data_dir)
