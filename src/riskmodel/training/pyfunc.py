"""The logged MLflow model: contract-shaped records in, the ``Scorer``'s ranked rows out.

Input format ("household records"): a DataFrame with one row per household; the household
table's columns (``household_id, region_code, household_type, poverty_exit_year, relocated,
registered_on``) as plain values and one column per other table (``members``, ``income``,
``medical_claims``, ``assistance``, ``events``, ``monitoring``) holding a JSON list of that
household's records in the contract's columns (dates as ISO strings; ``household_id`` may be
left out). Every value is a string, number or null, so it round-trips through
``mlflow models serve`` (``dataframe_split``/``dataframe_records``) unchanged.

Params: ``as_of`` (``YYYY-MM-DD``; empty = the latest date in the records) and ``explain``
(how many top-ranked rows get reasons; default 0). Output: ``Scorer.score`` columns, with the
list and dict columns (``risk_types``, ``contributions``, ``measures``) as JSON strings.
"""

from __future__ import annotations

import json

import pandas as pd

from riskmodel.contract import Panel, TABLES
from riskmodel.contract.io import to_file_frame
from riskmodel.plain import plain

HOUSEHOLD_COLUMNS = TABLES["households"].names
NESTED_TABLES = ("members", "member_status", "income", "medical_claims", "assistance", "events", "monitoring")
#: Nested tables whose rows reach their household through a member (no household_id column).
MEMBER_KEYED = ("medical_claims", "member_status")
JSON_OUTPUT_COLUMNS = ("risk_types", "contributions", "measures")


def _json_records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False)) if len(df) else []


def panel_to_records(panel: Panel, household_ids=None) -> pd.DataFrame:
    """A panel (or some of its households) as household records for the pyfunc."""
    if household_ids is not None:
        panel = panel.subset(household_ids)
    hh = to_file_frame(TABLES["households"], panel.households).reset_index(drop=True)
    out = hh.astype(object).where(hh.notna(), None)
    if "poverty_exit_year" in out:
        out["poverty_exit_year"] = [None if v is None else int(v) for v in out["poverty_exit_year"]]
    member_hh = panel.members.set_index("member_id")["household_id"]
    for name in NESTED_TABLES:
        df = to_file_frame(TABLES[name], getattr(panel, name))
        if name in MEMBER_KEYED:
            key = getattr(panel, name)["member_id"].map(member_hh).astype(object).to_numpy()
        else:
            key = getattr(panel, name)["household_id"].astype(object).to_numpy()
            df = df.drop(columns=["household_id"])
        groups = {k: _json_records(g) for k, g in df.groupby(key, sort=False)} if len(df) else {}
        out[name] = [json.dumps(groups.get(h, []), ensure_ascii=False) for h in out["household_id"]]
    return out


def records_to_panel(records: pd.DataFrame, policy=None) -> Panel:
    """Household records → a validated ``Panel`` (raises ``ContractError`` naming table, row, column)."""
    missing = [c for c in ("household_id", "region_code", "household_type", "registered_on", "members")
               if c not in records.columns]
    if missing:
        raise ValueError(f"household records lack columns {missing}")
    frames: dict[str, pd.DataFrame] = {
        "households": records[[c for c in HOUSEHOLD_COLUMNS if c in records.columns]].reset_index(drop=True)}
    for name in NESTED_TABLES:
        rows: list[dict] = []
        if name in records.columns:
            for hid, text in zip(records["household_id"].to_numpy(), records[name].to_numpy()):
                items = json.loads(text) if isinstance(text, str) and text else (text or [])
                if name in MEMBER_KEYED:
                    rows.extend(items)
                else:
                    rows.extend({**r, "household_id": hid} for r in items)
        cols = list(TABLES[name].names)
        frames[name] = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame(columns=cols)
    return Panel.from_frames(frames, policy=policy)


def _jsonable(v):
    v = plain(v)
    return None if v is None else json.dumps(v, ensure_ascii=False)


def encode_output(scored: pd.DataFrame) -> pd.DataFrame:
    """Scorer output with list/dict columns as JSON strings and plain dtypes (for serving)."""
    out = scored.copy()
    for col in JSON_OUTPUT_COLUMNS:
        out[col] = [_jsonable(v) for v in out[col].to_numpy()]
    for col in ("household_id", "region_code", "band", "category", "category_zh"):
        out[col] = out[col].astype(object)
    return out


