"""``riskmodel weekly``: this week's risk lists per county and township, with drift alongside."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from riskmodel.cli import parse_date, print_error, scheduler_option, workers_option


def weekly(
    data_dir: Path = typer.Argument(..., help="contract data folder (households, members, income …)"),
    as_of: str = typer.Option(None, "--as-of", help="list date YYYY-MM-DD (the Monday the offices receive it)"),
    out: Path = typer.Option(Path("weekly"), "--out", file_okay=False, help="output folder; the week goes to OUT/<as-of>/"),
    model: str = typer.Option(None, "--model", help="MLflow model URI (default models:/<name>@champion)"),
    backfill: tuple[str, str] | None = typer.Option(None, "--backfill", metavar="FROM TO",
                                             help="run every week FROM … TO instead of --as-of (with --scheduler "
                                                  "county × week tasks; weeks publish oldest first)"),
    scheduler: str = scheduler_option("each county (of a partitioned folder) is a task"),
    workers: int = workers_option("run the counties"),
    capacity: Path = typer.Option(None, "--capacity", help="capacity YAML (see serving/capacity.yaml)"),
    config: Path = typer.Option(None, "--config", help="YAML with drift/decay thresholds (monitoring section)"),
    store: bool = typer.Option(True, "--store/--no-store", help="write lists and drift to the store (RISKMODEL_DATABASE_URL)"),
) -> None:
    """Score every eligible household, cut capacity-sized lists, write XLSX/CSV/JSON and drift reports."""
    from riskmodel.cluster import ClusterError
    from riskmodel.monitoring.backfill import run_backfill
    from riskmodel.monitoring.weekly import STEPS, WeeklyConfig, run_weekly
    from riskmodel.settings import get_settings

    console = Console(stderr=True)
    if (as_of is None) == (backfill is None):
        raise typer.BadParameter("give either --as-of DATE or --backfill FROM TO")
    if scheduler and workers:
        raise typer.BadParameter("give either --scheduler ADDRESS (an existing cluster) or --workers N (a local one)")
    cfg = WeeklyConfig()
    if config is not None:
        try:
            cfg = WeeklyConfig.load(config)
        except (ValueError, OSError) as exc:
            print_error(console, exc)
            raise typer.Exit(2) from None
    db = get_settings().database_url if store else None
    common = dict(model_uri=model, capacity=capacity, store=db, scheduler=scheduler, workers=workers, config=cfg)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("weekly run", total=len(STEPS))

        def tick(stage: str, done: int, total: int) -> None:
            if stage.startswith("week "):
                progress.reset(task, description=stage)
            else:
                progress.update(task, description=stage, completed=done, total=total)

        try:
            if backfill is not None:
                start, end = parse_date(backfill[0], "FROM"), parse_date(backfill[1], "TO")
                summaries = run_backfill(data_dir, start, end, out, progress=tick, **common)
            else:
                summaries = [run_weekly(data_dir, parse_date(as_of, "--as-of"), out, progress=tick, **common)]
        except (ValueError, LookupError, FileNotFoundError, ClusterError) as exc:
            print_error(console, exc)
            raise typer.Exit(1) from None
    for s in summaries:
        week = out / s["as_of"]
        drift = s["drift"]
        flag = "[red]ALERT[/red]" if s["alerts"]["retrain_recommended"] else "[green]ok[/green]"
        console.print(f"{s['as_of']}: {s['listed']:,} households listed of {s['eligible']:,} eligible "
                      f"({s['new_on_list']:,} new), model {s['model_name']} v{s['model_version']}, "
                      f"data to {s['data_cutoff']}; drift {flag}", highlight=False)
        for reason in s["alerts"]["reasons"]:
            console.print(f"  - {reason}", highlight=False, markup=False)
        console.print(f"  lists: {week / 'xlsx'}  drift report: {week / 'drift' / 'report.html'}", highlight=False)
        if drift.get("status") == "skipped":
            console.print(f"  drift skipped: {drift.get('reference')}", highlight=False, markup=False)
    typer.echo(json.dumps({"weeks": [s["as_of"] for s in summaries], "out": str(out)}, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("weekly")(weekly)
