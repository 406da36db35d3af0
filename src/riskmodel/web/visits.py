"""The 走访记录 form: the API's field names and codes, checked with messages in Chinese.

What a note may not contain is ``contract.plausible``'s rule (the API's too); this module
only says it in Chinese.
"""

from __future__ import annotations

import datetime as dt

from riskmodel.contract.plausible import DATE_MIN, ID_NUMBER_IN_TEXT, PHONE_IN_TEXT, text_problem
from riskmodel.features.spec import risk_types
from riskmodel.store import VISIT_OUTCOMES

MAX_NOTE = 2000



def parse_visit(form, today: dt.date) -> tuple[dict, list[str]]:
    """``(visit, errors)`` from the posted form: ``visited_on, outcome, measures, note``."""
    errors = []
    raw_day = str(form.get("visited_on") or "")
    visit = {"visited_on": raw_day, "outcome": str(form.get("outcome") or ""),
             "measures": [str(m) for m in form.getlist("measures")], "note": str(form.get("note") or "").strip()}
    try:
        day = dt.date.fromisoformat(raw_day)
    except ValueError:
        errors.append("走访日期格式应为 年-月-日。")
    else:
        if day > today:
            errors.append("走访日期不能晚于今天。")
        elif day < DATE_MIN:
            errors.append("走访日期太早。")
        visit["visited_on"] = day
    if visit["outcome"] not in VISIT_OUTCOMES:
        errors.append("请选择走访结果。")
    allowed = {m for rt in risk_types().values() for m in rt.measures}
    unknown = [m for m in visit["measures"] if m not in allowed]
    if unknown or len(visit["measures"]) > 20:
        errors.append("帮扶措施只能从清单中选择。")
    if len(visit["note"]) > MAX_NOTE:
        errors.append(f"备注不能超过 {MAX_NOTE} 字。")
    if ID_NUMBER_IN_TEXT.search(visit["note"]):
        errors.append("备注中不能填写身份证号等个人信息。")
    elif PHONE_IN_TEXT.search(visit["note"]):
        errors.append("备注中不能填写电话号码等个人信息。")
    elif text_problem(visit["note"]):
        errors.append("备注含有无法保存的字符。")
    return visit, errors
