"""Column lookups: the small-input (dict) path and the Arrow path give the same answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel.contract import columns
from riskmodel.contract.columns import (
    ID_DTYPE,
    Columns,
    enum_lookup,
    equals,
    first_codes,
    id_array,
    missing,
    positions,
    positions_at,
    sort_order,
)
from riskmodel.contract.schema import TABLES
from riskmodel.contract.validate import Problems, check_tables, empty_frame

ids = st.lists(st.one_of(st.none(), st.sampled_from(["H1", "H2", "H3", "户4", "H10", ""])), max_size=12)


def _both(monkeypatch, fn, *args):
    small = fn(*args)
    monkeypatch.setattr(columns, "SMALL", -1)  # every input is "large": the Arrow path
    large = fn(*args)
    monkeypatch.setattr(columns, "SMALL", 64)
    return small, large


@settings(max_examples=60, deadline=None)
@given(values=ids, index=ids)
def test_positions_agree_on_both_paths(values, index):
    v, i = pd.array(values, dtype=ID_DTYPE), pd.array(index, dtype=ID_DTYPE)
    with pytest.MonkeyPatch.context() as mp:
        small, large = _both(mp, positions, v, i)
    np.testing.assert_array_equal(small, large)
    for k, value in enumerate(values):  # first match, missing never matches
        expect = index.index(value) if value is not None and value in index else -1
        assert small[k] == expect


@settings(max_examples=60, deadline=None)
@given(values=ids)
def test_first_codes_and_sort_order_agree_on_both_paths(values):
    v = pd.array(values, dtype=ID_DTYPE)
    with pytest.MonkeyPatch.context() as mp:
        small, large = _both(mp, first_codes, v)
        np.testing.assert_array_equal(small, large)
        np.testing.assert_array_equal(small, pd.factorize(pd.Series(v))[0])
        if None not in values:
            s_order, l_order = _both(mp, sort_order, v)
            assert (s_order is None) == (l_order is None)
            if s_order is not None:
                np.testing.assert_array_equal(s_order, l_order)
            got = values if s_order is None else [values[k] for k in s_order]
            assert got == sorted(values)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.integers(0, 4)), max_size=12))
def test_first_codes_of_other_columns_are_factorize_codes_on_both_paths(values):
    days = pd.array([None if v is None else pd.Timestamp("2024-01-01") + pd.Timedelta(days=v) for v in values],
                    dtype="datetime64[ns]")
    for column in (days.to_numpy(), pd.array(values, dtype="Int64")):
        with pytest.MonkeyPatch.context() as mp:
            small, large = _both(mp, first_codes, column)
        np.testing.assert_array_equal(small, large)
        np.testing.assert_array_equal(small, pd.factorize(pd.Series(column))[0])


def test_positions_at_reads_only_the_rows_asked_for():
    v = pd.array(["H2", "H9", "H1", None], dtype=ID_DTYPE)
    index = pd.array(["H1", "H2"], dtype=ID_DTYPE)
    np.testing.assert_array_equal(positions_at(v, np.array([2, 0, 3]), index), [0, 1, -1])
    assert len(positions_at(v, np.array([], dtype=np.intp), index)) == 0


def test_enum_lookup_and_equals_treat_missing_as_no():
    cat = pd.Categorical(["b", None, "a"], categories=["a", "b", "c"])
    assert enum_lookup(["a", "b", "c"], ("b", "z")).tolist() == [False, True, False, False]
    assert equals(cat, "a", "b").tolist() == [True, False, True]
    assert equals(pd.Series(cat), "b").tolist() == [True, False, False]


def test_columns_read_each_column_once_as_arrays():
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01"]), "n": pd.array([1], dtype="Int64"),
                          "s": pd.array(["x"], dtype=ID_DTYPE)})
    cols = Columns(frame)
    assert isinstance(cols["d"], np.ndarray) and cols["d"].dtype == "datetime64[ns]"
    assert cols["n"].dtype == "Int64" and cols["s"].dtype == ID_DTYPE
    assert cols["d"] is cols["d"] and len(cols) == 1 and "s" in cols and "zz" not in cols


def test_member_check_with_no_members_raises_nothing():
    frames = {name: empty_frame(TABLES[name]) for name in TABLES}
    events = empty_frame(TABLES["events"]).reindex(range(1))
    events["event_id"] = pd.array(["E1"], dtype=ID_DTYPE)
    events["household_id"] = pd.array(["H1"], dtype=ID_DTYPE)
    events["member_id"] = pd.array(["M1"], dtype=ID_DTYPE)
    frames["events"] = events
    problems = Problems()
    check_tables(frames, problems)
    assert "member_in_household" not in problems.rules


def test_a_panel_from_columns_builds_each_frame_only_when_read():
    import pickle

    from riskmodel.contract import Panel, Policy

    households = {"household_id": pd.array(["H2", "H1"], dtype=ID_DTYPE),
                  "region_code": pd.array(["520322104201"] * 2, dtype=ID_DTYPE)}
    tables = {name: Columns(empty_frame(TABLES[name])) for name in TABLES}
    full = {c: empty_frame(TABLES["households"])[c].reindex(range(2)).array for c in TABLES["households"].names}
    tables["households"] = Columns.of({**full, **households}, 2)
    panel = Panel.from_columns(tables, Policy.default())
    assert "households" not in vars(panel)  # not built yet
    assert panel.columns("households")["household_id"] is households["household_id"]
    frame = panel.households
    assert list(frame["household_id"]) == ["H2", "H1"] and list(frame.columns) == list(TABLES["households"].names)
    assert panel.households is frame  # built once
    again = pickle.loads(pickle.dumps(panel))
    pd.testing.assert_frame_equal(again.households, frame)
    assert len(again.subset(["H1"]).households) == 1
    with pytest.raises(AttributeError):
        panel.not_a_table  # noqa: B018
    with pytest.raises(ValueError, match="every contract table"):
        Panel.from_columns({"households": tables["households"]}, Policy.default())


@settings(max_examples=60, deadline=None)
@given(values=ids, floats=st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), max_size=8))
def test_missing_is_isna_for_every_kind_of_column(values, floats):
    text = pd.array(values, dtype=ID_DTYPE)
    number = np.array([np.nan if v is None else v for v in floats], dtype=np.float64)
    dates = np.array(["NaT" if v is None else "2024-01-01" for v in floats], dtype="datetime64[ns]")
    integers = pd.array([None if v is None else 1 for v in floats], dtype="Int64")
    for col in (text, pd.Series(text), number, dates, integers, pd.Categorical(values)):
        assert np.array_equal(missing(col), np.asarray(pd.isna(col), dtype=bool))


def test_id_array_keeps_an_id_array_and_converts_the_rest():
    ids = pd.array(["H1", None], dtype=ID_DTYPE)
    assert id_array(ids) is ids
    for other in (["H1", None], np.array(["H1", None], dtype=object), ids.__arrow_array__()):
        out = id_array(other)
        assert out.dtype == ID_DTYPE and out.equals(ids)


def test_lookups_through_the_loaders_distinct_values_give_the_same_answers(tmp_path):
    from riskmodel.contract import load
    from riskmodel.contract.columns import distinct_of
    from riskmodel.contract.example import example_tables, write_tables

    tables = example_tables()
    tables["income"] = pd.concat([tables["income"]] * 20, ignore_index=True)  # more rows than the small path
    tables["income"]["month"] = [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(len(tables["income"]))]
    tables["income"]["reported_on"] = "2024-01-01"
    panel = load(write_tables(tables, tmp_path / "d", "parquet"))
    ids = panel.income["household_id"]
    assert distinct_of(ids) is not None  # the loader noted H001 H001 H002 H003's distinct values
    index = panel.households["household_id"]
    plain = pd.array(list(ids), dtype=ID_DTYPE)
    assert distinct_of(plain) is None
    assert positions(ids, index).tolist() == positions(plain, index).tolist() == [0, 0, 1, 2] * 20
    ids.array[0] = "H003"  # data swapped in place: the noted values no longer apply
    assert distinct_of(ids) is None
    assert positions(ids, index).tolist() == [2, 0, 1, 2] + [0, 0, 1, 2] * 19


def test_distinct_values_of_a_column_with_empty_and_padded_cells_point_at_the_right_rows():
    from riskmodel.contract import Panel
    from riskmodel.contract.columns import distinct_of
    from riskmodel.contract.example import example_tables

    tables = example_tables()
    spells = tables["assistance"]
    # empty, padded and repeated member ids: the loader strips and encodes them
    tables["assistance"] = pd.concat([spells] * 30, ignore_index=True)  # more rows than the small path takes
    tables["assistance"].loc[3, "member_id"] = " M002 "
    panel = Panel.from_frames(tables)  # raises if any member_in_household/references lookup went wrong
    member_ids = panel.assistance["member_id"]
    assert distinct_of(member_ids) is not None
    plain = pd.array(list(member_ids), dtype=ID_DTYPE)
    index = panel.members["member_id"]
    assert positions(member_ids, index).tolist() == positions(plain, index).tolist()
    assert member_ids.isna().sum() == 29 and member_ids.tolist()[3] == "M002"


def test_id_text_keeps_the_contracts_id_arrays_and_makes_anything_else_text():
    from riskmodel.contract.columns import id_text

    ids = pd.Series(pd.array(["H2", "H10"], dtype=ID_DTYPE))
    assert id_text(ids).to_pylist() == ["H2", "H10"]
    assert id_text(pd.Series([10, 2])).to_pylist() == ["10", "2"]
    assert id_text(pd.Series(["H1", "H3"], dtype=object)).to_pylist() == ["H1", "H3"]
