"""The demo's 好差评: every concluded application rated the way the town's are — most by their applicant
online or at a kiosk, some from the window's device, the rest by default after the period — with the
bad ones followed up at every stage (contacted, answered and re-rated, appealed, overdue).

Everything goes through the services with the moment it happened, so the timelines, the audit trail and
the figures are the ones real use leaves. When the demo has no applications yet (the applications'
own generator comes first when there is one), a month of window applications at the service centre is
made here first, through the same services, so the rating pages have something to show.
"""

import itertools
import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from cityops.accounts.models import User
from cityops.core.workcalendar import get_calendar
from cityops.demo import names
from cityops.demo.people import Progress, Tally, no_progress
from cityops.egov.applications import hooks
from cityops.egov.applications.intake import ApplicantIn, DraftIn, apply
from cityops.egov.applications.services import ActionIn, application_act
from cityops.egov.models import Application, Rating, ServiceItem
from cityops.egov.ratings import followup, listen, rules, services
from cityops.egov.ratings.followup import FollowUpIn

SEED = 17
DAYS = 30
CLERK, HANDLER, SUPERVISOR = "clerk", "handler", "supervisor"
# level: weight (about 90 % satisfied or very satisfied, 6 % bad: enough to see every stage)
LEVELS = {5: 76, 4: 14, 3: 4, 2: 3.5, 1: 2.5}
SOURCES = {"online": 45, "kiosk": 20, "window": 35}
PROBLEMS = ["attitude", "efficiency", "guide", "visits", "materials"]
COMMENTS = {5: ["窗口人员很耐心", "办得很快", "一次就办好了"], 4: ["还可以", ""], 3: ["等候时间有点长", ""]}
BAD_COMMENTS = ["排队等了两个多小时", "材料要求前后说法不一致", "跑了三次才办成", "工作人员态度不好"]


