import json

from typer.testing import CliRunner

from riskmodel.cli.app import app


def test_weekly_command_writes_the_week_and_points_to_the_files(tmp_path, scorer, monkeypatch):
    from riskmodel.synth import generate_to

    data = generate_to(tmp_path / "data", households=300, start="2022-01-01", end="2024-12-31", seed=3)
    monkeypatch.setattr("riskmodel.training.scorers.load_scorer", lambda uri=None: scorer)
    cap = tmp_path / "capacity.yaml"
    cap.write_text("share: 0.05\n", "utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["weekly", str(data), "--as-of", "2024-12-30", "--out", str(tmp_path / "out"),
                                 "--capacity", str(cap), "--no-store"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"weeks": ["2024-12-30"], "out": str(tmp_path / "out")}
    week = tmp_path / "out" / "2024-12-30"
    assert (week / "drift" / "report.html").stat().st_size > 10_000
    summary = json.loads((tmp_path / "out" / "drift" / "summary.json").read_text("utf-8"))
    assert {"share_drifted", "drifted_features", "alert"} <= set(summary)
    listed = json.loads((week / "risk_list.json").read_text("utf-8"))
    assert listed["capacity"]["share"] == 0.05
    # the Evidently files are pinned too: a rerun of the week writes the same bytes
    html, report = (week / "drift" / "report.html").read_bytes(), (week / "drift" / "report.json").read_bytes()
    again = runner.invoke(app, ["weekly", str(data), "--as-of", "2024-12-30", "--out", str(tmp_path / "out"),
                                "--capacity", str(cap), "--no-store"])
    assert again.exit_code == 0, again.output
    assert (week / "drift" / "report.html").read_bytes() == html
    assert (week / "drift" / "report.json").read_bytes() == report

    result = runner.invoke(app, ["weekly", str(data), "--backfill", "2024-12-16", "2024-12-23",
                                 "--out", str(tmp_path / "out"), "--no-store", "--config", str(cap.with_name("m.yaml"))])
    assert result.exit_code != 0  # the thresholds file does not exist: a clear error, nothing run
    (tmp_path / "m.yaml").write_text("monitoring:\n  evidently: false\n  drift: {share_drifted: 0.3}\n", "utf-8")
    result = runner.invoke(app, ["weekly", str(data), "--backfill", "2024-12-16", "2024-12-23",
                                 "--out", str(tmp_path / "out"), "--no-store", "--config", str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["weeks"] == ["2024-12-16", "2024-12-23"]
    assert json.loads((tmp_path / "out" / "drift" / "summary.json").read_text("utf-8"))["as_of"] == "2024-12-30"


def test_weekly_needs_a_date(tmp_path):
    result = CliRunner().invoke(app, ["weekly", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "--as-of" in result.output


def test_a_list_date_long_after_the_data_says_so(tmp_path, scorer, monkeypatch):
    from riskmodel.synth import generate_to

    data = generate_to(tmp_path / "data", households=300, start="2022-01-01", end="2024-06-30", seed=3)
    monkeypatch.setattr("riskmodel.training.scorers.load_scorer", lambda uri=None: scorer)
    (tmp_path / "m.yaml").write_text("monitoring:\n  evidently: false\n  stale_after_days: 60\n", "utf-8")
    result = CliRunner().invoke(app, ["weekly", str(data), "--as-of", "2024-12-30", "--out", str(tmp_path / "out"),
                                      "--no-store", "--config", str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    alerts = json.loads((tmp_path / "out" / "2024-12-30" / "alerts.json").read_text("utf-8"))
    assert alerts["data_alert"] is True
    cutoff = json.loads((tmp_path / "out" / "2024-12-30" / "risk_list.json").read_text("utf-8"))["data_cutoff"]
    assert alerts["reasons"][0].startswith(f"data: the newest record ({cutoff}) is ")
    assert "data: the newest record" in " ".join(result.output.split())


def test_a_thresholds_file_that_is_not_one_is_one_error_line(tmp_path):
    """--config: broken YAML, a list, an unknown threshold, no such file — exit 2 naming the file, no traceback."""
    cases = {"broken.yaml": "monitoring: [\n", "list.yaml": "- 1\n- 2\n",
             "unknown.yaml": "monitoring:\n  stale_after_dayz: 3\n", "missing.yaml": None}
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text, "utf-8")
        result = CliRunner().invoke(app, ["weekly", str(tmp_path), "--as-of", "2024-12-30", "--out", str(tmp_path / "o"),
                                          "--no-store", "--config", str(tmp_path / name)])
        assert result.exit_code == 2, (name, result.output)
        assert result.output.startswith("error: ") and name in result.output.splitlines()[0], (name, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_the_weekly_run_refuses_an_output_path_that_is_a_file(tmp_path):
    import pytest

    from riskmodel.monitoring.weekly import week_run

    (tmp_path / "f").write_text("x", "utf-8")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        week_run(None, "2024-12-30", tmp_path / "f", None, None, None)