class RiskmodelModel:
    """features → calibrated LightGBM → optional reasons, through the same ``Scorer`` as the API.

    MLflow's ``PythonModel`` interface is added in the MLflow adapter
    (``riskmodel.training.tracking.RiskmodelPyfunc``), the one module that imports MLflow.

    Artifacts: ``model`` (joblib), ``meta`` (JSON) and, for models trained since the drift
    reference was added, ``reference`` (``reference.parquet``, exposed lazily as ``scorer.reference``).
    """

    def load_context(self, context) -> None:
        from riskmodel.scoring import Scorer

        self.scorer = Scorer.from_files(context.artifacts["model"], context.artifacts["meta"])
        if context.artifacts.get("reference"):  # the drift reference: read on first use only
            from riskmodel.training.reference import LazyReference

            self.scorer.reference = LazyReference(context.artifacts["reference"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        params = params or {}
        panel = records_to_panel(pd.DataFrame(model_input), policy=self.scorer.policy)
        as_of = params.get("as_of") or panel.cutoff()
        explain = int(params.get("explain") or 0)
        scored = self.scorer.score(panel, pd.Timestamp(as_of), explain=explain or None)
        return encode_output(scored)


def example_records() -> pd.DataFrame:
    """A made-up three-household input example (synthetic, pseudonymous) for the model signature."""
    months = pd.period_range("2023-07", "2024-05", freq="M")
    households = pd.DataFrame([
        {"household_id": "EX-1", "region_code": "530102001001", "household_type": "alleviated",
         "poverty_exit_year": "2019", "relocated": "false", "registered_on": "2021-01-05"},
        {"household_id": "EX-2", "region_code": "530102001002", "household_type": "general",
         "poverty_exit_year": "", "relocated": "true", "registered_on": "2021-03-01"},
        {"household_id": "EX-3", "region_code": "530102002001", "household_type": "general",
         "poverty_exit_year": "", "relocated": "false", "registered_on": "2024-05-20"},
    ])
    member = lambda mid, hid, rel, by, skill, school="none": {  # noqa: E731
        "member_id": mid, "household_id": hid, "relation": rel, "sex": "F" if rel == "spouse" else "M",
        "birth_year": str(by), "education": "junior", "in_school": school, "labor_skill": skill,
        "joined_on": "2021-01-05", "left_on": "", "left_reason": ""}
    members = pd.DataFrame([
        member("EX-1-1", "EX-1", "head", 1968, "weak"), member("EX-1-2", "EX-1", "spouse", 1970, "ordinary"),
        member("EX-1-3", "EX-1", "child", 2006, "none", "senior"),
        member("EX-2-1", "EX-2", "head", 1980, "skilled"), member("EX-3-1", "EX-3", "head", 1990, "ordinary"),
    ])
    income = pd.DataFrame([
        {"household_id": hid, "month": str(m), "wage": wage, "business": 50.0, "property": 0.0, "transfer": 20.0,
         "reported_on": (m.to_timestamp(how="end").normalize() + pd.Timedelta(days=30)).strftime("%Y-%m-%d")}
        for m in months for hid, wage in (("EX-1", 400.0), ("EX-2", 2600.0))
    ])
    claims = pd.DataFrame([{"claim_id": "EX-C1", "member_id": "EX-1-1", "service_date": "2024-04-10",
                            "kind": "inpatient", "diagnosis_group": "cardio", "total_cost": 18000.0,
                            "reimbursed": 12000.0, "out_of_pocket": 6000.0, "reported_on": "2024-04-30"}])
    assistance = pd.DataFrame([{"household_id": "EX-1", "member_id": "", "program": "dibao",
                                "start_date": "2022-01-01", "end_date": "2024-03-31", "monthly_amount": 300.0,
                                "reported_on": "2022-01-10"}])
    events = pd.DataFrame([{"event_id": "EX-E1", "household_id": "EX-2", "member_id": "EX-2-1",
                            "event_type": "job_loss", "event_date": "2024-05-15", "severity": "",
                            "loss_amount": "", "reported_on": "2024-06-01"}])
    panel = Panel.from_frames({"households": households, "members": members, "income": income,
                               "medical_claims": claims, "assistance": assistance, "events": events})
    return panel_to_records(panel)


def __getattr__(name: str):
    """Versions logged before the adapter owned MLflow pickled ``riskmodel.training.pyfunc.RiskmodelPyfunc``."""
    if name == "RiskmodelPyfunc":
        from riskmodel.training.tracking import RiskmodelPyfunc

        return RiskmodelPyfunc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
