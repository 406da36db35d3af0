import hashlib
import json
import zipfile

import numpy as np
import openpyxl
import pandas as pd

from riskmodel.monitoring import writers

from riskmodel.monitoring.weekly import run_weekly
from riskmodel.monitoring.writers import HEADERS_ZH


def test_xlsx_per_county_reads_back_with_chinese_headers_frozen_and_wide_enough(tmp_path, panel, scorer, quick):
    run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    week = tmp_path / "2025-06-02"
    files = sorted(p.name for p in (week / "xlsx").iterdir())
    assert files == ["county_530102.xlsx", "county_530103.xlsx"]
    lists = pd.read_csv(week / "risk_list.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.load_workbook(week / "xlsx" / "county_530102.xlsx")
    townships = sorted(lists.loc[lists["县代码"] == "530102", "乡镇代码"].unique())
    assert wb.sheetnames == ["汇总", "全县名单", *townships]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
    sheet = wb[townships[0]]
    header = [c.value for c in sheet[1]]
    assert header == list(HEADERS_ZH.values())
    assert sheet.column_dimensions["M"].width >= 20  # 建议帮扶措施 holds long Chinese text
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.auto_filter.ref == f"A1:{chr(ord('A') + len(header) - 1)}{sheet.max_row}"
    body = pd.DataFrame(sheet.iter_rows(min_row=2, values_only=True), columns=header)
    mine = lists[lists["乡镇代码"] == townships[0]]
    assert body["户编号"].tolist() == mine["户编号"].tolist()
    assert body["乡镇排名"].tolist() == list(range(1, len(mine) + 1))
    assert set(body["本周新进名单"]) <= {"是", "否"}
    assert body["主要风险类型"].str.len().min() > 0
    summary = wb["汇总"]
    assert [c.value for c in summary[1]][:3] == ["乡镇代码", "纳入筛查农户数", "本周走访容量"]


def test_csv_has_a_bom_and_opens_as_utf8(tmp_path, panel, scorer, quick):
    run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    raw = (tmp_path / "2025-06-02" / "risk_list.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(tmp_path / "2025-06-02" / "risk_list.csv", encoding="utf-8-sig")
    assert list(frame.columns) == list(HEADERS_ZH.values())
    assert len(frame) > 0


def test_xlsx_bytes_do_not_depend_on_the_clock(tmp_path, panel, scorer, quick, monkeypatch):
    run_weekly(None, "2025-06-02", tmp_path / "a", panel=panel, scorer=scorer, config=quick)
    import datetime as real

    class Clock(type):
        def __instancecheck__(cls, obj):  # XlsxWriter's own isinstance checks still see dates given to it
            return isinstance(obj, real.datetime)

    class Later(real.datetime, metaclass=Clock):
        @classmethod
        def now(cls, tz=None):
            return real.datetime(2031, 1, 1, tzinfo=tz)

    monkeypatch.setattr("xlsxwriter.core.datetime", Later)  # the clock XlsxWriter would stamp the workbook with
    run_weekly(None, "2025-06-02", tmp_path / "b", panel=panel, scorer=scorer, config=quick)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    for name in ("county_530102.xlsx", "county_530103.xlsx"):
        path = tmp_path / "a" / "2025-06-02" / "xlsx" / name
        assert digest(path) == digest(tmp_path / "b" / "2025-06-02" / "xlsx" / name)
        with zipfile.ZipFile(path) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert b"<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-06-02T00:00:00Z" in z.read("docProps/core.xml")


def _whole_json(lists: pd.DataFrame, header: dict, sizes: pd.DataFrame) -> str:
    """The list as one ``json.dumps`` of the whole document (what ``write_json`` streams)."""
    from riskmodel.plain import plain

    doc = {**header, "townships": [{k: plain(v) for k, v in r.items()} for r in sizes.to_dict("records")],
           "rows": [{k: plain(v) for k, v in r.items()} for r in lists.to_dict("records")]}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def test_json_list_is_written_row_by_row_as_the_whole_document_one_row_per_line(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "TEXT_ROWS", 2)  # several chunks of rows
    header = {"as_of": "2025-06-02", "previous_as_of": None, "capacity": {"share": 0.02, "townships": {}}}
    sizes = pd.DataFrame({"township_code": ["530102100"], "eligible": [np.int64(7)], "capacity": [3]})
    lists = pd.DataFrame({
        "household_id": ["H001", "H002", "H003", "H004", "H005"],
        "score": [0.5, np.float32(0.25), np.nan, 1e-9, 0.1],
        "rank": np.arange(1, 6),
        "risk_types": [["illness", "disability"], [], ["disaster"], ["education"], []],
        "risk_types_zh": ["因病、因残", "", "因灾", "因学\n换行", '引号"和\\'],
        "new_on_list": [True, False, True, False, True],
        "previous_rank": [None, 2.0, None, 4.0, None],
        "visited_on": ["2025-05-01", "", "", "", ""],
    })
    for frame in (lists, lists.iloc[:1], lists.iloc[:0]):
        path = tmp_path / "risk_list.json"
        writers.write_json(frame, path, header, sizes)
        text = path.read_text("utf-8")
        assert json.loads(text) == json.loads(_whole_json(frame, header, sizes))
        rows = text.partition('"rows": [\n')[2].rpartition("\n ]")[0]
        assert len(rows.splitlines()) == len(frame)  # a row per line (a value's own newline escaped)
        if len(frame):
            assert text.startswith(_whole_json(frame.iloc[:0], header, sizes).removesuffix("[]\n}\n"))
    assert writers.read_json_list(path).empty


def test_csv_file_is_written_in_chunks_with_the_exports_bytes(tmp_path, panel, scorer, quick, monkeypatch):
    run_weekly(None, "2025-06-02", tmp_path, panel=panel, scorer=scorer, config=quick)
    lists = pd.DataFrame(json.loads((tmp_path / "2025-06-02" / "risk_list.json").read_text("utf-8"))["rows"])
    monkeypatch.setattr(writers, "TEXT_ROWS", 3)
    assert len(lists) > 3
    for frame in (lists, lists.iloc[:0]):
        writers.write_csv(frame, tmp_path / "list.csv")
        assert (tmp_path / "list.csv").read_bytes() == writers.csv_bytes(frame)
