"""The ``riskmodel`` command. Each stage module registers its commands; nothing else imports this."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="riskmodel",
    help="Early warning of households at risk of (re)falling into poverty (防止返贫动态监测).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _root() -> None:
    """riskmodel: synthetic panels, features, models, weekly risk lists and the API."""


#: Stage modules under riskmodel.cli, each with ``register(app)``.
STAGES = ("contract", "synth", "features", "training", "serving", "users", "weekly", "visits", "replay", "demo",
          "bench")


def _register() -> None:
    for stage in STAGES:
        try:
            module = importlib.import_module(f"riskmodel.cli.{stage}")
        except ModuleNotFoundError as exc:
            if exc.name == f"riskmodel.cli.{stage}":
                continue  # stage not built yet
            raise
        module.register(app)


_register()


def main() -> None:
    app()
