"""The office pages in a real browser: Debian's Chromium driven by Playwright (no browser
download; ``.ci/run`` installs ``chromium`` and ``fonts-noto-cjk`` with apt).

One office worker's morning: log in, open the list, filter it, open a household, record a
visit and see its status change, try a neighbour's household (404) and a form without its
CSRF token (refused), read the list on a phone, log out. Every request the browser makes is
intercepted: none may leave the server. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("RISKMODEL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("RISKMODEL_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")) / "browser"


@pytest.fixture
def server(app):
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture
def browser():
    cjk = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not Path(CHROMIUM).exists() or not cjk:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: apt-get install chromium fonts-noto-cjk ({CHROMIUM})")
        pytest.skip(f"no Chromium at {CHROMIUM} or no CJK font (Chinese would render as boxes)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def _guarded(browser, base: str, outside: list[str], **options):
    """A browser context whose every request is checked: anything not to ``base`` is blocked and noted."""
    context = browser.new_context(locale="zh-CN", **options)

    def check(route):
        url = route.request.url
        if url.startswith(base + "/") or url == base:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", check)
    return context


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _listed(page) -> list[str]:
    return [a.inner_text() for a in page.locator("table.list td[data-label='户编号'] a").all()]


def test_an_office_worker_logs_in_works_the_list_records_a_visit_and_logs_out(
        browser, server, users, store, week_rows, counties):
    outside: list[str] = []
    context = _guarded(browser, server, outside, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(server + "/")
    assert page.url.startswith(server + "/login")
    page.fill("input[name=username]", users["office"][0])
    page.fill("input[name=password]", users["office"][1])
    page.click("button:has-text('登录')")
    page.wait_for_url(server + "/")
    assert page.locator("h1").inner_text().startswith("本周名单")
    mine = week_rows[week_rows["county_code"] == counties[0]]
    assert sorted(_listed(page)) == sorted(mine["household_id"])
    _shot(page, "1-list")

    township = mine["township_code"].iloc[0]
    page.select_option("select[name=township]", township)
    page.click("button:has-text('筛选')")
    page.wait_for_url("**township=*")
    in_township = mine.loc[mine["township_code"] == township, "household_id"]
    assert sorted(_listed(page)) == sorted(in_township)

    household = in_township.iloc[0]
    page.click(f"text={household}")
    page.wait_for_url(f"**/households/{household}")
    assert page.locator("#status").inner_text() in ("新进", "上周在榜")
    assert page.locator("svg.chart").count() >= 3
    _shot(page, "2-household")

    page.check("input[name=outcome][value=confirmed_at_risk]")
    page.check("input[name=measures][value=临时救助] >> nth=0")
    page.fill("textarea[name=note]", "住院自付较高，已协助申请医疗救助")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(f"**/households/{household}?saved=1*")
    assert page.locator("#status").inner_text() == "待认定"
    assert "住院自付较高" in page.locator("#visits").inner_text()
    _shot(page, "3-visit-recorded")
    assert store.visits(household_id=household)["outcome"].tolist() == ["confirmed_at_risk"]

    page.goto(server + "/?status=待认定")
    assert _listed(page) == [household]

    other = week_rows.loc[week_rows["county_code"] == counties[1], "household_id"].iloc[0]
    response = page.goto(f"{server}/households/{other}")
    assert response.status == 404

    # a form posted with the session cookie but without the page's CSRF token
    forged = page.request.post(f"{server}/households/{household}/visits",
                               form={"visited_on": "2024-07-02", "outcome": "not_at_risk"}, max_redirects=0)
    assert forged.status == 403
    assert len(store.visits(household_id=household)) == 1

    page.goto(server + "/overview")
    _shot(page, "4-overview")

    page.goto(server + "/")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login")
    page.goto(server + "/")
    assert page.url.startswith(server + "/login")
    context.close()
    assert outside == []


def test_the_list_reads_on_a_phone(browser, server, users):
    outside: list[str] = []
    context = _guarded(browser, server, outside, viewport={"width": 375, "height": 812}, device_scale_factor=2,
                       is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("input[name=username]", users["office"][0])
    page.fill("input[name=password]", users["office"][1])
    page.click("button:has-text('登录')")
    page.wait_for_url(server + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the list is {width}px wide on a 375px screen"
    first = page.locator("table.list tbody tr").first
    assert first.bounding_box()["width"] <= 375
    assert page.locator("table.list thead").is_hidden()  # rows become labelled cards
    _shot(page, "5-phone-list")
    context.close()
    assert outside == []
