"""``riskmodel users ...``: accounts for the office pages from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.store import Store


def _run(*args):
    return CliRunner().invoke(app, list(args))


def test_users_create_prints_the_initial_password_alone_on_its_last_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMODEL_DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    r = _run("users", "create", "--username", "office1", "--role", "office", "--region", "520322")
    assert r.exit_code == 0, r.output
    password = r.output.strip().splitlines()[-1]
    store = Store(f"sqlite:///{tmp_path / 'users.db'}")
    assert store.verify_login("office1", password).region_prefix == "520322"

    listed = _run("users", "list")
    assert "office1" in listed.output and "520322" in listed.output and password not in listed.output

    reset = _run("users", "reset-password", "office1")
    new = reset.output.strip().splitlines()[-1]
    assert reset.exit_code == 0 and new != password and store.verify_login("office1", new) is not None

    assert _run("users", "disable", "office1").exit_code == 0
    assert store.verify_login("office1", new) is None
    assert _run("users", "disable", "office1").exit_code == 1


def test_users_create_refuses_an_office_without_a_region_and_a_taken_name(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMODEL_DATABASE_URL", f"sqlite:///{tmp_path / 'users.db'}")
    r = _run("users", "create", "--username", "office1", "--role", "office")
    assert r.exit_code == 2 and "needs --region" in r.output
    assert _run("users", "create", "--username", "a1", "--role", "analyst").exit_code == 0
    again = _run("users", "create", "--username", "a1", "--role", "admin")
    assert again.exit_code == 2 and "already exists" in again.output
