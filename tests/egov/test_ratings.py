"""好差评: a rating opened when an application is concluded, given once by the applicant or the window's
device, given by default when the period passes (natural or working days, holidays), and its clocks."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.applications import hooks
from cityops.egov.models import ApplicantMessage, ApplicationEvent, FollowUp, Rating
from cityops.egov.ratings import listen
from cityops.egov.ratings.selectors import public_lookup, rating_get
from cityops.egov.ratings.services import RatingIn, rating_give, rating_open
from cityops.egov.ratings.sweeper import sweep
from tests.egov.conftest import PHONE
from tests.egov.rating_builders import _listening, act, at, concluded, opened, rate  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_concluded_application_is_invited_once_whoever_opens_it(
    published, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        app = concluded(clerk, at(3, 2))  # Monday 2 March 2026
    rating = Rating.objects.get(application=app)
    assert (rating.state, rating.level, rating.channel, rating.clerk) == ("invited", None, "window", clerk)
    assert rating.concluded_at == at(3, 2) and rating.due_at == at(3, 9)  # 7 natural days
    assert rating.remind_at == at(3, 5) and rating.department.code == "D-SCJG"
    again, made = rating_open(app, now=at(3, 2, 11))
    assert again.pk == rating.pk and not made
    assert not sweep(now=at(3, 2, 11)).opened
    assert ApplicationEvent.objects.filter(application=app, action="rating.invite").count() == 1
    assert AuditRecord.objects.filter(action="egov.rating.invite", object_id=str(rating.pk)).count() == 1


def test_the_sweeper_opens_the_ratings_the_hook_missed(published, clerk):
    hooks.off_concluded(listen.application_concluded)
    app = concluded(clerk, at(3, 2))
    denied = concluded(clerk, at(3, 2), outcome="deny")
    refused = act(
        act(concluded_intake(clerk), "take", clerk, at(3, 2)),
        "not_accept",
        clerk,
        at(3, 2),
        reason_code="not_competent",
        note="属区级事权",
    )
    withdrawn = act(concluded_intake(clerk), "withdraw", clerk, at(3, 2), note="申请人书面撤回")
    assert not Rating.objects.exists()
    assert sweep(now=at(3, 2, 11)).opened == 3
    assert set(Rating.objects.values_list("application_id", flat=True)) == {app.pk, denied.pk, refused.pk}
    assert not Rating.objects.filter(application=withdrawn).exists()
    assert not sweep(now=at(3, 2, 12)).opened
    # delivered after it: still the same rating, concluded when it was completed
    delivered = act(app, "deliver", clerk, at(3, 3), method="window")
    assert delivered.rating.concluded_at == at(3, 2)


def concluded_intake(clerk):
    from cityops.egov.applications.intake import apply
    from tests.egov.conftest import draft

    return apply(data=draft("SCJG-1"), channel="window", by=clerk, now=at(3, 2))[0]


def test_the_invitation_names_the_end_of_the_period(published, clerk):
    rating = opened(clerk, at(3, 2))
    invite = ApplicantMessage.objects.get(application=rating.application, kind="rating_invite")
    assert "2026-03-09 10:00" in invite.text and rating.application.number in invite.text
    late = opened(clerk, at(3, 2), now_open=at(3, 20))  # opened after its period: no invitation
    assert not ApplicantMessage.objects.filter(application=late.application, kind="rating_invite").exists()


def test_unrated_after_seven_natural_days_counts_as_basically_satisfied(published, clerk):
    rating = opened(clerk, at(3, 6, 16))  # Friday afternoon
    assert rating.due_at == at(3, 13, 16)  # weekends count: natural days
    assert not sweep(now=at(3, 13, 15, 59)).defaulted
    result = sweep(now=at(3, 13, 16, 1))
    assert result.defaulted == 1 and result.reminded == 0  # the reminder's day passed with no sweep
    rating.refresh_from_db()
    assert (rating.state, rating.level, rating.source) == ("defaulted", 3, "default")
    with pytest.raises(Conflict, match="counts as Basically satisfied by default"):
        rate(rating, 5, at(3, 13, 17))
    assert not sweep(now=at(3, 14)).defaulted
    assert ApplicationEvent.objects.filter(action="rating.default").count() == 1


def test_rating_at_the_last_moment_of_the_period_counts_and_a_minute_late_does_not(published, clerk):
    first, second = opened(clerk, at(3, 2)), opened(clerk, at(3, 2))
    rate(first, 5, at(3, 9, 9, 59))
    assert Rating.objects.get(pk=first.pk).state == "rated"
    with pytest.raises(Conflict, match="period for rating ended on 2026-03-09"):
        rate(second, 5, at(3, 9, 10, 1))  # the sweeper had not run yet: the rating defaults first
    second.refresh_from_db()
    assert (second.state, second.level) == ("defaulted", 3)


def test_in_working_days_the_period_skips_the_national_day_holiday(published, clerk, settings):
    settings.CITYOPS_RATING_WORKING_DAYS = True
    settings.CITYOPS_RATING_DAYS = 5
    settings.CITYOPS_RATING_DEFAULT_LEVEL = 4
    rating = opened(clerk, at(9, 30))  # Wednesday 30 September; 1–7 October off, Saturday 10 worked
    assert rating.due_at == at(10, 13)  # 8, 9, 10 (Saturday), 12, 13 October
    assert rating.remind_at == at(10, 10)
    assert sweep(now=at(10, 10, 11)).reminded == 1
    assert not sweep(now=at(10, 12, 11)).reminded
    assert not sweep(now=at(10, 13, 9)).defaulted
    assert sweep(now=at(10, 13, 10, 1)).defaulted == 1
    rating.refresh_from_db()
    assert (rating.level, rating.source) == (4, "default")


def test_a_reminder_goes_once_on_the_third_day(published, clerk):
    rating = opened(clerk, at(3, 2))
    assert not sweep(now=at(3, 5, 9)).reminded
    assert sweep(now=at(3, 5, 10)).reminded == 1
    assert not sweep(now=at(3, 6)).reminded
    texts = list(
        ApplicantMessage.objects.filter(application=rating.application).values_list("kind", flat=True)
    )
    assert texts.count("rating_remind") == 1
    reminder = ApplicantMessage.objects.get(kind="rating_remind")
    assert "2026-03-09 10:00" in reminder.text and "基本满意" in reminder.text  # in the town's language


def test_the_applicant_rates_by_number_and_phone_once(published, clerk):
    rating = opened(clerk, at(3, 2))
    number = rating.application.number
    assert public_lookup(number, "13900000000") == (None, None)
    assert public_lookup("202699999999", PHONE) == (None, None)
    app, found = public_lookup(f" {number} ", "139 1234 5678")
    assert found.pk == rating.pk and app.pk == rating.application_id
    rated = rate(found, 5, at(3, 3), source="kiosk", comment="窗口很耐心")
    assert (rated.state, rated.level, rated.first_level, rated.source) == ("rated", 5, 5, "kiosk")
    assert rated.recorded_by is None and rated.comment == "窗口很耐心"
    with pytest.raises(Conflict, match="rated Very satisfied on 2026-03-03; it is rated once"):
        rate(rated, 1, at(3, 4))
    assert not FollowUp.objects.exists()
    event = ApplicationEvent.objects.get(action="rating.rate")
    assert event.actor is None and event.actor_name == "applicant" and event.data["level"] == 5
    # an application not concluded yet: found, with no rating open
    pending = concluded_intake(clerk)
    assert public_lookup(pending.number, PHONE) == (pending, None)


def test_the_clerk_enters_the_window_devices_result(published, clerk, users):
    rating = opened(clerk, at(3, 2))
    got = rating_get(user=clerk, number=rating.application.number, action="egov.process")
    rated = rate(got, 2, at(3, 2, 10, 5), source="window", by=clerk)
    assert (rated.source, rated.recorded_by, rated.problems) == ("window", clerk, [])
    assert FollowUp.objects.filter(rating=rated).exists()  # a bad one from the device is followed up too
    with pytest.raises(NotFound):
        rating_get(user=users["resident"], number=rating.application.number, action="egov.process")


def test_a_clerk_of_another_departments_window_cannot_enter_its_rating(published, clerk):
    from tests.conftest import _user

    ga_clerk = _user("ga_clerk", "window_clerk", departments=["D-GA"])
    rating = opened(clerk, at(3, 2))
    with pytest.raises(NotFound):
        rating_get(user=ga_clerk, number=rating.application.number, action="egov.process")


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (RatingIn(level=0), {"level"}),
        (RatingIn(level=6), {"level"}),
        (RatingIn(level=True), {"level"}),
        (RatingIn(level="5"), {"level"}),
        (RatingIn(level=5, problems=["attitude"]), {"problems"}),
        (RatingIn(level=1, problems=[]), {"problems"}),
        (RatingIn(level=2, problems=["rude"]), {"problems"}),
        (RatingIn(level=4, comment="好" * 501), {"comment"}),
        (RatingIn(level=None, problems=["x"], comment="好" * 501), {"level", "problems", "comment"}),
    ],
)
def test_a_wrong_rating_names_each_problem_and_changes_nothing(published, clerk, data, fields):
    rating = opened(clerk, at(3, 2))
    with pytest.raises(ValidationFailed) as exc:
        rating_give(rating=rating, data=data, source="online", now=at(3, 3))
    assert {e["field"] for e in exc.value.errors} == fields
    rating.refresh_from_db()
    assert rating.state == "invited" and rating.level is None
    assert not ApplicationEvent.objects.filter(action="rating.rate").exists()


def test_a_rating_from_nowhere_is_refused(published, clerk):
    rating = opened(clerk, at(3, 2))
    for source in ("default", "sms", ""):
        with pytest.raises(ValidationFailed, match="online, kiosk or window"):
            rating_give(rating=rating, data=RatingIn(level=5), source=source, now=at(3, 3))


def test_staff_outside_the_scope_or_role_do_not_see_a_rating(published, clerk, users, handler_ga):
    rating = opened(clerk, at(3, 2))
    number = rating.application.number
    assert rating_get(user=users["officer"], number=number).pk == rating.pk
    for user in (handler_ga, users["resident"], users["steward"], users["inspector_g1"]):
        with pytest.raises(NotFound):
            rating_get(user=user, number=number)


def test_only_a_clerk_enters_a_window_rating(published, clerk, approver):
    from cityops.egov.ratings.services import rating_record_window

    rating = opened(clerk, at(3, 2))
    number = rating.application.number
    with pytest.raises(Forbidden):
        rating_record_window(by=approver, number=number, data=RatingIn(level=5), now=at(3, 3))
    rated = rating_record_window(by=clerk, number=number, data=RatingIn(level=4), now=at(3, 3))
    assert (rated.source, rated.level, rated.recorded_by) == ("window", 4, clerk)
