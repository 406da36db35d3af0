"""Users of the office pages and their browser sessions (``Store`` methods, mixed in).

Passwords are people's, so they get a slow, memory-hard hash (Argon2id via argon2-cffi),
unlike API keys whose 256 random bits make a salted SHA-256 enough. Session tokens are random
and stored as SHA-256 only: a copy of the database opens no session. Failed logins are
counted in the store, so throttling holds across server processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update

from riskmodel.store.models import ROLES, User, WebSession

USERNAME = re.compile(r"[A-Za-z0-9_.\-]{2,64}")
#: Failed logins in a row before the account waits; the wait doubles with each further failure.
FREE_FAILURES = 5
LOCK_BASE_S = 30
LOCK_MAX_S = 900
SESSION_HOURS = 12
#: argon2-cffi's defaults (Argon2id, RFC 9106's low-memory profile: 3 passes over 64 MiB).
HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that the answer takes as long either way."""
    return HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class UserInfo:
    """A user as the pages see it (never the password hash)."""

    id: int
    username: str
    role: str
    region_prefix: str | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def as_dict(self) -> dict:
        return asdict(self)


class LoginThrottled(Exception):
    """Too many failed logins for this username: try again after ``wait_s`` seconds."""

    def __init__(self, wait_s: int):
        super().__init__(f"too many failed logins; wait {wait_s} s")
        self.wait_s = wait_s


def check_scope(role: str, region_prefix: str | None) -> str | None:
    """The region rule shared by API keys and users: office accounts are bound to a code prefix."""
    from riskmodel.store.repository import StoreError

    if role not in ROLES:
        raise StoreError(f"role {role!r}: allowed {', '.join(ROLES)}")
    if region_prefix is not None:
        region_prefix = region_prefix.strip()
        if not (region_prefix.isdigit() and 2 <= len(region_prefix) <= 12):
            raise StoreError(f"region prefix {region_prefix!r}: 2 to 12 digits of a region code")
    if role == "office" and not region_prefix:
        raise StoreError("an office account needs --region (county or township code prefix)")
    return region_prefix or None


