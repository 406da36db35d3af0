"""The ``riskmodel`` command. Each stage module registers its commands; nothing else imports this."""

from __future__ import annotations

import typer

from riskmodel.cli import contract, demo, features, replay, serving, synth, training, users, visits, weekly

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


#: The stage modules, each with ``register(app)`` (tests/cli/test_app.py checks none is left out).
STAGES = (contract, synth, features, training, serving, users, weekly, visits, replay, demo)
for _stage in STAGES:
    _stage.register(app)


def main() -> None:
    app()
