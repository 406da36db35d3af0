"""Command line: one Typer sub-module per lifecycle stage, assembled in ``app``."""
