"""Password hashing and strength, lockout, idle timeout and password rotation."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.accounts.models import User
from cityops.accounts.services import password_set, user_create
from cityops.audit.models import AuditRecord
from cityops.core.errors import ValidationFailed
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(town):
    user = user_create(
        username="li", role="dispatcher", scope_level="village", scope_unit="V1", password=PASSWORD
    )
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "text"),
    [
        ("Short-1a", "too short"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
        ("alllowercaseletters", "at least 3 kinds"),
    ],
)
def test_weak_passwords_are_refused_and_no_account_is_made(town, password, text):
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        user_create(username="weak", role="inspector", scope_level="grid", scope_unit="G1", password=password)
    assert text in exc.value.detail
    assert exc.value.errors[0]["field"] == "password"
    assert not User.objects.filter(username="weak").exists()


def test_scope_must_fit_the_role(town):
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="x", role="inspector", scope_level="village", scope_unit="V1", password=PASSWORD)
    assert exc.value.detail == "a inspector is scoped to grid, not village"
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="x", role="inspector", scope_level="grid", scope_unit="G99", password=PASSWORD)
    assert exc.value.detail == "there is no grid with code 'G99'"
    assert not User.objects.filter(username="x").exists()


def test_five_failures_from_one_address_pause_that_name_there_only(client, users):
    for _ in range(5):
        assert login(client, "dispatcher_v1", "wrong-password").status_code == 200
    # the right password is refused from this address for the rest of the window, with the same
    # message as a wrong password ...
    resp = login(client, "dispatcher_v1", PASSWORD)
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="login.refused", actor="dispatcher_v1").count() == 1
    # ... but the account is not locked: the user signs in from another address
    assert not User.objects.get(username="dispatcher_v1").is_locked
    resp = client.post(
        "/accounts/login/",
        {"username": "dispatcher_v1", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert resp.status_code == 302
    assert AuditRecord.objects.filter(action="login.failed", actor="dispatcher_v1").count() == 5


def test_the_account_locks_when_many_addresses_fail_together(client, users, settings):
    settings.CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS = 8
    for i in range(8):
        address = f"10.0.{i // 4}.{i % 4}"  # two addresses, four failures each: none is paused
        client.post("/accounts/login/", {"username": "dispatcher_v1", "password": "x"}, REMOTE_ADDR=address)
    user = User.objects.get(username="dispatcher_v1")
    assert user.is_locked
    assert timedelta(minutes=14) < user.locked_until - timezone.now() <= timedelta(minutes=15)
    assert AuditRecord.objects.filter(action="accounts.lockout", object_id=str(user.pk)).count() == 1
    # locked: the right password from a fresh address is refused, with the usual message
    resp = client.post(
        "/accounts/login/", {"username": "dispatcher_v1", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7"
    )
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    # after the lock expires the right password works again and clears the counter
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    resp = client.post(
        "/accounts/login/", {"username": "dispatcher_v1", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7"
    )
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None
    assert AuditRecord.objects.filter(action="login.success", actor_id=user.pk).exists()


def _error(resp) -> str:
    return resp.content.decode().split('data-testid="login-error">', 1)[1].split("</div>", 1)[0]


def test_unknown_wrong_and_locked_names_get_the_same_answer(client, users):
    User.objects.filter(username="dispatcher_v4").update(locked_until=timezone.now() + timedelta(minutes=10))
    answers = [
        login(client, "nobody-at-all", "whatever-password"),  # unknown
        login(client, "dispatcher_v1", "wrong-password"),  # real, wrong password
        login(client, "dispatcher_v4", "wrong-password"),  # locked, wrong password
        login(client, "dispatcher_v4", PASSWORD),  # locked, right password
    ]
    assert {r.status_code for r in answers} == {200}
    texts = {_error(r) for r in answers}
    assert len(texts) == 1, texts
    assert "_auth_user_id" not in client.session
    # and pausing a name from one address behaves the same for a real and an unknown name
    for name in ("ghost", "dispatcher_v1"):
        for _ in range(5):
            login(client, name, "wrong")
    assert _error(login(client, "ghost", "wrong")) == _error(login(client, "dispatcher_v1", PASSWORD))


def test_the_password_is_hashed_for_unknown_and_locked_names_too(client, users, monkeypatch):
    """The same work for every name, so the time of the answer does not tell which names exist."""
    from django.contrib.auth import hashers

    calls = []
    real = hashers.MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return real(self, password, salt)

    monkeypatch.setattr(hashers.MD5PasswordHasher, "encode", counting)
    User.objects.filter(username="dispatcher_v4").update(locked_until=timezone.now() + timedelta(minutes=10))
    for name in ("nobody-at-all", "dispatcher_v1", "dispatcher_v4"):
        calls.clear()
        login(client, name, "wrong-password")
        assert calls == ["wrong-password"], name


def test_one_address_cannot_try_names_without_end(client, users, settings):
    settings.CITYOPS_LOGIN_ADDRESS_FAILURES = 6
    for i in range(6):
        login(client, f"guess{i}", "wrong")
    resp = login(client, "dispatcher_v1", PASSWORD)
    assert resp.status_code == 429 and "_auth_user_id" not in client.session
    # refused before any account is touched: the real account counted nothing
    user = User.objects.get(username="dispatcher_v1")
    assert user.failed_logins == 0 and not user.is_locked
    assert not AuditRecord.objects.filter(action="login.failed", actor="dispatcher_v1").exists()
    # nobody else is affected
    resp = client.post(
        "/accounts/login/", {"username": "dispatcher_v1", "password": PASSWORD}, REMOTE_ADDR="10.3.3.3"
    )
    assert resp.status_code == 302


def test_login_throttles_count_in_windows_of_the_lockout_minutes(client, users, monkeypatch):
    from datetime import UTC, datetime

    from cityops.core import ratelimit

    start = datetime(2030, 5, 6, 1, 0, tzinfo=UTC)
    clock = {"now": start}
    monkeypatch.setattr(ratelimit, "_now", lambda: clock["now"])
    for _ in range(5):
        login(client, "dispatcher_v1", "wrong")
    clock["now"] = start + timedelta(minutes=14, seconds=59)
    assert login(client, "dispatcher_v1", PASSWORD).status_code == 200
    clock["now"] = start + timedelta(minutes=15)
    assert login(client, "dispatcher_v1", PASSWORD).status_code == 302


def test_unknown_usernames_are_audited_but_lock_nothing(client, users):
    login(client, "nobody", "whatever-password")
    rec = AuditRecord.objects.filter(action="login.failed").latest("id")
    assert rec.actor == "nobody" and rec.object_id == ""


def test_idle_sessions_expire_after_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_session_expires_when_idle(client, users):
    from importlib import import_module

    from django.conf import settings

    client.force_login(users["officer"])
    assert client.get("/map/").status_code == 200
    store = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
    store.set_expiry(-1)  # as if the idle period had passed
    store.save()
    resp = client.get("/map/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_the_daily_job_deletes_expired_sessions_and_keeps_live_ones(client, users):
    from django.contrib.sessions.models import Session

    from cityops.accounts.tasks import expired_sessions

    client.force_login(users["officer"])
    live = client.session.session_key
    other = type(client)()
    other.force_login(users["dispatcher_v1"])
    Session.objects.filter(session_key=other.session.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    assert expired_sessions() == "deleted 1"
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert expired_sessions() == ""


def test_an_expired_staff_password_must_be_changed_first(client, users, settings):
    settings.CITYOPS_PASSWORD_MAX_AGE_DAYS = 90
    officer = users["officer"]
    User.objects.filter(pk=officer.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(User.objects.get(pk=officer.pk))
    resp = client.get("/map/")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/password/?expired=1"
    password_set(user=User.objects.get(pk=officer.pk), password="A-Brand-New-Secret-9")
    client.force_login(User.objects.get(pk=officer.pk))
    assert client.get("/map/").status_code == 200


def test_logout_is_audited(client, users):
    client.force_login(users["officer"])
    client.post("/accounts/logout/")
    assert AuditRecord.objects.filter(action="logout", actor="officer").exists()
