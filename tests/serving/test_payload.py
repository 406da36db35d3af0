"""Payload → Panel: the fast typed path equals ``Panel.from_frames``; both paths reject alike."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.serving.serving_fakes import household

from riskmodel.contract import TABLES, Panel
from riskmodel.contract.columns import Columns
from riskmodel.serving.payload import (
    PAYLOAD_REFERENCES,
    PayloadError,
    build_panel,
    panel_payloads,
    payload_frames,
    payload_rows,
    typed_tables,
)
from riskmodel.serving.schemas import EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD, HouseholdPayload


def _assert_same(payloads):
    models = [HouseholdPayload.model_validate(p) for p in payloads]
    rows, _origin, errors = payload_rows(models, ["body", "households"])
    assert not errors
    fast = typed_tables(rows)
    reference = Panel.from_frames(payload_frames(rows), check=False).tables()
    for name, ref in reference.items():
        pd.testing.assert_frame_equal(fast[name].frame.reset_index(drop=True), ref.reset_index(drop=True), obj=name)
        # the arrays kept beside each frame are what reading the loader's frame gives, type for type
        for col in TABLES[name].names:
            kept, read = fast[name][col], Columns(ref.reset_index(drop=True))[col]
            assert type(kept) is type(read) and kept.dtype == read.dtype, (name, col)
            pd.testing.assert_series_equal(pd.Series(kept), pd.Series(read), obj=f"{name}.{col}")


def test_fast_typed_frames_equal_the_loader_on_examples():
    _assert_same([EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD, household("H0NEW009")])


def test_fast_typed_frames_equal_the_loader_on_synthetic_households(synth_panel):
    ids = sorted(synth_panel.households["household_id"].astype(str))[:40]
    _assert_same(panel_payloads(synth_panel, ids))


@pytest.mark.parametrize("full", [False, True])
def test_both_paths_report_the_same_contract_errors(full):
    bad = household(as_of="2024-07-01")
    bad["medical_claims"][0]["out_of_pocket"] = 1  # breaks cost balance
    bad["members"][0]["relation"] = "spouse"        # no head
    with pytest.raises(PayloadError) as err:
        build_panel([HouseholdPayload.model_validate(bad)], ["body"], full=full)
    got = sorted((tuple(e["loc"]), e["type"]) for e in err.value.errors)
    assert got == [(("body", "medical_claims", 0, "out_of_pocket"), "contract.cost_balance"),
                   (("body", "members"), "contract.one_head")]


@pytest.mark.parametrize(("table", "column"), sorted(PAYLOAD_REFERENCES))
def test_references_check_tables_leaves_to_the_payload_are_still_refused(synth_panel, table, column):
    """``check_tables`` does not search ``PAYLOAD_REFERENCES`` again for payloads: a payload
    breaking one must still be refused (by ``payload_rows``), pointing at the row."""
    ids = sorted(synth_panel.households["household_id"].astype(str))
    payload = next((p for p in panel_payloads(synth_panel, ids) if p[table]), None)
    assert payload is not None, f"no synthetic household has {table} rows"
    payload[table][0][column] = "HELSEWHERE1"
    with pytest.raises(PayloadError) as err:
        build_panel([HouseholdPayload.model_validate(payload)], ["body"])
    assert ["body", table, 0, column] in [e["loc"] for e in err.value.errors]
