"""``riskmodel validate``: check a data directory against the contract."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from riskmodel.contract import validate_dir


class Format(str, Enum):
    text = "text"
    json = "json"


def validate(
    data_dir: Path = typer.Argument(..., help="folder with households.csv|parquet, members…"),
    format: Format = typer.Option(Format.text, "--format", help="text for people, json for tools"),
) -> None:
    """Check every table, column and rule of the input contract. Exit 1 listing every problem."""
    console = Console(stderr=False)
    try:
        report = validate_dir(data_dir)
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if format is Format.json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        rows = ", ".join(f"{t} {n:,}" for t, n in report.rows.items())
        console.print(f"rows: {rows}", highlight=False)
        for note in report.warnings:
            console.print(f"[yellow]warning:[/yellow] {note}", highlight=False)
        if report.ok:
            console.print("[green]valid[/green]: the data follows the contract")
        else:
            console.print(f"[red]invalid[/red]: {report.problems.total} problems", highlight=False)
            for line in report.problems.summary_lines():
                console.print(f"  - {line}", highlight=False, markup=False)
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
