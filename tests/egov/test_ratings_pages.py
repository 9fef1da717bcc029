"""好差评's pages: the applicant rates online and at the kiosk (posted, no-store, a wrong phone answered
as a wrong number), the staff figures and their exports, the lists, a follow-up's steps from its page,
the appeal's evidence, the window device's entry, and who sees what."""

from datetime import UTC, datetime

import pytest

from cityops.egov.models import FollowUp, Rating
from cityops.egov.ratings import evidence
from cityops.egov.ratings.followup import FollowUpIn, follow_up_act
from tests.egov.conftest import PHONE
from tests.egov.rating_builders import _listening, at, opened, rate  # noqa: F401
from tests.egov.test_ratings_followup import photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


FAR = datetime(2099, 1, 1, tzinfo=UTC)


def open_now(clerk, **kw):
    rating = opened(clerk, at(3, 2), **kw)
    Rating.objects.filter(pk=rating.pk).update(due_at=FAR)
    return Rating.objects.get(pk=rating.pk)


@pytest.mark.parametrize(("path", "source"), [("/services/rate/", "online"), ("/kiosk/rate/", "kiosk")])
def test_the_applicant_rates_in_three_posted_steps(published, clerk, client, path, source):
    rating = open_now(clerk)
    number = rating.application.number
    start = client.get(path)
    assert start.status_code == 200 and start["Cache-Control"] == "no-store"
    wrong = client.post(path, {"number": number, "phone": "13900000000"})
    nobody = client.post(path, {"number": "202699999999", "phone": PHONE})
    assert wrong.status_code == nobody.status_code == 404
    assert b"No application matches this tracking number and mobile number." in wrong.content
    found = client.post(path, {"number": number, "phone": PHONE})
    assert found.status_code == 200 and b'name="token"' in found.content
    assert PHONE.encode() not in found.content  # the phone never comes back in the page
    token = found.context["rate"].initial["token"]
    missing = client.post(path, {"token": token, "level": "1"})
    assert missing.status_code == 422 and b"a bad rating says what went wrong" in missing.content
    done = client.post(path, {"token": token, "level": "1", "problems": ["attitude"], "comment": "态度差"})
    assert done.status_code == 200 and done.context["thanks"]
    rating.refresh_from_db()
    assert (rating.state, rating.level, rating.source, rating.comment) == ("rated", 1, source, "态度差")
    assert FollowUp.objects.filter(rating=rating).exists()
    again = client.post(path, {"token": token, "level": "5"})  # the same page posted again
    assert again.status_code == 404 and b"look up your application again" in again.content
    forged = client.post(path, {"token": token[:-3] + "abc", "level": "5"})
    assert forged.status_code == 404


def test_the_kiosk_page_offers_the_number_pad_and_the_start_page_links_it(client, published):
    page = client.get("/kiosk/rate/").content.decode()
    assert 'data-pad="0"' in page and "kiosk-rating.js" in page and "kiosk.js" in page
    assert "/kiosk/rate/" in client.get("/kiosk/").content.decode()


def test_the_figures_page_and_its_exports(published, clerk, approver, handler_ga, users, client):
    good, poor = open_now(clerk), open_now(clerk)
    rate(good, 5, at(3, 3))
    rate(poor, 2, at(3, 3))
    client.force_login(approver)
    query = "?by=department&start=2026-03-01&end=2026-03-31"
    page = client.get(f"/services/ratings/{query}")
    assert page.status_code == 200
    assert page.context["total"]["satisfaction_text"] == "50.0%" and page.context["total"]["bad"] == 1
    assert [r["code"] for r in page.context["rows"]] == ["D-SCJG"]
    csv = b"".join(client.get(f"/services/ratings/figures.csv{query}").streaming_content).decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].startswith("Code,Department,Concluded,Rated,Rating coverage")
    assert lines[1].startswith("D-SCJG,市场监督管理分局,2,2,1.0,") and lines[-1].startswith(",Total,2,2,")
    xlsx = client.get(f"/services/ratings/figures.xlsx{query}")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/services/ratings/figures.pdf").status_code == 404
    client.force_login(handler_ga)
    assert client.get(f"/services/ratings/{query}").context["total"]["ended"] == 0
    client.force_login(users["resident"])
    assert client.get("/services/ratings/").status_code == 403
    client.logout()
    assert client.get("/services/ratings/").status_code == 302


