"""``riskmodel serve`` and ``riskmodel keys create|list|revoke``."""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console
from rich.table import Table

from riskmodel.cli import print_error

keys_app = typer.Typer(help="API keys (stored hashed): create, list, revoke.", no_args_is_help=True)


class Role(str, Enum):
    admin = "admin"
    analyst = "analyst"
    office = "office"


def _store():
    from riskmodel.settings import get_settings
    from riskmodel.store import Store

    store = Store(get_settings().database_url)
    store.migrate()
    return store


def serve(
    host: str = typer.Option(None, "--host", help="bind address (default RISKMODEL_SERVE_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, "--port", help="port (default RISKMODEL_SERVE_PORT or 8000)"),
    workers: int = typer.Option(1, "--workers", min=1, help="worker processes (on Linux each with its own socket on the port)"),
) -> None:
    """Serve the HTTP API in the foreground (model models:/<name>@champion, followed as it moves).

    Several workers each get their own socket on the port (Linux), so that connections spread
    over them; see ``riskmodel.serving.workers``.
    """
    import uvicorn

    from riskmodel.serving import ServingSettings
    from riskmodel.serving.workers import (
        configure_logging,
        reuse_port_supported,
        run_workers,
    )

    cfg = ServingSettings()
    host = host or cfg.host
    port = port or cfg.port
    configure_logging()
    Console(stderr=True).print(f"riskmodel API on http://{host}:{port} (docs: /docs, health: /readyz)", highlight=False)
    # access_log off: uvicorn's lines carry raw paths (household ids); the app logs route templates
    app, options = "riskmodel.serving.app:create_app", {"factory": True, "access_log": False, "log_level": "info"}
    if workers > 1 and reuse_port_supported():
        raise typer.Exit(run_workers(app, host=host, port=port, workers=workers, **options))
    uvicorn.run(app, host=host, port=port, workers=workers, **options)


@keys_app.command("create")
def keys_create(
    role: Role = typer.Option(..., "--role", help="admin | analyst | office"),
    region: str = typer.Option(None, "--region", help="region code prefix an office key is bound to (county 6 / township 9 digits)"),
    name: str = typer.Option(None, "--name", help="who or what uses the key (no personal names: an office or system)"),
) -> None:
    """Create a key. The key is printed once, alone on the last line; only its hash is stored."""
    from riskmodel.store import StoreError

    try:
        info, raw = _store().create_api_key(role.value, region, name)
    except StoreError as exc:
        print_error(Console(stderr=True), exc)
        raise typer.Exit(2) from None
    scope = f"region {info.region_prefix}" if info.region_prefix else "all regions"
    typer.echo(f"created {info.role} key {info.key_id} ({scope}); store it now, it cannot be shown again:")
    typer.echo(raw)


@keys_app.command("list")
def keys_list(
    all_: bool = typer.Option(False, "--all", help="include revoked keys"),
) -> None:
    """List keys (ids, roles, regions; never secrets)."""
    table = Table("key id", "role", "region", "name", "created", "revoked")
    for k in _store().list_api_keys(include_revoked=all_):
        table.add_row(k.key_id, k.role, k.region_prefix or "*", k.name or "",
                      k.created_at.strftime("%Y-%m-%d %H:%M"), k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "")
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="the key id shown by `keys list`")) -> None:
    """Revoke a key (servers stop accepting it within RISKMODEL_SERVE_AUTH_CACHE_S seconds)."""
    if not _store().revoke_api_key(key_id):
        print_error(Console(stderr=True), f"no active key {key_id}")
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
