"""List files for people (XLSX per county, CSV with BOM) and for tools (JSON).

The weekly run writes them into its week folder; the API's CSV/XLSX export of a stored list
is the same files (``csv_bytes``, ``list_workbook``), so an office gets one format.

Everything written here is a function of the list and the run's inputs only: no clock, no
host, no random names inside the files, so a rerun of the same week writes identical bytes
(openpyxl stamps the workbook and its zip entries with the time; both are pinned here).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from riskmodel.listing import HORIZON_WEEKS
from riskmodel.listing.followup import OUTCOME_ZH, STATUS_ZH
from riskmodel.plain import plain

#: Chinese headers of the people-facing files, in column order.
HEADERS_ZH = {
    "as_of": "名单日期",
    "county_code": "县代码",
    "township_code": "乡镇代码",
    "village_code": "村代码",
    "rank": "乡镇排名",
    "county_rank": "县内排名",
    "household_id": "户编号",
    "score": "风险分",
    "probability": f"{HORIZON_WEEKS}周内纳入监测概率",
    "band": "风险等级",
    "category_zh": "建议识别类别",
    "risk_types_zh": "主要风险类型",
    "measures": "建议帮扶措施",
    "new_on_list": "本周新进名单",
    "previous_rank": "上周排名",
    "status": "状态",
    "visit_outcome": "最近走访结果",
    "visited_on": "最近走访日期",
}
SUMMARY_HEADERS_ZH = {
    "township_code": "乡镇代码",
    "eligible": "纳入筛查农户数",
    "capacity": "本周走访容量",
    "listed": "名单户数",
    "new_on_list": "其中新进名单",
    "source": "容量来源",
}
SOURCE_ZH = {"share": "按比例", "township": "乡镇设定", "county": "县分配"}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_MAX_WIDTH = 60


def people_frame(lists: pd.DataFrame) -> pd.DataFrame:
    """The list with Chinese headers and text cells as an office reads them."""
    out = pd.DataFrame({
        HEADERS_ZH[c]: lists[c] for c in HEADERS_ZH
        if c not in ("new_on_list", "previous_rank", "measures", "status", "visit_outcome")
    })
    out[HEADERS_ZH["status"]] = lists["status"].map(STATUS_ZH).to_numpy()
    out[HEADERS_ZH["visit_outcome"]] = lists["visit_outcome"].map(OUTCOME_ZH).fillna("").to_numpy()
    out[HEADERS_ZH["measures"]] = ["；".join(m) for m in lists["measures"]]
    out[HEADERS_ZH["new_on_list"]] = lists["new_on_list"].map({True: "是", False: "否"}).to_numpy()
    prev = lists["previous_rank"]
    out[HEADERS_ZH["previous_rank"]] = prev.astype(object).where(prev.notna(), "").to_numpy()
    return out[list(HEADERS_ZH.values())]


def csv_bytes(lists: pd.DataFrame) -> bytes:
    """CSV with a UTF-8 byte-order mark, so Excel on a Chinese-locale machine opens it right."""
    return people_frame(lists).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_csv(lists: pd.DataFrame, path: Path) -> None:
    """``csv_bytes`` into ``path``."""
    path.write_bytes(csv_bytes(lists))


def write_json(lists: pd.DataFrame, path: Path, header: dict, sizes: pd.DataFrame) -> None:
    """Machine-readable list: run header, township capacities and rows (English keys, codes)."""
    rows = [{k: plain(v) for k, v in rec.items()} for rec in lists.to_dict("records")]
    doc = {**header, "townships": [{k: plain(v) for k, v in r.items()} for r in sizes.to_dict("records")],
           "rows": rows}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_json_list(path: Path) -> pd.DataFrame:
    """The rows of a written ``risk_list.json`` (used to mark changes against last week)."""
    doc = json.loads(Path(path).read_text("utf-8"))
    return pd.DataFrame(doc["rows"], columns=None if doc["rows"] else ["household_id", "rank"])


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet(ws, frame: pd.DataFrame) -> None:
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        ws.append(list(row))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        values = frame[col].astype(str)
        longest = max([_display_width(str(col))] + [_display_width(v) for v in values.head(2000)])
        ws.column_dimensions[get_column_letter(i)].width = min(longest + 2, _MAX_WIDTH)
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{len(frame) + 1}"


def _pin(data: bytes, stamp: str) -> bytes:
    """Rewrite an xlsx zip with fixed entry times and document dates (``stamp``, ISO)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<3>", body)
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = 0o600 << 16
            dst.writestr(pinned, body)
    return buf.getvalue()


