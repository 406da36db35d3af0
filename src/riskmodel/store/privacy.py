"""What free text the store refuses: ID-number- and phone-shaped digits (personal data).

Office notes are for what staff found, not for who: an 18-digit 身份证号, a mobile or a
landline number in a note would put personal data in the store and everything reading it.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"(?<=\d)[\s\-－—.]+(?=\d)")
_ID = re.compile(r"\d{17}[\dXx]|\d{15}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_LONG = re.compile(r"\d{11,}")


def personal_data_in(text: str | None) -> str | None:
    """What personal-looking data ``text`` contains (Chinese, for the form), or None.

    Digits split by spaces or dashes count as one run, so "138 0013 8000" is a phone number.
    """
    if not text:
        return None
    joined = _SEPARATORS.sub("", text)
    if _ID.search(joined):
        return "身份证号"
    if _MOBILE.search(joined) or _LANDLINE.search(joined) or _LONG.search(joined):
        return "电话号码"
    return None
