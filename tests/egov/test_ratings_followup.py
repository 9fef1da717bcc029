"""The follow-up of a bad rating: contact within 5 working days, an answer within 15, the applicant
re-rates; overdue follow-ups escalated once each; an appeal upheld or refused by the supervisor; and
who may do which step."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.cases.models import Notification
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.models import AppealEvidence, ApplicantMessage, ApplicationEvent, FollowUp
from cityops.egov.ratings import evidence
from cityops.egov.ratings.followup import FollowUpIn, allowed, follow_up_act
from cityops.egov.ratings.kpis import Where, totals
from cityops.egov.ratings.sweeper import sweep
from tests.egov.rating_builders import _listening, at, opened, rate  # noqa: F401

pytestmark = pytest.mark.django_db


def step(f, action, by, now, **data):
    return follow_up_act(follow_up=f, action=action, by=by, data=FollowUpIn(**data), now=now)


def bad(clerk, now, level=1):
    """A rating given ``level`` at ``now`` (the application concluded that morning), and its follow-up."""
    rating = opened(clerk, now.replace(hour=9))
    rate(rating, level, now, problems=["attitude", "efficiency"], comment="等了两个小时")
    return FollowUp.objects.get(rating=rating)


def photo(name="queue.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_a_bad_rating_opens_its_follow_up_with_both_deadlines(published, clerk, approver, handler_ga):
    f = bad(clerk, at(3, 2))  # Monday 2 March 2026, 10:00
    assert (f.state, f.department.code, f.escalation) == ("open", "D-SCJG", 0)
    assert f.contact_due_at == at(3, 9) and f.rectify_due_at == at(3, 23)  # 5 and 15 working days
    assert f.rating.problems == ["attitude", "efficiency"] and f.rating.first_level == 1
    told = Notification.objects.filter(user=approver, kind="egov.application")
    assert told.count() == 1 and "contact the applicant by 2026-03-09 10:00" in told.get().text
    assert not Notification.objects.filter(user=handler_ga).exists()
    sorry = ApplicantMessage.objects.get(kind="rating_bad")
    assert "2026-03-09 10:00" in sorry.text
    assert ApplicationEvent.objects.filter(action="rating.follow_up").count() == 1


def test_the_follow_up_deadlines_skip_the_holiday(published, clerk):
    f = bad(clerk, at(9, 29))  # Tuesday 29 September; 1–7 October off, Saturday 10 October worked
    assert f.contact_due_at == at(10, 12)  # 30 Sep, 8, 9, 10, 12 Oct


def test_contact_answer_and_re_rating_close_the_loop(published, clerk, approver):
    f = bad(clerk, at(3, 2), level=2)
    assert [t.action for t in allowed(f, approver)] == ["contact", "appeal"]
    f = step(f, "contact", approver, at(3, 3), method="phone", note="电话联系申请人，了解到等候时间过长")
    assert (f.state, f.contact_method, f.contacted_by) == ("contacted", "phone", approver)
    f = step(f, "rectify", approver, at(3, 5), disposition="rectified", note="增开一个窗口，高峰期分流")
    assert f.state == "rectified" and f.rerate_due_at == at(3, 12)
    invite = ApplicantMessage.objects.get(kind="rating_rectify")
    assert "已整改" in invite.text and "2026-03-12 10:00" in invite.text
    rating = rate(f.rating, 4, at(3, 6), source="online", comment="改进了")
    f.refresh_from_db()
    assert (rating.level, rating.first_level, rating.rerated_at) == (4, 2, at(3, 6))
    assert (f.state, f.outcome, f.closed_at) == ("closed", "rerated", at(3, 6))
    with pytest.raises(Conflict, match="rated once"):
        rate(rating, 5, at(3, 7))
    steps = list(
        ApplicationEvent.objects.filter(action__startswith="rating.").values_list("action", flat=True)
    )
    assert steps == [
        "rating.invite",
        "rating.rate",
        "rating.follow_up",
        "rating.contact",
        "rating.rectify",
        "rating.rerate",
    ]
    figures = totals(user=approver, where=Where(at(3, 1).date(), at(3, 31).date()))
    assert (figures["rated"], figures["satisfied"], figures["bad"]) == (1, 1, 1)
    assert (figures["follow_up_rate"], figures["rectification_rate"], figures["score"]) == (1.0, 1.0, 4.0)
    assert figures["contacted_on_time"] == figures["rectified_on_time"] == 1


def test_a_re_rating_that_is_still_bad_is_told_to_the_supervisor(published, clerk, approver, supervisor):
    f = bad(clerk, at(3, 2))
    f = step(f, "contact", approver, at(3, 3), method="visit", note="上门")
    f = step(f, "rectify", approver, at(3, 4), disposition="explained", note="依法须本人到场，已解释")
    rate(f.rating, 1, at(3, 5))
    f.refresh_from_db()
    assert f.outcome == "rerated"
    assert Notification.objects.filter(user=supervisor, text__contains="re-rated Very dissatisfied").exists()


def test_without_a_re_rating_in_the_period_the_first_rating_stands(published, clerk, approver):
    f = bad(clerk, at(3, 2))
    f = step(f, "contact", approver, at(3, 3), method="phone", note="电话")
    f = step(f, "rectify", approver, at(3, 4), disposition="rectified", note="已整改")
    assert not sweep(now=at(3, 11, 9)).closed
    assert sweep(now=at(3, 11, 10, 1)).closed == 1
    f.refresh_from_db()
    assert (f.state, f.outcome, f.rating.level) == ("closed", "not_rerated", 1)
    with pytest.raises(Conflict, match="rated Very dissatisfied"):
        rate(f.rating, 5, at(3, 12))
    assert not sweep(now=at(3, 12)).closed


def test_a_re_rating_a_minute_late_is_refused_and_closes_the_follow_up(published, clerk, approver):
    f = bad(clerk, at(3, 2))
    f = step(f, "contact", approver, at(3, 3), method="phone", note="电话")
    f = step(f, "rectify", approver, at(3, 4), disposition="rectified", note="已整改")
    with pytest.raises(Conflict, match="period for rating again ended on 2026-03-11"):
        rate(f.rating, 5, at(3, 11, 10, 1))
    f.refresh_from_db()
    assert (f.state, f.outcome) == ("closed", "not_rerated")


def test_overdue_follow_ups_are_escalated_once_each(published, clerk, approver, supervisor):
    f = bad(clerk, at(3, 2))
    assert not sweep(now=at(3, 9, 9, 59)).escalated
    assert sweep(now=at(3, 9, 10, 1)).escalated == 1
    assert not sweep(now=at(3, 9, 11)).escalated
    f.refresh_from_db()
    assert f.escalation == 1
    assert Notification.objects.filter(user=supervisor, text__contains="contact overdue").count() == 1
    f = step(f, "contact", approver, at(3, 10), method="phone", note="电话，迟了一天")
    assert sweep(now=at(3, 23, 10, 1)).escalated == 1
    f.refresh_from_db()
    assert f.escalation == 2
    assert not sweep(now=at(3, 24)).escalated
    overdue = ApplicationEvent.objects.filter(action__endswith="_overdue").values_list("action", flat=True)
    assert list(overdue) == ["rating.contact_overdue", "rating.rectify_overdue"]
    f = step(f, "rectify", approver, at(3, 24), disposition="rectified", note="已整改")
    figures = totals(user=approver, where=Where(at(3, 1).date(), at(3, 31).date()))
    assert (figures["contacted"], figures["contacted_on_time"]) == (1, 0)
    assert (figures["rectified"], figures["rectified_on_time"]) == (1, 0)


def test_an_appeal_upheld_excludes_the_rating_from_the_figures(published, clerk, approver, supervisor):
    f = bad(clerk, at(3, 2))
    photos = evidence.read([photo(), photo("signed-note.png")])
    f = step(f, "appeal", approver, at(3, 3), note="申请人当天未到大厅，系恶意差评", photos=photos)
    assert (f.state, f.appeal_from) == ("appealed", "open")
    assert AppealEvidence.objects.filter(follow_up=f).count() == 2
    assert Notification.objects.filter(user=supervisor, text__contains="appeal").count() == 1
    assert not sweep(now=at(3, 30)).escalated  # an appeal stops the clocks
    assert [t.action for t in allowed(f, supervisor)] == ["decide"] and not allowed(f, approver)
    f = step(f, "decide", supervisor, at(3, 31), decision="upheld", note="监控显示申请人未到场")
    f.rating.refresh_from_db()
    assert (f.state, f.outcome, f.rating.excluded) == ("closed", "appeal_upheld", True)
    figures = totals(user=supervisor, where=Where(at(3, 1).date(), at(3, 31).date()))
    assert (figures["rated"], figures["counted"], figures["bad"], figures["upheld"]) == (1, 0, 1, 1)
    assert figures["satisfaction"] is None and figures["follow_up_rate"] is None
    event = ApplicationEvent.objects.get(action="rating.appeal")
    assert event.data["evidence"] == ["queue.png", "signed-note.png"]
    assert ApplicationEvent.objects.filter(action="rating.appeal_upheld").exists()


def test_an_appeal_refused_resumes_the_clocks_with_the_time_they_had_left(
    published, clerk, approver, supervisor
):
    f = bad(clerk, at(3, 2))  # contact due Monday 9 March, answer due Monday 23 March
    f = step(f, "appeal", approver, at(3, 4), note="申请人诉求于法无据")  # Wednesday: 3 working days left
    f = step(f, "decide", supervisor, at(3, 11), decision="refused", note="差评属实，应回访整改")  # a week on
    assert (f.state, f.escalation) == ("open", 0)
    assert f.contact_due_at == at(3, 16) and f.rectify_due_at == at(3, 30)
    with pytest.raises(Conflict, match="appealed once only"):
        step(f, "appeal", approver, at(3, 12), note="再次申诉")
    assert not sweep(now=at(3, 16, 9)).escalated
    assert sweep(now=at(3, 16, 10, 1)).escalated == 1


def test_an_appeal_of_an_overdue_follow_up_stays_overdue_when_refused(published, clerk, approver, supervisor):
    f = bad(clerk, at(3, 2))
    sweep(now=at(3, 10))
    f.refresh_from_db()
    assert f.escalation == 1
    f = step(f, "appeal", approver, at(3, 10), note="申诉")
    f = step(f, "decide", supervisor, at(3, 12), decision="refused", note="驳回")
    assert f.contact_due_at == at(3, 9) and f.escalation == 1
    assert not sweep(now=at(3, 12, 11)).escalated  # escalated already for this


def test_who_may_take_which_step(published, clerk, approver, supervisor, handler_ga, users):
    f = bad(clerk, at(3, 2))
    with pytest.raises(NotFound):  # another department's handler does not even see it
        step(f, "contact", handler_ga, at(3, 3), method="phone", note="x")
    with pytest.raises(Forbidden):
        step(f, "contact", clerk, at(3, 3), method="phone", note="x")
    with pytest.raises(Forbidden):
        step(f, "contact", supervisor, at(3, 3), method="phone", note="x")
    with pytest.raises(Forbidden):
        step(f, "decide", approver, at(3, 3), decision="upheld", note="x")
    with pytest.raises(Conflict, match="needs it to be Appeal under review"):
        step(f, "decide", supervisor, at(3, 3), decision="upheld", note="x")
    with pytest.raises(Conflict, match="needs it to be Rectifying"):
        step(f, "rectify", approver, at(3, 3), disposition="rectified", note="x")
    with pytest.raises(ValidationFailed) as exc:
        step(f, "contact", approver, at(3, 3), method="pigeon", note=" ")
    assert {e["field"] for e in exc.value.errors} == {"method", "note"}
    with pytest.raises(ValidationFailed, match="only an appeal brings evidence"):
        step(f, "contact", approver, at(3, 3), method="phone", note="x", photos=evidence.read([photo()]))
    with pytest.raises(ValidationFailed, match="at most 5 photos"):
        step(f, "appeal", approver, at(3, 3), note="x", photos=evidence.read([photo() for _ in range(6)]))
    with pytest.raises(ValidationFailed, match="unknown"):
        step(f, "close", approver, at(3, 3))
    with pytest.raises(Conflict, match="changed since you opened it"):
        follow_up_act(
            follow_up=f, action="contact", by=approver, data=FollowUpIn(method="phone", note="x"), revision=99
        )
    f.refresh_from_db()
    assert (f.state, f.revision) == ("open", 1) and not AppealEvidence.objects.exists()


def test_evidence_that_is_not_a_photo_is_refused_by_name(published):
    fake = SimpleUploadedFile("录像.mp4", b"\x00\x00\x00 ftypisom", content_type="video/mp4")
    with pytest.raises(ValidationFailed, match="录像.mp4 is not a JPEG, PNG or WebP image"):
        evidence.read([fake])
