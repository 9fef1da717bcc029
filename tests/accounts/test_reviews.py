"""Access reviews: what a review lists, the notice and the disabling of dormant accounts, decisions
with their reasons, the auditor's signature (and no one else's), all in the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.accounts.choices import Decision, ItemKind, ReviewStatus
from cityops.accounts.models import AccessReview, ApiToken, ReviewItem, User
from cityops.accounts.reviews import services
from cityops.accounts.services import token_create
from cityops.audit.models import AuditRecord
from cityops.cases.models import Notification
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.databrain.models import ApiKey
from cityops.databrain.sharing import services as sharing

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=200)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def town_access(users):
    """A dormant officer with a token, a recently active inspector, a disabled dispatcher who still
    holds a role and a token, and a consumer key of the data brain."""
    now = timezone.now()
    User.objects.exclude(username="inspector_g1").update(date_joined=LONG_AGO, last_login=now)
    User.objects.filter(username="officer").update(last_login=LONG_AGO)
    token, _ = token_create(user=users["officer"], name="old dashboard")
    ApiToken.objects.filter(pk=token.pk).update(created_at=LONG_AGO, last_used_at=LONG_AGO)
    leaver = users["dispatcher_v4"]
    token_create(user=leaver, name="leaver's script")
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    consumer = sharing.consumer_create(
        kind="system", code="SYS-GRID", name="网格系统", contact="王工", by=users["steward"]
    )
    key, _ = sharing.key_create(consumer=consumer, name="网格系统", days=30, by=users["steward"])
    for u in users.values():
        u.refresh_from_db()
    return {"token": token, "key": key, "leaver": leaver}


def items(review, kind) -> dict[str, ReviewItem]:
    return {
        i.holder if i.subject_type == "accounts.user" else i.subject_id: i
        for i in review.items.filter(kind=kind)
    }


def test_a_review_lists_each_kind_and_notifies_the_dormant(users, town_access):
    review = services.review_open(by=users["auditor"])
    assert set(items(review, ItemKind.DORMANT)) == {"officer"}
    dormant = items(review, ItemKind.DORMANT)["officer"]
    assert dormant.facts["idle_days"] >= 199 and dormant.decision == Decision.PENDING
    assert dormant.disable_after - dormant.notice_at == timedelta(days=14)
    assert set(items(review, ItemKind.PRIVILEGED)) == {"steward", "auditor", "admin"}
    tokens = items(review, ItemKind.TOKEN)
    assert set(tokens) == {str(town_access["token"].pk)}  # the leaver's is listed with the leaver
    assert tokens[str(town_access["token"].pk)].facts["age_days"] >= 199
    assert set(items(review, ItemKind.KEY)) == {str(town_access["key"].pk)}
    leaver = items(review, ItemKind.LEAVER)["dispatcher_v4"]
    assert leaver.facts["holds"] == ["role:dispatcher", "tokens:1"]
    # the officer is told in the inbox, the administrators and auditors too
    assert "停用" in Notification.objects.get(user=users["officer"]).text  # stored in the site's language
    assert Notification.objects.filter(user=users["admin"]).exists()
    opened = AuditRecord.objects.get(action="accounts.review.open")
    assert opened.actor == "auditor" and opened.after["dormant"] == 1
    assert AuditRecord.objects.filter(
        action="accounts.review.notice", object_id=str(users["officer"].pk)
    ).exists()


def test_a_dormant_account_is_disabled_when_its_notice_runs_out(users, town_access):
    review = services.review_open(by=users["auditor"])
    item = items(review, ItemKind.DORMANT)["officer"]
    assert services.reviews_sweep(now=item.disable_after - timedelta(hours=1))["disabled"] == 0
    assert User.objects.get(username="officer").is_active
    assert services.reviews_sweep(now=item.disable_after + timedelta(minutes=1))["disabled"] == 1
    officer = User.objects.get(username="officer")
    assert not officer.is_active
    assert ApiToken.objects.get(pk=town_access["token"].pk).revoked_at is not None
    item.refresh_from_db()
    assert item.decision == Decision.DISABLED and item.decided_by == "system"
    disabled = AuditRecord.objects.get(action="accounts.user.disable")
    assert disabled.actor == "system" and disabled.after["reason"] == "No sign-in during the notice period."


def test_signing_in_after_the_notice_keeps_the_account(users, town_access):
    review = services.review_open(by=users["auditor"])
    item = items(review, ItemKind.DORMANT)["officer"]
    User.objects.filter(username="officer").update(last_login=timezone.now() + timedelta(minutes=1))
    assert services.reviews_sweep(now=item.disable_after + timedelta(days=1))["resolved"] == 1
    item.refresh_from_db()
    assert item.decision == Decision.RESOLVED and User.objects.get(username="officer").is_active


def test_a_dormant_account_signed_off_is_not_disabled(users, town_access):
    review = services.review_open(by=users["auditor"])
    item = items(review, ItemKind.DORMANT)["officer"]
    services.item_decide(item=item, decision="kept", reason="on leave until March", by=users["admin"])
    services.reviews_sweep(now=item.disable_after + timedelta(days=1))
    assert User.objects.get(username="officer").is_active
    decided = AuditRecord.objects.get(action="accounts.review.decide")
    assert decided.actor == "admin" and decided.after["reason"] == "on leave until March"


def test_decisions_need_a_reason_an_allowed_choice_and_another_person(users, town_access):
    review = services.review_open(by=users["auditor"])
    token_item = items(review, ItemKind.TOKEN)[str(town_access["token"].pk)]
    with pytest.raises(ValidationFailed, match="reason"):
        services.item_decide(item=token_item, decision="revoked", reason="  ", by=users["admin"])
    with pytest.raises(ValidationFailed, match="Decide API token as one of"):
        services.item_decide(item=token_item, decision="disabled", reason="x", by=users["admin"])
    own = items(review, ItemKind.PRIVILEGED)["admin"]
    with pytest.raises(Forbidden, match="Someone else must decide about your own access"):
        services.item_decide(item=own, decision="kept", reason="I need it", by=users["admin"])
    with pytest.raises(Forbidden):
        services.item_decide(item=token_item, decision="kept", reason="x", by=users["officer"])
    assert ReviewItem.objects.filter(decision=Decision.PENDING).count() == review.items.count()
    services.item_decide(
        item=token_item, decision="revoked", reason="unused for half a year", by=users["admin"]
    )
    assert ApiToken.objects.get(pk=town_access["token"].pk).revoked_at is not None
    with pytest.raises(Conflict, match="decided already"):
        services.item_decide(item=token_item, decision="kept", reason="x", by=users["auditor"])


def test_a_consumer_key_is_revoked_through_the_data_brain_which_says_who_may(users, town_access):
    review = services.review_open(by=users["auditor"])
    key_item = items(review, ItemKind.KEY)[str(town_access["key"].pk)]
    with pytest.raises(Forbidden, match="Only the data steward revokes keys"):
        services.item_decide(item=key_item, decision="revoked", reason="system retired", by=users["auditor"])
    assert ApiKey.objects.get(pk=town_access["key"].pk).revoked_at is None
    services.item_decide(item=key_item, decision="revoked", reason="system retired", by=users["admin"])
    key = ApiKey.objects.get(pk=town_access["key"].pk)
    assert key.revoked_at is not None and key.revoked_reason == "system retired"


def test_revoking_a_privileged_role_disables_the_account_and_a_leaver_loses_what_it_held(users, town_access):
    review = services.review_open(by=users["auditor"])
    services.item_decide(
        item=items(review, ItemKind.PRIVILEGED)["steward"],
        decision="revoked",
        reason="moved",
        by=users["admin"],
    )
    assert not User.objects.get(username="steward").is_active
    services.item_decide(
        item=items(review, ItemKind.LEAVER)["dispatcher_v4"],
        decision="revoked",
        reason="left",
        by=users["admin"],
    )
    leaver = User.objects.get(username="dispatcher_v4")
    assert (leaver.role, leaver.scope_level, leaver.is_active) == ("resident", "town", False)
    assert not ApiToken.objects.filter(user=leaver, revoked_at__isnull=True).exists()
    stripped = AuditRecord.objects.get(action="accounts.user.strip")
    assert stripped.before["role"] == "dispatcher" and stripped.after["role"] == "resident"


def decide_all(review, by):
    for item in review.items.filter(decision=Decision.PENDING):
        reviewer = by if item.holder_id != by.pk else User.objects.get(username="auditor")
        services.item_decide(item=item, decision="kept", reason="needed", by=reviewer)


def test_only_an_auditor_signs_and_only_when_nothing_is_left_to_decide(users, town_access):
    review = services.review_open(by=users["auditor"])
    with pytest.raises(Conflict, match="still to decide"):
        services.review_sign(review=review, by=users["auditor"])
    decide_all(review, users["admin"])
    with pytest.raises(Forbidden, match="Only an auditor signs an access review; you are signed in as"):
        services.review_sign(review=review, by=users["admin"])
    refused = AuditRecord.objects.get(action="accounts.review.sign_refused")
    assert refused.actor == "admin" and refused.after == {"role": "sysadmin"}
    assert AccessReview.objects.get(pk=review.pk).status == ReviewStatus.OPEN
    services.review_sign(review=review, by=users["auditor"], note="all in order")
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED and review.signed_by == "auditor"
    signed = AuditRecord.objects.get(action="accounts.review.sign")
    assert signed.after["kept"] == review.items.count() and signed.after["note"] == "all in order"
    with pytest.raises(Conflict, match="signed"):
        services.item_decide(item=review.items.first(), decision="kept", reason="x", by=users["admin"])


def test_the_quarterly_review_opens_once_and_one_review_is_open_at_a_time(users, town_access):
    assert services.reviews_sweep()["opened"] == 1
    assert services.reviews_sweep()["opened"] == 0
    assert AccessReview.objects.get().kind == "quarterly"
    with pytest.raises(Conflict, match="still open"):
        services.review_open(by=users["auditor"])


def test_the_pages(client, users, town_access, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(users["auditor"])
    opened = client.post("/accounts/reviews/open/")
    review = AccessReview.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/accounts/reviews/{review.pk}/"
    page = client.get(f"/accounts/reviews/{review.pk}/").content.decode()
    assert 'data-kind="dormant"' in page and "old dashboard" in page and "网格系统" in page
    # the leaver's holdings and the roles in words, not as the codes the review stores
    assert "still holds: role Workstation dispatcher; 1 live API token" in page
    assert "role: Workstation dispatcher" in page and "role:dispatcher" not in page
    item = items(review, ItemKind.TOKEN)[str(town_access["token"].pk)]
    url = f"/accounts/reviews/{review.pk}/items/{item.pk}/"
    row = client.post(url, {"decision": "kept", "reason": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-decision="pending"' in row and "Give the reason" in row
    row = client.post(
        url, {"decision": "kept", "reason": "dashboard"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-decision="kept"' in row
    client.force_login(users["admin"])
    refused = client.post(f"/accounts/reviews/{review.pk}/sign/", follow=True).content.decode()
    assert "Only an auditor signs an access review" in refused
    client.force_login(users["dispatcher_v1"])
    assert client.get("/accounts/reviews/").status_code == 403
