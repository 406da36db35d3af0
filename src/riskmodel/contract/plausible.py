"""Plausible values of single inputs (contract v1.1): date ranges, identifiers, free text.

The files' validator checks whole columns; the API and the store receive one value at a time
(a visit date, a note, an id in a URL). These functions are the one definition both use, so
that nothing the store accepts can later break a read (a date pandas cannot hold) and nothing
personal (an ID number, a phone number) is stored as an identifier or a note.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: Every date and month of the contract lies in this range (contract v1.1, "Plausible ranges").
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

#: An 18-character resident ID number (or the old 15-digit form) anywhere in a text, not part
#: of a longer digit run.
ID_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9])(?:[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"|[1-9][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})(?![0-9])")
#: A mainland mobile number (optionally +86, spaces or dashes between groups) or a landline
#: with area code, anywhere in a text.
PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}|0[1-9][0-9]{1,2}-[2-9][0-9]{6,7})(?![0-9])")

#: Characters that are invisible: an id made only of these (and spaces) is blank.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")


def date_problem(value: dt.date) -> str | None:
    """Why a date is implausible (outside 1900-01-01 … 2100-12-31), or None."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if day < DATE_MIN or day > DATE_MAX:
        return f"must lie between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}"
    return None


def personal_data_problem(text: str) -> str | None:
    """Why a text may not be stored: it contains an ID-number- or phone-shaped run (value not echoed)."""
    if ID_NUMBER_IN_TEXT.search(text):
        return "contains what looks like a resident ID number (not allowed; value not shown)"
    if PHONE_IN_TEXT.search(text):
        return "contains what looks like a phone number (not allowed; value not shown)"
    return None


def text_problem(text: str) -> str | None:
    """Why a free text cannot be stored as is: NUL or other control characters, lone surrogates."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            return "contains an unpaired surrogate (not valid Unicode text)"
        if cat == "Cc" and ch not in "\n\r\t":
            return "contains a control character (such as NUL)"
    return None


def id_problem(text: str) -> str | None:
    """Why a text is not a usable pseudonymous id: blank, invisible-only, control characters,
    or shaped like an ID number or phone number."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs"):
            return "contains a control character or an unpaired surrogate"
    visible = [ch for ch in text if not (ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) == "Cf")]
    if not visible:
        return "is blank (only spaces or invisible characters)"
    return personal_data_problem(text)