def write_county_xlsx(county: str, lists: pd.DataFrame, sizes: pd.DataFrame, header: dict, path: Path) -> None:
    """One workbook per county: 汇总 (summary), 全县名单 (county list), then one sheet per township."""
    path.write_bytes(list_workbook(lists, header, sizes, region=("县代码", county)))


def _summary(lists: pd.DataFrame, sizes: pd.DataFrame | None) -> pd.DataFrame:
    """One row per township; without ``sizes`` (an export of a stored list) only what the list
    itself shows: listed and new households."""
    townships = sizes["township_code"] if sizes is not None else pd.Series(sorted(lists["township_code"].unique()))
    rows = []
    for i, code in enumerate(townships):
        mine = lists[lists["township_code"] == code]
        row = {"township_code": code, "listed": int(len(mine)), "new_on_list": int(mine["new_on_list"].sum())}
        if sizes is not None:
            r = sizes.iloc[i]
            row |= {"eligible": int(r["eligible"]), "capacity": int(r["capacity"]),
                    "source": SOURCE_ZH.get(r["source"], r["source"])}
        rows.append(row)
    cols = [c for c in SUMMARY_HEADERS_ZH if sizes is not None or c in ("township_code", "listed", "new_on_list")]
    return pd.DataFrame(rows, columns=cols).rename(columns=SUMMARY_HEADERS_ZH)


def list_workbook(lists: pd.DataFrame, header: dict, sizes: pd.DataFrame | None = None, *,
                  region: tuple[str, str] | None = None) -> bytes:
    """A list workbook: 汇总 (summary), 全县名单 (the rows by county rank), one sheet per township.

    ``region``: (label, code) shown in the summary; ``sizes``: the week's township capacities
    (the weekly run has them; a stored list does not).
    """
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    info = [*([region] if region else []), ("名单日期", header["as_of"]),
            *([("数据截止日期", header["data_cutoff"])] if header.get("data_cutoff") else []),
            ("模型", f"{header.get('model_name') or ''} {header.get('model_version') or ''}".strip()),
            ("名单户数", int(len(lists))), ("其中新进名单", int(lists["new_on_list"].sum()))]
    table = _summary(lists, sizes)
    _sheet(summary, table)
    # the run's facts sit to the right of the township table, leaving the header row frozen
    col = table.shape[1] + 2
    for i, (k, v) in enumerate(info, start=1):
        summary.cell(row=i, column=col, value=k).font = Font(bold=True)
        summary.cell(row=i, column=col + 1, value=v)
    summary.column_dimensions[get_column_letter(col)].width = 14
    summary.column_dimensions[get_column_letter(col + 1)].width = 24

    people = people_frame(lists)
    county_sheet = wb.create_sheet("全县名单")
    by_county = people.iloc[np.lexsort((lists["county_rank"].to_numpy(), lists["county_code"].to_numpy()))]
    _sheet(county_sheet, by_county)
    for code in (sizes["township_code"] if sizes is not None else sorted(lists["township_code"].unique())):
        ws = wb.create_sheet(str(code))  # 9 digits: within Excel's 31-character sheet names
        _sheet(ws, people[(lists["township_code"] == code).to_numpy()])
    buf = io.BytesIO()
    wb.save(buf)
    return _pin(buf.getvalue(), f"{header['as_of']}T00:00:00Z")
