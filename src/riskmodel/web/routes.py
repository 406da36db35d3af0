"""The pages' routes, added to the API's app by ``mount_pages`` (one process serves both).

A page the user may not see answers 404, as the API does; without a session, a redirect to
``/login``. Every household page view is written to the access log with the user.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from riskmodel.listing.followup import OUTCOME_ZH
from riskmodel.store import VISIT_OUTCOMES, LoginThrottled, StoreProtocol, sees_region
from riskmodel.store.accounts import SESSION_HOURS
from riskmodel.web import views
from riskmodel.web.export import county_workbook
from riskmodel.web.households import Panels, region_names
from riskmodel.web.session import (
    LOGIN_CSRF_COOKIE,
    PAGE_HEADERS,
    SESSION_COOKIE,
    clear_session,
    csrf_ok,
    login_csrf,
    safe_next,
    set_login_csrf,
    set_session,
    signed_in,
    to_login,
)
from riskmodel.web.visits import parse_visit

HERE = Path(__file__).parent
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
VISIT_WRITERS = ("admin", "office")
ROLE_ZH = {"office": "乡镇/县办", "analyst": "数据分析", "admin": "管理员"}
NO_LIST = "还没有名单：先运行 riskmodel weekly。"
NO_CSRF = "表单缺少有效的校验码（CSRF），请刷新页面后重试。"


def today_local() -> dt.date:
    """Today where the offices are (a visit at 07:00 in Guizhou is still yesterday in UTC)."""
    return dt.datetime.now(LOCAL_TZ).date()


def mount_pages(app: FastAPI) -> None:
    """Add the office pages and their static files to ``app`` (which has ``state.store``)."""
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.panels = Panels()
    router = APIRouter(include_in_schema=False)
    router.add_api_route("/login", login_form, methods=["GET"])
    router.add_api_route("/login", login, methods=["POST"])
    router.add_api_route("/logout", logout, methods=["POST"])
    router.add_api_route("/", week_list, methods=["GET"])
    router.add_api_route("/download.xlsx", download, methods=["GET"])
    router.add_api_route("/households/{household_id}", household, methods=["GET"])
    router.add_api_route("/households/{household_id}/visits", record_visit, methods=["POST"])
    router.add_api_route("/overview", overview, methods=["GET"])
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


# --- helpers ---------------------------------------------------------------------------------

def page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, name, {"role_zh": ROLE_ZH, **context}, status_code=status, headers=PAGE_HEADERS)


def message(request: Request, session, title: str, text: str, status: int) -> Response:
    user, csrf = session if session else (None, None)
    return page(request, "message.html", {"user": user, "csrf": csrf, "title": title, "message": text}, status)


def not_found(request: Request, session, text: str = "没有找到这个页面，或您无权查看。") -> Response:
    return message(request, session, "未找到", text, 404)


def week_of(store: StoreProtocol, request: Request) -> tuple[list[dt.date], dt.date | None]:
    """Stored weeks and the one asked for (``?week=``, default the latest); None if not stored."""
    weeks = store.risk_list_weeks()
    asked = request.query_params.get("week")
    if not asked:
        return weeks, weeks[-1] if weeks else None
    try:
        day = dt.date.fromisoformat(asked)
    except ValueError:
        return weeks, None
    return weeks, day if day in weeks else None


def visible(store: StoreProtocol, user, household_id: str) -> bool:
    region = store.household_region(household_id)
    return region is not None and sees_region(user.role, user.region_prefix, region)


# --- signing in and out ------------------------------------------------------------------------

def login_form(request: Request, next: str = "/"):
    if signed_in(request):
        return RedirectResponse(safe_next(next), status_code=303)
    token = login_csrf(request)
    response = page(request, "login.html", {"user": None, "csrf": token, "next": safe_next(next)})
    set_login_csrf(response, request, token)
    return response


async def login(request: Request):
    form = await request.form()
    target = safe_next(form.get("next"))
    token = login_csrf(request)

    def again(text: str, status: int) -> Response:
        response = page(request, "login.html", {"user": None, "csrf": token, "next": target, "error": text,
                                                "username": form.get("username", "")}, status)
        set_login_csrf(response, request, token)
        return response

    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf_token")):
        return again("表单已过期，请重新登录。", 403)
    store = request.app.state.store
    try:
        user = store.verify_login(str(form.get("username", "")), str(form.get("password", "")))
    except LoginThrottled as exc:
        return again(f"登录失败次数过多，请 {exc.wait_s} 秒后再试。", 429)
    if user is None:
        return again("用户名或密码错误。", 401)
    session, _csrf = store.create_session(user.id, SESSION_HOURS)
    response = RedirectResponse(target, status_code=303)
    set_session(response, request, session, SESSION_HOURS)
    return response


async def logout(request: Request):
    session = signed_in(request)
    form = await request.form()
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(session[1], form.get("csrf_token")):
        return message(request, session, "请求被拒绝", NO_CSRF, 403)
    request.app.state.store.end_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session(response)
    return response


# --- pages -------------------------------------------------------------------------------------

def week_list(request: Request, township: str = "", village: str = "", risk_type: str = "", status: str = ""):
    session = signed_in(request)
    if session is None:
        return to_login(request)
    user, csrf = session
    store = request.app.state.store
    weeks, as_of = week_of(store, request)
    if as_of is None:
        return message(request, session, "本周名单", NO_LIST, 404 if request.query_params.get("week") else 200)
    data_dir = views.week_meta(store, as_of).get("data_dir")
    request.app.state.panels.warm(data_dir)
    rows = views.week_rows(store, user, as_of, weeks, region_names(None, data_dir))
    shown = views.filter_rows(rows, township, village, risk_type, status)
    store.log_access(None, shown["household_id"].tolist(), "page_list", user_id=user.id)
    return page(request, "list.html", {
        "user": user, "csrf": csrf, "as_of": as_of, "weeks": weeks, "rows": shown.to_dict("records"),
        "total": len(rows), "options": views.filter_options(rows), "counties": sorted(set(rows["county_code"])),
        "chosen": {"township": township, "village": village, "risk_type": risk_type, "status": status}})


def download(request: Request, county: str = ""):
    session = signed_in(request)
    if session is None:
        return to_login(request)
    user = session[0]
    store = request.app.state.store
    _weeks, as_of = week_of(store, request)
    prefix = views.region_prefix(user)
    if as_of is None or not (county.isdigit() and len(county) == 6) or (
            prefix and not (county.startswith(prefix) or prefix.startswith(county))):
        return not_found(request, session)
    found = county_workbook(views.week_meta(store, as_of).get("out_dir"), as_of, county, prefix)
    if found is None:
        return not_found(request, session, "没有找到这一周这个县的名单文件。")
    data, ids, name = found
    store.log_access(None, ids, "page_xlsx", user_id=user.id)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


def household_page(request: Request, session, household_id: str, form: dict | None = None,
                   errors: list[str] | None = None) -> Response:
    user, csrf = session
    store = request.app.state.store
    weeks, as_of = week_of(store, request)
    if as_of is None or not visible(store, user, household_id):
        return not_found(request, session)
    context = views.household_page(store, request.app.state.panels, household_id, as_of, weeks)
    store.log_access(None, household_id, "page_household", user_id=user.id)
    return page(request, "household.html", {
        **context, "user": user, "csrf": csrf, "outcomes": [(o, OUTCOME_ZH[o]) for o in VISIT_OUTCOMES],
        "can_record": user.role in VISIT_WRITERS, "today": today_local().isoformat(),
        "form": form or {}, "errors": errors or []}, 422 if errors else 200)


def household(request: Request, household_id: str):
    session = signed_in(request)
    if session is None:
        return to_login(request)
    return household_page(request, session, household_id)


async def record_visit(request: Request, household_id: str):
    session = signed_in(request)
    if session is None:
        return to_login(request)
    user, csrf = session
    form = await request.form()
    if not csrf_ok(csrf, form.get("csrf_token")):
        return message(request, session, "请求被拒绝", NO_CSRF, 403)
    store = request.app.state.store
    if not visible(store, user, household_id):
        return not_found(request, session)
    if user.role not in VISIT_WRITERS:
        return message(request, session, "无权操作", "数据分析账号不能记录走访。", 403)
    visit, errors = parse_visit(form, today_local())
    if errors:
        return household_page(request, session, household_id, visit, errors)
    store.add_visit(household_id, visit["visited_on"], visit["outcome"], visit["measures"], visit["note"],
                    user_id=user.id)
    return RedirectResponse(f"/households/{household_id}?saved=1#visits", status_code=303)


def overview(request: Request):
    session = signed_in(request)
    if session is None:
        return to_login(request)
    user, csrf = session
    store = request.app.state.store
    weeks = store.risk_list_weeks()
    if not weeks:
        return message(request, session, "概览", NO_LIST, 200)
    context = views.overview_page(store, request.app.state.panels, user, weeks)
    if user.role in ("analyst", "admin"):
        context["model_panel"] = views.model_panel(store, request.app.state.holder.current)
    return page(request, "overview.html", {**context, "user": user, "csrf": csrf})
