"""Users of the office pages: Argon2-hashed passwords, throttled logins, sessions, scope."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text

from riskmodel.store import LoginThrottled, Store, StoreError, sees_region
from riskmodel.store import accounts


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        s = Store(request.getfixturevalue("postgres_url"), schema=f"rm_test_{uuid.uuid4().hex[:12]}")
    s.migrate()
    yield s
    s.drop_all()
    s.dispose()


def test_a_user_logs_in_with_the_initial_password_which_is_stored_hashed(store):
    user, password = store.create_user("office1", "office", "520322")
    assert (user.role, user.region_prefix, user.active) == ("office", "520322", True)
    assert store.verify_login("office1", password) == user
    assert store.verify_login("office1", password + "x") is None
    assert store.verify_login("nobody", password) is None
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert password not in stored and stored.startswith("$argon2id$")


@pytest.mark.parametrize("username, role, region", [
    ("office2", "office", None), ("x", "office", "520322"), ("a b", "admin", None), ("ok_name", "boss", None),
    ("ok_name", "office", "52a")])
def test_bad_user_requests_are_refused(store, username, role, region):
    with pytest.raises(StoreError, match="username|role|region"):
        store.create_user(username, role, region)


def test_usernames_are_unique(store):
    store.create_user("analyst1", "analyst")
    with pytest.raises(StoreError, match="already exists"):
        store.create_user("analyst1", "admin")


def test_failed_logins_lock_the_account_for_a_growing_while(store, monkeypatch):
    _, password = store.create_user("office1", "office", "520322")
    for _ in range(accounts.FREE_FAILURES - 1):
        assert store.verify_login("office1", "wrong") is None
    assert store.verify_login("office1", "wrong") is None  # the 5th failure locks
    with pytest.raises(LoginThrottled) as first:
        store.verify_login("office1", password)  # even the right password waits
    assert 0 < first.value.wait_s <= accounts.LOCK_BASE_S
    with store._write() as conn:  # the lock runs out
        conn.execute(text("UPDATE users SET locked_until = :t"), {"t": dt.datetime(2000, 1, 1)})
    assert store.verify_login("office1", "wrong") is None  # 6th failure: twice as long
    with pytest.raises(LoginThrottled) as second:
        store.verify_login("office1", password)
    assert accounts.LOCK_BASE_S < second.value.wait_s <= 2 * accounts.LOCK_BASE_S


def test_sessions_carry_the_user_and_a_csrf_token_and_end(store):
    user, _ = store.create_user("office1", "office", "520322")
    token, csrf = store.create_session(user.id)
    assert store.session(token) == (user, csrf)
    assert store.session(token + "x") is None and store.session(None) is None
    store.end_session(token)
    assert store.session(token) is None


def test_expired_sessions_are_refused(store):
    user, _ = store.create_user("office1", "office", "520322")
    token, _ = store.create_session(user.id, hours=-1)
    assert store.session(token) is None


def test_disabling_a_user_ends_their_sessions_and_logins(store):
    user, password = store.create_user("office1", "office", "520322")
    token, _ = store.create_session(user.id)
    assert store.disable_user("office1")
    assert store.session(token) is None
    assert store.verify_login("office1", password) is None
    assert not store.disable_user("office1")
    assert store.users()[0].disabled_at is not None


def test_reset_password_replaces_it_and_ends_sessions(store):
    user, old = store.create_user("office1", "office", "520322")
    token, _ = store.create_session(user.id)
    new = store.reset_password("office1")
    assert new and new != old
    assert store.verify_login("office1", old) is None
    assert store.verify_login("office1", new) == user
    assert store.session(token) is None
    assert store.reset_password("nobody") is None


def test_visits_and_page_views_record_the_user(store):
    user, _ = store.create_user("office1", "office", "520322")
    store.add_visit("H1", "2024-07-02", "not_home", user_id=user.id)
    store.log_access(None, "H1", "page_household", user_id=user.id)
    log = store.access_log("H1")
    assert log[["key_id", "user_id", "endpoint"]].astype(object).values.tolist() == [[None, user.id, "page_household"]]
    assert store.visits(household_id="H1")["outcome"].tolist() == ["not_home"]


def test_region_scope_is_one_rule_for_keys_and_users():
    assert sees_region("office", "520322", "520322104201")
    assert not sees_region("office", "520322", "520323104201")
    assert not sees_region("office", "520322", None)
    assert sees_region("analyst", None, "520323104201")
