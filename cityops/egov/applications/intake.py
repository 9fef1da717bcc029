"""Making an application: a draft saved and resumed, then submitted once, online, at a window or at a
kiosk; or made and submitted in one step (the kiosk, a window, the API).

A draft may be half filled (what is given must already be well formed); submitting checks everything
and fixes the application to the item's published guide of that moment — its version, the chosen
situations, the exact materials — gives it a tracking number and starts the intake clock. Submitting
the same draft twice, or posting the same form twice (its ``submission_key``), makes one application:
the second call returns the first one's result.
"""

import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.egov.applications import clock, notify
from cityops.egov.applications.fetch import fetch
from cityops.egov.applications.history import actor_name, record_step
from cityops.egov.choices import Applicant, ApplicantKind, Channel, ClockPhase, Delivery, Status
from cityops.egov.models import Application, ApplicationCounter, ApplicationMaterial, ServiceItem

MOBILE = re.compile(r"^1[3-9]\d{9}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
NAME_MAX, NOTE_MAX = 100, 1000


@dataclass
class ApplicantIn:
    kind: str = ApplicantKind.PERSON
    name: str = ""
    id_number: str = ""
    phone: str = ""
    note: str = ""
    delivery: str = ""


@dataclass
class DraftIn:
    item: str  # the item's code
    applicant: ApplicantIn = field(default_factory=ApplicantIn)
    situations: list[str] = field(default_factory=list)  # names of the guide's situations


def normalise_phone(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text or "")
    return (
        digits[3:]
        if digits.startswith("+86")
        else digits[2:]
        if len(digits) == 13 and digits.startswith("86")
        else digits
    )


def _fail(errors: list[tuple[str, str]], detail: str):
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def applicant_errors(
    a: ApplicantIn, *, complete: bool, allowed: str = Applicant.BOTH
) -> list[tuple[str, str]]:
    """Every problem of the applicant's details; with ``complete`` the required ones must be there."""
    errors = []
    if a.kind not in ApplicantKind.values:
        errors.append(("applicant.kind", _("person or organisation")))
    elif allowed != Applicant.BOTH and a.kind != allowed:
        errors.append(
            ("applicant.kind", _("this item is applied for by %(who)s") % {"who": Applicant(allowed).label})
        )
    if complete and not a.name.strip():
        errors.append(("applicant.name", _("the applicant's name is required")))
    if len(a.name) > NAME_MAX:
        errors.append(("applicant.name", _("at most %(n)s characters") % {"n": NAME_MAX}))
    if complete and not a.phone:
        errors.append(
            ("applicant.phone", _("a mobile number is required: the steps of the application are sent to it"))
        )
    elif a.phone and not MOBILE.match(normalise_phone(a.phone)):
        errors.append(
            (
                "applicant.phone",
                _("%(value)s is not a mainland mobile number (11 digits, 13–19…)") % {"value": a.phone},
            )
        )
    number = a.id_number.strip().upper()
    if complete and not number:
        errors.append(("applicant.id_number", _("the ID number (or credit code) is required")))
    elif number:
        check = uscc if a.kind == ApplicantKind.ORGANISATION else ric
        if not check.is_valid(number):
            what = _("unified social credit code") if check is uscc else _("resident ID number")
            errors.append(
                (
                    "applicant.id_number",
                    _("this is not a valid %(what)s (its check character does not match)") % {"what": what},
                )
            )
    if len(a.note) > NOTE_MAX:
        errors.append(("applicant.note", _("at most %(n)s characters") % {"n": NOTE_MAX}))
    if a.delivery and a.delivery not in Delivery.values:
        errors.append(
            (
                "applicant.delivery",
                _("%(value)r is not one of %(values)s")
                % {"value": a.delivery, "values": ", ".join(Delivery.values)},
            )
        )
    return errors


def _published_item(code: str) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("published", "department")
        .filter(code=code, published__isnull=False)
        .first()
    )
    if item is None:
        raise NotFound(_("No published service item %(code)s.") % {"code": code})
    return item


