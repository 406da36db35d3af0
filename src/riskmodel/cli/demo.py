"""``riskmodel demo``: the whole pipeline end to end on embedded defaults.

It runs the same commands a user would type, printing each one first, so the demo doubles as
a tour: generate → validate → calibration → train → evaluate → promote → weekly list → serve.
State goes where the settings say (default: SQLite files and folders in the working directory).
"""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

console = Console()


def _run(args: list[str], *, capture: bool = False, check: bool = True) -> str:
    shown = "riskmodel " + " ".join(shlex.quote(a) for a in args)
    console.print(Rule(f"[bold]$ {shown}", align="left"))
    proc = subprocess.run([sys.executable, "-m", "riskmodel", *args], text=True,
                          stdout=subprocess.PIPE if capture else None)
    if proc.returncode != 0 and not check:
        console.print(f"[yellow]note: `{shown}` exited with {proc.returncode}; the demo goes on[/yellow]")
    elif proc.returncode != 0:
        console.print(f"[red]demo stopped: `{shown}` exited with {proc.returncode}[/red]")
        raise typer.Exit(proc.returncode)
    if capture:
        sys.stdout.write(proc.stdout)
        return proc.stdout
    return ""


def last_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="folder for the demo panel and weekly lists"),
    households: int = typer.Option(20_000, "--households", min=200, help="size of the synthetic panel"),
    seed: int = typer.Option(42, "--seed"),
    start: str = typer.Option("2021-01-01", "--start"),
    end: str = typer.Option("2025-06-30", "--end"),
    config: Path = typer.Option(None, "--config", help="training config (default training/default.yaml)"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="end by serving the API in the foreground"),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Generate a demo panel, train and promote a model, run the weekly list, then serve the API."""
    data = out / "data"
    as_of = last_monday(dt.date.fromisoformat(end))
    cfg = ["--config", str(config)] if config else []
    _run(["synth", "--households", str(households), "--start", start, "--end", end,
          "--seed", str(seed), "--out", str(data)])
    _run(["validate", str(data)])
    # generated vs published figures: a miss is shown (exit 1) but does not stop the tour
    _run(["calibration", str(data)], check=False)
    _run(["train", str(data), *cfg])
    _run(["evaluate", str(data), *cfg, "--out", str(out / "evaluation.json")])
    _run(["promote", str(data), *cfg])
    _run(["models"])
    _run(["weekly", str(data), "--as-of", as_of.isoformat(), "--out", str(out / "weekly")])
    key = _run(["keys", "create", "--role", "admin", "--name", "demo"], capture=True).strip().splitlines()[-1]
    week = out / "weekly" / as_of.isoformat()
    console.print(Rule("[bold]done"))
    console.print(f"risk lists (Excel, one per county): {week / 'xlsx'}", highlight=False, soft_wrap=True)
    console.print(f"drift report: {week / 'drift' / 'report.html'}", highlight=False, soft_wrap=True)
    console.print(f"evaluation: {out / 'evaluation.json'}", highlight=False, soft_wrap=True)
    console.print(f"demo API key (admin): {key}", highlight=False, soft_wrap=True)
    curl = (f"curl -s -H 'X-API-Key: {key}' "
            f"'http://127.0.0.1:{port}/v1/risk-lists/{as_of.isoformat()}?format=json' | head -c 600")
    console.print(f"try, once the server is up:\n  {curl}", highlight=False, soft_wrap=True)
    if serve:
        _run(["serve", "--port", str(port)])


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
