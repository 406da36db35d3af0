"""``riskmodel train | evaluate | score | compare | promote | models``: the model lifecycle in MLflow.

Errors a user can fix (a recipe LightGBM refuses, no honest comparison, a missing version)
end with a red message and exit 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskmodel.cli import parse_date, print_error, scheduler_option, workers_option

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


class _Fixable:
    """``with _Fixable():`` turns the lifecycle's explained errors into a message and exit 2 (a
    cluster that lost the work: exit 1)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        from riskmodel.cluster import ClusterError
        from riskmodel.contract import ContractError

        if exc is not None and isinstance(exc, (ValueError, LookupError, ContractError, FileNotFoundError)):
            print_error(console, exc)
            raise typer.Exit(2) from None
        if isinstance(exc, ClusterError):  # the run failed, not its input
            print_error(console, exc)
            raise typer.Exit(1) from None
        return False


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
    # six models with per-date intervals: never squeeze the names into wrapped fragments
    wide = Console(width=max(console.width, 40 + 30 * (len(header) - 1)), highlight=False)
    wide.print(table)


def train(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    cutoff: str = typer.Option(None, "--cutoff", help="use only records reported by this date (default: latest reported_on)"),
    config: Path = typer.Option(None, "--config", help="training config YAML (default: built-in = training/default.yaml)"),
    scheduler: str = scheduler_option("each county of a partitioned folder and each back-test date is a task"),
    workers: int = workers_option("build the counties' tables and score the back-test"),
) -> None:
    """Back-test, refit, log to MLflow and register a new version as `challenger`."""
    from riskmodel.training.lifecycle import train_job

    c = parse_date(cutoff, "--cutoff")
    with _Fixable(), _progress() as p:
        result = train_job(data_dir, cutoff=c, config_path=config, progress=_Bar(p), scheduler=scheduler,
                           workers=workers)
    if result["report"]:
        print_report(result["report"])
    console.print(f"registered version [bold]{result['version']}[/bold] as challenger (run {result['run_id']})")


def evaluate(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    model: str = typer.Option(None, "--model", help="model URI to evaluate (default: back-test the training recipe)"),
    cutoff: str = typer.Option(None, "--cutoff", help="data cut-off (default: latest reported_on)"),
    config: Path = typer.Option(None, "--config", help="training config YAML"),
    out: Path = typer.Option(Path("evaluation.json"), "--out", dir_okay=False, help="where to write the JSON report"),
) -> None:
    """Model vs logistic vs rule vs oracle on as-of dates after training: prints the table, writes JSON."""
    from riskmodel.training.lifecycle import evaluate_job, write_json

    c = parse_date(cutoff, "--cutoff")
    with _Fixable(), _progress() as p:
        report = evaluate_job(data_dir, model_uri=model, cutoff=c, config_path=config, progress=_Bar(p))
    print_report(report)
    write_json(report, out)
    console.print(f"wrote {out} (MLflow run {report.get('run_id')}, kind evaluation)")


def score(
    data_dir: Path = typer.Argument(..., help="contract data directory"),
    as_of: str = typer.Option(..., "--as-of", help="as-of date YYYY-MM-DD"),
    model: str = typer.Option(None, "--model", help="model URI (default: models:/<model_name>@champion)"),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="CSV to write"),
    explain: int = typer.Option(0, "--explain", help="add risk types for the top N rows"),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address (tcp://host:8786): its workers score the counties "
                                       "of a partitioned data directory"),
) -> None:
    """Score every eligible household: household_id, score, probability, rank, region_code (+ band, category)."""
    from riskmodel.training.lifecycle import score_job

    t = parse_date(as_of, "--as-of")
    with _Fixable():
        frame = score_job(data_dir, as_of=t, out=out, model_uri=model, explain=explain, scheduler=scheduler)
    console.print(f"wrote {len(frame):,} households to {out}")