def _situations(version, names: list[str]) -> list:
    by_name = {s.name: s for s in version.situations.all()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        _fail(
            [
                (
                    "situations",
                    _("no situation %(name)r in this guide; its situations are: %(names)s")
                    % {"name": n, "names": "、".join(by_name) or "—"},
                )
                for n in unknown
            ],
            _("Choose the situations again: the guide does not have them."),
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def _check_channel(version, channel: str) -> None:
    if channel not in Channel.values:
        _fail([("channel", _("online, window or kiosk"))], _("Unknown channel."))
    if not getattr(version, channel):
        _fail(
            [
                (
                    "channel",
                    _("%(name)s is not handled %(channel)s")
                    % {"name": version.name, "channel": Channel(channel).label.lower()},
                )
            ],
            _("This item cannot be applied for here."),
        )


def _who(by, channel: str) -> None:
    """Online: a resident for themselves; at a window: a clerk; at a kiosk: anyone (no sign-in)."""
    if channel == Channel.KIOSK:
        return
    if by is None or not getattr(by, "is_authenticated", False):
        raise Forbidden(_("Sign in to apply online."))
    if channel == Channel.ONLINE and not by.can("egov.apply"):
        raise Forbidden(_("Online applications are made by residents signed in as themselves."))
    if channel == Channel.WINDOW and not by.can("egov.process"):
        raise Forbidden(_("Only a window clerk enters applications at a window."))


def _fill(app: Application, d: DraftIn) -> None:
    a = d.applicant
    app.applicant_kind = a.kind
    app.applicant_name = a.name.strip()
    app.id_number = a.id_number.strip().upper()
    app.phone = normalise_phone(a.phone)
    app.note = a.note.strip()
    app.delivery = a.delivery


def draft_save(
    *, data: DraftIn, channel: str, by, application: Application | None = None, now=None
) -> Application:
    """Save a draft (new, or ``application`` again): what is given must be well formed, not complete."""
    now = now or timezone.now()
    _who(by, channel)
    item = _published_item(data.item)
    _check_channel(item.published, channel)
    errors = applicant_errors(data.applicant, complete=False, allowed=item.published.applicant)
    if errors:
        _fail(errors, _("The draft has %(count)s problems; nothing was saved.") % {"count": len(errors)})
    chosen = _situations(item.published, data.situations)
    with transaction.atomic():
        if application is None:
            app = Application(
                item=item,
                version=item.published,
                department=item.department,
                channel=channel,
                status=Status.DRAFT,
                created_by=actor_name(by, channel),
                created_at=now,
            )
            app.owner = by if channel == Channel.ONLINE else None
            _place(app, by)
        else:
            app = _locked_draft(application, by)
            app.item, app.version, app.department = item, item.published, item.department
        _fill(app, data)
        app.updated_at = now
        app.save()
        app.situations.set(chosen)
    return app


def _place(app: Application, by) -> None:
    """A window application made at a village centre carries its area and village."""
    if app.channel == Channel.WINDOW and getattr(by, "scope_village_id", None):
        app.area_id, app.village_id = by.scope_area_id, by.scope_village_id


def _locked_draft(application: Application, by) -> Application:
    app = Application.objects.select_for_update().filter(pk=application.pk).first()
    if app is None or not may_edit(app, by):
        raise NotFound(_("No such draft."))
    return app


def may_edit(app: Application, by) -> bool:
    """A draft belongs to whoever made it: the resident online, the clerk at a window."""
    if by is None or not getattr(by, "is_authenticated", False):
        return False
    if app.owner_id:
        return app.owner_id == by.pk
    return app.created_by == actor_name(by) and by.can("egov.process")


def draft_discard(*, application: Application, by) -> None:
    with transaction.atomic():
        app = _locked_draft(application, by)
        if app.status != Status.DRAFT:
            raise NotFound(_("No such draft."))
        app.delete()


def _take_number(now) -> str:
    year = timezone.localtime(now).year
    ApplicationCounter.objects.get_or_create(year=year)
    counter = ApplicationCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}{counter.last:08d}"


def _materials(app: Application, chosen_ids: set[int]) -> list[ApplicationMaterial]:
    rows = []
    for m in app.version.materials.select_related("resource").order_by("position"):
        if m.situation_id is not None and m.situation_id not in chosen_ids:
            continue
        row = ApplicationMaterial(
            application=app,
            material=m,
            position=m.position,
            name=m.name,
            required=m.required,
            situation=m.situation.name if m.situation_id else "",
        )
        found = fetch(m, app.applicant_kind, app.id_number)
        if found is not None:
            row.finding, row.note = found.finding, found.note
        rows.append(row)
    return ApplicationMaterial.objects.bulk_create(rows)


def submit(*, application: Application, by, now=None) -> tuple[Application, bool]:
    """Submit a draft; (the application, whether this call submitted it). A second submit of the same
    draft changes nothing and returns the application the first one made."""
    now = now or timezone.now()
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))  # PostgreSQL locks no outer-joined row
            .select_related("item__published")
            .filter(pk=application.pk)
            .first()
        )
        if app is None or not may_edit(app, by):
            raise NotFound(_("No such draft."))
        if app.status != Status.DRAFT:
            return app, False
        _submit_locked(app, by, now)
    return app, True