def test_the_ratings_list_filters_and_exports(published, clerk, users, client):
    good, poor = open_now(clerk), open_now(clerk)
    rate(good, 5, at(3, 3), comment='=HYPERLINK("x")')
    rate(poor, 2, at(3, 3))
    client.force_login(users["officer"])
    page = client.get("/services/ratings/list/", {"bad": "on"})
    assert [r.pk for r in page.context["page"].object_list] == [poor.pk]
    assert (
        client.get("/services/ratings/list/", {"level": "9"}).status_code == 200
    )  # a wrong filter is ignored
    csv = b"".join(client.get("/services/ratings/list.csv").streaming_content).decode("utf-8-sig")
    assert "Very satisfied" in csv and "'=HYPERLINK" in csv  # a formula is neutralised
    assert len(csv.strip().splitlines()) == 3


def test_a_follow_up_is_worked_from_its_page(published, clerk, approver, supervisor, handler_ga, client):
    rating = open_now(clerk)
    rate(rating, 1, at(3, 3))
    number = rating.application.number
    client.force_login(approver)
    listed = client.get("/services/ratings/follow-ups/")
    assert [f.rating_id for f in listed.context["page"].object_list] == [rating.pk]
    page = client.get(f"/services/ratings/follow-ups/{number}/")
    assert page.status_code == 200 and page.context["actions"] == {"contact", "appeal"}
    assert PHONE in page.content.decode()  # the department calls the applicant back
    act = f"/services/ratings/follow-ups/{number}/act/"
    empty = client.post(act, {"action": "contact", "revision": 1}, follow=True)
    assert "say what was done or why" in empty.content.decode()
    done = client.post(
        act, {"action": "contact", "method": "phone", "note": "已回访", "revision": 1}, follow=True
    )
    assert "Done: Record the contact." in done.content.decode()
    stale = client.post(
        act, {"action": "rectify", "disposition": "rectified", "note": "x", "revision": 1}, follow=True
    )
    assert "changed since you opened it" in stale.content.decode()
    appeal = client.post(act, {"action": "appeal", "note": "恶意差评", "revision": 2, "photos": [photo()]})
    assert appeal.status_code == 302
    f = FollowUp.objects.get(rating=rating)
    assert f.state == "appealed"
    proof = f.evidence.get()
    shown = client.get(f"/services/ratings/follow-ups/{number}/evidence/{proof.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    client.force_login(supervisor)
    assert PHONE not in client.get(f"/services/ratings/follow-ups/{number}/").content.decode()
    client.force_login(handler_ga)
    assert client.get(f"/services/ratings/follow-ups/{number}/").status_code == 404
    assert client.get(f"/services/ratings/follow-ups/{number}/evidence/{proof.pk}/").status_code == 404
    assert client.post(act, {"action": "decide", "decision": "upheld", "note": "x"}).status_code == 404


def test_the_clerk_enters_the_window_device(published, clerk, approver, client):
    rating = open_now(clerk)
    client.force_login(clerk)
    assert client.get("/services/ratings/window/").status_code == 200
    wrong = client.post("/services/ratings/window/", {"number": "202699999999", "level": "5"})
    assert wrong.status_code == 200 and "No rating of application 202699999999" in wrong.content.decode()
    done = client.post(
        "/services/ratings/window/", {"number": rating.application.number, "level": "3"}, follow=True
    )
    assert "is rated Basically satisfied" in done.content.decode()
    rating.refresh_from_db()
    assert (rating.source, rating.level, rating.recorded_by) == ("window", 3, clerk)
    client.force_login(approver)
    assert client.get("/services/ratings/window/").status_code == 403


def test_an_appeal_decided_from_the_page_by_the_supervisor(published, clerk, approver, supervisor, client):
    rating = open_now(clerk)
    rate(rating, 2, at(3, 3))
    f = follow_up_act(
        follow_up=FollowUp.objects.get(rating=rating),
        action="appeal",
        by=approver,
        data=FollowUpIn(note="申请人未到场", photos=evidence.read([photo()])),
    )
    client.force_login(supervisor)
    page = client.get(f"/services/ratings/follow-ups/{rating.application.number}/")
    assert page.context["actions"] == {"decide"} and page.context["evidence"]
    act = f"/services/ratings/follow-ups/{rating.application.number}/act/"
    client.post(act, {"action": "decide", "decision": "upheld", "note": "监控证实", "revision": f.revision})
    f.refresh_from_db()
    assert f.outcome == "appeal_upheld"
