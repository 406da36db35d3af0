"""Simulation arrays → typed contract frames (what ``riskmodel.contract.load`` would return).

Records that would reach the system after the panel's end (``reported_on > end``) are left
out, like a real extract taken on the end date; dates after the end become empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract.schema import (
    CATEGORIES,
    CLAIM_KINDS,
    DIAGNOSIS_GROUPS,
    EDUCATION,
    EVENT_TYPES,
    HOUSEHOLD_TYPES,
    IN_SCHOOL,
    LABOR_SKILLS,
    LEFT_REASONS,
    PROGRAMS,
    RELATIONS,
    SEXES,
)
from riskmodel.synth.engine import NONE, SimOutput
from riskmodel.synth.regions import region_names
from riskmodel.synth.truth import open_on_month_starts, realised_oracle

ID = pd.StringDtype("pyarrow")


def _dates(days: np.ndarray, end: int | None = None) -> pd.Series:
    days = np.asarray(days, dtype=np.int64)
    bad = days == NONE
    if end is not None:
        bad |= days > end
    out = np.where(bad, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
    out[bad] = np.datetime64("NaT")
    return pd.Series(out)


def _ids(prefix: str, idx: np.ndarray, width: int) -> pd.Series:
    idx = np.asarray(idx, dtype=np.int64)
    text = np.char.add(prefix, np.char.zfill(idx.astype(str), width))
    return pd.Series(text, dtype=ID)


def _opt_ids(prefix: str, idx: np.ndarray, width: int) -> pd.Series:
    s = _ids(prefix, np.where(idx < 0, 0, idx), width)
    return s.mask(pd.Series(idx < 0), pd.NA)


def _cat(codes: np.ndarray, values: tuple[str, ...]) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(values)))


def household_ids(n: int, seed: int) -> np.ndarray:
    """Pseudonymous household numbers: a seeded permutation, so ids say nothing about the household."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 404]))
    return rng.permutation(n)


class _Ids:
    """Pseudonymous identifiers: households by a seeded permutation, people, claims and events numbered
    (from an offset when a panel is built county by county)."""

    def __init__(self, numbers: np.ndarray, width_h: int, width_m: int, offsets: dict[str, int] | None = None):
        self.hid = _ids("H", numbers, width_h)
        self.width_m = width_m
        self.offsets = offsets or {"member": 0, "claim": 0, "event": 0}

    @classmethod
    def single(cls, sim: SimOutput, seed: int) -> _Ids:
        H = len(sim.households["alv"])
        return cls(household_ids(H, seed), max(6, len(str(H))), max(7, len(str(len(sim.members["hh"])))))

    def household(self, idx) -> pd.Series:
        return pd.Series(self.hid.to_numpy()[np.asarray(idx, dtype=np.int64)], dtype=ID)

    def person(self, idx) -> pd.Series:
        return _ids("P", np.asarray(idx, dtype=np.int64) + self.offsets["member"], self.width_m)

    def optional_person(self, idx) -> pd.Series:
        idx = np.asarray(idx, dtype=np.int64)
        return _opt_ids("P", np.where(idx < 0, idx, idx + self.offsets["member"]), self.width_m)

    def numbered(self, prefix: str, kind: str, k: int) -> pd.Series:
        return _ids(prefix, np.arange(k) + self.offsets[kind], 8)


