"""Single-value plausibility rules shared by the API and the store."""

from __future__ import annotations

import datetime as dt

import pytest

from riskmodel.contract.plausible import date_problem, id_problem, personal_data_problem, text_problem


#: ID-number-shaped test values, assembled at run time so that no such literal is committed.
ID_SHAPED = "110101" + "19900307" + "4514"
ID_SHAPED_X = "110101" + "19900307" + "451X"


@pytest.mark.parametrize("day", [dt.date(1024, 7, 3), dt.date(1899, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)])
def test_dates_outside_the_contract_range_are_named(day):
    assert date_problem(day) == "must lie between 1900-01-01 and 2100-12-31"


@pytest.mark.parametrize("day", [dt.date(1900, 1, 1), dt.date(2024, 7, 3), dt.date(2100, 12, 31)])
def test_dates_inside_the_range_pass(day):
    assert date_problem(day) is None


@pytest.mark.parametrize("text", [f"身份证 {ID_SHAPED} 已核实", ID_SHAPED_X, "电话13812345678",
                                  "tel +86 138 1234 5678", "座机 0851-6234567", "110101900307451"])
def test_id_number_and_phone_shaped_text_is_refused(text):
    assert "looks like" in personal_data_problem(text)


@pytest.mark.parametrize("text", ["住院自付7500元", "H7F3A91C", "2024-07-03 回访", "520322104201", "M7F3A91C01"])
def test_ordinary_text_passes(text):
    assert personal_data_problem(text) is None


@pytest.mark.parametrize("text", ["   ", "\u200b", "\u200b \ufeff\u2060", "\t"])
def test_blank_and_invisible_ids_are_refused(text):
    assert id_problem(text) is not None


@pytest.mark.parametrize("text", ["H\x00001", "H\ud800"])
def test_control_characters_and_surrogates_in_ids_are_refused(text):
    assert id_problem(text) == "contains a control character or an unpaired surrogate"


def test_notes_keep_newlines_but_not_nul_or_lone_surrogates():
    assert text_problem("第一行\n第二行\t完") is None
    assert "control" in text_problem("a\x00b")
    assert "surrogate" in text_problem("a\udc80b")
