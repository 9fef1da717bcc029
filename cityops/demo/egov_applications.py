"""Service applications (办件) for the demo town, and for the queue's benchmark: a span of days ending
now, each application lived through on the working-day calendar and cut at the present moment.

About 100,000 applications a year reach the town's 1,264 items (a few items take most of them: a
Zipf spread), on working days in office hours at the windows, any day and hour online and at the
kiosks. Each one's life is planned step by step with the same clock functions the services use
(``egov/applications/clock.py``): the clerk takes and checks it (at a window at once, else within a
working day or two), asks once for supplementary materials (8 %), does not accept (3 %), or leaves it
untold past 5 working days (1 %: deemed accepted); accepted, it is decided mostly within its promised
limit (7 % late), with an occasional special procedure or extension; approved (95 %) or denied, the
fee paid, the result delivered; a few are withdrawn. Steps after now are not taken, so recent
applications stand open in every state, their clocks where the services would have left them, with
the warnings and escalations the worker would have written.

Written with bulk inserts, numbered by the live counter (new applications continue the sequence),
audited by one summary record and rolled up into ``ApplicationDailyStat``.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cityops.accounts.models import User
from cityops.audit.models import AuditRecord
from cityops.audit.services import audit_record
from cityops.cases.rollup import datetime_adapter, insert_dicts, insert_rows
from cityops.core.workcalendar import WorkCalendar, get_calendar
from cityops.demo import names
from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.egov.applications import clock
from cityops.egov.applications.rollup import days_by_month, rollup_range
from cityops.egov.choices import Check, ClockPhase, Reason, SpecialKind, Status
from cityops.egov.models import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    ApplicationMaterial,
    ServiceItem,
)
from cityops.geo.models import Village

SEED = 2019  # the year 一网通办 reached the town
DAYS = 90
PER_YEAR = 100_000
BATCH = 2000
AUDIT_ACTION = "demo.applications"
CLERK, APPROVER, SWEEPER = "clerk", "approver", "sweeper"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
EVENT_COLUMNS = [
    "application_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_name",
    "at",
    "note",
    "data",
]


@dataclass(frozen=True)
class ItemRef:
    pk: int
    version: object  # the published ItemVersion
    department_id: int
    materials: tuple  # (pk, position, name, required, situation_id, situation_name)
    situations: tuple  # (pk, name)


@dataclass
class Lived:
    """One application as it stands now: its row, its materials, situations and steps."""

    app: Application
    materials: list[dict] = field(default_factory=list)
    situations: list[int] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


def resident_id(rng: random.Random, born: datetime) -> str:
    body = f"441900{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def credit_code(rng: random.Random) -> str:
    body = "92441900" + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def load_items() -> list[ItemRef]:
    items = ServiceItem.objects.filter(published__isnull=False).select_related("published").order_by("code")
    refs = []
    for item in items:
        v = item.published
        situations = tuple(v.situations.values_list("pk", "name"))
        names_by_pk = dict(situations)
        mats = tuple(
            (m.pk, m.position, m.name, m.required, m.situation_id, names_by_pk.get(m.situation_id, ""))
            for m in v.materials.order_by("position")
        )
        refs.append(ItemRef(item.pk, v, item.department_id, mats, situations))
    return refs


class Life:
    """Plans applications one at a time with the calendar, a random source and the present moment."""

    def __init__(self, cal: WorkCalendar, rng: random.Random, now: datetime, clerk: User | None):
        self.cal, self.rng, self.now, self.clerk = cal, rng, now, clerk
        self.mpd = cal.minutes_per_day
        self.villages = list(Village.objects.values_list("pk", "area_id"))

    # the clock moves, each step recorded if it has happened by now ---------------------------------

    def _step(
        self, lived: Lived, at: datetime, action: str, status: str | None, actor: str, note="", data=None
    ):
        app = lived.app
        before = app.status
        if status:
            app.status = status
        actor_id = self.clerk.pk if actor == CLERK and self.clerk else None
        lived.events.append((action, before, app.status, actor_id, actor, at, note, data or {}))
        app.updated_at = at

    def _later(self, at: datetime, working_minutes: float) -> datetime:
        return self.cal.add_working_minutes(at, max(1, int(working_minutes)))

    def plan(self, ref: ItemRef, at: datetime, channel: str) -> Lived:
        rng, v = self.rng, ref.version
        person = v.applicant != "organisation" and (v.applicant == "person" or rng.random() < 0.7)
        app = Application(
            item_id=ref.pk,
            version=v,
            department_id=ref.department_id,
            channel=channel,
            status=Status.DRAFT,
            created_by=CLERK if channel == "window" else channel,
            created_at=at,
            updated_at=at,
            applicant_kind="person" if person else "organisation",
            applicant_name=self._name(person),
            id_number=resident_id(rng, at - timedelta(days=rng.randrange(18 * 365, 75 * 365)))
            if person
            else credit_code(rng),
            phone=rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            delivery=rng.choice([d for d in v.delivery if d != "none"] or ["window"]),
        )
        if channel == "window" and self.villages and rng.random() < 0.2:
            app.village_id, app.area_id = rng.choice(self.villages)
        lived = Lived(app)
        chosen = {pk for pk, _name in ref.situations if rng.random() < 0.3}
        lived.situations = sorted(chosen)
        app.received_at = at
        clock.start(app, ClockPhase.INTAKE, at, clock.INTAKE_DAYS, cal=self.cal)
        self._step(lived, at, "submit", Status.RECEIVED, app.created_by)
        for pk, position, name, required, situation_id, situation in ref.materials:
            if situation_id is None or situation_id in chosen:
                lived.materials.append(
                    {
                        "material_id": pk,
                        "position": position,
                        "name": name,
                        "required": required,
                        "situation": situation,
                    }
                )
        self._intake(lived, at)
        self._marks(lived)
        return lived

    def _name(self, person: bool) -> str:
        rng = self.rng
        given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        if person:
            return rng.choice(names.SURNAMES) + given
        return f"东莞市{rng.choice(names.SURNAMES)}{given}贸易有限公司"

    def _ok(self, lived: Lived, at: datetime, only_requested: bool = False) -> None:
        for m in lived.materials:
            if only_requested and not m.get("requested"):
                continue
            m.update(finding=Check.OK, note="", checked_by=CLERK, checked_at=at)
            self._step(lived, at, "check", None, CLERK, data={"material": m["name"], "finding": "ok"})

    def _intake(self, lived: Lived, received: datetime) -> None:
        app, rng = lived.app, self.rng
        roll = rng.random()
        if roll < 0.01:  # nobody tells the applicant: counts as accepted from receipt
            deemed = app.due_at
            if deemed > self.now:
                return
            clock.stop(app, deemed, cal=self.cal)
            app.deemed_accepted = True
            self._step(lived, deemed, "deem_accept", Status.ACCEPTED, SWEEPER)
            self._accepted(lived, received, deemed, worked=0)
            return
        delay = 2 if app.channel == "window" else rng.uniform(0.1, 1.8) * self.mpd
        taken = self._later(received, delay)
        if taken > self.now:
            return
        app.assignee = self.clerk
        self._step(lived, taken, "take", None, CLERK)
        checked = self._later(taken, rng.uniform(5, 30))
        if checked > self.now:
            return
        if roll < 0.09 and lived.materials:
            self._supplement(lived, checked)
        elif roll < 0.12:
            self._ok(lived, checked)
            app.reason_code = rng.choice([Reason.NOT_COMPETENT, Reason.NOT_ELIGIBLE, Reason.NOT_REQUIRED])
            app.reason = "经审查，不予受理"
            app.worked_minutes = clock.stop(app, checked, cal=self.cal)
            app.closed_at = checked
            self._step(
                lived,
                checked,
                "not_accept",
                Status.NOT_ACCEPTED,
                CLERK,
                app.reason,
                {"reason": app.reason_code},
            )
        else:
            self._ok(lived, checked)
            self._accept(lived, checked)

    def _supplement(self, lived: Lived, at: datetime) -> None:
        app, rng = lived.app, self.rng
        wrong = rng.sample(lived.materials, k=max(1, len(lived.materials) // 2))
        for m in lived.materials:
            bad = m in wrong
            m.update(
                finding=Check.MISSING if bad else Check.OK, checked_by=CLERK, checked_at=at, requested=bad
            )
            self._step(lived, at, "check", None, CLERK, data={"material": m["name"], "finding": m["finding"]})
        app.supplement_requested_at = at
        clock.pause(app, at, cal=self.cal)
        self._step(
            lived,
            at,
            "request_supplement",
            Status.SUPPLEMENT,
            CLERK,
            data={"materials": [m["name"] for m in wrong]},
        )
        back = at + timedelta(days=rng.uniform(1, 10))
        back = self.cal.add_working_minutes(back, rng.randrange(1, 200))
        if back > self.now:
            return
        app.supplement_supplied_at = back
        clock.resume(app, back, cal=self.cal)
        self._step(lived, back, "supply", Status.RECEIVED, CLERK)
        checked = self._later(back, rng.uniform(5, 30))
        if checked > self.now:
            for m in wrong:
                m.update(finding=Check.PENDING, checked_by="", checked_at=None)
            return
        self._ok(lived, checked, only_requested=True)
        self._accept(lived, checked)

    def _accept(self, lived: Lived, at: datetime) -> None:
        worked = clock.stop(lived.app, at, cal=self.cal)
        self._step(lived, at, "accept", Status.ACCEPTED, CLERK)
        self._accepted(lived, at, at, worked=worked)

    def _accepted(self, lived: Lived, since: datetime, at: datetime, *, worked: int) -> None:
        app, rng, v = lived.app, self.rng, lived.app.version
        app.accepted_at = since
        clock.start(app, ClockPhase.DECISION, since, v.promised_days, v.legal_days, cal=self.cal)
        app.worked_minutes = worked
        if v.limit_kind == "immediate":
            return self._decide(lived, at)  # decided on the spot, at acceptance
        budget = app.clock_budget
        target = budget * (rng.uniform(1.05, 1.6) if rng.random() < 0.07 else rng.uniform(0.2, 0.95))
        review = self._later(at, min(target * 0.2, self.mpd))
        if review > self.now:
            return self._marks(lived)
        self._step(lived, review, "start_review", Status.UNDER_REVIEW, CLERK)
        roll = rng.random()
        if roll < 0.015:  # withdrawn before the decision
            gone = self._later(review, target * 0.3)
            if gone <= self.now:
                clock.stop(app, gone, cal=self.cal)
                app.closed_at = gone
                self._step(lived, gone, "withdraw", Status.WITHDRAWN, CLERK, "申请人书面申请撤回")
                return None
        if roll > 0.975 and v.item_type == "licensing":
            target = self._special(lived, review, target)
            if target is None:
                return self._marks(lived)
        elif roll > 0.955 and v.legal_days:
            self._extension(lived, review, budget)
            target = min(target, app.clock_budget * 0.95)
        decided = max(self._later(app.clock_started_at, target - app.clock_used), self._later(review, 30))
        self._marks(lived, min(decided, self.now))
        if decided <= self.now:
            self._decide(lived, decided)
        return None

    def _special(self, lived: Lived, at: datetime, target: float) -> float | None:
        app, rng = lived.app, self.rng
        begin = self._later(at, self.mpd)
        if begin > self.now:
            return target
        app.held_from, app.special_kind = app.status, rng.choice(SpecialKind.values)
        clock.pause(app, begin, cal=self.cal)
        self._step(
            lived, begin, "begin_special", Status.SPECIAL, CLERK, "组织专家评审", {"kind": app.special_kind}
        )
        end = self._later(begin + timedelta(days=rng.uniform(5, 20)), 60)
        if end > self.now:
            return None
        clock.resume(app, end, cal=self.cal)
        self._step(lived, end, "end_special", app.held_from, CLERK, data={"kind": app.special_kind})
        app.held_from = ""
        return max(target, app.clock_used + 60)

    def _extension(self, lived: Lived, at: datetime, budget: int) -> None:
        app, rng = lived.app, self.rng
        asked = self._later(at, budget * 0.5)
        if asked > self.now:
            return
        days = rng.randrange(3, 11)
        app.extension_requested = days
        self._step(lived, asked, "request_extension", None, CLERK, "需现场核查", {"days": days})
        approved = self._later(asked, 90)
        if approved > self.now:
            return
        app.extension_requested, app.extension_days = None, days
        clock.extend(app, days, approved, cal=self.cal)
        self._step(lived, approved, "approve_extension", Status.EXTENDED, APPROVER, data={"days": days})

    def _marks(self, lived: Lived, until: datetime | None = None) -> None:
        """The warning and the escalations the worker writes while the decision clock runs."""
        app, until = lived.app, until or self.now
        if app.clock_started_at is None:
            return
        if app.warn_at and app.warn_at <= until and app.warned_at is None:
            app.warned_at = app.warn_at
            self._step(lived, app.warn_at, "warn", None, SWEEPER)
        if app.clock_phase == ClockPhase.INTAKE:
            return  # past the intake deadline the worker deems it accepted on its next run
        if app.due_at < until and app.escalation < 1:
            app.escalation = 1
            self._step(lived, app.due_at, "overdue", None, SWEEPER)
        if app.legal_due_at and app.legal_due_at < until and app.escalation < 2:
            app.escalation = 2
            self._step(lived, app.legal_due_at, "past_legal", None, SWEEPER)

    def _decide(self, lived: Lived, at: datetime) -> None:
        app, rng = lived.app, self.rng
        app.on_time = not clock.overdue(app, at)
        app.worked_minutes = (app.worked_minutes or 0) + clock.stop(app, at, cal=self.cal)
        app.decided_at, app.extension_requested = at, None
        if rng.random() < 0.05:
            app.decision, app.reason_code, app.reason = (
                "denied",
                Reason.NOT_ELIGIBLE,
                "经审查，不符合许可条件",
            )
            self._step(lived, at, "deny", Status.DENIED, CLERK, app.reason, {"reason": app.reason_code})
        else:
            app.decision = "approved"
            if app.version.fee:
                app.fee_amount = rng.choice((50, 100, 200, 300))
                self._step(
                    lived, at, "approve", Status.AWAITING_FEE, CLERK, data={"fee": str(app.fee_amount)}
                )
                at = self._later(at, rng.uniform(0.1, 3) * self.mpd)
                if at > self.now:
                    return
                app.fee_reference = f"FS{at:%Y%m%d}{rng.randrange(10**5):05d}"
                self._step(lived, at, "pay", Status.COMPLETED, CLERK, data={"reference": app.fee_reference})
            else:
                self._step(lived, at, "approve", Status.COMPLETED, CLERK)
            app.completed_at = at
        clock.start(app, ClockPhase.DELIVERY, at, clock.DELIVERY_DAYS, cal=self.cal)
        late = rng.random() < 0.05
        done = self._later(at, rng.uniform(10.5, 12) * self.mpd if late else rng.uniform(0.1, 3) * self.mpd)
        self._marks(lived, min(done, self.now))
        if done > self.now:
            return
        clock.stop(app, done, cal=self.cal)
        app.delivered_at = done
        self._step(lived, done, "deliver", Status.DELIVERED, CLERK, data={"method": app.delivery or "window"})


# drawing the applications -----------------------------------------------------------------------------

CHANNEL_WEIGHTS = {"window": 0.55, "online": 0.35, "kiosk": 0.10}
ONLINE_HOURS = [
    0.2,
    0.1,
    0.05,
    0.05,
    0.05,
    0.1,
    0.3,
    0.8,
    1.5,
    2,
    2,
    1.8,
    1.2,
    1.2,
    1.6,
    1.8,
    1.8,
    1.6,
    1.2,
    1.4,
    1.8,
    1.8,
    1.2,
    0.6,
]


def _draw(cal: WorkCalendar, rng: random.Random, refs: list[ItemRef], n: int, days: int, now: datetime):
    """(received moment, item, channel) of n applications over ``days`` days ending now, in order."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    span = [today - timedelta(days=d) for d in range(days - 1, -1, -1)]
    working = [d for d in span if cal.is_working_day(d)]
    order = list(range(len(refs)))
    rng.shuffle(order)
    weights = [0.0] * len(refs)
    for rank, i in enumerate(order, 1):
        weights[i] = 1 / rank**1.1
    periods = cal.work_hours
    out = []
    for ref in rng.choices(refs, weights=weights, k=n):
        v = ref.version
        allowed = [c for c in CHANNEL_WEIGHTS if getattr(v, c)]
        channel = rng.choices(allowed, weights=[CHANNEL_WEIGHTS[c] for c in allowed])[0]
        if channel == "window" and working:
            day = rng.choice(working)
            start, end = rng.choice(periods)
            minute = rng.uniform(start, end - 1)
        else:
            day = rng.choice(span)
            minute = (rng.choices(range(24), weights=ONLINE_HOURS)[0] + rng.random()) * 60
        at = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minute)
        if at < now:
            out.append((at, ref, channel))
    out.sort(key=lambda row: row[0])
    return out


