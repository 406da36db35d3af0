"""Small random contract panels for the feature tests (valid by construction, pseudonymous ids).

Member-level records are dated after the member joined, heads join when their household
registers, so dropping records reported after a date never breaks the contract's references.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.contract import Panel
from riskmodel.contract.schema import (
    CLAIM_KINDS,
    DIAGNOSIS_GROUPS,
    EVENT_TYPES,
    IN_SCHOOL,
    LABOR_SKILLS,
    LEFT_REASONS,
    ONE_OFF_PROGRAMS,
    PROGRAMS,
    RELATIONS,
    RISK_TYPES,
)

START = pd.Timestamp("2021-01-01")
END = pd.Timestamp("2025-06-30")
SPAN = (END - START).days


def _d(day: int) -> str:
    return (START + pd.Timedelta(days=int(day))).strftime("%Y-%m-%d")


def random_frames(seed: int, households: int = 30) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    hh, mem, inc, clm, ast, ev, mon = [], [], [], [], [], [], []
    for h in range(households):
        hid = f"H{seed % 1000:03d}{h:04d}"
        reg = int(rng.integers(0, SPAN - 30)) if rng.random() < 0.85 else int(rng.integers(0, 60))
        alleviated = rng.random() < 0.6
        hh.append({"household_id": hid, "region_code": f"5301020010{rng.integers(0, 3):02d}",
                   "household_type": "alleviated" if alleviated else "general",
                   "poverty_exit_year": str(rng.integers(2014, 2021)) if alleviated else "",
                   "relocated": ["true", "false", ""][rng.integers(0, 3)], "registered_on": _d(reg)})
        members = []
        for k in range(int(rng.integers(1, 7))):
            joined = reg if (k == 0 or rng.random() < 0.7) else int(rng.integers(reg, SPAN))
            left, reason = "", ""
            if rng.random() < 0.25:
                left_day = int(rng.integers(joined, SPAN + 1))
                left, reason = _d(left_day), LEFT_REASONS[rng.integers(0, len(LEFT_REASONS))]
            joined_year = (START + pd.Timedelta(days=joined)).year
            birth = int(rng.integers(1935, joined_year + 1))
            mid = f"{hid}M{k}"
            members.append((mid, joined))
            mem.append({"member_id": mid, "household_id": hid,
                        "relation": "head" if k == 0 else RELATIONS[rng.integers(1, len(RELATIONS))],
                        "sex": "MF"[rng.integers(0, 2)], "birth_year": str(birth),
                        "education": "junior", "in_school": IN_SCHOOL[rng.integers(0, len(IN_SCHOOL))],
                        "labor_skill": LABOR_SKILLS[rng.integers(0, len(LABOR_SKILLS))],
                        "joined_on": _d(joined), "left_on": left, "left_reason": reason})
        first_month = (START + pd.Timedelta(days=reg)).to_period("M") - int(rng.integers(0, 6))
        if rng.random() < 0.85:  # some households never report income
            for month in pd.period_range(max(first_month, pd.Period("2020-06", "M")), END.to_period("M")):
                if rng.random() < 0.2:
                    continue
                end = month.to_timestamp(how="end").normalize()
                inc.append({"household_id": hid, "month": str(month),
                            "wage": round(float(rng.gamma(2, 600)), 2) * (rng.random() < 0.8),
                            "business": round(float(rng.normal(100, 400)), 2),
                            "property": round(float(rng.exponential(30)), 2),
                            "transfer": round(float(rng.exponential(150)), 2),
                            "reported_on": (end + pd.Timedelta(days=int(rng.integers(0, 100)))).strftime("%Y-%m-%d")})
        for mid, joined in members:
            for _ in range(int(rng.poisson(2.5))):
                day = int(rng.integers(joined, SPAN + 1))
                total = round(float(rng.gamma(1.5, 2000)), 2)
                reimb = round(total * float(rng.uniform(0.3, 0.9)), 2)
                clm.append({"claim_id": f"C{len(clm)}-{seed}", "member_id": mid, "service_date": _d(day),
                            "kind": CLAIM_KINDS[rng.integers(0, 3)],
                            "diagnosis_group": DIAGNOSIS_GROUPS[rng.integers(0, len(DIAGNOSIS_GROUPS))],
                            "total_cost": f"{total:.2f}", "reimbursed": f"{reimb:.2f}",
                            "out_of_pocket": f"{total - reimb:.2f}", "reported_on": _d(day + int(rng.integers(0, 40)))})
        for _ in range(int(rng.integers(0, 4))):
            prog = PROGRAMS[rng.integers(0, len(PROGRAMS))]
            mid, joined = members[rng.integers(0, len(members))] if rng.random() < 0.3 else (None, reg)
            start = int(rng.integers(joined, SPAN + 1))
            end = "" if (prog in ONE_OFF_PROGRAMS or rng.random() < 0.4) else _d(start + int(rng.integers(0, 900)))
            ast.append({"household_id": hid, "member_id": mid or "", "program": prog, "start_date": _d(start),
                        "end_date": end, "monthly_amount": f"{float(rng.uniform(50, 3000)):.2f}",
                        "reported_on": _d(start + int(rng.integers(0, 30)))})
        for _ in range(int(rng.poisson(2))):
            etype = EVENT_TYPES[rng.integers(0, len(EVENT_TYPES))]
            mid, joined = members[rng.integers(0, len(members))] if rng.random() < 0.6 else (None, reg)
            day = int(rng.integers(joined, SPAN + 1))
            sev = str(rng.integers(1, 5)) if etype in ("disability_certified", "disaster") and rng.random() < 0.8 else ""
            loss = f"{float(rng.uniform(0, 20000)):.2f}" if rng.random() < 0.4 else ""
            ev.append({"event_id": f"E{len(ev)}-{seed}", "household_id": hid, "member_id": mid or "",
                       "event_type": etype, "event_date": _d(day), "severity": sev, "loss_amount": loss,
                       "reported_on": _d(day + int(rng.integers(0, 30)))})
        day = reg
        for _ in range(int(rng.integers(0, 3))):
            ident = day + int(rng.integers(1, 500))
            if ident > SPAN:
                break
            elim = ident + int(rng.integers(180, 600)) if rng.random() < 0.7 else None
            risks = rng.choice(RISK_TYPES, size=int(rng.integers(1, 3)), replace=False)
            mon.append({"household_id": hid, "identified_on": _d(ident), "category": ["unstable", "marginal", "sudden"][rng.integers(0, 3)],
                        "risk_types": ";".join(risks), "eliminated_on": _d(elim) if elim is not None else "",
                        "reported_on": _d(ident + int(rng.integers(0, 15)))})
            if elim is None:
                break
            day = elim
    cols = {
        "income": ["household_id", "month", "wage", "business", "property", "transfer", "reported_on"],
        "medical_claims": ["claim_id", "member_id", "service_date", "kind", "diagnosis_group", "total_cost",
                           "reimbursed", "out_of_pocket", "reported_on"],
        "assistance": ["household_id", "member_id", "program", "start_date", "end_date", "monthly_amount", "reported_on"],
        "events": ["event_id", "household_id", "member_id", "event_type", "event_date", "severity", "loss_amount", "reported_on"],
        "monitoring": ["household_id", "identified_on", "category", "risk_types", "eliminated_on", "reported_on"],
    }
    frames = {"households": pd.DataFrame(hh), "members": pd.DataFrame(mem)}
    for name, rows in (("income", inc), ("medical_claims", clm), ("assistance", ast), ("events", ev), ("monitoring", mon)):
        frames[name] = pd.DataFrame(rows, columns=cols[name]).astype(str)
    return frames


def random_panel(seed: int, households: int = 30) -> Panel:
    return Panel.from_frames(random_frames(seed, households))


def drop_future(frames: dict[str, pd.DataFrame], as_of, keep_probability: float, seed: int) -> dict[str, pd.DataFrame]:
    """Drop each record that ``as_of`` cannot see (reported, registered or joined later) at random.

    With ``keep_probability=0`` every such record goes; dependants of a dropped household or
    member go with it (they are later too, by construction of the random panels).
    """
    t = pd.Timestamp(as_of)
    rng = np.random.default_rng(seed)

    def later(df: pd.DataFrame, col: str) -> np.ndarray:
        dates = pd.to_datetime(df[col].replace("", None))
        return (dates > t).to_numpy() & (rng.random(len(df)) >= keep_probability)

    out = {k: v.copy() for k, v in frames.items()}
    out["households"] = out["households"].loc[~later(out["households"], "registered_on")]
    gone_hh = set(frames["households"]["household_id"]) - set(out["households"]["household_id"])
    m = out["members"]
    head = (m["relation"] == "head").to_numpy()  # a kept household keeps its head (joined on registration)
    out["members"] = m.loc[~(later(m, "joined_on") & ~head) & ~m["household_id"].isin(gone_hh)]
    gone_m = set(frames["members"]["member_id"]) - set(out["members"]["member_id"])
    for name in ("income", "medical_claims", "assistance", "events", "monitoring"):
        df = out[name]
        keep = ~later(df, "reported_on")
        if "household_id" in df:
            keep &= ~df["household_id"].isin(gone_hh).to_numpy()
        if "member_id" in df:
            keep &= ~df["member_id"].isin(gone_m).to_numpy()
        out[name] = df.loc[keep]
    return out


def drop_future_panel(panel: Panel, as_of, keep_probability: float, seed: int) -> Panel:
    """``drop_future`` on a typed panel (no re-validation: dropping later records keeps it valid)."""
    from dataclasses import replace

    t = pd.Timestamp(as_of)
    rng = np.random.default_rng(seed)

    def later(df: pd.DataFrame, col: str) -> np.ndarray:
        return (df[col] > t).to_numpy(dtype=bool, na_value=False) & (rng.random(len(df)) >= keep_probability)

    hh = panel.households.loc[~later(panel.households, "registered_on")]
    gone_hh = ~panel.members["household_id"].isin(hh["household_id"]).to_numpy()
    m = panel.members
    head = (m["relation"] == "head").to_numpy(dtype=bool, na_value=False)
    members = m.loc[~(later(m, "joined_on") & ~head) & ~gone_hh]
    out = {"households": hh, "members": members}
    for name in ("income", "medical_claims", "assistance", "events", "monitoring"):
        df = getattr(panel, name)
        keep = ~later(df, "reported_on")
        if "household_id" in df:
            keep &= df["household_id"].isin(hh["household_id"]).to_numpy()
        if "member_id" in df:
            keep &= (df["member_id"].isna() | df["member_id"].isin(members["member_id"])).to_numpy(dtype=bool)
        out[name] = df.loc[keep]
    return replace(panel, **out)
