"""The households' own data behind a list: read from the data directory the weekly run recorded.

``riskmodel weekly`` stores where its data directory is (list run ``meta.data_dir``), so the
pages need no setting of their own. The panel is loaded once per server process, on the first
household page, and reloaded when the directory changes.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import pandas as pd

from riskmodel.contract.schema import TABLES

#: What a household page shows of each table, in this order (Chinese headers from the contract).
SHOWN = {
    "members": ("relation", "sex", "birth_year", "education", "in_school", "labor_skill", "joined_on", "left_on"),
    "medical_claims": ("service_date", "kind", "diagnosis_group", "total_cost", "reimbursed", "out_of_pocket"),
    "assistance": ("program", "start_date", "end_date", "monthly_amount"),
    "events": ("event_type", "event_date", "severity", "loss_amount"),
}
INCOME_SOURCES = ("wage", "business", "property", "transfer")
INCOME_MONTHS = 12


def _mtime(path: Path) -> int:
    return max((p.stat().st_mtime_ns for p in [path, *path.iterdir()]), default=0)


class Panels:
    """One loaded panel per process (the latest data directory asked for), thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._panel = None

    def warm(self, data_dir: str | None) -> None:
        """Load in the background (the list page calls it, so the first household page is quick)."""
        if data_dir and self._key is None and not self._lock.locked():
            threading.Thread(target=self.get, args=(data_dir,), daemon=True, name="panel-warm").start()

    def get(self, data_dir: str | None):
        """The panel in ``data_dir``, or None when there is none (or it no longer loads)."""
        if not data_dir or not Path(data_dir).is_dir():
            return None
        from riskmodel.contract import ContractError, load

        key = (data_dir, _mtime(Path(data_dir)))
        with self._lock:
            if self._key != key:
                try:
                    self._panel = load(data_dir)
                except (ContractError, OSError, ValueError):
                    self._panel = None
                self._key = key
            return self._panel


def region_names(panel=None, data_dir: str | None = None) -> dict[str, str]:
    """Chinese names by region code from the optional ``regions`` table (empty without it).

    From the loaded panel when its contract knows the table, else straight from the data
    directory's ``regions.parquet``/``regions.csv`` (cheap: the list page needs no panel).
    """
    regions = getattr(panel, "regions", None)
    if isinstance(regions, pd.DataFrame) and not regions.empty and "name" in regions:
        return dict(zip(regions["region_code"].astype(str), regions["name"].astype(str)))
    for suffix in ("parquet", "csv"):
        path = Path(data_dir or "\0") / f"regions.{suffix}"
        if data_dir and path.is_file():
            return _names_file(str(path), path.stat().st_mtime_ns)
    return {}


@lru_cache(maxsize=4)
def _names_file(path: str, _mtime: int) -> dict[str, str]:
    frame = (pd.read_parquet(path, columns=["region_code", "name"]) if path.endswith(".parquet")
             else pd.read_csv(path, dtype=str, usecols=["region_code", "name"]))
    frame = frame.dropna()
    return dict(zip(frame["region_code"].astype(str), frame["name"].astype(str)))


def _cell(column, value) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if column is not None and column.values_zh and value in column.values:
        return column.values_zh[column.values.index(value)]
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def zh_table(name: str, frame: pd.DataFrame, sort: str | None = None) -> dict:
    """A contract table's rows for a page: Chinese headers and Chinese enum values."""
    table = TABLES[name]
    cols = [c for c in SHOWN[name] if c in frame.columns]
    if sort and sort in frame:
        frame = frame.sort_values(sort, ascending=False, kind="stable")
    meta = {c: table.column(c) for c in cols}
    return {"title": table.zh, "headers": [meta[c].zh or c for c in cols],
            "rows": [[_cell(meta[c], v) for c, v in zip(cols, row)] for row in frame[cols].itertuples(index=False)]}


def household_data(panel, household_id: str, as_of) -> dict | None:
    """The household as known on the list date: tables for the page and its monthly income."""
    if panel is None or household_id not in set(panel.households["household_id"].astype(str)):
        return None
    known = panel.subset([household_id]).as_of(pd.Timestamp(as_of))
    members = known.members
    claims = known.medical_claims
    income = known.income.sort_values("month").tail(INCOME_MONTHS)
    return {
        "members": zh_table("members", members),
        "medical_claims": zh_table("medical_claims", claims, "service_date"),
        "assistance": zh_table("assistance", known.assistance, "start_date"),
        "events": zh_table("events", known.events, "event_date"),
        "income_months": [pd.Timestamp(m).strftime("%y-%m") for m in income["month"]],
        "income": {TABLES["income"].column(s).zh: income[s].astype(float).tolist() for s in INCOME_SOURCES},
        "identified_on": None if known.monitoring.empty else
        pd.Timestamp(known.monitoring["identified_on"].max()).strftime("%Y-%m-%d"),
    }


def identified_since(panel, household_ids, since) -> set[str]:
    """Which of these households entered monitoring (识别认定) on or after ``since``, as the data say."""
    if panel is None or panel.monitoring.empty:
        return set()
    m = panel.monitoring
    hit = m[(m["identified_on"] >= pd.Timestamp(since)) & m["household_id"].astype(str).isin(set(household_ids))]
    return set(hit["household_id"].astype(str))
