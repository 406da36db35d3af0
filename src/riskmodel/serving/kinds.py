"""Each contract column kind as the API handles it, in one table: its request type (pydantic)
and how validated values become the contract-typed array (``API_KINDS``).

The contract names the kinds once (``contract.schema.KINDS``) and the loader coerces them
(``contract.coerce.COERCE``); here is the API's side of the same kinds, so that neither the
request models (``schemas``) nor the payload typing (``payload``) keeps an ``if kind == ...``
chain. A kind the contract adds without an entry here fails at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from riskmodel.contract.plausible import DATE_MAX, DATE_MIN, id_problem, personal_data_problem, text_problem
from riskmodel.contract.schema import KINDS, Column

ID_MAX = 64


#: ISO date and month text within the contract's plausible range (1900-01-01 … 2100-12-31).
_YEAR = r"(19[0-9]{2}|20[0-9]{2}|2100)"
ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ISO_MONTH_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])$"
_RANGE = f"between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}"


class _Iso:
    """ISO text only (no timestamps, no ``2024-1-5``), checked inside pydantic-core.

    A Python validator here ran about a hundred times per household (every income month has
    two dates); a pattern chained into pydantic's date parser makes no Python call and
    validated a batch markedly faster. Any failure is one ``iso_format`` error.
    """

    def __init__(self, kind: str):
        self.kind = kind

    def __get_pydantic_core_schema__(self, source, handler) -> core_schema.CoreSchema:
        if self.kind == "date":
            inner = core_schema.chain_schema([core_schema.str_schema(pattern=ISO_DATE_PATTERN),
                                              core_schema.date_schema(ge=DATE_MIN, le=DATE_MAX)])
            message = f"expected an ISO date YYYY-MM-DD {_RANGE}"
        else:
            inner = core_schema.str_schema(pattern=ISO_MONTH_PATTERN)
            message = f"expected an ISO month YYYY-MM {_RANGE}"
        return core_schema.custom_error_schema(inner, "iso_format", custom_error_message=message)


#: What a valid date looks like, for the OpenAPI document (the parser also rejects 2024-02-30).
DATE_DOC_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
IsoDate = Annotated[dt.date, _Iso("date"), WithJsonSchema({"type": "string", "format": "date",
                                                            "pattern": DATE_DOC_PATTERN, "examples": ["2024-07-01"]})]


def _checked_id(value: str) -> str:
    problem = id_problem(value)
    if problem is not None:
        raise PydanticCustomError("contract.pseudonymous_id", "identifier {problem}", {"problem": problem})
    return value


def _checked_text(value: str) -> str:
    problem = text_problem(value) or personal_data_problem(value)
    if problem is not None:
        raise PydanticCustomError("contract.free_text", "text {problem}", {"problem": problem})
    return value


#: A pseudonymous identifier: not blank or invisible, no control characters, not ID-number- or phone-shaped.
Identifier = Annotated[str, Field(min_length=1, max_length=ID_MAX), AfterValidator(_checked_id)]
#: Free text stored or scored: no NUL or lone surrogates, nothing ID-number- or phone-shaped.
FreeText = Annotated[str, AfterValidator(_checked_text)]
IsoMonth = Annotated[str, _Iso("month"),
                     WithJsonSchema({"type": "string", "pattern": ISO_MONTH_PATTERN, "examples": ["2024-05"]})]


# --- request types (pydantic) ------------------------------------------------------------

def _number_type(col: Column):
    """Strict numbers (``"1800"`` and ``true`` are not; an integer is a valid float), in the contract's range."""
    num: dict[str, Any] = {"allow_inf_nan": False} if col.kind == "float" else {}
    if col.min is not None:
        num["ge"] = col.min
    top = dt.date.today().year if col.name == "birth_year" else col.max
    if top is not None:
        num["le"] = top
    if col.kind == "float":
        num["le"] = min(num.get("le", 1e12), 1e12)  # yuan; bounds arithmetic, not the contract
        if "ge" not in num:
            num["ge"] = -1e12
    return Annotated[float if col.kind == "float" else int, Field(strict=True, **num)]


