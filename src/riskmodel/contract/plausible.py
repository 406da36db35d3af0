"""Plausible values (contract v1.1): date ranges, identifiers and free text people type.

One definition for every door: the files' validator checks whole columns with ``text_problems``
(Arrow's regex engine, no Python per row); the API, the store and the office pages check one
value at a time with ``text_rule``, ``id_problem``, ``personal_data_problem``, ``text_problem``
and ``date_problem`` (a few microseconds). Both speeds answer the same for every value; a test
compares them on the same cases.

Personal means text shaped like a resident ID number (18 characters: 17 digits and a digit or
X; or the old 15-digit form with a birth date), a mainland mobile number (1[3-9] and nine
digits, with or without +86) or a landline with its area code (0851-6234567) — also when
written with full-width digits or with spaces, hyphens, dots or invisible characters between the
digits (``１３８ 0013-8000`` is a phone number). Such a value is never echoed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.contract.schema import FIRST_DATE, LAST_DATE

#: Every date and month of the contract lies in this range (contract v1.1, "Plausible ranges").
DATE_MIN = FIRST_DATE
DATE_MAX = LAST_DATE

#: Unicode categories never allowed in an identifier: controls (NUL…), format characters
#: (zero-width, direction marks), line/paragraph separators, surrogates, private use.
FORBIDDEN_IN_IDS = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
#: In free text (notes) only controls other than line breaks and tabs, and lone surrogates.
FORBIDDEN_IN_NOTES = ("Cc", "Cs")
NOTE_CONTROLS = "\t\n\r"
#: Characters that may stand between the digits of a number written by hand.
_SEPARATORS = " \u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d.\u00b7/()\uff08\uff09"
#: Shapes, matched on the text with separators and invisible characters taken out (RE2 and
#: Python ``re`` alike: no look-behind, the digit boundaries are part of the match).
_ID_NUMBER = (r"(?:^|[^0-9])(?:[0-9]{17}[0-9Xx]"
              r"|[1-9][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})(?:$|[^0-9])")
_MOBILE = r"(?:^|[^0-9])(?:\+?(?:00)?86)?1[3-9][0-9]{9}(?:$|[^0-9])"
#: A landline needs its hyphen to be told from other numbers: matched on the text as written.
_LANDLINE = r"(?:^|[^0-9])0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(?:$|[^0-9])"
_FORBIDDEN_RE2 = "[" + "".join(rf"\p{{{c}}}" for c in FORBIDDEN_IN_IDS if c != "Cs") + "]"  # no surrogates in UTF-8
_SEPARATORS_RE2 = "[" + re.escape(_SEPARATORS) + r"\p{Cf}]+"
_SEPARATORS_RE = re.compile("[" + re.escape(_SEPARATORS) + "]+")


def _fold(text: str) -> str:
    """Full-width to ASCII (NFKC), invisible characters out."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


class _Shape:
    """A personal-number shape; ``search`` folds the text and drops separators first."""

    def __init__(self, pattern: str, *, joined: bool = True):
        self.pattern, self.joined = pattern, joined
        self._re = re.compile(pattern)

    def search(self, text: str) -> re.Match | None:
        folded = text if text.isascii() else _fold(text)  # NFKC leaves ASCII as is; no ASCII is Cf
        return self._re.search(_SEPARATORS_RE.sub("", folded) if self.joined else folded)


ID_NUMBER_IN_TEXT = _Shape(_ID_NUMBER)
PHONE_IN_TEXT = _Shape(f"{_MOBILE}")
LANDLINE_IN_TEXT = _Shape(_LANDLINE, joined=False)


