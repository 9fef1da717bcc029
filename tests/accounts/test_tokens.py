"""API tokens: hashed at rest, expiring, revocable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.accounts.models import ApiToken
from cityops.accounts.services import token_create

pytestmark = pytest.mark.django_db


def bearer(client, raw, url="/api/v1/geo/grids"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_authenticates_with_the_owners_scope(client, users):
    _, raw = token_create(user=users["dispatcher_v1"], name="dashboard")
    resp = bearer(client, raw)
    assert resp.status_code == 200
    assert sorted(f["properties"]["code"] for f in resp.json()["features"]) == ["G1", "G2"]
    assert client.get("/api/v1/geo/grids", HTTP_X_API_TOKEN=raw).status_code == 200


def test_only_a_digest_is_stored(users):
    token, raw = token_create(user=users["officer"], name="sync")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert raw.startswith(f"cto_{stored.prefix}_")


def test_an_expired_token_is_refused(client, users):
    token, raw = token_create(user=users["officer"], name="old", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    resp = bearer(client, raw)
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]


def test_a_revoked_token_is_refused(client, users):
    client.force_login(users["officer"])
    created = client.post(
        "/api/v1/accounts/tokens", {"name": "tmp", "days": 7}, content_type="application/json"
    )
    assert created.status_code == 201
    raw, token_id = created.json()["token"], created.json()["id"]
    client.logout()
    assert bearer(client, raw).status_code == 200
    client.force_login(users["officer"])
    assert client.delete(f"/api/v1/accounts/tokens/{token_id}").json()["active"] is False
    client.logout()
    assert bearer(client, raw).status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(client, users):
    _, raw = token_create(user=users["officer"], name="x")
    users["officer"].is_active = False
    users["officer"].save()
    assert bearer(client, raw).status_code == 401


def test_nobody_revokes_another_users_token(client, users):
    token, _ = token_create(user=users["officer"], name="x")
    client.force_login(users["dispatcher_v1"])
    assert client.delete(f"/api/v1/accounts/tokens/{token.pk}").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("raw", ["", "cto_", "cto_deadbeef_wrong", "Bearer", "x" * 500])
def test_garbage_tokens_are_401(client, users, raw):
    assert bearer(client, raw).status_code == 401


def test_token_lifetime_is_bounded(client, users):
    client.force_login(users["officer"])
    resp = client.post("/api/v1/accounts/tokens", {"name": "x", "days": 400}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "body.body.days"


def test_a_resident_cannot_have_a_token(client, users):
    from cityops.core.errors import Forbidden

    with pytest.raises(Forbidden, match="resident's account cannot have API tokens"):
        token_create(user=users["resident"], name="mine")
    client.force_login(users["resident"])
    resp = client.post("/api/v1/accounts/tokens", {"name": "x", "days": 30}, content_type="application/json")
    assert resp.status_code == 403 and resp["Content-Type"] == "application/problem+json"
    assert "cannot have API tokens" in resp.json()["detail"]
    assert not ApiToken.objects.filter(user=users["resident"]).exists()


def test_a_token_a_resident_somehow_holds_is_refused(client, users):
    _, raw = token_create(user=users["officer"], name="x")
    ApiToken.objects.update(user=users["resident"])  # e.g. issued before this rule
    assert bearer(client, raw).status_code == 401
