"""``riskmodel synth`` (generate a synthetic panel) and ``riskmodel calibration`` (compare it to published figures)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskmodel.cli import parse_date, print_error
from riskmodel.synth.config import SCENARIOS


class FileFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


ScenarioName = Enum("ScenarioName", {s: s for s in SCENARIOS}, type=str)


def synth(
    households: int = typer.Option(2000, "--households", min=10, help="number of households"),
    start: str = typer.Option("2021-01-01", "--start", help="first day of the panel (YYYY-MM-DD)"),
    end: str = typer.Option("2024-12-31", "--end", help="last day of the panel, the extract date (YYYY-MM-DD)"),
    seed: int = typer.Option(7, "--seed", min=0, help="random seed: same arguments and seed → identical files"),
    out: Path = typer.Option(..., "--out", file_okay=False, help="data directory to write: new, empty or a previous panel "
                                                "(replaced atomically; a folder of other files is refused)"),
    scenario: ScenarioName = typer.Option("baseline", "--scenario", help="named scenario"),
    shock_date: str | None = typer.Option(None, "--shock-date", help="when the scenario's shock starts (default: 8 weeks before --end)"),
    format: FileFormat = typer.Option(FileFormat.parquet, "--format", help="file format of the tables"),
    partitioned: bool = typer.Option(False, "--partitioned",
                                     help="simulate and write county by county (Parquet folders per county; "
                                          "memory bounded by the largest county; its own random streams)"),
    counties: int | None = typer.Option(None, "--counties",
                                        help="number of counties, 1–99 (default: one per ~15,000 households, "
                                             "2 to 8 in one stream, up to 99 partitioned)"),
) -> None:
    """Generate a calibrated synthetic household panel: contract tables, policy.yaml and truth.parquet."""
    from pydantic import ValidationError

    from riskmodel.contract.io import replaceable_panel_dir
    from riskmodel.synth import SynthConfig, generate, write

    console = Console()
    try:
        config = SynthConfig(households=households, start=parse_date(start, "--start"), end=parse_date(end, "--end"),
                             seed=seed, scenario=scenario.value, partitioned=partitioned, counties=counties,
                             shock_date=parse_date(shock_date, "--shock-date") if shock_date else None)
    except ValidationError as exc:
        for err in exc.errors():  # a field's error names its option (a rule over several fields: the message says)
            where = f"--{str(err['loc'][0]).replace('_', '-')}: " if err["loc"] else ""
            print_error(console, f"{where}{err['msg']}")
        raise typer.Exit(2) from None
    if partitioned and format is not FileFormat.parquet:
        print_error(console, "--partitioned writes Parquet folders; drop --format csv")
        raise typer.Exit(2)
    try:
        replaceable_panel_dir(out)  # before any work: a folder of other files is not replaced
    except FileExistsError as exc:
        print_error(console, exc)
        raise typer.Exit(2) from None
    if partitioned:
        from riskmodel.synth.partitioned import CountyProcessError, write_partitioned

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("simulating counties", total=None)
            try:
                write_partitioned(config, out,
                                  progress=lambda _stage, done, total: bar.update(task, completed=done, total=total))
            except CountyProcessError as e:
                print_error(console, f"{e}; nothing was written to {out}")
                raise typer.Exit(1) from None
        console.print(f"wrote {out}: {config.households:,} households in {config.n_counties} county partitions",
                      highlight=False)
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("simulating months", total=None)
        result = generate(config, progress=lambda stage, done, total: bar.update(task, completed=done, total=total))
        bar.update(task, description="writing files")
        write(result, out, format.value)
    rows = ", ".join(f"{name} {len(df):,}" for name, df in result.tables.items())
    console.print(f"wrote {out}: {rows}", highlight=False)


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}"


def calibration(
    data_dir: Path = typer.Argument(..., help="a generated data directory (with truth.parquet)"),
) -> None:
    """Print generated vs published figures with tolerances; exit 1 if any is out of tolerance."""
    from riskmodel.synth.calibration import report

    console = Console()
    try:
        table = report(data_dir)
    except FileNotFoundError as exc:
        print_error(console, exc)
        raise typer.Exit(2) from None
    out = Table(title=f"calibration of {data_dir}")
    for col in ("figure", "generated", "target", "tolerance", "ok", "source"):
        out.add_column(col, overflow="fold")
    for row in table.itertuples(index=False):
        out.add_row(row.figure, _num(row.generated), _num(row.target), "±" + _num(row.tolerance),
                    "[green]yes[/green]" if row.ok else "[red]no[/red]", row.source)
    console.print(out)
    raise typer.Exit(0 if table["ok"].all() else 1)


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
    app.command("calibration")(calibration)
