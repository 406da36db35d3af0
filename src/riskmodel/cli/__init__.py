"""Command line: one Typer sub-module per lifecycle stage, assembled in ``app``."""

from __future__ import annotations

import datetime as dt

import typer
from rich.text import Text


def print_error(console, message: object) -> None:
    """``error: MESSAGE`` on ``console``, the message as plain text: a contract rule's ``[unreadable]``
    or a bracket in a path is shown as it is, never read (or rejected) as Rich markup."""
    console.print(Text.assemble(("error:", "red"), " ", str(message)), highlight=False, soft_wrap=True)


def parse_date(value: str | None, name: str) -> dt.date | None:
    """An ISO date option, or a usage error naming the option (exit 2, no traceback)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def scheduler_option(work: str):
    """``--scheduler ADDR``: an existing Dask cluster whose workers do ``work`` county by county."""
    return typer.Option(None, "--scheduler",
                        help=f"Dask scheduler address (tcp://host:8786): {work}; without it, --workers decides")


def workers_option(work: str):
    """``--workers N``: a LocalCluster of N one-thread processes the command starts and stops, or a plain loop."""
    return typer.Option(0, "--workers", min=0,
                        help=f"without --scheduler: N local Dask worker processes of one thread on this machine "
                             f"(a LocalCluster, at most one per core) {work}; 0: a plain loop, one county in memory "
                             f"at a time")