def _submit_locked(app: Application, by, now) -> None:
    item = app.item
    if item.published_id is None:
        _fail([("item", _("the item is no longer published"))], _("This item cannot be applied for now."))
    version = item.published
    _check_channel(version, app.channel)
    names = [s.name for s in app.situations.all()]
    chosen = _situations(version, names)
    a = ApplicantIn(app.applicant_kind, app.applicant_name, app.id_number, app.phone, app.note, app.delivery)
    errors = applicant_errors(a, complete=True, allowed=version.applicant)
    if errors:
        _fail(
            errors,
            _("The application has %(count)s problems; it was not submitted.") % {"count": len(errors)},
        )
    app.version, app.department = version, item.department
    app.number = _take_number(now)
    app.status, app.received_at, app.updated_at = Status.RECEIVED, now, now
    app.revision += 1
    clock.start(app, ClockPhase.INTAKE, now, clock.INTAKE_DAYS)
    app.save()
    app.situations.set(chosen)
    _materials(app, {s.pk for s in chosen})
    record_step(
        app,
        "submit",
        by=by,
        actor=app.channel,
        at=now,
        from_status=Status.DRAFT,
        data={"version": version.number, "situations": names, "channel": app.channel},
        after={
            "number": app.number,
            "item": item.code,
            "version": version.number,
            "channel": app.channel,
            "real_name": app.applicant_name,
            "id_number": app.id_number,
            "phone": app.phone,
        },
    )
    notify.tell_applicant(app, "submit", at=now)
    notify.tell_staff(notify.clerks(app), notify.staff_text(app, _("new application")), skip=by)


def apply(*, data: DraftIn, channel: str, by, submission_key: str = "", now=None) -> tuple[Application, bool]:
    """Make and submit an application in one step; (the application, whether this call made it). The
    same ``submission_key`` (the form's, or the client's) twice makes one application."""
    now = now or timezone.now()
    if submission_key and not KEY.match(submission_key):
        _fail([("submission_key", _("16 to 40 letters, digits, - or _"))], _("The form's key is not valid."))
    if submission_key:
        done = Application.objects.filter(submission_key=submission_key).first()
        if done is not None:
            return done, False
    try:
        with transaction.atomic():
            app = draft_save(data=data, channel=channel, by=by, now=now)
            app.submission_key = submission_key or None
            app.save(update_fields=["submission_key"])
            _submit_locked(app, by, now)
    except IntegrityError:
        done = Application.objects.filter(submission_key=submission_key).first() if submission_key else None
        if done is None:
            raise
        return done, False
    return app, True
