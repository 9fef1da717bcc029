"""Settings fail loudly on bad values, naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cityops.core.env import env_bool, env_int, env_list


def test_booleans(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG")


def test_integers(monkeypatch):
    monkeypatch.setenv("X_N", "12")
    assert env_int("X_N", 3) == 12
    monkeypatch.setenv("X_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_N='twelve' is not a whole number"):
        env_int("X_N", 3)
    monkeypatch.setenv("X_N", "4")
    with pytest.raises(ImproperlyConfigured, match="X_N=4 is below the minimum of 12"):
        env_int("X_N", 12, minimum=12)
    monkeypatch.delenv("X_N")
    assert env_int("X_N", 7) == 7


def test_lists(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.example, ,b.example ")
    assert env_list("X_HOSTS") == ["a.example", "b.example"]


def test_secure_defaults():
    from cityops import settings as module

    assert module.DEBUG is False
    assert module.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert module.SESSION_COOKIE_HTTPONLY and module.X_FRAME_OPTIONS == "DENY"
    assert module.SESSION_COOKIE_AGE == 30 * 60 and module.SESSION_SAVE_EVERY_REQUEST
