"""List files for people (XLSX per county, CSV with BOM) and for tools (JSON).

The weekly run writes them into its week folder; the API's CSV/XLSX export of a stored list
is the same files (``csv_bytes``, ``list_workbook``), so an office gets one format.

Everything written here is a function of the list and the run's inputs only: no clock, no
host, no random names inside the files, so a rerun of the same week writes identical bytes
(the workbook's creation date is the list date; XlsxWriter gives zip entries a fixed time).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from riskmodel.listing import HORIZON_WEEKS
from riskmodel.listing.followup import OUTCOME_ZH, STATUS_ZH
from riskmodel.plain import plain, plain_values

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
_MAX_WIDTH = 60
#: List rows turned into text at a time by ``write_json`` and ``write_csv``.
TEXT_ROWS = 4096


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
    out = io.BytesIO()
    _people_csv(lists, out)
    return out.getvalue()


def write_csv(lists: pd.DataFrame, path: Path) -> None:
    """``csv_bytes`` into ``path``."""
    _people_csv(lists, path)


def _people_csv(lists: pd.DataFrame, target) -> None:
    """The people's CSV into a path or binary buffer, ``TEXT_ROWS`` rows at a time (not a
    province's list as one text)."""
    people_frame(lists).to_csv(target, index=False, lineterminator="\r\n", encoding="utf-8-sig", chunksize=TEXT_ROWS)


def write_scores(chunks: Iterable[pa.Table], path: Path) -> None:
    """``scores.parquet``: every eligible household's score, written a chunk at a time (a row group
    each: the chunks, not the province, are in memory). The chunks' schema is the file's."""
    writer = None
    try:
        for chunk in chunks:
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk, row_group_size=max(len(chunk), 1))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError("scores.parquet: no rows to write")


def write_json(lists: pd.DataFrame, path: Path, header: dict, sizes: pd.DataFrame) -> None:
    """Machine-readable list: run header, township capacities and rows (English keys, codes).

    The header indented, then one row per line, written a slice at a time: the whole text of a
    province's list (and its Python pieces) is several times the file's size, and an indented
    row costs Python's own encoder, a compact one its C encoder.
    """
    doc = {**header, "townships": [{k: plain(v) for k, v in r.items()} for r in sizes.to_dict("records")],
           "rows": []}
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    with path.open("w", encoding="utf-8", newline="") as out:
        if not len(lists):
            out.write(text + "\n")
            return
        out.write(text.removesuffix("[]\n}") + "[\n")
        sep = "  "
        names = [str(c) for c in lists.columns]
        for start in range(0, len(lists), TEXT_ROWS):
            rows = lists.iloc[start:start + TEXT_ROWS]
            for values in zip(*(plain_values(col) for _name, col in rows.items())):
                out.write(sep + json.dumps(dict(zip(names, values)), ensure_ascii=False))
                sep = ",\n  "
        out.write("\n ]\n}\n")


def read_json_list(path: Path) -> pd.DataFrame:
    """The rows of a written ``risk_list.json`` (used to mark changes against last week)."""
    doc = json.loads(Path(path).read_text("utf-8"))
    return pd.DataFrame(doc["rows"], columns=None if doc["rows"] else ["household_id", "rank"])


def _display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: two for each wide (Chinese) character."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value):
    """A cell as XlsxWriter writes it: missing (None, NaN) blank, numpy scalars as Python values."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if isinstance(value, np.generic) else value


class _Rows:
    """A frame's cells as XlsxWriter writes them and each cell's display width, computed once for
    all the sheets that show its rows (a list row appears on its county's sheet and its township's)."""

    def __init__(self, frame: pd.DataFrame):
        self.columns = list(frame.columns)
        self.cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        self.widths = np.zeros((len(frame), len(self.columns)), dtype=np.int64)
        for i, col in enumerate(self.columns):
            text = frame[col].astype(str)  # what the column shows, as a sheet's width is measured
            codes, distinct = pd.factorize(text)
            if len(distinct):
                self.widths[:, i] = np.array([_display_width(v) for v in distinct])[codes]

    def sheet(self, wb, name: str, rows: np.ndarray, *, header_format):
        """One sheet of the rows at positions ``rows``: a bold header row, frozen, filtered,
        columns as wide as the text of their first 2000 rows."""
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, self.columns, header_format)
        cells = self.cells
        for i, at in enumerate(rows.tolist(), start=1):
            ws.write_row(i, 0, cells[at])
        ws.freeze_panes(1, 0)
        head = self.widths[rows[:2000]]
        for i, col in enumerate(self.columns):
            longest = max(_display_width(str(col)), int(head[:, i].max()) if len(head) else 0)
            ws.set_column(i, i, min(longest + 2, _MAX_WIDTH))
        if len(rows):
            ws.autofilter(0, 0, len(rows), len(self.columns) - 1)
        return ws


def _sheet(wb, name: str, frame: pd.DataFrame, *, header_format):
    """One sheet showing a whole frame (``_Rows.sheet``)."""
    return _Rows(frame).sheet(wb, name, np.arange(len(frame)), header_format=header_format)


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
    buf = io.BytesIO()
    # no formulas or links from text a household's data could hold; the list date as the creation date
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime.fromisoformat(str(header["as_of"])[:10]).replace(tzinfo=dt.timezone.utc)})
    header_format = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "valign": "vcenter"})
    info = [*([region] if region else []), ("名单日期", header["as_of"]),
            *([("数据截止日期", header["data_cutoff"])] if header.get("data_cutoff") else []),
            ("模型", f"{header.get('model_name') or ''} {header.get('model_version') or ''}".strip()),
            ("名单户数", int(len(lists))), ("其中新进名单", int(lists["new_on_list"].sum()))]
    table = _summary(lists, sizes)
    summary = _sheet(wb, "汇总", table, header_format=header_format)
    # the run's facts sit to the right of the township table, leaving the header row frozen
    col = table.shape[1] + 1
    bold = wb.add_format({"bold": True})
    for i, (k, v) in enumerate(info):
        summary.write_string(i, col, k, bold)
        summary.write(i, col + 1, _cell(v))
    summary.set_column(col, col, 14)
    summary.set_column(col + 1, col + 1, 24)

    people = _Rows(people_frame(lists))
    by_county = np.lexsort((lists["county_rank"].to_numpy(), lists["county_code"].to_numpy()))
    people.sheet(wb, "全县名单", by_county, header_format=header_format)
    township = lists["township_code"].to_numpy()
    for code in (sizes["township_code"] if sizes is not None else sorted(lists["township_code"].unique())):
        # 9 digits: within Excel's 31-character sheet names
        people.sheet(wb, str(code), np.flatnonzero(township == code), header_format=header_format)
    wb.close()
    return buf.getvalue()