# writing -------------------------------------------------------------------------------------------------


def _numbers(planned: list[Lived]) -> None:
    """Tracking numbers from the live counter, in order of receipt."""
    years: dict[int, list[Application]] = {}
    for lived in planned:
        years.setdefault(timezone.localtime(lived.app.received_at).year, []).append(lived.app)
    for year, apps in sorted(years.items()):
        ApplicationCounter.objects.get_or_create(year=year)
        counter = ApplicationCounter.objects.select_for_update().get(year=year)
        for app in apps:
            counter.last += 1
            app.number = f"{year}{counter.last:08d}"
        counter.save(update_fields=["last"])


FIELDS = [f.attname for f in Application._meta.concrete_fields if not f.primary_key]


def _write(batch: list[Lived]) -> int:
    insert_dicts(Application, [{name: getattr(lived.app, name) for name in FIELDS} for lived in batch])
    ids = dict(
        Application.objects.filter(number__in=[lv.app.number for lv in batch]).values_list("number", "id")
    )
    when, as_json = datetime_adapter(), partial(connection.ops.adapt_json_value, encoder=None)
    materials, situations, events = [], [], []
    for lived in batch:
        pk = ids[lived.app.number]
        materials += [{**m, "application_id": pk} for m in lived.materials]
        situations += [(pk, s) for s in lived.situations]
        events += [
            (pk, action, src, dst, actor_id, name, when(at), note, as_json(data))
            for action, src, dst, actor_id, name, at, note, data in lived.events
        ]
    insert_dicts(ApplicationMaterial, materials)
    insert_rows(Application.situations.through, ["application_id", "situation_id"], situations)
    insert_rows(ApplicationEvent, EVENT_COLUMNS, events)
    return len(events)


