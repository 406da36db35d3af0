"""Command line: one Typer sub-module per lifecycle stage, assembled in ``app``."""

from __future__ import annotations

import datetime as dt

import typer


def parse_date(value: str | None, name: str) -> dt.date | None:
    """An ISO date option, or a usage error naming the option (exit 2, no traceback)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
