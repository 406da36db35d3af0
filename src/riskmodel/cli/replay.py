"""``riskmodel replay``: a season of offices following the lists, on synthetic data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskmodel.cli import parse_date, print_error


def replay(
    data_dir: Path = typer.Argument(..., help="synthetic panel folder (with truth.parquet)"),
    start: str = typer.Option(..., "--from", help="first list date YYYY-MM-DD (a Monday)"),
    weeks: int = typer.Option(26, "--weeks", min=1, max=104),
    out: Path = typer.Option(Path("replay"), "--out", file_okay=False, help="folder for replay.json and replay.png"),
    model: str = typer.Option(None, "--model", help="MLflow model URI (default: train the default recipe at --from)"),
    train_on: Path = typer.Option(None, "--train-on", help="train the model on this panel instead of DATA_DIR "
                                                           "(another sample of the same generator)"),
    capacity_share: float = typer.Option(None, "--capacity-share", help="visits per week as a share of eligible"),
    cooldown_weeks: int = typer.Option(13, "--cooldown-weeks", min=0),
) -> None:
    """Offices follow each week's list at capacity: visits, hits and weeks gained per ranking."""
    from riskmodel.monitoring.replay import ReplayConfig, replay_job
    from riskmodel.settings import get_settings

    console = Console(stderr=True)
    cfg = ReplayConfig(start=parse_date(start, "--from"), weeks=weeks, model_uri=model, cooldown_weeks=cooldown_weeks,
                       train_dir=train_on,
                       capacity_share=capacity_share or get_settings().capacity_share)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("season replay")

        def tell(stage: str, done: int, total: int) -> None:
            msg = f"{stage} ({done}/{total})"
            progress.update(task, description=msg)
            if not console.is_terminal:  # a log file gets one line per step
                console.print(msg, highlight=False, markup=False)

        try:
            report = replay_job(data_dir, cfg, out, progress=tell)
        except (ValueError, LookupError, FileNotFoundError) as exc:
            print_error(console, exc)
            raise typer.Exit(1) from None
    table = Table(title=f"season replay {report['start']} … {report['last_week']}, {report['households']:,} households")
    cols = ("method", "visits", "households_visited", "hits", "hit_rate", "hits_identified_later",
            "median_weeks_gained", "hits_never_identified", "weeks_gained_total")
    for c in cols:
        table.add_column(c, justify="left" if c == "method" else "right")
    for row in report["table"]:
        table.add_row(*("" if row[c] is None else f"{row[c]:,}" if isinstance(row[c], int) else str(row[c])
                        for c in cols))
    Console().print(table)
    for name, note in report["rankings"].items():
        console.print(f"{name}: {note}", highlight=False, markup=False)
    console.print(f"written: {out / 'replay.json'}, {out / 'replay.png'}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