_TEXT = Annotated[FreeText, Field(max_length=500)]
_REGION_CODE = Annotated[str, Field(pattern=r"^[0-9]{12}$", examples=["520322104201"])]
_BOOL = Annotated[bool, Field(strict=True)]  # "yes" and 1 are not booleans


# --- typed arrays from validated values ------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400_000_000_000
_ENUM_DTYPES: dict[tuple[str, str], tuple[pd.Categorical, dict]] = {}


def _text_array(table: str, col: Column, values: list):
    """pandas stores large_string: built as such, nothing to cast."""
    return pd.arrays.ArrowStringArray(pa.array([None if v is None else v.strip() for v in values],
                                               type=pa.large_string()))


def _enum_array(table: str, col: Column, values: list):
    key = (table, col.name)
    if key not in _ENUM_DTYPES:  # an empty categorical of the enum, built once, and each value's code
        dtype = pd.CategoricalDtype(list(col.values))
        codes = np.zeros(0, dtype=np.int8 if len(col.values) < 128 else np.int16)
        _ENUM_DTYPES[key] = (pd.Categorical.from_codes(codes, dtype=dtype), {v: i for i, v in enumerate(col.values)})
    empty, index = _ENUM_DTYPES[key]
    # pydantic has checked each value against the enum: the codes need no second check, and the
    # empty one's dtype is reused as is (``from_codes`` checks and rebuilds it: most of the cost)
    codes = np.array([-1 if v is None else index[v] for v in values], dtype=empty.codes.dtype)
    return empty._from_backing_data(codes)


def _date_array(table: str, col: Column, values: list):
    """Via nanosecond numbers: numpy converts date objects one by one, ~20x slower."""
    return np.array([_NAT if v is None else (v.toordinal() - _EPOCH) * _NS_PER_DAY for v in values],
                    dtype=np.int64).view("datetime64[ns]")


def _month_array(table: str, col: Column, values: list):
    return np.array(values, dtype="datetime64[M]").astype("datetime64[ns]")


def _float_array(table: str, col: Column, values: list):
    return np.array(values, dtype="float64")


def _int_array(table: str, col: Column, values: list):
    """IntegerArray from data and mask: ``pd.array(values, "Int64")`` is ~25x slower."""
    return pd.arrays.IntegerArray(np.array([0 if v is None else v for v in values], dtype=np.int64),
                                  np.array([v is None for v in values], dtype=bool))


def _bool_array(table: str, col: Column, values: list):
    default = bool(col.default)
    return np.array([default if v is None else bool(v) for v in values], dtype=bool)


# --- the one table -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiKind:
    """How the API handles one column kind."""

    request_type: Callable[[Column], Any]
    """The pydantic type of a column of this kind in a request."""
    typed: Callable[[str, Column, list], Any]
    """``typed(table, column, validated values)`` → the contract-typed array (as ``Panel.from_frames`` types it)."""


API_KINDS: dict[str, ApiKind] = {
    "id": ApiKind(lambda col: Identifier, _text_array),
    "str": ApiKind(lambda col: _TEXT, _text_array),
    "region_code": ApiKind(lambda col: _REGION_CODE, _text_array),
    "enum": ApiKind(lambda col: Literal[col.values], _enum_array),  # type: ignore[valid-type]
    "date": ApiKind(lambda col: IsoDate, _date_array),
    "month": ApiKind(lambda col: IsoMonth, _month_array),
    "float": ApiKind(_number_type, _float_array),
    "int": ApiKind(_number_type, _int_array),
    "bool": ApiKind(lambda col: _BOOL, _bool_array),
}
if set(API_KINDS) != set(KINDS):
    raise ImportError(f"serving.kinds: no API handling for column kinds {sorted(set(KINDS) - set(API_KINDS))}")


def request_type(col: Column):
    """The pydantic type of one contract column in a request."""
    return API_KINDS[col.kind].request_type(col)


def typed_column(table: str, col: Column, values: list):
    """One contract-typed column from pydantic-validated values (str, date, number, bool or None)."""
    return API_KINDS[col.kind].typed(table, col, values)


__all__ = ["API_KINDS", "ID_MAX", "ApiKind", "FreeText", "Identifier", "IsoDate", "IsoMonth", "request_type",
           "typed_column"]