def print_comparison(result: dict) -> None:
    """Both models' figures and the gate's checks, with the window and where it comes from."""
    w = result["window"]
    figures = result["figures"]
    table = Table(title=f"challenger v{result['challenger']} vs champion v{result['champion']} — {w['mode']}, "
                        f"as-of {w['eval_dates'][0]} … {w['eval_dates'][-1]} ({w['rows']:,} rows, "
                        f"{w['positives']:,} identified later)")
    for col in ("figure", "champion", "challenger", "rule screen"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for k in figures["champion"]:
        cells = ["–" if figures[m].get(k) is None else f"{figures[m][k]:.4f}" for m in ("champion", "challenger", "rule")]
        table.add_row(k, *cells)
    console.print(table)
    gate = Table(title="gate")
    for col in ("check", "passed", "champion", "challenger", "rule"):
        gate.add_column(col)
    fmt = lambda v: "–" if v is None else (f"{v:.4f}" if isinstance(v, float) else json.dumps(v, ensure_ascii=False))  # noqa: E731
    for c in result["gate"]["checks"]:
        gate.add_row(c["check"], "yes" if c["passed"] else "[red]no[/red]", fmt(c["champion"]), fmt(c["challenger"]),
                     c["rule"])
    console.print(gate)
    console.print(f"window: {w['provenance']}", highlight=False, soft_wrap=True)


def compare(
    data_dir: Path = typer.Argument(..., help="contract data directory with the latest data"),
    challenger: str = typer.Option(None, "--challenger", help="version (default: the `challenger` alias)"),
    champion: str = typer.Option(None, "--champion", help="version (default: the `champion` alias)"),
    cutoff: str = typer.Option(None, "--cutoff", help="use only records reported by this date"),
    config: Path = typer.Option(None, "--config", help="training config YAML (gate tolerances, k)"),
) -> None:
    """The promotion gate's table on data neither version saw, without moving anything (exit 1 if it fails)."""
    from riskmodel.training.promotion import compare_versions

    c = parse_date(cutoff, "--cutoff")
    with _Fixable(), _progress() as p:
        result = compare_versions(data_dir, champion=champion, challenger=challenger, cutoff=c, config_path=config,
                                  progress=_Bar(p))
    print_comparison(result)
    verdict = "passes" if result["gate"]["passed"] else "[red]fails[/red]"
    console.print(f"challenger v{result['challenger']} {verdict} the gate (nothing moved)")
    raise typer.Exit(0 if result["gate"]["passed"] else 1)


def promote(
    data_dir: Path = typer.Argument(..., help="contract data directory with the latest data"),
    version: str = typer.Option(None, "--version", help="move champion to this version explicitly (roll back or "
                                                        "forward; needs --reason; no gate)"),
    force: bool = typer.Option(False, "--force", help="promote even if the gate fails (needs --reason)"),
    reason: str = typer.Option(None, "--reason", help="why (recorded in the alias history and the MLflow run)"),
    cutoff: str = typer.Option(None, "--cutoff", help="use only records reported by this date"),
    config: Path = typer.Option(None, "--config", help="training config YAML (gate tolerances)"),
) -> None:
    """Move `champion` to the challenger if it passes the gate on data neither saw; every decision is recorded."""
    from riskmodel.training.promotion import promote_job

    if (force or version) and not reason:
        raise typer.BadParameter(f"{'--force' if force else '--version'} needs --reason", param_hint="--reason")
    c = parse_date(cutoff, "--cutoff")
    with _Fixable(), _progress() as p:
        result = promote_job(data_dir, version=version, force=force, reason=reason, cutoff=c, config_path=config,
                             progress=_Bar(p))
    if result.get("gate"):
        print_comparison(result)
    if result.get("no_comparison"):
        console.print(f"[yellow]no honest comparison:[/yellow] {result['no_comparison']}", soft_wrap=True)
    run = f" (MLflow run {result['run_id']}, kind promotion)" if result.get("run_id") else ""
    if result["promoted"]:
        console.print(f"champion → version [bold]{result['to']}[/bold] (was {result['from'] or 'none'}): "
                      f"{result['decision']}{run}", highlight=False)
    else:
        console.print(f"champion stays version {result['from']}: {result.get('note')}{run}", highlight=False)
        raise typer.Exit(0 if result["decision"] == "unchanged" else 1)


def models() -> None:
    """Registered versions, aliases, back-test figures; flags aliases moved outside riskmodel."""
    from riskmodel.training.lifecycle import models_job

    found = models_job()
    rows = found["versions"]
    figures = sorted({k for r in rows for k in r["backtest"] if k != "window"})
    table = Table(title="registered model versions (figures: the version's own back-test)")
    table.add_column("version", no_wrap=True)
    table.add_column("aliases", no_wrap=True, min_width=20)
    for col in ("created", "cutoff", "recipe", *figures):
        table.add_column(col)
    for r in rows:
        table.add_row(r["version"], ", ".join(r["aliases"]), r["created"], r["training_cutoff"] or "",
                      r["recipe"] or "", *[r["backtest"].get(k, "") for k in figures])
    console.print(table)
    moves = [h for h in found["history"] if h.get("moved", True)]
    if moves:
        hist = Table(title="alias history (latest 10)")
        for col in ("when", "who", "alias", "from", "to", "why"):
            hist.add_column(col)
        for h in moves[-10:]:
            hist.add_row(str(h.get("when")), str(h.get("who")), h["alias"], str(h.get("from")), str(h.get("to")),
                         str(h.get("why"))[:80])
        console.print(hist)
    if found["disagreements"]:
        for d in found["disagreements"]:
            console.print(f"[red]alias {d['alias']!r} was moved outside riskmodel:[/red] the registry says version "
                          f"{d['registry']}, the alias history says {d['history']} (the next `riskmodel promote` "
                          "records the outside move before its own)", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print("registry and alias history agree")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("score")(score)
    app.command("compare")(compare)
    app.command("promote")(promote)
    app.command("models")(models)
