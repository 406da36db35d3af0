"""A stored weekly list as a CSV or XLSX download: the weekly run's own files (one export, not two)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from riskmodel.monitoring.lists import from_stored
from riskmodel.monitoring.writers import csv_bytes, list_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def list_file(df: pd.DataFrame, fmt: str, day: dt.date, prefix: str | None, run: dict) -> tuple[bytes, str]:
    """The file's bytes and media type: the weekly run's CSV (with a BOM) or its formatted workbook."""
    from riskmodel.features.spec import risk_types

    table = from_stored(df, day, risk_types())
    if fmt == "csv":
        return csv_bytes(table), CSV_TYPE
    header = {"as_of": day.isoformat(), "model_name": run.get("model_name"), "model_version": run.get("model_version")}
    return list_workbook(table, header, region=("区划代码", prefix) if prefix else None), XLSX_TYPE
