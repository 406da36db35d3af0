"""Rules for identifiers and free text that people type: pseudonymous, visible, no personal numbers.

One definition, two speeds: ``text_problem`` checks one value in Python (the API: ids and visit
notes, a few microseconds), ``text_problems`` checks an Arrow column with Arrow's regex engine
(the files: millions of ids, no Python per row). Both answer the same for every value; a test
compares them on the same cases.

What counts as personal: text shaped like a resident ID number (18 characters: 17 digits and a
digit or X) or a mainland mobile number (1[3-9] and nine digits, with or without +86), also
when written with full-width digits or with spaces, hyphens, dots or invisible characters
between the digits (``１３８ 0013-8000`` is a phone number). The value itself is never echoed.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Unicode categories never allowed: controls (NUL…), format characters (zero-width, bidi overrides),
#: line/paragraph separators, surrogates (never in Arrow text, which is UTF-8), private use.
FORBIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")
#: Controls a free-text note may hold (line breaks and tabs).
NOTE_CONTROLS = "\t\n\r"
#: Characters that may stand between the digits of a number written by hand.
_SEPARATORS = " \u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d.\u00b7/()\uff08\uff09"
#: What is left of a number once separators and invisible characters are taken out.
_ID_NUMBER = r"(?:^|[^0-9])[0-9]{17}[0-9Xx](?:$|[^0-9])"
_PHONE = r"(?:^|[^0-9])(?:\+?(?:00)?86)?1[3-9][0-9]{9}(?:$|[^0-9])"
_PERSONAL = f"{_ID_NUMBER}|{_PHONE}"
_PERSONAL_RE = re.compile(_PERSONAL)
#: Arrow (RE2) character classes of the same categories.
_FORBIDDEN_RE2 = "[" + "".join(rf"\p{{{c}}}" for c in FORBIDDEN_CATEGORIES if c != "Cs") + "]"
_SEPARATORS_RE2 = "[" + re.escape(_SEPARATORS) + r"\p{Cf}]+"
_SEPARATORS_RE = re.compile("[" + re.escape(_SEPARATORS) + "]+")


def _forbidden(ch: str, allowed: str) -> bool:
    return ch not in allowed and unicodedata.category(ch) in FORBIDDEN_CATEGORIES


def looks_personal(value: str) -> bool:
    """True if the text holds something shaped like a resident ID number or a mobile number."""
    folded = unicodedata.normalize("NFKC", value)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return _PERSONAL_RE.search(_SEPARATORS_RE.sub("", folded)) is not None


def text_problem(value: str, *, note: bool = False) -> str | None:
    """The rule id ``value`` breaks, or None: ``required``, ``visible_text`` or ``pseudonymous_id``.

    ``note=True`` is free text (a visit note): line breaks and tabs are allowed, but not other
    controls, and an empty note is fine. An identifier is taken without surrounding spaces; it
    must have a visible character, and no control or invisible character anywhere.
    """
    if not note:
        value = value.strip()  # as the loader and the API take an id
        if not value:
            return "required"
    allowed = NOTE_CONTROLS if note else ""
    if any(_forbidden(ch, allowed) for ch in value):
        return "visible_text"
    if looks_personal(value):
        return "pseudonymous_id"
    return None


def text_problems(values: pa.Array | pa.ChunkedArray) -> dict[str, np.ndarray]:
    """``text_problem`` of every (stripped, non-null) identifier of an Arrow column, as masks per rule.

    Only ``visible_text`` and ``pseudonymous_id``: empty cells are the caller's ``required``
    rule. A value is reported under one rule only (``visible_text`` first), like ``text_problem``.
    """
    n = len(values)
    if n == 0 or values.null_count == n:
        return {}
    forbidden = pc.match_substring_regex(values, _FORBIDDEN_RE2)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    ascii_only = pc.all(pc.string_is_ascii(values)).as_py() is not False
    folded = values if ascii_only else pc.utf8_normalize(values, "NFKC")
    folded = pc.replace_substring_regex(folded, _SEPARATORS_RE2, "")
    personal = pc.match_substring_regex(folded, _PERSONAL)
    bad_chars = _mask(forbidden)
    return {"visible_text": bad_chars, "pseudonymous_id": _mask(personal) & ~bad_chars}


def _mask(arr) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)
