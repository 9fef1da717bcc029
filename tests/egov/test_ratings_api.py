"""好差评's API: the applicant's rating with no sign-in (a wrong phone answered as a wrong number, the
hourly limit), the window device's result, the follow-up's steps, the figures, and scope."""

from datetime import UTC, datetime

import pytest

from cityops.egov.models import FollowUp, Rating
from tests.egov.conftest import PHONE
from tests.egov.rating_builders import _listening, at, opened, rate  # noqa: F401
from tests.egov.test_ratings_followup import photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_answers(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


BASE = "/api/v1/egov"
FAR = datetime(2099, 1, 1, tzinfo=UTC)  # a period still running whenever the test runs


def post(client, path, body):
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def test_the_applicant_looks_up_and_rates_without_signing_in(published, clerk, client):
    rating = opened(clerk, at(3, 2))
    Rating.objects.filter(pk=rating.pk).update(due_at=FAR)  # still open whatever today is
    number = rating.application.number
    wrong_phone = post(client, "/public/ratings/lookup", {"number": number, "phone": "13900000000"})
    wrong_number = post(client, "/public/ratings/lookup", {"number": "202699999999", "phone": PHONE})
    assert wrong_phone.status_code == wrong_number.status_code == 404
    assert wrong_phone.json()["detail"] == wrong_number.json()["detail"]
    assert wrong_phone["Content-Type"] == "application/problem+json"
    found = post(client, "/public/ratings/lookup", {"number": number, "phone": PHONE}).json()
    assert found["can_rate"] and not found["again"] and found["state"] == "invited"
    assert set(found) == {
        "number", "item", "department", "concluded_at", "state", "level", "level_label",
        "can_rate", "again", "rate_by", "message",
    }  # fmt: skip
    bad = post(client, "/public/ratings", {"number": number, "phone": PHONE, "level": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "problems"
    six = post(client, "/public/ratings", {"number": number, "phone": PHONE, "level": 6})
    assert six.status_code == 422 and six.json()["errors"][0]["field"] == "body.body.level"
    ok = post(
        client,
        "/public/ratings",
        {"number": number, "phone": PHONE, "level": 2, "problems": ["visits"], "comment": "跑了三次"},
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["level"] == 2 and not ok.json()["can_rate"]
    assert "will contact you" in ok.json()["message"]
    again = post(client, "/public/ratings", {"number": number, "phone": PHONE, "level": 5})
    assert again.status_code == 409 and "it is rated once" in again.json()["detail"]
    rating.refresh_from_db()
    assert (rating.source, rating.level) == ("online", 2)
    assert FollowUp.objects.filter(rating=rating).exists()


def test_lookups_past_the_hourly_limit_are_refused(published, clerk, client, settings):
    settings.CITYOPS_APPLICATION_LOOKUPS_PER_HOUR = 2
    rating = opened(clerk, at(3, 2))
    body = {"number": rating.application.number, "phone": "13900000000"}
    assert [post(client, "/public/ratings/lookup", body).status_code for _ in range(3)] == [404, 404, 429]
    body["phone"] = PHONE  # the right phone too, once the limit is reached
    limited = post(client, "/public/ratings/lookup", body)
    assert limited.status_code == 429 and "at most 2 an hour" in limited.json()["detail"]


def test_an_application_not_yet_concluded_cannot_be_rated(published, clerk, client):
    from tests.egov.test_ratings import concluded_intake

    app = concluded_intake(clerk)
    found = post(client, "/public/ratings/lookup", {"number": app.number, "phone": PHONE}).json()
    assert found["state"] == "" and not found["can_rate"] and "not concluded yet" in found["message"]
    refused = post(client, "/public/ratings", {"number": app.number, "phone": PHONE, "level": 5})
    assert refused.status_code == 409 and "not concluded yet" in refused.json()["detail"]


def test_the_clerk_enters_the_device_and_staff_read_in_scope(
    published, clerk, approver, handler_ga, users, api_client
):
    rating = opened(clerk, at(3, 2))
    number = rating.application.number
    Rating.objects.filter(pk=rating.pk).update(due_at=FAR)
    api_client.login_as(approver)
    refused = post(api_client, f"/ratings/{number}/window", {"level": 5})
    assert refused.status_code == 403
    api_client.login_as(clerk)
    stale = post(api_client, f"/ratings/{number}/window", {"level": 5, "revision": 7})
    assert stale.status_code == 409
    entered = post(api_client, f"/ratings/{number}/window", {"level": 4, "revision": 1})
    assert entered.status_code == 200 and entered.json()["source"] == "window"
    listed = api_client.get(f"{BASE}/ratings", {"state": "rated"}).json()
    assert [r["number"] for r in listed["items"]] == [number] and listed["meta"]["count"] == 1
    assert listed["items"][0]["item_code"] == "SCJG-2" and listed["items"][0]["clerk"] == "clerk"
    api_client.login_as(handler_ga)
    assert api_client.get(f"{BASE}/ratings").json()["meta"]["count"] == 0
    assert api_client.get(f"{BASE}/ratings/{number}").status_code == 404
    api_client.login_as(users["resident"])
    assert api_client.get(f"{BASE}/ratings").status_code == 403
    wrong = api_client.get(f"{BASE}/ratings", {"state": "lost"})
    assert wrong.status_code in (403, 422)


def test_the_follow_up_through_the_api(published, clerk, approver, supervisor, api_client):
    rating = opened(clerk, at(3, 2))
    rate(rating, 1, at(3, 2, 11))
    number = rating.application.number
    path = f"{BASE}/follow-ups/{number}/actions"
    api_client.login_as(approver)
    detail = api_client.get(f"{BASE}/follow-ups/{number}").json()
    assert detail["state"] == "open" and detail["actions"] == ["contact", "appeal"]
    assert detail["overdue"] and [s["action"] for s in detail["steps"]][:2] == [
        "rating.invite",
        "rating.rate",
    ]
    missing = api_client.post(path, {"action": "contact"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"method", "note"}
    appeal = api_client.post(path, {"action": "appeal", "note": "恶意差评", "photos": [photo()]})
    assert appeal.status_code == 200, appeal.json()
    assert appeal.json()["state"] == "appealed" and appeal.json()["evidence"] == ["queue.png"]
    assert api_client.post(path, {"action": "decide", "decision": "upheld", "note": "x"}).status_code == 403
    api_client.login_as(supervisor)
    decided = api_client.post(path, {"action": "decide", "decision": "refused", "note": "差评属实"})
    assert decided.status_code == 200 and decided.json()["state"] == "open"
    active = api_client.get(f"{BASE}/follow-ups", {"state": "active"}).json()
    assert active["meta"]["count"] == 1


def test_the_figures_by_department_window_and_item(published, clerk, approver, handler_ga, api_client):
    good, poor, unrated = (opened(clerk, at(3, 2)) for _ in range(3))
    rate(good, 5, at(3, 3))
    rate(poor, 2, at(3, 3))
    api_client.login_as(approver)
    out = api_client.get(
        f"{BASE}/rating-figures", {"by": "clerk", "start": "2026-03-01", "end": "2026-03-31"}
    )
    body = out.json()
    assert out.status_code == 200 and body["total"]["ended"] == 3
    assert body["total"]["coverage"] == round(2 / 3, 4) and body["total"]["satisfaction"] == 0.5
    assert body["total"]["score"] == 3.5 and body["total"]["bad"] == 1
    assert [(r["code"], r["ended"]) for r in body["rows"]] == [("clerk", 3)]
    by_item = api_client.get(
        f"{BASE}/rating-figures", {"by": "item", "start": "2026-03-01", "end": "2026-03-31"}
    )
    assert [r["code"] for r in by_item.json()["rows"]] == ["SCJG-2"]
    backwards = api_client.get(f"{BASE}/rating-figures", {"start": "2026-03-31", "end": "2026-03-01"})
    assert backwards.status_code == 422
    api_client.login_as(handler_ga)
    theirs = api_client.get(f"{BASE}/rating-figures", {"start": "2026-03-01", "end": "2026-03-31"}).json()
    assert theirs["total"]["ended"] == 0 and theirs["rows"] == []
    assert unrated.state == "invited"