def build_tables(sim: SimOutput, seed: int, ids: _Ids | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Contract frames (and the v1.1 regions and member_status) and the truth's latent columns."""
    ids = ids or _Ids.single(sim, seed)
    tables = dict(households=_households(sim, ids), members=_members(sim, ids), income=_income(sim, ids),
                  medical_claims=_claims(sim, ids), assistance=_assistance(sim, ids), events=_events(sim, ids),
                  monitoring=_monitoring(sim, ids), regions=region_names(sim.regions, seed),
                  member_status=_member_status(sim, ids))
    return tables, _truth(sim, ids.hid)


def _households(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """The households table, sorted by id."""
    h = sim.households
    households = pd.DataFrame({
        "household_id": ids.hid,
        "region_code": pd.Series(sim.regions.village_code[h["vil"]], dtype=ID),
        "household_type": _cat(np.where(h["alv"], 0, 1), HOUSEHOLD_TYPES),
        "poverty_exit_year": pd.array(np.where(h["alv"], h["exit_year"], 0), dtype="Int64"),
        "relocated": h["relocated"].astype(bool),
        "registered_on": _dates(h["reg"]),
    })
    households.loc[~h["alv"], "poverty_exit_year"] = pd.NA
    households = households.sort_values("household_id", kind="stable").reset_index(drop=True)
    return households


def _members(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """People who joined by the end; departures after it are not known yet."""
    end, hh_col = sim.end_day, ids.household
    mem = sim.members
    keep_m = mem["joined"] <= end
    midx = np.flatnonzero(keep_m)
    left = np.where(mem["left"][midx] <= end, mem["left"][midx], NONE)
    members = pd.DataFrame({
        "member_id": ids.person(midx),
        "household_id": hh_col(mem["hh"][midx]),
        "relation": _cat(mem["rel"][midx], RELATIONS),
        "sex": _cat(mem["sex"][midx], SEXES),
        "birth_year": pd.array(mem["by"][midx], dtype="Int64"),
        "education": _cat(mem["edu"][midx], EDUCATION),
        "in_school": _cat(mem["insch"][midx], IN_SCHOOL),
        "labor_skill": _cat(mem["skill"][midx], LABOR_SKILLS),
        "joined_on": _dates(mem["joined"][midx]),
        "left_on": _dates(left),
        "left_reason": _cat(np.where(left == NONE, -1, mem["lreason"][midx]), LEFT_REASONS),
    })
    return members


def _income(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Monthly income rows reported by the end."""
    end, hh_col = sim.end_day, ids.household
    inc = sim.income
    k = inc["reported"] <= end
    income = pd.DataFrame({
        "household_id": hh_col(inc["hh"][k]),
        "month": _dates(inc["month"][k]),
        "wage": np.maximum(inc["wage"][k], 0.0),
        "business": inc["business"][k],
        "property": np.maximum(inc["property"][k], 0.0),
        "transfer": np.maximum(inc["transfer"][k], 0.0),
        "reported_on": _dates(inc["reported"][k]),
    }).sort_values(["household_id", "month"], kind="stable").reset_index(drop=True)
    return income


def _reported(records: dict[str, np.ndarray], end: int, when: str, *order: str) -> dict[str, np.ndarray]:
    """Every column of ``records`` for the rows with ``when`` on or before ``end``, in ``np.lexsort``
    order of the ``order`` columns (the last one sorts first)."""
    k = records[when] <= end
    rows = np.lexsort(tuple(records[c][k] for c in order))
    return {c: v[k][rows] for c, v in records.items()}


def _claims(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Medical claims reported by the end, numbered by service date."""
    cl = _reported(sim.claims, sim.end_day, "reported", "member", "service")
    return pd.DataFrame({
        "claim_id": ids.numbered("C", "claim", len(cl["reported"])),
        "member_id": ids.person(cl["member"]),
        "service_date": _dates(cl["service"]),
        "kind": _cat(cl["kind"], CLAIM_KINDS),
        "diagnosis_group": _cat(cl["group"], DIAGNOSIS_GROUPS),
        "total_cost": cl["total"],
        "reimbursed": cl["reimbursed"],
        "out_of_pocket": cl["oop"],
        "reported_on": _dates(cl["reported"]),
    })


def _assistance(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Assistance spells reported by the end."""
    end = sim.end_day
    a = _reported(sim.assistance, end, "reported", "program", "member", "hh", "start")
    return pd.DataFrame({
        "household_id": ids.household(a["hh"]),
        "member_id": ids.optional_person(a["member"]),
        "program": _cat(a["program"], PROGRAMS),
        "start_date": _dates(a["start"]),
        "end_date": _dates(a["end"], end),
        "monthly_amount": np.round(a["amount"], 2),
        "reported_on": _dates(a["reported"]),
    })


def _events(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Events reported by the end, numbered by date."""
    e = _reported(sim.events, sim.end_day, "reported", "type", "hh", "date")
    sev = e["severity"]
    events = pd.DataFrame({
        "event_id": ids.numbered("E", "event", len(e["reported"])),
        "household_id": ids.household(e["hh"]),
        "member_id": ids.optional_person(e["member"]),
        "event_type": _cat(e["type"], EVENT_TYPES),
        "event_date": _dates(e["date"]),
        "severity": pd.array(np.where(sev > 0, sev, 0), dtype="Int64"),
        "loss_amount": e["loss"],
        "reported_on": _dates(e["reported"]),
    })
    events.loc[sev <= 0, "severity"] = pd.NA
    return events


def _monitoring(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Monitoring rows reported by the end; elimination after it is not known yet."""
    end = sim.end_day
    mo = _reported(sim.monitoring, end, "rep", "hh", "id")
    return pd.DataFrame({
        "household_id": ids.household(mo["hh"]),
        "identified_on": _dates(mo["id"]),
        "category": _cat(mo["cat"], CATEGORIES),
        "risk_types": pd.Series(mo["rt"].astype(str), dtype=ID),
        "eliminated_on": _dates(mo["elim"], end),
        "reported_on": _dates(mo["rep"]),
    })


def _member_status(sim: SimOutput, ids: _Ids) -> pd.DataFrame:
    """Yearly member status rows reported by the end."""
    st = _reported(sim.member_status, sim.end_day, "reported", "effective", "member")
    return pd.DataFrame({
        "member_id": ids.person(st["member"]),
        "effective_on": _dates(st["effective"]),
        "in_school": _cat(st["in_school"], IN_SCHOOL),
        "labor_skill": _cat(st["skill"], LABOR_SKILLS),
        "reported_on": _dates(st["reported"]),
    })


def _truth(sim: SimOutput, hid: pd.Series) -> pd.DataFrame:
    """Latent columns and the two full-information oracles (the observable one is added by ``generate``)."""
    month_days = sim.truth["month_day"]
    T, Hn = sim.truth["p"].shape
    mo = sim.monitoring
    open_ = open_on_month_starts(month_days, mo["hh"], mo["id"], mo["elim"], Hn)
    state = np.where(open_, 0.0, sim.truth["p"].astype(np.float64))
    full = np.where(open_, 0.0, realised_oracle(sim.truth["log_survival"], sim.truth["pending"]))
    distress = sim.truth["distress"].astype(np.float64)

    def col(a):
        return a.T.reshape(-1)

    truth = pd.DataFrame({
        "household_id": np.repeat(hid.to_numpy(dtype=object), T),
        "month": np.tile(month_days.astype("datetime64[D]").astype("datetime64[ns]"), Hn),
        "latent_income_pc": np.round(col(sim.truth["income"]).astype(np.float64), 2),
        "latent_net_income_pc": np.round(col(sim.truth["net"]).astype(np.float64), 2),
        "latent_distress": col(distress),
        "in_hardship": col(distress >= 0.5),
        "p_identified_26w": col(full),
        "p_identified_26w_state": col(state),
    })
    truth["household_id"] = truth["household_id"].astype(ID)
    return truth.sort_values(["household_id", "month"], kind="stable").reset_index(drop=True)
