"""``riskmodel keys create|list|revoke``: the key alone on the last line, usable, revocable; ``serve``'s workers."""

from __future__ import annotations

from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.store import Store


def test_keys_create_prints_a_working_key_on_its_last_line(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("RISKMODEL_DATABASE_URL", url)
    runner = CliRunner()
    out = runner.invoke(app, ["keys", "create", "--role", "office", "--region", "520322", "--name", "county"])
    assert out.exit_code == 0, out.output
    raw = out.output.strip().splitlines()[-1]
    info = Store(url).authenticate(raw)
    assert info is not None and (info.role, info.region_prefix, info.name) == ("office", "520322", "county")

    listed = runner.invoke(app, ["keys", "list"])
    assert info.key_id in listed.output and raw.split("_", 2)[2] not in listed.output

    assert runner.invoke(app, ["keys", "revoke", info.key_id]).exit_code == 0
    assert Store(url).authenticate(raw) is None
    assert runner.invoke(app, ["keys", "revoke", info.key_id]).exit_code == 1


def test_office_key_without_region_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMODEL_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    out = CliRunner().invoke(app, ["keys", "create", "--role", "office"])
    assert out.exit_code == 2


def test_serve_with_several_workers_gives_each_its_own_socket(monkeypatch):
    import uvicorn

    from riskmodel.serving import workers

    calls = []
    monkeypatch.setattr(workers, "run_workers", lambda app, **kw: calls.append(("workers", app, kw)) or 0)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(("uvicorn", app, kw)))
    monkeypatch.setattr(workers, "reuse_port_supported", lambda: True)
    monkeypatch.setattr(workers, "configure_logging", lambda: None)  # no root handler left behind
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--port", "8123", "--workers", "3"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--port", "8123"]).exit_code == 0
    monkeypatch.setattr(workers, "reuse_port_supported", lambda: False)  # elsewhere: uvicorn's own workers
    assert runner.invoke(app, ["serve", "--port", "8123", "--workers", "3"]).exit_code == 0
    kinds = [(kind, kw["port"], kw["workers"]) for kind, _, kw in calls]
    assert kinds == [("workers", 8123, 3), ("uvicorn", 8123, 1), ("uvicorn", 8123, 3)]
    assert all(a == "riskmodel.serving.app:create_app" and kw["factory"] for _, a, kw in calls)
