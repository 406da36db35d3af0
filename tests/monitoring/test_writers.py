import hashlib
import zipfile

import openpyxl
import pandas as pd

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
