"""Region codes (统计用区划代码): a village's 12 digits start with its township's 9 and its
county's 6 (the widths are the schema's ``REGION_DIGITS``). Lists, capacities, the store and
the API's region scopes cut codes with these."""

from __future__ import annotations

import pandas as pd

from riskmodel.contract.schema import COUNTY_DIGITS, REGION_DIGITS

TOWNSHIP_DIGITS = REGION_DIGITS["township"]
VILLAGE_DIGITS = REGION_DIGITS["village"]
#: A region prefix an office key or a list query may name: a county or a township.
PREFIX_DIGITS = (COUNTY_DIGITS, TOWNSHIP_DIGITS)
VILLAGE_PATTERN = rf"\d{{{VILLAGE_DIGITS}}}"


def county_of(codes: pd.Series) -> pd.Series:
    """The county code of each region code (a string Series)."""
    return codes.str[:COUNTY_DIGITS]


def township_of(codes: pd.Series) -> pd.Series:
    """The township code of each region code (a string Series)."""
    return codes.str[:TOWNSHIP_DIGITS]


__all__ = ["COUNTY_DIGITS", "PREFIX_DIGITS", "TOWNSHIP_DIGITS", "VILLAGE_DIGITS", "VILLAGE_PATTERN", "county_of",
           "township_of"]
