"""The list workbook a page offers: the weekly run's own XLSX writer, on the user's rows.

One export: a county office downloads exactly the file the weekly run wrote; a township
office gets the same workbook cut to its townships (never a neighbour's rows).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from riskmodel.contract.regions import TOWNSHIP_DIGITS
from riskmodel.monitoring import writers


def county_workbook(out_dir: str | None, as_of: dt.date, county: str, prefix: str | None
                    ) -> tuple[bytes, list[str], str] | None:
    """``(xlsx bytes, household ids in it, file name)`` or None when the week's files are gone.

    The rows and township capacities come from the week's ``risk_list.json``, so the workbook
    is byte for byte the weekly run's ``xlsx/county_<code>.xlsx`` when the user sees the county.
    """
    if not out_dir:
        return None
    week = Path(out_dir) / as_of.isoformat()
    path = week / "risk_list.json"
    if not path.is_file():
        return None
    doc = json.loads(path.read_text("utf-8"))
    header = {k: v for k, v in doc.items() if k not in ("rows", "townships")}
    rows = writers.read_json_list(path)
    if rows.empty or "county_code" not in rows:
        return None
    scope = prefix if prefix and len(prefix) > len(county) else county
    rows = rows[rows["village_code"].astype(str).str.startswith(scope)].reset_index(drop=True)
    if rows.empty:
        return None
    rows["previous_rank"] = rows["previous_rank"].astype("Int64")  # JSON null made it float
    sizes = pd.DataFrame(doc["townships"])
    sizes = sizes[sizes["township_code"].astype(str).str.startswith(scope[:TOWNSHIP_DIGITS])]
    sizes = sizes[sizes["county_code"].astype(str) == county].reset_index(drop=True)
    region = ("县代码", county) if scope == county else ("区划代码", scope)
    data = writers.list_workbook(rows, header, sizes, region=region)
    name = f"county_{county}.xlsx" if scope == county else f"county_{county}_{scope}.xlsx"
    return data, rows["household_id"].astype(str).tolist(), name
