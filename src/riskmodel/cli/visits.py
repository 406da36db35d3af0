"""``riskmodel visits export``: the offices' visit outcomes as CSV, for data scientists.

What is exported: household_id (pseudonymous), region_code (latest known), visited_on,
outcome, measures (``;``-separated), recorded_on. What is not: the free-text note (it may
name people or carry what an office wrote about them) and who recorded the visit. The read is
logged in the access log (endpoint ``cli:visits_export``), like every read of household data.
Visits are not training labels: see docs/architecture.md ("visits close the loop").
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from riskmodel.cli import parse_date

visits_app = typer.Typer(help="Visit outcomes recorded by the offices (走访结果).", no_args_is_help=True)
EXPORT_COLUMNS = ("household_id", "region_code", "visited_on", "outcome", "measures", "recorded_on")


@visits_app.command("export")
def export(
    since: str = typer.Option(..., "--since", help="first visit date YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="CSV file to write (UTF-8; replaced whole)"),
    region: str = typer.Option(None, "--region", help="only households whose region code starts with this"),
) -> None:
    """Write visits from --since on to a CSV (no notes, no recorder)."""
    import pandas as pd

    from riskmodel.monitoring.rundir import write_atomic
    from riskmodel.settings import get_settings
    from riskmodel.store import Store

    console = Console(stderr=True)
    day = parse_date(since, "--since")
    store = Store(get_settings().database_url)
    store.migrate()
    visits = store.visits(since=day)
    regions = store.household_regions(visits["household_id"])
    table = pd.DataFrame({
        "household_id": visits["household_id"].astype(str),
        "region_code": visits["household_id"].astype(str).map(regions).fillna(""),
        "visited_on": visits["visited_on"].dt.strftime("%Y-%m-%d"),
        "outcome": visits["outcome"],
        "measures": [";".join(m or []) for m in visits["measures"]],
        "recorded_on": visits["recorded_at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d"),
    }, columns=list(EXPORT_COLUMNS))
    if region:
        table = table.loc[table["region_code"].str.startswith(region)]
    store.log_access(None, table["household_id"].unique().tolist(), "cli:visits_export")
    write_atomic(out, table.to_csv(index=False, lineterminator="\n"))
    console.print(f"{len(table):,} visits of {table['household_id'].nunique():,} households since {day} → {out}",
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(visits_app, name="visits")