@dataclass
class Generated:
    applications: int = 0
    events: int = 0
    rollup_rows: int = 0
    skipped: bool = False


def applications_exist() -> bool:
    return AuditRecord.objects.filter(action=AUDIT_ACTION).exists()


def applications_generate(
    *,
    n: int,
    days: int = DAYS,
    now: datetime | None = None,
    seed: int = SEED,
    progress: Progress = no_progress,
) -> Generated:
    """Write n applications received over ``days`` days ending now, and roll them up; nothing when the
    demo's applications exist already."""
    if applications_exist():
        return Generated(skipped=True)
    now = now or timezone.now()
    cal, rng = get_calendar(), random.Random(seed)
    refs = load_items()
    if not refs or n <= 0:
        return Generated()
    clerk = User.objects.filter(username="clerk").first()
    life = Life(cal, rng, now, clerk)
    drawn = _draw(cal, rng, refs, n, days, now)
    planned = [
        life.plan(ref, at, channel) for at, ref, channel in progress(drawn, desc="applications", unit="app")
    ]
    _own(planned, rng)
    result = Generated(applications=len(planned))
    with transaction.atomic():
        _numbers(planned)
        for start in range(0, len(planned), BATCH):
            result.events += _write(planned[start : start + BATCH])
        first = timezone.localtime(drawn[0][0]).date() if drawn else timezone.localdate(now)
        for lo, hi in days_by_month(first, timezone.localdate(now)):
            result.rollup_rows += rollup_range(lo, hi)
        audit_record(
            action=AUDIT_ACTION,
            actor_name=ACTOR,
            object_type="egov.application",
            after={"applications": result.applications, "events": result.events, "days": days, "seed": seed},
        )
    return result


def _own(planned: list[Lived], rng: random.Random) -> None:
    """The demo resident's own online applications: the last few made online."""
    resident = User.objects.filter(username="resident").first()
    if resident is None:
        return
    online = [lv for lv in planned if lv.app.channel == "online" and lv.app.applicant_kind == "person"]
    for lived in online[-6:]:
        app = lived.app
        app.owner, app.applicant_name, app.phone = (
            resident,
            resident.display_name or resident.username,
            resident.phone,
        )


def applications_seed(progress: Progress = no_progress) -> Tally:
    """The demo's 90 days of applications (``CITYOPS_DEMO_APPLICATIONS``, default 25,000); once only."""
    n = getattr(settings, "CITYOPS_DEMO_APPLICATIONS", 25_000)
    result = applications_generate(n=n, progress=progress)
    if result.skipped:
        return Tally(unchanged=Application.objects.count())
    return Tally(created=result.applications)
