"""``riskmodel validate``: check a data directory against the contract.

Exit codes: 0 valid, 1 the data breaks the contract (every problem listed), 2 the folder
cannot be used at all. Never a traceback: an office worker reads this output.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from riskmodel.cli import print_error
from riskmodel.contract import validate_dir


class Format(str, Enum):
    text = "text"
    json = "json"


def validate(
    data_dir: Path = typer.Argument(..., help="folder with households.csv|parquet, members…"),
    format: Format = typer.Option(Format.text, "--format", help="text for people, json for tools"),
) -> None:
    """Check every table, column and rule of the input contract. Exit 1 listing every problem."""
    console = Console(soft_wrap=True, highlight=False)
    try:
        report = validate_dir(data_dir)
    except FileNotFoundError as exc:
        _unusable(console, format, str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug or an OS error must still not print a traceback
        _unusable(console, format, f"could not validate {data_dir}: {type(exc).__name__}: {exc}")
    if format is Format.json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        rows = ", ".join(f"{t} {n:,}" for t, n in report.rows.items())
        console.print(f"rows: {rows}", markup=False)
        for note in report.warnings:
            console.print(f"[yellow]warning:[/yellow] {escape(note)}")
        if report.ok:
            console.print("[green]valid[/green]: the data follows the contract")
        else:
            console.print(f"[red]invalid[/red]: {report.problems.total:,} problems")
            for line in report.problems.summary_lines():
                console.print(f"  - {line}", markup=False)
    raise typer.Exit(0 if report.ok else 1)


def _unusable(console: Console, format: Format, message: str) -> None:
    if format is Format.json:
        typer.echo(json.dumps({"valid": False, "error": message}, ensure_ascii=False, indent=2))
    else:
        print_error(console, message)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
