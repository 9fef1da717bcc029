"""Every write of sharing: consumers, requests and their decisions, grants, keys. Keyword-only,
checked before anything is written, one transaction each, a history row and an audit record each.

The resource's sharing type decides what a request becomes: 无条件共享 is granted at once, 不予共享
refused at once naming the resource's stated basis, 有条件共享 waits for the provider's decision,
due 10 working days after it was submitted.
"""

from datetime import date, timedelta
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.databrain.choices import ConsumerKind, RequestStatus, ShareType
from cityops.databrain.models import ApiKey, Consumer, Grant, Resource, ShareEvent, ShareRequest
from cityops.databrain.sharing import keys, rules
from cityops.databrain.sharing.notify import notify_providers, notify_requester
from cityops.org.models import Department

MAX_KEY_DAYS = 730


def _fail(errors: list[tuple[str, str]], what: str) -> NoReturn:
    detail = _("The %(what)s was not saved: %(problems)s") % {
        "what": what,
        "problems": "; ".join(f"{f}: {m}" for f, m in errors),
    }
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def _name(by, actor_name: str = "") -> str:
    return getattr(by, "username", "") or actor_name or "system"


def _event(req: ShareRequest, action: str, by, now, note: str = "", data: dict | None = None) -> ShareEvent:
    return ShareEvent.objects.create(
        request=req, action=action, actor_name=_name(by), at=now, note=note, data=data or {}
    )


# ---- consumers -------------------------------------------------------------------------------------


def consumer_create(
    *, kind: str, code: str, name: str = "", contact: str = "", department: str = "", by
) -> Consumer:
    """A department of the town (its name and code taken from it) or an outside system."""
    if not rules.may_manage(by):
        raise Forbidden(_("Only the data steward manages consumers."))
    errors = []
    dept = None
    code, name = (code or "").strip(), (name or "").strip()
    if kind not in ConsumerKind.values:
        errors.append(("kind", _("department or system")))
    elif kind == ConsumerKind.DEPARTMENT:
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            errors.append(("department", _("no department %(code)s") % {"code": department or "—"}))
        else:
            code, name = code or dept.code, name or dept.name
            if Consumer.objects.filter(department=dept).exists():
                errors.append(("department", _("%(name)s is a consumer already") % {"name": dept.name}))
    if not code:
        errors.append(("code", _("is required")))
    elif Consumer.objects.filter(code=code).exists():
        errors.append(("code", _("consumer %(code)s exists") % {"code": code}))
    errors += _check_details(kind, name, (contact or "").strip())
    if errors:
        _fail(errors, _("consumer"))
    with transaction.atomic():
        consumer = Consumer.objects.create(
            kind=kind, department=dept, code=code, name=name, contact=(contact or "").strip()
        )
        audit_record(
            action="databrain.consumer.create",
            actor=by,
            obj=consumer,
            after={"kind": kind, "code": code, "name": name, "department": department or ""},
        )
    return consumer


def _check_details(kind: str, name: str, contact: str) -> list[tuple[str, str]]:
    errors = []
    if not name:
        errors.append(("name", _("is required")))
    if kind == ConsumerKind.SYSTEM and not contact:
        errors.append(("contact", _("an outside system needs a contact person")))
    return errors


