"""Integer codes of the contract's vocabularies, as the simulation's arrays store them."""

from __future__ import annotations

from riskmodel.contract.schema import DIAGNOSIS_GROUPS, EVENT_TYPES, PROGRAMS, RELATIONS, RISK_TYPES

REL = {r: i for i, r in enumerate(RELATIONS)}
DG = {g: i for i, g in enumerate(DIAGNOSIS_GROUPS)}
EV = {e: i for i, e in enumerate(EVENT_TYPES)}
PG = {p: i for i, p in enumerate(PROGRAMS)}
RT = {r: i for i, r in enumerate(RISK_TYPES)}
KIND = {"inpatient": 0, "outpatient_chronic": 1, "outpatient": 2}