def _moment(day, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _working_days(now, days: int) -> list:
    cal = get_calendar()
    today = timezone.localdate(now)
    return [d for d in (today - timedelta(days=n) for n in range(days, 0, -1)) if cal.is_working_day(d)]


def _person(rng: random.Random) -> ApplicantIn:
    while True:
        body = f"441900{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            break
    given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    phone = rng.choice(names.MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
    return ApplicantIn(kind="person", name=rng.choice(names.SURNAMES) + given, id_number=number, phone=phone)


def _items(rng: random.Random) -> list[ServiceItem]:
    """Published items a person applies for at a window; the demo handler's department (城管) among them."""
    qs = (
        ServiceItem.objects.filter(published__isnull=False, published__window=True)
        .exclude(published__applicant="organisation")
        .select_related("published", "department")
        .order_by("code")
    )
    items = list(qs)
    ours = [i for i in items if i.department.code == names.URBAN_MANAGEMENT][:8]
    return ours * 2 + rng.sample(items, min(24, len(items)))  # a third of them the demo handler's


def _act(app, action, by, now, **data):
    return application_act(application=app, action=action, by=by, data=ActionIn(**data), now=now)


def _one_application(rng: random.Random, item: ServiceItem, clerk, received: datetime) -> None:
    app, _made = apply(
        data=DraftIn(item=item.code, applicant=_person(rng)), channel="window", by=clerk, now=received
    )
    app = _act(app, "take", clerk, received)
    for m in app.materials.order_by("position"):
        if m.finding == "pending":
            app = _act(app, "check", clerk, received, material=m.position, finding="ok")
    roll, v = rng.random(), app.version
    if roll < 0.03:
        _act(
            app,
            "not_accept",
            clerk,
            received,
            reason_code="not_competent",
            note="不属本部门职权范围，已告知向区级部门申请",
        )
        return
    deny = {"reason_code": "not_eligible", "note": "申请人不符合受理条件"} if roll < 0.1 else {}
    if v.limit_kind == "immediate":
        _act(app, "decide_on_the_spot", clerk, received, outcome="deny" if deny else "approve", **deny)
        return
    app = _act(app, "accept", clerk, received)
    decided = get_calendar().add_working_days(received, rng.randint(1, max(1, min(v.promised_days, 4))))
    if decided > timezone.now():
        return  # still under review
    if deny:
        _act(app, "deny", clerk, decided, **deny)
    else:
        app = _act(app, "approve", clerk, decided, fee_amount="50.00" if v.fee else None)
        if v.fee:
            _act(app, "pay", clerk, decided, reference=f"FS{app.number}")


def applications_stand_in(progress: Progress = no_progress) -> int:
    """A month of window applications at the service centre, when the demo has none."""
    count = settings.CITYOPS_DEMO_APPLICATIONS
    if not count or Application.objects.exists():
        return 0
    rng, clerk, now = random.Random(SEED), User.objects.get(username=CLERK), timezone.now()
    days, items = _working_days(now, DAYS), _items(random.Random(SEED))
    if not items or not days:
        return 0
    for _n in progress(range(count), desc="applications (stand-in)", unit="application"):
        received = _moment(rng.choice(days), rng.choice((9, 10, 11, 14, 15, 16)), rng.randrange(0, 60, 5))
        _one_application(rng, rng.choice(items), clerk, received)
    return count


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# How far each bad rating's follow-up has gone, in turn, so that every stage is there to see.
STAGES = ("answered_rerated", "open", "appealed", "contacted", "appeal_decided", "answered")


def _appeal(f, handler, supervisor, at, now, decide: bool) -> None:
    note = "经调取大厅监控，申请人当日未到窗口办理，评价与事实不符"
    f = followup.follow_up_act(follow_up=f, action="appeal", by=handler, now=at, data=FollowUpIn(note=note))
    decided = get_calendar().add_working_minutes(at, 900)
    if decide and decided < now:
        data = FollowUpIn(decision="upheld", note="监控记录显示申请人当日未到场，差评不实")
        followup.follow_up_act(follow_up=f, action="decide", by=supervisor, now=decided, data=data)


def _follow(rng: random.Random, stage: str, rating: Rating, handler, supervisor, now) -> None:
    """A bad rating's follow-up taken to ``stage``, as far as its age allows."""
    f, cal = rating.follow_up, get_calendar()
    first = cal.add_working_minutes(rating.rated_at, rng.randint(60, 1200))
    if stage == "open" or first > now:
        return  # not contacted yet (overdue, once the worker sweeps, when old enough)
    if stage.startswith("appeal"):
        _appeal(f, handler, supervisor, first, now, decide=stage == "appeal_decided")
        return
    note = "电话回访申请人，了解不满意的原因并致歉"
    f = followup.follow_up_act(
        follow_up=f, action="contact", by=handler, now=first, data=FollowUpIn(method="phone", note=note)
    )
    answered = cal.add_working_minutes(first, rng.randint(420, 4200))
    if stage == "contacted" or answered > now:
        return
    note = "高峰时段增开窗口，并对窗口人员进行服务规范培训"
    data = FollowUpIn(disposition="rectified", note=note)
    f = followup.follow_up_act(follow_up=f, action="rectify", by=handler, now=answered, data=data)
    again = answered + timedelta(hours=rng.randint(2, 60))
    if stage == "answered_rerated" and again < min(now, f.rerate_due_at):
        services.rating_give(rating=f.rating, data=services.RatingIn(level=4), source="online", now=again)


def _rate(rng: random.Random, rating: Rating, clerk, handler, supervisor, now, stages) -> bool:
    """Rate ``rating`` as its applicant would, or leave it to default; True when a level was given."""
    if rng.random() < 0.12:
        return False  # not rated: defaults after the period
    at = rating.concluded_at + timedelta(minutes=rng.randint(2, 60 * 24 * 4))
    level, source = _pick(rng, LEVELS), _pick(rng, SOURCES)
    if source == "window":
        at = rating.concluded_at + timedelta(minutes=rng.randint(1, 5))
    if at >= min(now, rating.due_at):
        return False
    bad = level <= 2
    data = services.RatingIn(
        level=level,
        problems=rng.sample(PROBLEMS, rng.randint(1, 2)) if bad else [],
        comment=rng.choice(BAD_COMMENTS) if bad else rng.choice(COMMENTS.get(level, [""])),
    )
    rating = services.rating_give(
        rating=rating, data=data, source=source, by=clerk if source == "window" else None, now=at
    )
    who = _handler_of(rating, handler)
    if bad and who is not None:
        _follow(rng, next(stages), rating, who, supervisor, now)
    return True


def _handler_of(rating: Rating, demo_handler):
    """A handler of the rating's department (the demo's own for urban management), or None."""
    if demo_handler is not None and demo_handler.departments.filter(pk=rating.department_id).exists():
        return demo_handler
    return User.objects.filter(role="department_handler", departments=rating.department_id).first()


def ratings_seed(progress: Progress = no_progress) -> Tally:
    """Rate the demo's concluded applications that have no rating yet, each at the moment it concluded."""
    hooks.off_concluded(listen.application_concluded)  # the seed opens them, at their own moments
    try:
        applications_stand_in(progress)
    finally:
        listen.connect()
    now, rng = timezone.now(), random.Random(SEED + 1)
    users = {u.username: u for u in User.objects.filter(username__in=(CLERK, HANDLER, SUPERVISOR))}
    clerk, handler, supervisor = (users.get(n) for n in (CLERK, HANDLER, SUPERVISOR))
    todo = Application.objects.filter(status__in=rules.RATEABLE, rating__isnull=True).order_by("id")
    tally, stages = Tally(unchanged=Rating.objects.count()), itertools.cycle(STAGES)
    for app in progress(list(todo), desc="ratings", unit="rating"):
        opened, _made = services.rating_open(app, now=rules.concluded_at(app))
        rating = Rating.objects.select_related("application", "application__version", "department").get(
            pk=opened.pk
        )
        if not _rate(rng, rating, clerk, handler, supervisor, now, stages) and rating.due_at < now:
            with transaction.atomic():
                services.rating_default(rating, rating.due_at + timedelta(minutes=1))
        tally.created += 1
    return tally