def consumer_update(*, consumer: Consumer, name: str, contact: str, by) -> Consumer:
    """Change a consumer's name and contact (its code stays: keys, grants and the usage log name it)."""
    if not rules.may_manage(by):
        raise Forbidden(_("Only the data steward manages consumers."))
    name, contact = (name or "").strip()[:100], (contact or "").strip()[:200]
    errors = _check_details(consumer.kind, name, contact)
    if errors:
        _fail(errors, _("consumer"))
    with transaction.atomic():
        consumer = Consumer.objects.select_for_update().get(pk=consumer.pk)
        before = {"name": consumer.name, "contact": consumer.contact}
        after = {"name": name, "contact": contact}
        if before == after:
            return consumer
        consumer.name, consumer.contact = name, contact
        consumer.save(update_fields=["name", "contact", "updated_at"])
        changed = [k for k in after if before[k] != after[k]]
        audit_record(
            action="databrain.consumer.update",
            actor=by,
            obj=consumer,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return consumer


def consumer_switch(*, consumer: Consumer, active: bool, reason: str, by, now=None) -> Consumer:
    """Switch a consumer off (its keys stop working at once; its requests and grants are kept) or
    back on (its keys that are neither expired nor revoked work again), saying why."""
    now = now or timezone.now()
    if not rules.may_manage(by):
        raise Forbidden(_("Only the data steward manages consumers."))
    reason = (reason or "").strip()
    if not reason:
        _fail([("reason", _("say why the consumer is switched off or on"))], _("change"))
    with transaction.atomic():
        done = Consumer.objects.filter(pk=consumer.pk, active=not active).update(
            active=active, switched_off_at=None if active else now, updated_at=now
        )
        if not done:
            already = (
                _("%(code)s is switched on already.") if active else _("%(code)s is switched off already.")
            )
            raise Conflict(already % {"code": consumer.code})
        consumer.refresh_from_db()
        audit_record(
            action="databrain.consumer.switch_on" if active else "databrain.consumer.switch_off",
            actor=by,
            obj=consumer,
            before={"active": not active},
            after={"active": active, "reason": reason},
        )
    return consumer


# ---- requests --------------------------------------------------------------------------------------


def _check_fields(resource, fields, unmasked, errors, *, within=None, within_clear=None) -> tuple[list, list]:
    by_name = {f.name: f for f in resource.fields.all()}
    fields = [n for n in dict.fromkeys(fields or []) if n]
    unmasked = [n for n in dict.fromkeys(unmasked or []) if n]
    if not fields:
        errors.append(("fields", _("choose at least one field")))
    for n in fields:
        if n not in by_name:
            errors.append(
                ("fields", _("%(resource)s has no field %(name)r") % {"resource": resource.code, "name": n})
            )
        elif within is not None and n not in within:
            errors.append(
                ("fields", _("%(name)s was not asked for; a grant may only narrow the request") % {"name": n})
            )
    for n in unmasked:
        f = by_name.get(n)
        if f is None or n not in fields:
            errors.append(("unmasked", _("%(name)s is not among the fields") % {"name": n}))
        elif not f.personal:
            errors.append(("unmasked", _("%(name)s is not personal data; it is never masked") % {"name": n}))
        elif within_clear is not None and n not in within_clear:
            errors.append(("unmasked", _("%(name)s was not asked for in clear") % {"name": n}))
    order = list(by_name)
    return sorted(fields, key=lambda n: order.index(n) if n in order else 0), sorted(
        unmasked, key=lambda n: order.index(n) if n in order else 0
    )


def _check_period(starts_on: date | None, ends_on: date | None, today: date, errors) -> None:
    if starts_on is None:
        errors.append(("starts_on", _("is required")))
    if ends_on is None:
        errors.append(("ends_on", _("is required")))
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(("ends_on", _("ends before it starts (%(start)s)") % {"start": starts_on.isoformat()}))
    elif ends_on and ends_on < today:
        errors.append(("ends_on", _("%(end)s is in the past") % {"end": ends_on.isoformat()}))


def _grant(req: ShareRequest, fields, unmasked, starts_on, ends_on, now) -> Grant:
    return Grant.objects.create(
        consumer=req.consumer,
        resource=req.resource,
        request=req,
        fields=fields,
        unmasked=unmasked,
        starts_on=starts_on,
        expires_on=ends_on,
        created_at=now,
    )


def request_submit(
    *,
    consumer: Consumer,
    resource: Resource,
    purpose: str,
    fields: list[str],
    starts_on: date | None,
    ends_on: date | None,
    unmasked: list[str] | None = None,
    by,
    now=None,
) -> ShareRequest:
    """A consumer asks for fields of a resource; granted or refused at once unless conditional."""
    now = now or timezone.now()
    if not rules.may_request_for(by, consumer):
        raise Forbidden(_("You may ask only on behalf of your own department."))
    errors = []
    if not consumer.active:
        errors.append(("consumer", _("%(code)s is switched off") % {"code": consumer.code}))
    if resource.withdrawn_at is not None:
        errors.append(("resource", _("%(code)s was withdrawn from the catalogue") % {"code": resource.code}))
    if not (purpose or "").strip():
        errors.append(("purpose", _("say what the data is for")))
    fields, unmasked = _check_fields(resource, fields, unmasked, errors)
    _check_period(starts_on, ends_on, timezone.localdate(now), errors)
    if errors:
        _fail(errors, _("request"))
    share = ShareType(resource.share_type)
    with transaction.atomic():
        req = ShareRequest.objects.create(
            consumer=consumer,
            resource=resource,
            purpose=purpose.strip(),
            fields=fields,
            unmasked=unmasked,
            starts_on=starts_on,
            ends_on=ends_on,
            status=RequestStatus.PENDING,
            requested_by=by,
            requested_at=now,
            due_at=rules.due_at(now) if share == ShareType.CONDITIONAL else None,
        )
        _event(req, "submit", by, now, purpose.strip(), {"fields": fields, "unmasked": unmasked})
        if share == ShareType.UNCONDITIONAL:
            req.status, req.decided_at = RequestStatus.GRANTED, now
            req.reason = _("Unconditional sharing: granted on request.")
            _grant(req, fields, unmasked, starts_on, ends_on, now)
            _event(req, "grant", None, now, req.reason)
        elif share == ShareType.NONE:
            req.status, req.decided_at = RequestStatus.REFUSED, now
            req.reason = _("The resource is not shared. Basis: %(basis)s") % {
                "basis": resource.share_condition
            }
            _event(req, "refuse", None, now, req.reason)
        else:
            notify_providers(
                req,
                _("New sharing request #%(id)s (%(consumer)s → %(resource)s): decide by %(due)s.")
                % {
                    "id": req.pk,
                    "consumer": consumer.name,
                    "resource": resource.name,
                    "due": timezone.localtime(req.due_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
        req.save(update_fields=["status", "decided_at", "reason"])
        audit_record(
            action="databrain.share.request",
            actor=by,
            obj=req,
            after={
                "consumer": consumer.code,
                "resource": resource.code,
                "fields": fields,
                "unmasked": unmasked,
                "period": [starts_on.isoformat(), ends_on.isoformat()],
                "status": req.status,
            },
        )
    return req


def _claim(req: ShareRequest, status: str, by, now, reason: str) -> None:
    """Move a pending request to ``status``; a request decided meanwhile is a conflict."""
    done = ShareRequest.objects.filter(pk=req.pk, status=RequestStatus.PENDING).update(
        status=status, decided_by=by if getattr(by, "pk", None) else None, decided_at=now, reason=reason
    )
    if not done:
        raise Conflict(_("Request #%(id)s has been decided or withdrawn already.") % {"id": req.pk})
    req.refresh_from_db()


def request_approve(
    *,
    request: ShareRequest,
    by,
    fields: list[str] | None = None,
    unmasked: list[str] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    reason: str = "",
    now=None,
) -> Grant:
    """The provider grants the request, possibly fewer fields, fewer in clear, a shorter period."""
    now = now or timezone.now()
    req = request
    if not rules.may_decide(by, req.resource):
        raise Forbidden(
            _("Only the provider %(dept)s decides this request.") % {"dept": req.resource.provider.name}
        )
    errors = []
    fields = req.fields if fields is None else fields
    unmasked = req.unmasked if unmasked is None else unmasked
    fields, unmasked = _check_fields(
        req.resource, fields, unmasked, errors, within=req.fields, within_clear=req.unmasked
    )
    starts_on, ends_on = starts_on or req.starts_on, ends_on or req.ends_on
    _check_period(starts_on, ends_on, timezone.localdate(now), errors)
    if starts_on < req.starts_on or ends_on > req.ends_on:
        errors.append(
            (
                "ends_on",
                _("the period may only be shortened, within %(a)s – %(b)s")
                % {"a": req.starts_on.isoformat(), "b": req.ends_on.isoformat()},
            )
        )
    if errors:
        _fail(errors, _("decision"))
    with transaction.atomic():
        _claim(req, RequestStatus.GRANTED, by, now, (reason or "").strip())
        grant = _grant(req, fields, unmasked, starts_on, ends_on, now)
        data = {
            "fields": fields,
            "unmasked": unmasked,
            "period": [starts_on.isoformat(), ends_on.isoformat()],
        }
        _event(req, "grant", by, now, req.reason, data)
        audit_record(action="databrain.share.grant", actor=by, obj=req, after=data)
        notify_requester(
            req,
            _("Your request #%(id)s for %(name)s was granted.") % {"id": req.pk, "name": req.resource.name},
        )
    return grant


def request_refuse(*, request: ShareRequest, by, reason: str, now=None) -> ShareRequest:
    """The provider refuses the request, saying why."""
    now = now or timezone.now()
    req = request
    if not rules.may_decide(by, req.resource):
        raise Forbidden(
            _("Only the provider %(dept)s decides this request.") % {"dept": req.resource.provider.name}
        )
    if not (reason or "").strip():
        _fail([("reason", _("say why the request is refused"))], _("decision"))
    with transaction.atomic():
        _claim(req, RequestStatus.REFUSED, by, now, reason.strip())
        _event(req, "refuse", by, now, req.reason)
        audit_record(action="databrain.share.refuse", actor=by, obj=req, after={"reason": req.reason})
        notify_requester(
            req,
            _("Your request #%(id)s for %(name)s was refused: %(reason)s")
            % {"id": req.pk, "name": req.resource.name, "reason": req.reason},
        )
    return req


def request_withdraw(*, request: ShareRequest, by, now=None) -> ShareRequest:
    """The requester (or the data steward) takes back a request not yet decided."""
    now = now or timezone.now()
    req = request
    if req.requested_by_id != getattr(by, "pk", None) and not rules.may_manage(by):
        raise Forbidden(_("Only the one who asked may withdraw the request."))
    with transaction.atomic():
        _claim(req, RequestStatus.WITHDRAWN, None, now, "")
        _event(req, "withdraw", by, now)
        audit_record(action="databrain.share.withdraw", actor=by, obj=req, after={"status": req.status})
    return req


# ---- grants and keys -------------------------------------------------------------------------------


def grant_revoke(*, grant: Grant, by, reason: str, now=None) -> Grant:
    """End a grant before it expires, saying why; its consumer's keys read the resource no more."""
    now = now or timezone.now()
    if not rules.may_decide(by, grant.resource):
        raise Forbidden(_("Only the provider or the data steward revokes a grant."))
    if not (reason or "").strip():
        _fail([("reason", _("say why the grant is revoked"))], _("revocation"))
    with transaction.atomic():
        done = Grant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason.strip(), revoked_by=_name(by)
        )
        if not done:
            raise Conflict(_("The grant was revoked already."))
        grant.refresh_from_db()
        if grant.request_id:
            _event(grant.request, "revoke", by, now, grant.revoked_reason)
        audit_record(
            action="databrain.grant.revoke", actor=by, obj=grant, after={"reason": grant.revoked_reason}
        )
    return grant


def key_create(*, consumer: Consumer, name: str, days: int, by, now=None) -> tuple[ApiKey, str]:
    """A new key for ``consumer``; the raw key is returned once and only its digest is kept."""
    now = now or timezone.now()
    if not rules.may_manage(by):
        raise Forbidden(_("Only the data steward issues keys."))
    errors = []
    if not (name or "").strip():
        errors.append(("name", _("name the key (which system or person uses it)")))
    if not isinstance(days, int) or not 1 <= days <= MAX_KEY_DAYS:
        errors.append(("days", _("from 1 to %(max)s days") % {"max": MAX_KEY_DAYS}))
    if not consumer.active:
        errors.append(("consumer", _("%(code)s is switched off") % {"code": consumer.code}))
    if errors:
        _fail(errors, _("key"))
    raw, prefix = keys.new_raw_key()
    with transaction.atomic():
        key = ApiKey.objects.create(
            consumer=consumer,
            name=name.strip(),
            prefix=prefix,
            digest=keys.digest(raw),
            created_by=_name(by),
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            action="databrain.key.create",
            actor=by,
            obj=key,
            after={
                "consumer": consumer.code,
                "name": key.name,
                "prefix": prefix,
                "expires_at": key.expires_at.isoformat(),
            },
        )
    return key, raw


def key_revoke(*, key: ApiKey, by, reason: str, now=None) -> ApiKey:
    """Switch a key off at once, saying why; a request with it is answered 401 “revoked”."""
    now = now or timezone.now()
    if not rules.may_manage(by):
        raise Forbidden(_("Only the data steward revokes keys."))
    if not (reason or "").strip():
        _fail([("reason", _("say why the key is revoked"))], _("revocation"))
    with transaction.atomic():
        done = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason.strip()[:300], revoked_by=_name(by)
        )
        if not done:
            raise Conflict(_("The key was revoked already."))
        key.refresh_from_db()
        audit_record(
            action="databrain.key.revoke",
            actor=by,
            obj=key,
            after={"consumer": key.consumer.code, "prefix": key.prefix, "reason": key.revoked_reason},
        )
    return key
