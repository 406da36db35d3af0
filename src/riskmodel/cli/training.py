"""``riskmodel train | evaluate | score | promote | models``: the model lifecycle in MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskmodel.cli import parse_date

console = Console()


def _progress():
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


class _Bar:
    """Adapts the pipeline's ``progress(stage, done, total)`` callback to Rich tasks."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def print_report(report: dict) -> None:
    from riskmodel.training.report import table_rows

    header, rows = table_rows(report)
    w = report["window"]
    table = Table(title=f"model vs rule vs oracle — as-of {w['eval_dates'][0]} … {w['eval_dates'][-1]}, "
                        f"k = top {100 * w['capacity_share']:.0f} % ({report['rows']:,} rows, "
                        f"{report['positives']:,} identified later)")
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        table.add_row(*r)
    console.print(table)


def train(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    cutoff: str = typer.Option(None, "--cutoff", help="use only records reported by this date (default: latest reported_on)"),
    config: Path = typer.Option(None, "--config", help="training config YAML (default: built-in = training/default.yaml)"),
) -> None:
    """Back-test, refit, log to MLflow and register a new version as `challenger`."""
    from riskmodel.training.lifecycle import train_job

    c = parse_date(cutoff, "--cutoff")
    with _progress() as p:
        result = train_job(data_dir, cutoff=c, config_path=config, progress=_Bar(p))
    if result["report"]:
        print_report(result["report"])
    console.print(f"registered version [bold]{result['version']}[/bold] as challenger (run {result['run_id']})")


def evaluate(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    model: str = typer.Option(None, "--model", help="model URI to evaluate (default: back-test the training recipe)"),
    cutoff: str = typer.Option(None, "--cutoff", help="data cut-off (default: latest reported_on)"),
    config: Path = typer.Option(None, "--config", help="training config YAML"),
    out: Path = typer.Option(Path("evaluation.json"), "--out", help="where to write the JSON report"),
) -> None:
    """Model vs logistic vs rule vs oracle on as-of dates after training: prints the table, writes JSON."""
    from riskmodel.training.lifecycle import evaluate_job, write_json

    c = parse_date(cutoff, "--cutoff")
    with _progress() as p:
        report = evaluate_job(data_dir, model_uri=model, cutoff=c, config_path=config, progress=_Bar(p))
    print_report(report)
    write_json(report, out)
    console.print(f"wrote {out}")


def score(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    as_of: str = typer.Option(..., "--as-of", help="as-of date YYYY-MM-DD"),
    model: str = typer.Option(None, "--model", help="model URI (default: models:/<model_name>@champion)"),
    out: Path = typer.Option(..., "--out", help="CSV to write"),
    explain: int = typer.Option(0, "--explain", help="add risk types for the top N rows"),
) -> None:
    """Score every eligible household: household_id, score, probability, rank, region_code (+ band, category)."""
    from riskmodel.training.lifecycle import score_job

    t = parse_date(as_of, "--as-of")
    frame = score_job(data_dir, as_of=t, out=out, model_uri=model, explain=explain)
    console.print(f"wrote {len(frame):,} households to {out}")


def promote(
    data_dir: Path = typer.Argument(..., help="contract data directory with the latest data"),
    force: bool = typer.Option(False, "--force", help="promote even if the gate fails (needs --reason)"),
    reason: str = typer.Option(None, "--reason", help="why (recorded in the alias history)"),
    config: Path = typer.Option(None, "--config", help="training config YAML (gate tolerances)"),
) -> None:
    """Move `champion` to the challenger if it passes the gate on the latest mature window."""
    from riskmodel.training.lifecycle import promote_job

    if force and not reason:
        raise typer.BadParameter("--force needs --reason", param_hint="--reason")
    with _progress() as p:
        result = promote_job(data_dir, force=force, reason=reason, config_path=config, progress=_Bar(p))
    if result.get("gate"):
        table = Table(title=f"gate: challenger v{result['to']} vs champion v{result['from']}")
        for col in ("check", "passed", "champion", "challenger", "rule"):
            table.add_column(col)
        for c in result["gate"]["checks"]:
            fmt = lambda v: "–" if v is None else (f"{v:.4f}" if isinstance(v, float) else json.dumps(v, ensure_ascii=False))  # noqa: E731
            table.add_row(c["check"], "yes" if c["passed"] else "[red]no[/red]", fmt(c["champion"]), fmt(c["challenger"]),
                          c["rule"])
        console.print(table)
        if result["window"]["overlaps_training"]:
            console.print("[yellow]note:[/yellow] no mature window after both training cut-offs; used the latest "
                          "mature window, which the newer model may have trained on")
    if result["promoted"]:
        console.print(f"champion → version [bold]{result['to']}[/bold] (was {result['from'] or 'none'})")
    else:
        console.print(f"champion stays version {result['from']}: {result.get('note') or 'the challenger failed the gate'}")
        raise typer.Exit(0 if result.get("note") else 1)


def models() -> None:
    """Registered versions, aliases and key metrics."""
    from riskmodel.training.lifecycle import KEY_METRICS, models_job

    rows = models_job()
    table = Table(title="registered model versions")
    table.add_column("version", no_wrap=True)
    table.add_column("aliases", no_wrap=True, min_width=20)
    for col in ("created", "cutoff", *[k.split(".", 1)[1] for k in KEY_METRICS]):
        table.add_column(col)
    for r in rows:
        table.add_row(r["version"], ", ".join(r["aliases"]), r["created"], r["training_cutoff"] or "",
                      *["" if r[k] is None else f"{r[k]:.3f}" for k in KEY_METRICS])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("score")(score)
    app.command("promote")(promote)
    app.command("models")(models)
