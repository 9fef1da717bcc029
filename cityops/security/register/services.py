"""Every change of the register of information systems: add a system, change it, record an
assessment. Only the security officer (``security.register``) writes; each change is checked whole
before anything is written, refuses an edit made on an old copy (``version``), and leaves an audit
record with the contacts' phones and e-mails masked."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record, changed_fields
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.core.masking import mask_value
from cityops.core.workcalendar import MIN_YEAR
from cityops.org.models import Department
from cityops.security.choices import AssessmentResult, ContactRole, Exposure, ProtectionLevel, SystemStatus
from cityops.security.models import InfoSystem, SystemContact
from cityops.security.register import rules

ACTION = "security.register"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
FILING = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{5,39}$")
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
MAX_CONTACTS = 10


@dataclass
class ContactIn:
    role: str
    name: str
    phone: str = ""
    email: str = ""


@dataclass
class SystemIn:
    code: str
    name: str
    owner: str  # the owner department's code
    level: int
    exposure: str
    filing_number: str = ""
    status: str = SystemStatus.IN_SERVICE
    personal_data: bool = False
    data_note: str = ""
    description: str = ""
    next_due_on: date | None = None  # earlier than the rule's date, or the date of a level without a cycle
    contacts: list[ContactIn] = field(default_factory=list)


def _require(by) -> None:
    if by is None or not by.can(ACTION):
        raise Forbidden(_("Your role may not change the register of information systems."))


def _contact_errors(contacts: list[ContactIn]) -> list[dict]:
    errors = []
    if len(contacts) > MAX_CONTACTS:
        errors.append({"field": "contacts", "message": _("At most %(n)s contacts.") % {"n": MAX_CONTACTS}})
    for i, c in enumerate(contacts):
        where = f"contacts.{i}"
        if c.role not in ContactRole.values:
            errors.append(
                {"field": f"{where}.role", "message": _("Unknown contact role: %(v)s.") % {"v": c.role}}
            )
        if not (c.name or "").strip() or len(c.name.strip()) > 50:
            errors.append(
                {"field": f"{where}.name", "message": _("Give the contact's name (at most 50 characters).")}
            )
        if c.phone and not PHONE.match(c.phone.strip()):
            errors.append(
                {"field": f"{where}.phone", "message": _("Not a phone number: digits, +, -, ( ) and spaces.")}
            )
        if c.email:
            try:
                validate_email(c.email.strip())
            except ValidationError:
                errors.append({"field": f"{where}.email", "message": _("Not an e-mail address.")})
            if len(c.email.strip()) > 100:
                errors.append({"field": f"{where}.email", "message": _("At most 100 characters.")})
    if not any(c.role == ContactRole.RESPONSIBLE for c in contacts):
        errors.append({"field": "contacts", "message": _("Name the system's responsible person.")})
    return errors


def _date_error(name: str, value: date | None, *, future_ok: bool) -> dict | None:
    if value is None:
        return None
    if value.year < MIN_YEAR or value.year > 2199:
        return {"field": name, "message": _("The date is outside the years %(lo)s–2199.") % {"lo": MIN_YEAR}}
    if not future_ok and value > timezone.localdate():
        return {"field": name, "message": _("The date cannot be in the future.")}
    return None


def _errors(data: SystemIn, *, creating: bool, last_assessed_on: date | None) -> list[dict]:
    errors: list[dict] = []

    def bad(name, message):
        errors.append({"field": name, "message": message})

    if creating and not CODE.match(data.code or ""):
        bad("code", _("A code of letters, digits, '.', '_' or '-', at most 32 characters."))
    if not (data.name or "").strip() or len(data.name.strip()) > 100:
        bad("name", _("Give the system's name (at most 100 characters)."))
    if not Department.objects.filter(code=data.owner).exists():
        bad("owner", _("No such department: %(code)s.") % {"code": data.owner})
    if data.level not in ProtectionLevel.values:
        bad("level", _("The protection level is 1 to 5."))
    if data.exposure not in Exposure.values:
        bad("exposure", _("Unknown exposure: %(v)s.") % {"v": data.exposure})
    if data.status not in SystemStatus.values:
        bad("status", _("Unknown status: %(v)s.") % {"v": data.status})
    filing = (data.filing_number or "").strip()
    if filing and not FILING.match(filing):
        bad("filing_number", _("A filing number is 6 to 40 letters, digits and '-', e.g. 44190099001-21001."))
    elif not filing and data.level in ProtectionLevel.values and data.level >= 2:
        bad(
            "filing_number",
            _(
                "A system of level 2 or above is filed with the public security organ: give its filing number."
            ),
        )
    if len(data.data_note or "") > 300:
        bad("data_note", _("At most %(n)s characters.") % {"n": 300})
    if len(data.description or "") > 4000:
        bad("description", _("At most %(n)s characters.") % {"n": 4000})
    problem = _date_error("next_due_on", data.next_due_on, future_ok=True)
    if problem:
        errors.append(problem)
    elif data.next_due_on and data.level in ProtectionLevel.values:
        latest = rules.rule_due(data.level, last_assessed_on)
        if latest is not None and data.next_due_on > latest:
            bad(
                "next_due_on",
                _("A level %(level)s system is assessed by %(date)s at the latest.")
                % {"level": data.level, "date": latest.isoformat()},
            )
    errors += _contact_errors(data.contacts)
    return errors


def _next_due(data: SystemIn, last_assessed_on: date | None) -> date | None:
    latest = rules.rule_due(data.level, last_assessed_on)
    if latest is not None:
        return min(data.next_due_on, latest) if data.next_due_on else latest
    if rules.has_cycle(data.level) and last_assessed_on is None:
        return data.next_due_on or timezone.localdate()  # never assessed: due now, unless planned
    return data.next_due_on


def _snapshot(system: InfoSystem) -> dict:
    return {
        "name": system.name,
        "owner": system.owner.code,
        "level": system.level,
        "filing_number": system.filing_number,
        "status": system.status,
        "exposure": system.exposure,
        "personal_data": system.personal_data,
        "data_note": system.data_note,
        "description": system.description[:200],
        "next_due_on": system.next_due_on.isoformat() if system.next_due_on else None,
        "contacts": [
            {
                "role": c.role,
                "name": c.name,
                "phone": mask_value("phone", c.phone),
                "email": mask_value("email", c.email),
            }
            for c in system.contacts.order_by("position", "id")
        ],
    }


def _write(system: InfoSystem, data: SystemIn, next_due: date | None) -> None:
    system.name = data.name.strip()
    system.owner = Department.objects.get(code=data.owner)
    system.level = data.level
    system.filing_number = (data.filing_number or "").strip()
    system.status = data.status
    system.exposure = data.exposure
    system.personal_data = bool(data.personal_data)
    system.data_note = (data.data_note or "").strip()
    system.description = (data.description or "").strip()
    system.next_due_on = next_due
    system.save()
    system.contacts.all().delete()
    SystemContact.objects.bulk_create(
        [
            SystemContact(
                system=system,
                role=c.role,
                name=c.name.strip(),
                phone=(c.phone or "").strip(),
                email=(c.email or "").strip(),
                position=i,
            )
            for i, c in enumerate(data.contacts)
        ]
    )


def _refuse(errors: list[dict], what: str) -> None:
    if errors:
        raise ValidationFailed(
            _("%(what)s: %(n)s problem(s); nothing was saved.") % {"what": what, "n": len(errors)},
            errors=errors,
        )


@transaction.atomic
def system_create(*, by, data: SystemIn) -> InfoSystem:
    """Add a system to the register."""
    _require(by)
    errors = _errors(data, creating=True, last_assessed_on=None)
    if CODE.match(data.code or "") and InfoSystem.objects.filter(code=data.code).exists():
        errors.insert(
            0,
            {"field": "code", "message": _("A system with the code %(code)s exists.") % {"code": data.code}},
        )
    _refuse(errors, _("The system was not added"))
    system = InfoSystem(code=data.code)
    _write(system, data, _next_due(data, None))
    audit_record(action="security.system.create", actor=by, obj=system, after=_snapshot(system))
    return system


def _locked(by, code: str, version: int) -> InfoSystem:
    system = InfoSystem.objects.restrict(by, ACTION).select_for_update().filter(code=code).first()
    if system is None:
        raise NotFound(_("No such system: %(code)s.") % {"code": code})
    if version != system.version:
        raise Conflict(
            _("System %(code)s was changed by someone else since you loaded it. Reload it and try again.")
            % {"code": code}
        )
    return system


@transaction.atomic
def system_update(*, by, code: str, data: SystemIn, version: int) -> InfoSystem:
    """Change a system's entry (everything but its code and its assessments)."""
    _require(by)
    system = _locked(by, code, version)
    data.code = system.code
    _refuse(
        _errors(data, creating=False, last_assessed_on=system.last_assessed_on),
        _("The system was not changed"),
    )
    before = _snapshot(system)
    _write(system, data, _next_due(data, system.last_assessed_on))
    after = _snapshot(system)
    old, new = changed_fields(before, after)
    if new:
        InfoSystem.objects.filter(pk=system.pk).update(version=system.version + 1)
        system.version += 1
        audit_record(action="security.system.update", actor=by, obj=system, before=old, after=new)
    return system


