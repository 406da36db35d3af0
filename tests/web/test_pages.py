"""The office pages as a browser-less client sees them: sign-in, scope, the list, a household,
a visit recorded through the form, the workbook download, the overview."""

from __future__ import annotations

import re

import pytest
from tests.web.conftest import csrf_of, log_in

from riskmodel.store.accounts import FREE_FAILURES


#: ID-number-shaped test values, assembled at run time so that no such literal is committed.
ID_SHAPED_X = "520322" + "19800101" + "123X"


def test_without_a_session_every_page_redirects_to_login(client):
    for path in ("/", "/overview", "/households/H000001", "/download.xlsx?county=370321"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2F"), path


def test_login_sets_an_httponly_samesite_session_cookie_and_returns_to_the_page(client, users):
    form = client.get("/login?next=/overview")
    r = client.post("/login", data={"username": users["office"][0], "password": users["office"][1],
                                    "csrf_token": csrf_of(form.text), "next": "/overview"})
    assert r.status_code == 303 and r.headers["location"] == "/overview"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("rm_session=")][0].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/overview").status_code == 200


def test_login_goes_only_to_a_path_on_this_site(client, users):
    form = client.get("/login")
    r = client.post("/login", data={"username": users["office"][0], "password": users["office"][1],
                                    "csrf_token": csrf_of(form.text), "next": "//evil.example/x"})
    assert r.headers["location"] == "/"


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(client, users):
    name, password = users["office"]
    for _ in range(FREE_FAILURES):
        r = log_in(client, name, "not-the-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = log_in(client, name, password)
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert "rm_session" not in client.cookies


def test_a_login_form_without_its_csrf_token_is_refused(client, users):
    client.get("/login")
    r = client.post("/login", data={"username": users["office"][0], "password": users["office"][1]})
    assert r.status_code == 403 and "rm_session" not in client.cookies


def test_the_list_shows_only_the_office_region_and_logs_each_household_with_the_user(client, users, store,
                                                                                      week_rows, counties):
    log_in(client, *users["office"])
    page = client.get("/")
    assert page.status_code == 200
    shown = set(re.findall(r'href="/households/([^"?]+)"', page.text))
    mine = set(week_rows.loc[week_rows["county_code"] == counties[0], "household_id"])
    assert shown == mine
    user = store.user(users["office"][0])
    log = store.access_log()
    assert set(log.loc[(log["user_id"] == user.id) & (log["endpoint"] == "page_list"), "household_id"]) == mine
    for text in ("本周名单", "乡镇排名", "建议类别", "主要风险", "建议措施", "状态"):
        assert text in page.text


def test_filters_narrow_the_list(client, users, week_rows, counties):
    log_in(client, *users["office"])
    mine = week_rows[week_rows["county_code"] == counties[0]]
    township = mine["township_code"].iloc[0]
    page = client.get("/", params={"township": township})
    shown = set(re.findall(r'href="/households/([^"?]+)"', page.text))
    assert shown == set(mine.loc[mine["township_code"] == township, "household_id"])
    page = client.get("/", params={"status": "待认定"})
    assert "没有符合条件的农户" in page.text
    risk_type = mine["risk_types"].iloc[-1][0]
    page = client.get("/", params={"risk_type": risk_type})
    having = {h for h, r in zip(mine["household_id"], mine["risk_types"]) if risk_type in (r or [])}
    assert having and set(re.findall(r'href="/households/([^"?]+)"', page.text)) == having


def test_another_regions_household_is_404_and_not_logged(client, users, store, week_rows, counties):
    log_in(client, *users["office"])
    other = week_rows.loc[week_rows["county_code"] == counties[1], "household_id"].iloc[0]
    assert client.get(f"/households/{other}").status_code == 404
    assert client.get("/households/NO_SUCH_HOUSEHOLD").status_code == 404
    assert store.access_log(other).empty
    form = client.get("/").text
    r = client.post(f"/households/{other}/visits", data={"csrf_token": csrf_of(form), "visited_on": "2024-07-02",
                                                          "outcome": "not_home"})
    assert r.status_code == 404 and store.visits(household_id=other).empty


def test_a_household_page_shows_its_data_and_is_logged_with_the_user(client, users, store, week_rows, counties):
    log_in(client, *users["office"])
    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    page = client.get(f"/households/{hid}")
    assert page.status_code == 200
    for text in ("各周风险", "风险因素贡献", "家庭成员", "近 12 个月收入", "走访记录", "确认存在风险", "未遇到"):
        assert text in page.text, text
    assert page.text.count("<svg") >= 3  # score, reasons, income
    log = store.access_log(hid)
    assert log[["user_id", "endpoint"]].values.tolist() == [[store.user("office1").id, "page_household"]]


def _visit(client, hid, **fields):
    form = client.get(f"/households/{hid}").text
    data = {"csrf_token": csrf_of(form), "visited_on": "2024-07-02", "outcome": "confirmed_at_risk",
            "measures": ["临时救助"], "note": "住院自付较高"}
    data.update(fields)
    return client.post(f"/households/{hid}/visits", data={k: v for k, v in data.items() if v is not None})


def test_a_visit_recorded_through_the_form_is_stored_shown_and_changes_the_status(client, users, store, week_rows,
                                                                                  counties):
    log_in(client, *users["office"])
    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    r = _visit(client, hid)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/households/{hid}")
    stored = store.visits(household_id=hid)
    assert stored[["outcome", "measures", "note"]].values.tolist() == [["confirmed_at_risk", ["临时救助"], "住院自付较高"]]
    page = client.get(r.headers["location"])
    assert "走访记录已保存" in page.text and "住院自付较高" in page.text
    assert re.search(r'id="status"><span class="status">待认定', page.text)
    listed = client.get("/", params={"status": "待认定"})
    assert set(re.findall(r'href="/households/([^"?]+)"', listed.text)) == {hid}


def test_a_visit_form_without_a_valid_csrf_token_is_refused(client, users, store, week_rows, counties):
    log_in(client, *users["office"])
    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    assert _visit(client, hid, csrf_token=None).status_code == 403
    assert _visit(client, hid, csrf_token="forged").status_code == 403
    assert store.visits(household_id=hid).empty


@pytest.mark.parametrize("fields, message", [
    ({"note": f"户主身份证 {ID_SHAPED_X}"}, "身份证号"),
    ({"note": "联系电话 138 0013 8000"}, "电话号码"),
    ({"outcome": "maybe"}, "走访结果"),
    ({"visited_on": "2999-01-01"}, "不能晚于今天"),
    ({"measures": ["发现金"]}, "清单"),
])
def test_a_bad_visit_form_is_shown_again_with_the_reason_and_nothing_is_stored(client, users, store, week_rows,
                                                                               counties, fields, message):
    log_in(client, *users["office"])
    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    r = _visit(client, hid, **fields)
    assert r.status_code == 422 and message in r.text
    assert store.visits(household_id=hid).empty


def test_analysts_read_but_do_not_record_visits_and_see_the_model_and_drift(client, users, store, week_rows):
    log_in(client, *users["analyst"])
    hid = week_rows["household_id"].iloc[0]
    page = client.get(f"/households/{hid}")
    assert page.status_code == 200 and "保存走访记录" not in page.text
    assert _visit(client, hid).status_code == 403 and store.visits(household_id=hid).empty
    overview = client.get("/overview")
    assert "模型与数据漂移" in overview.text and "当前模型：riskmodel 版本 1" in overview.text
    assert "最近一次漂移检查" in overview.text


def test_offices_do_not_see_the_model_panel(client, users):
    log_in(client, *users["office"])
    overview = client.get("/overview")
    assert overview.status_code == 200 and "各乡镇本周" in overview.text and "模型与数据漂移" not in overview.text


def test_the_overview_counts_visits_by_township(client, users, week_rows, counties):
    log_in(client, *users["office"])
    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    _visit(client, hid)
    text = client.get("/overview").text
    total = re.search(r'<tr class="total">(.*?)</tr>', text, re.S).group(1)
    cells = re.findall(r">(\d+)</td>", total)
    listed = int((week_rows["county_code"] == counties[0]).sum())
    assert cells == [str(listed), "1", "1", "1", "0"]  # listed, visited, confirmed, pending, identified


def test_the_download_is_the_weekly_runs_own_workbook(client, users, web_run, counties, store):
    log_in(client, *users["office"])
    week = store.risk_list_weeks()[-1].isoformat()
    r = client.get("/download.xlsx", params={"county": counties[0]})
    assert r.status_code == 200
    assert r.content == (web_run[1] / week / "xlsx" / f"county_{counties[0]}.xlsx").read_bytes()
    assert client.get("/download.xlsx", params={"county": counties[1]}).status_code == 404


def test_a_township_office_downloads_only_its_township(client, store, week_rows, counties):
    from io import BytesIO

    from openpyxl import load_workbook

    township = week_rows.loc[week_rows["county_code"] == counties[0], "township_code"].iloc[0]
    _, password = store.create_user("township1", "office", township)
    log_in(client, "township1", password)
    r = client.get("/download.xlsx", params={"county": counties[0]})
    assert r.status_code == 200
    book = load_workbook(BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["汇总", "全县名单", township]
    ids = {row[0] for row in book["全县名单"].iter_rows(min_row=2, values_only=True)}
    ids = [row for row in book["全县名单"].iter_rows(min_row=2, values_only=True)]
    assert len(ids) == int((week_rows["township_code"] == township).sum())


def test_logout_ends_the_session(client, users):
    log_in(client, *users["office"])
    old = client.cookies.get("rm_session")
    page = client.get("/")
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set("rm_session", old)
    assert client.get("/").status_code == 303


def test_pages_load_nothing_from_elsewhere(client, users, week_rows):
    pages = [client.get("/login")]
    log_in(client, *users["admin"])
    pages += [client.get(p) for p in ("/", "/overview", f"/households/{week_rows['household_id'].iloc[0]}")]
    for r in pages:
        path = r.url.path
        assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
        urls = re.findall(r'(?:src|href|action)="([^"]+)"', r.text)
        assert urls and all(u.startswith(("/", "#")) for u in urls), path


def test_places_show_their_chinese_names_beside_the_codes(client, users, web_run, week_rows, counties):
    import pandas as pd

    regions = pd.read_parquet(web_run[0] / "regions.parquet")
    names = dict(zip(regions["region_code"].astype(str), regions["name"]))
    log_in(client, *users["office"])
    page = client.get("/")
    village = week_rows.loc[week_rows["county_code"] == counties[0], "region_code"].iloc[0]
    township = village[:9]
    assert f"{names[village]}（{village}）" in page.text
    assert f"{names[township]}（{township}）" in page.text


def test_the_overview_shows_the_observed_precision_the_weekly_run_stored(client, users, store, counties):
    import pandas as pd

    other = counties[1]
    store.replace_visit_precision("2024-07-01", pd.DataFrame({
        "week": pd.to_datetime(["2024-06-17", "2024-06-24", "2024-06-24"]), "level": ["county"] * 3,
        "office_code": [counties[0], counties[0], other], "visited": [4, 5, 9], "confirmed": [1, 4, 9],
        "identified": [1, 2, 0], "not_home": [0, 1, 0], "precision": [0.25, 0.8, 1.0],
        "identified_share": [0.25, 0.4, 0.0], "matured": [False, False, False]}))
    log_in(client, *users["office"])
    text = client.get("/overview").text
    section = text[text.index("走访核实结果"):]
    assert "25%" in section and "80%" in section and "（未满观察期）" in section
    assert other not in section  # another county's office stays out of an office's view


def test_the_forms_outcome_codes_are_the_apis_including_not_home(client, store, week_rows, counties):
    from riskmodel.store import VISIT_OUTCOMES

    hid = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].iloc[0]
    key = store.create_api_key("office", counties[0], name="county office")[1]
    r = client.post(f"/v1/households/{hid}/visits", headers={"X-API-Key": key},
                    json={"visited_on": "2024-07-02", "outcome": "not_home"})
    assert r.status_code == 201 and r.json()["outcome"] == "not_home"
    assert VISIT_OUTCOMES == ("confirmed_at_risk", "not_at_risk", "already_assisted", "not_home")
