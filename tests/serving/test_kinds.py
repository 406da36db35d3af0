"""The API's handling of each contract column kind is one table (``serving.kinds.API_KINDS``)."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from riskmodel.contract.schema import KINDS, TABLES
from riskmodel.serving.kinds import API_KINDS, request_type, typed_column

#: One column of each kind, from the contract itself.
COLUMNS = {col.kind: (table.name, col) for table in TABLES.values() for col in table.columns}
#: A value of the wrong type for each kind (strict: no coercion from text or numbers).
WRONG = {"id": 5, "str": 5, "region_code": "5203", "enum": "not-a-value", "date": "2024-7-1", "month": "2024-07-01",
         "float": "1800", "int": 1.5, "bool": "yes"}


def test_every_contract_kind_has_one_api_entry():
    assert set(API_KINDS) == set(KINDS) == set(COLUMNS) == set(WRONG)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_refuses_a_wrong_value_and_types_a_missing_one_as_the_loader_does(kind):
    table, col = COLUMNS[kind]
    with pytest.raises(ValidationError):
        TypeAdapter(request_type(col)).validate_python(WRONG[kind])
    typed = typed_column(table, col, [None])
    assert len(typed) == 1
    if kind == "bool":
        assert typed[0] == bool(col.default)
    else:
        assert pd.isna(typed[0])
    assert pd.Series(typed).dtype == KINDS[kind].dtype
