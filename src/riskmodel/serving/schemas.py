"""Request and response models. The request side is generated from the one contract schema.

``riskmodel.contract.schema.TABLES`` defines every column once; the pydantic models here are
built from it with ``pydantic.create_model`` so the API can never drift from the files'
contract. Pydantic checks types, enums and ranges per field; the cross-row rules (one head,
cost balance, references) are checked by ``Panel.from_frames`` in the app.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from riskmodel.contract.schema import TABLES
from riskmodel.serving.kinds import FreeText, IsoDate, request_type
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


def _model_for(table_name: str, model_name: str, *, nested: bool) -> type[BaseModel]:
    """One pydantic model per contract table; in a nested payload ``household_id`` is optional."""
    table = TABLES[table_name]
    fields: dict[str, Any] = {}
    for col in table.columns:
        typ = request_type(col)
        kw: dict[str, Any] = {"description": " · ".join(x for x in (col.zh, col.doc) if x) or None}
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
