"""Request and response models. The request side is generated from the one contract schema.

``riskmodel.contract.schema.TABLES`` defines every column once; the pydantic models here are
built from it with ``pydantic.create_model`` so the API can never drift from the files'
contract. Pydantic checks types, enums and ranges per field; the cross-row rules (one head,
cost balance, references) are checked by ``Panel.from_frames`` in the app.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError, core_schema

from riskmodel.contract.plausible import DATE_MAX, DATE_MIN, id_problem, personal_data_problem, text_problem
from riskmodel.contract.schema import TABLES, Column
from riskmodel.store.models import VISIT_OUTCOMES

#: Tables a score request carries besides ``household``. ``monitoring`` is the household's
#: earlier identification history: the model reads it (monitored before, days since the risk
#: was eliminated), so a client that leaves it out gets a different score than the weekly list.
#: ``member_status`` (contract v1.1) updates members' school stage and labour capacity: the
#: features read the latest one, so it belongs to the request for the same reason.
CHILD_TABLES = ("members", "member_status", "income", "medical_claims", "assistance", "events", "monitoring")
#: Most rows per table and household: far above real households, small enough to bound work.
MAX_ROWS = {"members": 50, "income": 600, "medical_claims": 2000, "assistance": 500, "events": 500,
            "monitoring": 100, "member_status": 500}
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


def _field_type(col: Column):
    """Python type and Field() arguments of one contract column."""
    kw: dict[str, Any] = {"description": " · ".join(x for x in (col.zh, col.doc) if x) or None}
    if col.kind == "id":
        return Identifier, kw
    if col.kind == "str":
        return Annotated[FreeText, Field(max_length=500)], kw
    if col.kind == "region_code":
        return Annotated[str, Field(pattern=r"^[0-9]{12}$", examples=["520322104201"])], kw
    if col.kind == "enum":
        return Literal[col.values], kw  # type: ignore[valid-type]
    if col.kind == "date":
        return IsoDate, kw
    if col.kind == "month":
        return IsoMonth, kw
    if col.kind in ("float", "int"):
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
        base = float if col.kind == "float" else int
        # strict: "1800" and true are not numbers (an integer is a valid float)
        return Annotated[base, Field(strict=True, **num)], kw
    if col.kind == "bool":
        return Annotated[bool, Field(strict=True)], kw  # "yes" and 1 are not booleans
    raise AssertionError(col.kind)


def _model_for(table_name: str, model_name: str, *, nested: bool) -> type[BaseModel]:
    """One pydantic model per contract table; in a nested payload ``household_id`` is optional."""
    table = TABLES[table_name]
    fields: dict[str, Any] = {}
    for col in table.columns:
        typ, kw = _field_type(col)
        optional = col.nullable or not col.required or (nested and col.name == "household_id")
        if col.name == "reported_on":
            kw["description"] = "date the record reached the monitoring office (point-in-time rule)"
        if optional:
            fields[col.name] = (typ | None, Field(default=None, **kw))
        else:
            fields[col.name] = (typ, Field(**kw))
    doc = f"One {table.name} row ({table.zh}) with the contract's columns."
    return create_model(model_name, __config__=ConfigDict(extra="forbid"), __doc__=doc, **fields)


HouseholdRow = _model_for("households", "HouseholdRow", nested=False)
MemberRow = _model_for("members", "MemberRow", nested=True)
IncomeRow = _model_for("income", "IncomeRow", nested=True)
MedicalClaimRow = _model_for("medical_claims", "MedicalClaimRow", nested=True)
AssistanceRow = _model_for("assistance", "AssistanceRow", nested=True)
EventRow = _model_for("events", "EventRow", nested=True)
MonitoringRow = _model_for("monitoring", "MonitoringRow", nested=True)
MemberStatusRow = _model_for("member_status", "MemberStatusRow", nested=True)
ROW_MODELS = {"members": MemberRow, "income": IncomeRow, "medical_claims": MedicalClaimRow,
              "assistance": AssistanceRow, "events": EventRow, "monitoring": MonitoringRow,
              "member_status": MemberStatusRow}

EXAMPLE_HOUSEHOLD = {
    "household": {"household_id": "H7F3A91C", "region_code": "520322104201", "household_type": "alleviated",
                  "poverty_exit_year": 2019, "relocated": False, "registered_on": "2021-03-01"},
    "members": [
        {"member_id": "M7F3A91C01", "relation": "head", "sex": "M", "birth_year": 1968, "education": "primary",
         "in_school": "none", "labor_skill": "ordinary", "joined_on": "2021-03-01"},
        {"member_id": "M7F3A91C02", "relation": "spouse", "sex": "F", "birth_year": 1971, "education": "none",
         "in_school": "none", "labor_skill": "weak", "joined_on": "2021-03-01"},
    ],
    "income": [{"month": "2024-04", "wage": 1800.0, "business": 150.0, "property": 0.0, "transfer": 200.0,
                "reported_on": "2024-06-20"}],
    "medical_claims": [{"claim_id": "C00912", "member_id": "M7F3A91C02", "service_date": "2024-05-11",
                        "kind": "inpatient", "diagnosis_group": "renal", "total_cost": 23000.0,
                        "reimbursed": 15500.0, "out_of_pocket": 7500.0, "reported_on": "2024-05-30"}],
    "assistance": [],
    "events": [{"event_id": "E5531", "member_id": "M7F3A91C02", "event_type": "chronic_registered",
                "event_date": "2024-05-20", "reported_on": "2024-06-01"}],
    "as_of": "2024-07-01",
}
EXAMPLE_NEW_HOUSEHOLD = {
    "household": {"household_id": "H0NEW001", "region_code": "520322104201", "household_type": "general",
                  "registered_on": "2024-06-15"},
}


def _list(model: type[BaseModel], name: str):
    return (list[model] | None, Field(default=None, max_length=MAX_ROWS[name],  # type: ignore[valid-type]
                                      description=f"{TABLES[name].zh} rows; may be empty or absent"))


HouseholdPayload = create_model(
    "HouseholdPayload",
    __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD]}),
    __doc__="One household's contract data. Child rows may omit household_id (it is the household's).",
    household=(HouseholdRow, Field(description="the households row (农户)")),
    **{name: _list(model, name) for name, model in ROW_MODELS.items()},
    as_of=(IsoDate | None, Field(default=None, description=(
        "score as of this date (default: today in the service's time zone, Asia/Shanghai unless configured)"))),
)


def batch_payload(max_households: int) -> type[BaseModel]:
    return create_model(
        "BatchPayload",
        __config__=ConfigDict(extra="forbid", json_schema_extra={
            "examples": [{"households": [EXAMPLE_HOUSEHOLD, EXAMPLE_NEW_HOUSEHOLD], "as_of": "2024-07-01"}]}),
        __doc__="Several households; ``as_of`` applies to those without their own.",
        households=(list[HouseholdPayload], Field(min_length=1, max_length=max_households)),  # type: ignore[valid-type]
        as_of=(IsoDate | None, Field(default=None)),
    )


# --- visits ------------------------------------------------------------------------------

class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"visited_on": "2024-07-03", "outcome": "confirmed_at_risk", "measures": ["临时救助"],
         "note": "住院自付较高，已协助申请医疗救助"}]})
    visited_on: IsoDate
    outcome: Literal[VISIT_OUTCOMES]  # type: ignore[valid-type]
    measures: list[Annotated[FreeText, Field(min_length=1, max_length=200)]] = Field(default_factory=list,
                                                                                    max_length=20)
    note: FreeText = Field(default="", max_length=2000, description=(
        "free text; no names, ID numbers or phone numbers (ID-number- and phone-shaped text is refused)"))
