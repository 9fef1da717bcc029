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


def test_five_failures_lock_the_account_for_fifteen_minutes(client, users):
    for _ in range(4):
        assert login(client, "dispatcher_v1", "wrong-password").status_code == 200
    assert not User.objects.get(username="dispatcher_v1").is_locked
    resp = login(client, "dispatcher_v1", "wrong-password")
    user = User.objects.get(username="dispatcher_v1")
    assert user.is_locked
    assert timedelta(minutes=14) < user.locked_until - timezone.now() <= timedelta(minutes=15)
    # the right password is refused while locked, with a message that says so
    resp = login(client, "dispatcher_v1", PASSWORD)
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    assert "locked" in resp.content.decode() or "锁定" in resp.content.decode()
    assert AuditRecord.objects.filter(action="accounts.lockout", object_id=str(user.pk)).count() == 1
    assert AuditRecord.objects.filter(action="login.failed", actor="dispatcher_v1").count() == 6
    # after the lock expires the right password works again and clears the counter
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    resp = login(client, "dispatcher_v1", PASSWORD)
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None
    assert AuditRecord.objects.filter(action="login.success", actor_id=user.pk).exists()


def test_the_lockout_is_per_account(client, users):
    for _ in range(5):
        login(client, "dispatcher_v1", "wrong")
    assert login(client, "dispatcher_v4", PASSWORD).status_code == 302


def test_unknown_usernames_are_audited_but_lock_nothing(client, users):
    login(client, "nobody", "whatever-password")
    rec = AuditRecord.objects.filter(action="login.failed").latest("seq")
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