@transaction.atomic
def assessment_record(
    *,
    by,
    code: str,
    assessed_on: date,
    result: str,
    assessor: str,
    version: int,
    next_due_on: date | None = None,
) -> InfoSystem:
    """Record a 等级测评: its date, conclusion and assessor; the next due date follows the level's
    cycle (or, for a level without one, the date given)."""
    _require(by)
    system = _locked(by, code, version)
    errors = []
    problem = _date_error("assessed_on", assessed_on, future_ok=False)
    if assessed_on is None:
        errors.append({"field": "assessed_on", "message": _("Give the assessment's date.")})
    elif problem:
        errors.append(problem)
    elif system.last_assessed_on and assessed_on < system.last_assessed_on:
        errors.append(
            {
                "field": "assessed_on",
                "message": _("An assessment of %(date)s is already recorded; a new one cannot be older.")
                % {"date": system.last_assessed_on.isoformat()},
            }
        )
    if result not in AssessmentResult.values:
        errors.append({"field": "result", "message": _("Unknown result: %(v)s.") % {"v": result}})
    assessor = (assessor or "").strip()
    if not assessor or len(assessor) > 100:
        errors.append(
            {"field": "assessor", "message": _("Name the assessment body (at most 100 characters).")}
        )
    due_problem = _date_error("next_due_on", next_due_on, future_ok=True)
    if due_problem:
        errors.append(due_problem)
    _refuse(errors, _("The assessment was not recorded"))
    latest = rules.rule_due(system.level, assessed_on)
    next_due = latest if latest is not None and (next_due_on is None or next_due_on > latest) else next_due_on
    before = {
        "last_assessed_on": system.last_assessed_on,
        "last_result": system.last_result,
        "next_due_on": system.next_due_on,
    }
    InfoSystem.objects.filter(pk=system.pk).update(
        last_assessed_on=assessed_on,
        last_result=result,
        last_assessor=assessor,
        next_due_on=next_due,
        version=system.version + 1,
    )
    system.refresh_from_db()
    audit_record(
        action="security.system.assessment",
        actor=by,
        obj=system,
        before={k: v.isoformat() if isinstance(v, date) else v for k, v in before.items()},
        after={
            "last_assessed_on": assessed_on.isoformat(),
            "last_result": result,
            "assessor": assessor,
            "next_due_on": next_due.isoformat() if next_due else None,
        },
    )
    return system
