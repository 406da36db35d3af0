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


def test_an_out_path_of_the_wrong_kind_is_a_usage_error_before_any_work(tmp_path):
    """A file option given a folder (or a folder option a file) is refused by the option itself: exit 2, nothing made."""
    folder, file = tmp_path / "a folder", tmp_path / "a file"
    folder.mkdir()
    file.write_text("keep", encoding="utf-8")
    data = str(tmp_path / "no data needed")
    for args in (["score", data, "--as-of", "2024-06-30", "--out", str(folder)],
                 ["features", data, "--as-of", "2024-06-30", "--out", str(folder)],
                 ["evaluate", data, "--out", str(folder)],
                 ["visits", "export", "--out", str(folder)],
                 ["weekly", data, "--as-of", "2024-06-30", "--out", str(file)],
                 ["replay", data, "--out", str(file)],
                 ["synth", "--households", "200", "--out", str(file)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Invalid value for '--out'" in result.output, (args, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file", "a folder"] and not any(folder.iterdir())
    assert file.read_text(encoding="utf-8") == "keep"


def test_rows_that_no_county_reads_stop_a_county_by_county_command(synth_parts_dir, tmp_path):
    """A folder for a county without households would be left out of every county's load: named instead."""
    data = tmp_path / "panel"
    shutil.copytree(synth_parts_dir, data)
    county = sorted((data / "income").iterdir())[0]
    shutil.copytree(county, data / "income" / "county=999999")
    result = CliRunner().invoke(app, ["features", str(data), "--as-of", "2024-06-30", "--out", str(tmp_path / "f.parquet")])
    assert result.exit_code == 1, result.output
    assert "income: [wrong_partition] income/county=999999: households/ has no county=999999 folder" \
        in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "f.parquet").exists()
