"""Test doubles and payloads for the serving tests: a fake Scorer, a fake registry, seed data.

The fake follows the documented ``Scorer`` interface (docs/architecture.md) so the API is
tested without training; ``test_real_model.py`` runs the API on the real scorer.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
from riskmodel.store import Store

IN_REGION = "520322"  # the office key's county
OUT_REGION = "520323"
HH_IN = "H0000001"    # known household in the office's county
HH_OUT = "H0000002"   # known household in another county
WEEK = "2024-07-01"


class FakeScorer:
    """Scores by out-of-pocket medical cost, member count and events: deterministic, vectorised."""

    model_name = "riskmodel"
    capacity_share = 0.02
    reference = None

    def __init__(self, version: str = "1", delay_s: float = 0.0):
        self.model_version = version
        self.delay_s = delay_s
        self.calls = 0

    def score(self, panel, as_of, *, explain=None) -> pd.DataFrame:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        p = panel.as_of(as_of)
        hh = p.households[["household_id", "region_code"]].copy()
        oop = p.medical_claims.merge(p.members[["member_id", "household_id"]], on="member_id")
        oop = oop.groupby("household_id", observed=True)["out_of_pocket"].sum()
        n_events = p.events.groupby("household_id", observed=True).size()
        n_members = p.members.groupby("household_id", observed=True).size()
        hid = hh["household_id"]
        x = (hid.map(oop).fillna(0).to_numpy(float) / 5000 + hid.map(n_events).fillna(0).to_numpy(float)
             - hid.map(n_members).fillna(0).to_numpy(float) * 0.1 + float(self.model_version) * 0.01)
        hh["score"] = x
        hh["probability"] = 1 / (1 + np.exp(-(x - 2)))
        hh = hh.sort_values(["score", "household_id"], ascending=[False, True], kind="stable")
        hh["rank"] = np.arange(1, len(hh) + 1)
        hh["band"] = np.where(hh["probability"] > 0.5, "high", "low")
        hh["category"] = np.where(hid.reindex(hh.index).map(n_events).fillna(0) > 0, "sudden", "marginal")
        hh["category_zh"] = hh["category"].map({"sudden": "突发严重困难户", "marginal": "边缘易致贫户"})
        ids = set(hh["household_id"]) if explain is None else (
            set(hh["household_id"].head(explain)) if isinstance(explain, int) else set(explain))
        mask = hh["household_id"].isin(ids)
        hh["risk_types"] = [["illness", "labor"] if m else None for m in mask]
        hh["contributions"] = [{"illness": float(s) * 0.7, "labor": float(s) * 0.3} if m else None
                               for m, s in zip(mask, hh["score"])]
        hh["measures"] = [["临时救助"] if m else None for m in mask]
        return hh.reset_index(drop=True)

    def score_features(self, feats, panel, as_of, *, explain=None) -> pd.DataFrame:
        """``score`` for the households of an already built feature frame (the weekly run's path)."""
        out = self.score(panel, as_of, explain=explain)
        out = out[out["household_id"].isin(set(feats["household_id"]))].reset_index(drop=True)
        out["rank"] = np.arange(1, len(out) + 1)
        return out

    def columns(self, panel, as_of, *, explain=None) -> dict:
        return {c: v.to_numpy() for c, v in self.score(panel, as_of, explain=explain).items()}


class Registry:
    """Stands in for the MLflow registry: an alias pointing at a version, and a loader."""

    def __init__(self, version: str = "1", delay_s: float = 0.0):
        self.version = version
        self.delay_s = delay_s
        self.loads: list[str] = []
        self.lock = threading.Lock()

    def resolve(self) -> str:
        return self.version

    def load(self, uri: str) -> FakeScorer:
        with self.lock:
            self.loads.append(uri)
        return FakeScorer(uri.rsplit("/", 1)[-1], self.delay_s)

    def info(self, version: str) -> dict:
        return {"run_id": f"run{version}", "trained_at": "2024-07-01T00:00:00Z", "metrics": {"auc": 0.8}}


def household(hid: str = "H0NEW001", region: str = IN_REGION + "104201", *, members: bool = True, **extra) -> dict:
    """A small valid score payload."""
    p = {"household": {"household_id": hid, "region_code": region, "household_type": "general",
                       "registered_on": "2023-01-01"}}
    if members:
        p["members"] = [{"member_id": f"{hid}-1", "relation": "head", "sex": "F", "birth_year": 1970,
                         "education": "primary", "in_school": "none", "labor_skill": "ordinary",
                         "joined_on": "2023-01-01"}]
        p["medical_claims"] = [{"claim_id": f"{hid}-c1", "member_id": f"{hid}-1", "service_date": "2024-03-01",
                                "kind": "inpatient", "diagnosis_group": "renal", "total_cost": 20000,
                                "reimbursed": 12000, "out_of_pocket": 8000, "reported_on": "2024-03-20"}]
    p.update(extra)
    return p


def seed_week(store: Store) -> None:
    rows = pd.DataFrame({
        "household_id": [HH_IN, HH_OUT], "region_code": [IN_REGION + "104201", OUT_REGION + "101001"],
        "rank": [1, 2], "score": [2.5, 1.5], "probability": [0.6, 0.3], "band": ["high", "low"],
        "category": ["sudden", "marginal"], "risk_types": ["illness;labor", "employment"],
        "measures": [["临时救助"], ["公益性岗位安置"]]})
    store.replace_risk_list(WEEK, rows, {"model_name": "riskmodel", "model_version": "1", "run_id": "r1"})
    store.replace_scores(WEEK, rows.drop(columns=["rank"]), {"model_name": "riskmodel", "model_version": "1"})
    store.save_drift_summary(WEEK, {"share_drifted": 0.05, "drifted": ["income_12m"]}, "1")


def auth(key: str) -> dict:
    return {"X-API-Key": key}