def sees_region(role: str, region_prefix: str | None, region_code: str | None) -> bool:
    """Whether an account (API key or user) may see a household in ``region_code``.

    An account with a region prefix sees that region only, whatever its role: a region is never
    stored without being enforced (an analyst key created with ``--region`` is bound to it). An
    office account without one sees nothing.
    """
    if region_prefix:
        return region_code is not None and region_code.startswith(region_prefix)
    return role != "office"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_password() -> str:
    """An initial password: 16 random URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


class AccountsMixin:
    """Users and sessions; mixed into ``Store`` (uses its ``_read``/``_write`` transactions)."""

    @staticmethod
    def _user(row) -> UserInfo:
        from riskmodel.store.repository import _utc

        return UserInfo(row.id, row.username, row.role, row.region_prefix, _utc(row.created_at),
                        _utc(row.disabled_at))

    def create_user(self, username: str, role: str, region_prefix: str | None = None) -> tuple[UserInfo, str]:
        """Create a user; returns the record and an initial password (shown once, stored hashed)."""
        from riskmodel.store.repository import StoreError, _now

        if not USERNAME.fullmatch(username or ""):
            raise StoreError(f"username {username!r}: 2 to 64 letters, digits, '.', '_' or '-'")
        region_prefix = check_scope(role, region_prefix)
        password = new_password()
        with self._write() as conn:
            if conn.execute(select(User.id).where(User.username == username)).first() is not None:
                raise StoreError(f"username {username!r}: already exists")
            new_id = conn.execute(insert(User).values(
                username=username, role=role, region_prefix=region_prefix, password_hash=HASHER.hash(password),
                created_at=_now(), failed_logins=0).returning(User.id)).scalar_one()
            row = conn.execute(select(User.__table__).where(User.id == new_id)).one()
        return self._user(row), password

    def users(self) -> list[UserInfo]:
        """All users, oldest first."""
        with self._read() as conn:
            return [self._user(r) for r in conn.execute(select(User.__table__).order_by(User.id))]

    def user(self, username: str) -> UserInfo | None:
        with self._read() as conn:
            row = conn.execute(select(User.__table__).where(User.username == username)).first()
        return None if row is None else self._user(row)

    def disable_user(self, username: str) -> bool:
        """Disable a user and end their sessions; False when no such active user."""
        from riskmodel.store.repository import _now

        with self._write() as conn:
            uid = conn.execute(select(User.id).where(User.username == username, User.disabled_at.is_(None))).scalar()
            if uid is None:
                return False
            conn.execute(update(User).where(User.id == uid).values(disabled_at=_now()))
            conn.execute(delete(WebSession).where(WebSession.user_id == uid))
        return True

    def reset_password(self, username: str) -> str | None:
        """A new initial password (old sessions end, the lock is lifted); None for an unknown user."""
        password = new_password()
        with self._write() as conn:
            uid = conn.execute(select(User.id).where(User.username == username)).scalar()
            if uid is None:
                return None
            conn.execute(update(User).where(User.id == uid).values(
                password_hash=HASHER.hash(password), failed_logins=0, locked_until=None))
            conn.execute(delete(WebSession).where(WebSession.user_id == uid))
        return password

    def verify_login(self, username: str, password: str) -> UserInfo | None:
        """The active user with this password, or None; ``LoginThrottled`` while the account waits.

        After ``FREE_FAILURES`` failures in a row each further failure locks the username for
        ``LOCK_BASE_S`` seconds, doubling up to ``LOCK_MAX_S``; a success resets the count.
        """
        from riskmodel.store.repository import _now, _utc

        now = _now()
        with self._read() as conn:
            row = conn.execute(select(User.__table__).where(User.username == username)).first()
        if row is None or row.disabled_at is not None:
            try:
                HASHER.verify(_dummy_hash(), password or "")
            except VerificationError:
                pass
            return None
        locked = _utc(row.locked_until)
        if locked is not None and locked > now:
            raise LoginThrottled(max(1, int((locked - now).total_seconds() + 0.999)))
        try:
            ok = HASHER.verify(row.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        with self._write() as conn:
            if ok:
                conn.execute(update(User).where(User.id == row.id).values(failed_logins=0, locked_until=None))
                return self._user(row)
            failures = conn.execute(select(User.failed_logins).where(User.id == row.id)).scalar_one() + 1
            lock = None
            if failures >= FREE_FAILURES:
                lock = now + dt.timedelta(seconds=min(LOCK_MAX_S, LOCK_BASE_S * 2 ** (failures - FREE_FAILURES)))
            conn.execute(update(User).where(User.id == row.id).values(failed_logins=failures, locked_until=lock))
        return None

    def create_session(self, user_id: int, hours: float = SESSION_HOURS) -> tuple[str, str]:
        """A new session for a user: (cookie token, CSRF token). Expired sessions are swept here."""
        from riskmodel.store.repository import _now

        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = _now()
        with self._write() as conn:
            conn.execute(delete(WebSession).where(WebSession.expires_at < now))
            conn.execute(insert(WebSession).values(token_hash=_token_hash(token), user_id=user_id, csrf_token=csrf,
                                                   created_at=now, expires_at=now + dt.timedelta(hours=hours)))
        return token, csrf

    def session(self, token: str | None) -> tuple[UserInfo, str] | None:
        """The user and CSRF token of a live session, or None (unknown, expired, user disabled)."""
        from riskmodel.store.repository import _now, _utc

        if not token:
            return None
        with self._read() as conn:
            found = conn.execute(
                select(User.__table__, WebSession.csrf_token, WebSession.expires_at)
                .join(WebSession, WebSession.user_id == User.id)
                .where(WebSession.token_hash == _token_hash(token))).first()
        if found is None or found.disabled_at is not None or _utc(found.expires_at) <= _now():
            return None
        return self._user(found), found.csrf_token

    def end_session(self, token: str | None) -> None:
        if token:
            with self._write() as conn:
                conn.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))
