"""``riskmodel features``: the point-in-time feature table of a data directory as of a date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from riskmodel.atomic import atomic_path
from riskmodel.cli import print_error
from riskmodel.contract import ContractError, load


def _as_of(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


def features(
    data_dir: Path = typer.Argument(..., help="contract data directory (households, members, …)"),
    as_of: str = typer.Option(..., "--as-of", help="as-of date YYYY-MM-DD: only records reported by then are used"),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="output Parquet file"),
) -> None:
    """Write one row per eligible household: household_id, region_code and the features."""
    from riskmodel.features import build_features
    from riskmodel.features.counties import features_by_county, is_partitioned

    t = _as_of(as_of)
    console = Console(stderr=True)
    try:
        if is_partitioned(data_dir):  # one county in memory at a time
            with console.status(f"loading, validating and building features county by county as of {t:%Y-%m-%d}"):
                table = features_by_county(data_dir, t)
        else:
            with console.status("loading and validating the data directory"):
                panel = load(data_dir)
            with console.status(f"building features as of {t:%Y-%m-%d}"):
                table = build_features(panel, t)
    except FileNotFoundError as exc:
        print_error(console, exc)
        raise typer.Exit(2) from None
    except ContractError as exc:
        console.print("[red]invalid input[/red]", markup=True)
        for line in exc.problems.summary_lines():
            console.print(f"  - {line}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    with atomic_path(out) as tmp:
        table.to_parquet(tmp, index=False)
    console.print(f"{len(table):,} eligible households × {table.shape[1] - 2} features → {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("features")(features)
