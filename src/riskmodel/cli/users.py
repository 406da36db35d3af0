"""``riskmodel users create|list|disable|reset-password``: accounts for the office pages."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from riskmodel.cli import print_error
from riskmodel.cli.serving import Role, _store

users_app = typer.Typer(help="Users of the office pages (passwords stored as Argon2 hashes).", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    print_error(Console(stderr=True), message)
    raise typer.Exit(code)


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., "--username", help="login name (letters, digits, . _ -; no personal names needed)"),
    role: Role = typer.Option(..., "--role", help="office | analyst | admin"),
    region: str = typer.Option(None, "--region", help="region code prefix an office user is bound to (county 6 / township 9 digits)"),
) -> None:
    """Create a user. The initial password is printed once, alone on the last line."""
    from riskmodel.store import StoreError

    try:
        info, password = _store().create_user(username, role.value, region)
    except StoreError as exc:
        _fail(str(exc))
    scope = f"region {info.region_prefix}" if info.region_prefix else "all regions"
    typer.echo(f"created {info.role} user {info.username} ({scope}); initial password, shown once:")
    typer.echo(password)


@users_app.command("list")
def users_list() -> None:
    """List users (names, roles, regions, disabled or not; never passwords)."""
    table = Table("username", "role", "region", "created", "disabled")
    for u in _store().users():
        table.add_row(u.username, u.role, u.region_prefix or "*", u.created_at.strftime("%Y-%m-%d %H:%M"),
                      u.disabled_at.strftime("%Y-%m-%d %H:%M") if u.disabled_at else "")
    Console().print(table)


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., help="the username shown by `users list`")) -> None:
    """Disable a user: their sessions end at once and they cannot log in."""
    if not _store().disable_user(username):
        _fail(f"no active user {username}", 1)
    typer.echo(f"disabled {username}")


@users_app.command("reset-password")
def users_reset_password(username: str = typer.Argument(..., help="the username shown by `users list`")) -> None:
    """Give a user a new initial password (printed alone on the last line); their sessions end."""
    password = _store().reset_password(username)
    if password is None:
        _fail(f"no user {username}", 1)
    typer.echo(f"new password for {username}, shown once:")
    typer.echo(password)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
