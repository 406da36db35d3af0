"""``riskmodel visits export``: visits as CSV without notes, logged."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.settings import get_settings
from riskmodel.store import Store


def test_export_writes_visits_since_a_date_without_notes_and_logs_the_read(tmp_path):
    store = Store(get_settings().database_url)
    store.migrate()
    store.replace_scores("2025-05-26", pd.DataFrame({"household_id": ["H1", "H2"],
                                                     "region_code": ["530102001001", "530103001001"],
                                                     "score": [2.0, 1.0]}))
    store.add_visit("H1", "2025-05-20", "not_at_risk", note="老王说一切都好")
    store.add_visit("H1", "2025-05-28", "confirmed_at_risk", measures=["临时救助", "医疗救助"], note="王某某 住院")
    store.add_visit("H2", "2025-05-29", "already_assisted")
    out = tmp_path / "visits.csv"
    result = CliRunner().invoke(app, ["visits", "export", "--since", "2025-05-21", "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.columns) == ["household_id", "region_code", "visited_on", "outcome", "measures", "recorded_on"]
    assert got[["household_id", "region_code", "visited_on", "outcome", "measures"]].values.tolist() == [
        ["H1", "530102001001", "2025-05-28", "confirmed_at_risk", "临时救助;医疗救助"],
        ["H2", "530103001001", "2025-05-29", "already_assisted", ""]]
    assert "王" not in out.read_text("utf-8")
    assert sorted(store.access_log()["household_id"]) == ["H1", "H2"]
    assert set(store.access_log()["endpoint"]) == {"cli:visits_export"}

    result = CliRunner().invoke(app, ["visits", "export", "--since", "2025-05-21", "--out", str(out),
                                      "--region", "530103"])
    assert pd.read_csv(out, dtype=str)["household_id"].tolist() == ["H2"]


def test_export_refuses_a_bad_date(tmp_path):
    result = CliRunner().invoke(app, ["visits", "export", "--since", "May 21", "--out", str(tmp_path / "v.csv")])
    assert result.exit_code == 2 and "--since must be a date YYYY-MM-DD" in result.output