def date_problem(value: dt.date) -> str | None:
    """Why a date is implausible (outside 1900-01-01 … 2100-12-31), or None."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if day < DATE_MIN or day > DATE_MAX:
        return f"must lie between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}"
    return None


def personal_data_problem(text: str) -> str | None:
    """Why a text may not be stored: it contains an ID-number- or phone-shaped run (value not echoed)."""
    if len(text) < 11 and text.isascii():  # every shape needs 11 characters (folding may lengthen non-ASCII)
        return None
    if ID_NUMBER_IN_TEXT.search(text):
        return "contains what looks like a resident ID number (not allowed; value not shown)"
    if PHONE_IN_TEXT.search(text) or LANDLINE_IN_TEXT.search(text):
        return "contains what looks like a phone number (not allowed; value not shown)"
    return None


def _forbidden(text: str, categories: tuple[str, ...], allowed: str = "") -> str | None:
    if text.isascii() and text.isprintable():  # printable ASCII is in no forbidden category
        return None
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in categories and ch not in allowed:
            return cat
    return None


def text_problem(text: str) -> str | None:
    """Why a free text (a note) cannot be stored as is: NUL or other control characters, lone surrogates."""
    cat = _forbidden(text, FORBIDDEN_IN_NOTES, NOTE_CONTROLS)
    if cat == "Cs":
        return "contains an unpaired surrogate (not valid Unicode text)"
    if cat == "Cc":
        return "contains a control character (such as NUL)"
    return None


def text_rule(value: str, *, note: bool = False) -> str | None:
    """The contract rule id ``value`` breaks — ``required``, ``visible_text``, ``pseudonymous_id`` — or None.

    An identifier (``note=False``) is taken without surrounding spaces, as the loader and the API
    take it: it must have a visible character and no control or invisible character anywhere. A
    note may be empty and hold line breaks and tabs. Neither may hold a personal number.
    """
    if not note:
        value = value.strip()
        if not value:
            return "required"
    if _forbidden(value, FORBIDDEN_IN_NOTES if note else FORBIDDEN_IN_IDS, NOTE_CONTROLS if note else ""):
        return "visible_text"
    if personal_data_problem(value):
        return "pseudonymous_id"
    return None


def id_problem(text: str) -> str | None:
    """Why a text is not a usable pseudonymous id (a message), or None; the rule is ``text_rule``'s."""
    rule = text_rule(text)
    if rule == "required":
        return "is blank (only spaces or invisible characters)"
    if rule == "visible_text":
        if _forbidden(text, ("Cc", "Cs")):
            return "contains a control character or an unpaired surrogate"
        if not _fold(text).strip():
            return "is blank (only spaces or invisible characters)"
        return "contains an invisible or format character (zero-width, direction mark, private use)"
    return personal_data_problem(text) if rule else None


def text_problems(values: pa.Array | pa.ChunkedArray) -> dict[str, np.ndarray]:
    """``text_rule`` of every (stripped, non-null) identifier of an Arrow column, as masks per rule.

    Only ``visible_text`` and ``pseudonymous_id``: empty cells are the caller's ``required``
    rule. A value is reported under one rule only (``visible_text`` first), as ``text_rule`` does.
    The regular expressions run only where they can match: an ASCII value can only hold controls
    (``ascii_is_printable`` answers that), and a personal number needs 11 characters or more
    (non-ASCII values are always checked: folding full-width characters may lengthen them).
    """
    n = len(values)
    if n == 0 or values.null_count == n:
        return {}
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    ascii_only = _mask(pc.string_is_ascii(values))
    bad_chars = ascii_only & ~_mask(pc.ascii_is_printable(values)) & _mask(pc.is_valid(values))
    other = ~ascii_only & _mask(pc.is_valid(values))
    if other.any():
        bad_chars[other] = _mask(pc.match_substring_regex(values.filter(pa.array(other)), _FORBIDDEN_RE2))
    candidates = (other | _mask(pc.greater_equal(pc.binary_length(values), 11))) & ~bad_chars
    personal = np.zeros(n, dtype=bool)
    if candidates.any():
        sub = values.filter(pa.array(candidates))
        folded = sub if not other[candidates].any() else pc.utf8_normalize(sub, "NFKC")
        joined = pc.replace_substring_regex(folded, _SEPARATORS_RE2, "")
        personal[candidates] = _mask(pc.or_(
            pc.match_substring_regex(joined, f"{_ID_NUMBER}|{_MOBILE}"),
            pc.match_substring_regex(pc.replace_substring_regex(folded, r"\p{Cf}+", ""), _LANDLINE)))
    return {"visible_text": bad_chars, "pseudonymous_id": personal}


def _mask(arr) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)
