"""``riskmodel demo``: the whole pipeline end to end on embedded defaults.

It runs the same commands a user would type, printing each one first, so the demo doubles as
a tour: generate → validate → calibration → train → evaluate → promote → weekly list → serve.
State goes where the settings say (default: SQLite files and folders in the working directory).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

console = Console()
DEMO_USER = "demo-office"


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
    out: Path = typer.Option(Path("demo"), "--out", file_okay=False, help="folder for the demo panel and weekly lists"),
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
    county = _busiest_county(week / "risk_list.json")
    password = _demo_login(county)
    console.print(Rule("[bold]done"))
    console.print(f"risk lists (Excel, one per county): {week / 'xlsx'}", highlight=False, soft_wrap=True)
    console.print(f"drift report: {week / 'drift' / 'report.html'}", highlight=False, soft_wrap=True)
    console.print(f"evaluation: {out / 'evaluation.json'}", highlight=False, soft_wrap=True)
    console.print(f"demo API key (admin): {key}", highlight=False, soft_wrap=True)
    curl = (f"curl -s -H 'X-API-Key: {key}' "
            f"'http://127.0.0.1:{port}/v1/risk-lists/{as_of.isoformat()}?format=json' | head -c 600")
    console.print(f"try, once the server is up:\n  {curl}", highlight=False, soft_wrap=True)
    console.print(f"office pages: http://127.0.0.1:{port}/  (login {DEMO_USER} / {password}, "
                  f"an office of county {county})", highlight=False, soft_wrap=True)
    if serve:
        console.print("Ctrl-C stops the server.", highlight=False)
        raise typer.Exit(serve_in_foreground(["serve", "--port", str(port)]))


def _busiest_county(list_json: Path) -> str:
    """The county with the most listed households this week (the demo office's region)."""
    rows = json.loads(list_json.read_text("utf-8"))["rows"]
    counts = Counter(str(r["county_code"]) for r in rows)
    return max(sorted(counts), key=counts.__getitem__)


def _demo_login(county: str) -> str:
    """An office user for the demo county: created, or given a new password on a rerun."""
    created = _run(["users", "create", "--username", DEMO_USER, "--role", "office", "--region", county],
                   capture=True, check=False)
    if "initial password" in created:
        return created.strip().splitlines()[-1]
    return _run(["users", "reset-password", DEMO_USER], capture=True).strip().splitlines()[-1]


def serve_in_foreground(args: list[str]) -> int:
    """Run ``riskmodel ARGS`` as the terminal's foreground job; its exit code (0 after Ctrl-C).

    Ctrl-C goes to the terminal's foreground process group. Given the terminal, the server alone
    receives it and stops cleanly, while this process and a ``make`` above it, which would
    otherwise die of the signal ("make: *** Interrupt"), just see it exit with 0.
    """
    shown = "riskmodel " + " ".join(shlex.quote(a) for a in args)
    console.print(Rule(f"[bold]$ {shown}", align="left"))
    tty = _foreground_tty()
    proc = subprocess.Popen([sys.executable, "-m", "riskmodel", *args], process_group=0 if tty is not None else None)
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # so that we may hand the terminal back
    try:
        if tty is not None:
            os.tcsetpgrp(tty, proc.pid)
        while True:
            try:
                return 0 if proc.wait() in (0, -signal.SIGINT) else proc.returncode
            except KeyboardInterrupt:  # no terminal to hand over: the signal reached us too
                continue
    finally:
        if tty is not None:
            os.tcsetpgrp(tty, os.getpgrp())
        signal.signal(signal.SIGTTOU, previous)


def _foreground_tty() -> int | None:
    """stdin's terminal when this process is its foreground job, else None."""
    try:
        fd = sys.stdin.fileno()
        return fd if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp() else None
    except (OSError, ValueError):
        return None


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
