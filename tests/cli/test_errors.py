"""Errors on the command line: one line ``error: …``, the message shown as it is (never read as markup)."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from typer.testing import CliRunner

from riskmodel.cli import print_error
from riskmodel.cli.app import app


def test_brackets_in_a_message_are_shown_not_read_as_markup():
    out = io.StringIO()
    print_error(Console(file=out, width=40), "households: [unreadable] a/[b]/c [/x] ends [red]here[/red]")
    assert out.getvalue() == "error: households: [unreadable] a/[b]/c [/x] ends [red]here[/red]\n"  # one line


def test_a_contract_error_names_its_rule_in_the_commands_error_line(synth_parts_dir, tmp_path):
    data = tmp_path / "panel"
    shutil.copytree(synth_parts_dir, data)
    county = sorted((data / "events").iterdir())[0]
    (county / "notes.txt").write_text("not data\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(data)])
    assert result.exit_code == 2, result.output
    assert f"events: [unreadable] events/{county.name}/notes.txt: a county partition holds only Parquet" \
        in result.output
    assert "Traceback" not in result.output
