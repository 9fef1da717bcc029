"""Every write to the catalogue: categories and resources with their information items. Keyword-only,
everything checked before anything is written, one transaction each, an audit record each.

A resource's every change of metadata makes a new version: the whole metadata as it became, and the
differences from the version before (``ResourceVersion``). The search tokens and the record table's
columns follow the metadata in the same transaction.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.databrain import datastore, search
from cityops.databrain.choices import (
    CategoryLevel,
    FieldType,
    OpenType,
    ResourceFormat,
    Rule,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from cityops.databrain.models import Category, Field, QualityIssue, Resource, ResourceVersion, SearchToken
from cityops.databrain.sync import capture
from cityops.org.models import Department

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
FIELD_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CATEGORY_RE = re.compile(r"^\d{1,20}$")
MAX_FIELDS = 200
# the digits each level adds to its parent's code (细目 and beyond: any number)
LEVEL_DIGITS = {1: 1, 2: 2, 3: 3}


def _fail(errors: list[tuple[str, str]], what: str) -> NoReturn:
    detail = _("The %(what)s was not saved: %(problems)s") % {
        "what": what,
        "problems": "; ".join(f"{f}: {m}" for f, m in errors),
    }
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def _require(by, action: str = "databrain.change") -> None:
    if by is not None and not by.can(action):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": action})


def _actor(by, actor_name: str) -> str:
    return getattr(by, "username", "") or actor_name or "system"


# ---- categories ------------------------------------------------------------------------------------


def category_create(
    *, code: str, name: str, parent: str | None = None, by=None, actor_name: str = ""
) -> Category:
    """A node of the classification under ``parent`` (a 类 without one)."""
    _require(by)
    errors = []
    parent_row = Category.objects.filter(code=parent).first() if parent else None
    if parent and parent_row is None:
        errors.append(("parent", _("no category %(code)s") % {"code": parent}))
    level = parent_row.level + 1 if parent_row else 1
    if level > 4:
        errors.append(("parent", _("a subheading (细目) has no children")))
    if not CATEGORY_RE.match(code or ""):
        errors.append(("code", _("a classification code is digits only")))
    elif parent_row and not code.startswith(parent_row.code):
        errors.append(("code", _("must begin with its parent's code %(code)s") % {"code": parent_row.code}))
    elif (
        level in LEVEL_DIGITS
        and len(code) - (len(parent_row.code) if parent_row else 0) != LEVEL_DIGITS[level]
    ):
        errors.append(
            (
                "code",
                _("a %(level)s adds %(n)s digit(s)")
                % {"level": CategoryLevel(level).label, "n": LEVEL_DIGITS[level]},
            )
        )
    elif Category.objects.filter(code=code).exists():
        errors.append(("code", _("category %(code)s exists") % {"code": code}))
    if not (name or "").strip():
        errors.append(("name", _("is required")))
    if errors:
        _fail(errors, _("category"))
    with transaction.atomic():
        cat = Category.objects.create(code=code, name=name.strip(), level=level, parent=parent_row)
        audit_record(
            action="databrain.category.create",
            actor=by,
            actor_name=actor_name,
            obj=cat,
            after={"code": code, "name": cat.name, "level": level, "parent": parent or ""},
        )
    return cat


# ---- resources -------------------------------------------------------------------------------------


@dataclass
class FieldIn:
    name: str
    title: str
    type: str = FieldType.TEXT
    length: int | None = None
    description: str = ""
    personal: bool = False
    required: bool = False
    rule: str = ""


@dataclass
class ResourceIn:
    code: str
    name: str
    category: str  # a category code
    provider: str  # a department code
    abstract: str
    format: str
    share_type: str
    share_method: str
    open_type: str
    update_cycle: str
    share_condition: str = ""
    open_condition: str = ""
    published_on: date | None = None
    related: list[str] = field(default_factory=list)  # resource codes
    key_fields: list[str] = field(default_factory=list)
    fields: list[FieldIn] = field(default_factory=list)


ENUMS = {
    "format": ResourceFormat,
    "share_type": ShareType,
    "share_method": ShareMethod,
    "open_type": OpenType,
    "update_cycle": UpdateCycle,
}


def _field_errors(fields: list[FieldIn]) -> list[tuple[str, str]]:
    errors = []
    if not fields:
        errors.append(("fields", _("a resource has at least one information item")))
    if len(fields) > MAX_FIELDS:
        errors.append(("fields", _("at most %(n)s information items") % {"n": MAX_FIELDS}))
    seen = set()
    for n, f in enumerate(fields, 1):
        where = f"fields[{n}]"
        if not FIELD_RE.match(f.name or ""):
            errors.append(
                (
                    where,
                    _("name %(name)r: lower-case letters, digits and _, starting with a letter")
                    % {"name": f.name},
                )
            )
        elif f.name in seen:
            errors.append((where, _("name %(name)s appears twice") % {"name": f.name}))
        seen.add(f.name)
        if not (f.title or "").strip():
            errors.append((where, _("the title is required")))
        if f.type not in FieldType.values:
            errors.append(
                (
                    where,
                    _("%(value)r is not a data type (%(choices)s)")
                    % {"value": f.type, "choices": ", ".join(FieldType.values)},
                )
            )
        if f.length is not None and not 1 <= f.length <= 10000:
            errors.append((where, _("the length is between 1 and 10000")))
        if f.rule not in Rule.values:
            errors.append((where, _("%(value)r is not a quality rule") % {"value": f.rule}))
        if len(f.description or "") > 300:
            errors.append((where, _("the description is at most 300 characters")))
    return errors


def _resource_errors(data: ResourceIn, current: Resource | None) -> tuple[dict, list]:
    errors, found = [], {}
    if not CODE_RE.match(data.code or ""):
        errors.append(("code", _("letters, digits, '.', '_' and '-', at most 40")))
    elif Resource.objects.filter(code=data.code).exclude(pk=getattr(current, "pk", None)).exists():
        errors.append(("code", _("resource %(code)s exists") % {"code": data.code}))
    for name in ("name", "abstract"):
        if not (getattr(data, name) or "").strip():
            errors.append((name, _("is required")))
    found["category"] = Category.objects.filter(code=data.category).first()
    if found["category"] is None:
        errors.append(("category", _("no category %(code)s") % {"code": data.category}))
    found["provider"] = Department.objects.filter(code=data.provider).first()
    if found["provider"] is None:
        errors.append(("provider", _("no department %(code)s") % {"code": data.provider}))
    for name, enum in ENUMS.items():
        if getattr(data, name) not in enum.values:
            errors.append(
                (
                    name,
                    _("%(value)r is not one of %(choices)s")
                    % {"value": getattr(data, name), "choices": ", ".join(enum.values)},
                )
            )
    if data.share_type == ShareType.CONDITIONAL and not data.share_condition.strip():
        errors.append(("share_condition", _("conditional sharing needs its condition")))
    if data.share_type == ShareType.NONE and not data.share_condition.strip():
        errors.append(("share_condition", _("not sharing needs its legal or policy basis")))
    if data.open_type == OpenType.CONDITIONAL and not data.open_condition.strip():
        errors.append(("open_condition", _("conditional opening needs its condition")))
    errors += _field_errors(data.fields)
    names = {f.name for f in data.fields}
    for key in data.key_fields:
        if key not in names:
            errors.append(
                ("key_fields", _("%(name)s is not an information item of this resource") % {"name": key})
            )
    related = list(Resource.objects.filter(code__in=data.related))
    missing = set(data.related) - {r.code for r in related}
    if missing:
        errors.append(("related", _("no resource %(codes)s") % {"codes": ", ".join(sorted(missing))}))
    if data.code in data.related:
        errors.append(("related", _("a resource is not related to itself")))
    found["related"] = related
    return found, errors


def snapshot(data: ResourceIn) -> dict:
    """The metadata of a version, as plain JSON."""
    snap = asdict(data)
    snap["published_on"] = data.published_on.isoformat() if data.published_on else None
    snap["related"] = sorted(data.related)
    return snap


def resource_in(resource: Resource) -> ResourceIn:
    """A stored resource as the input that would write it again."""
    return ResourceIn(
        **{
            k: getattr(resource, k)
            for k in (
                "code",
                "name",
                "abstract",
                "format",
                "share_type",
                "share_method",
                "open_type",
                "update_cycle",
                "share_condition",
                "open_condition",
                "published_on",
            )
        },
        category=resource.category.code,
        provider=resource.provider.code,
        related=sorted(r.code for r in resource.related.all()),
        key_fields=list(resource.key_fields),
        fields=[
            FieldIn(f.name, f.title, f.type, f.length, f.description, f.personal, f.required, f.rule)
            for f in resource.fields.all()
        ],
    )


def differences(before: dict, after: dict) -> list[dict]:
    """What changed between two snapshots: each metadata element, and each field by name."""
    out = []
    for key in after:
        if key == "fields" or before.get(key) == after.get(key):
            continue
        out.append({"element": key, "before": before.get(key), "after": after.get(key)})
    old = {f["name"]: f for f in before.get("fields", [])}
    new = {f["name"]: f for f in after.get("fields", [])}
    for name, f in new.items():
        if name not in old:
            out.append({"element": f"fields.{name}", "before": None, "after": f})
        elif old[name] != f:
            changed = {k: v for k, v in f.items() if old[name].get(k) != v}
            out.append(
                {
                    "element": f"fields.{name}",
                    "before": {k: old[name].get(k) for k in changed},
                    "after": changed,
                }
            )
    for name, f in old.items():
        if name not in new:
            out.append({"element": f"fields.{name}", "before": f, "after": None})
    return out


def _index(resource: Resource, data: ResourceIn, found: dict) -> None:
    SearchToken.objects.filter(resource=resource).delete()
    weights = search.resource_tokens(
        {
            "name": data.name,
            "code": data.code,
            "abstract": data.abstract,
            "category": found["category"].name,
            "provider": f"{found['provider'].name} {found['provider'].short_name}",
            "field": " ".join(f"{f.title} {f.description}" for f in data.fields),
        }
    )
    SearchToken.objects.bulk_create(
        [SearchToken(resource=resource, token=t, weight=min(w, 32767)) for t, w in weights.items()]
    )


def _write_fields(resource: Resource, fields: list[FieldIn]) -> None:
    """Keep a field's row (and its record column) by name; add new ones, remove those gone."""
    current = {f.name: f for f in resource.fields.all()}
    wanted = {f.name for f in fields}
    Field.objects.filter(resource=resource).exclude(name__in=wanted).delete()
    for position, f in enumerate(fields, 1):
        row = current.get(f.name) or Field(resource=resource, name=f.name)
        for k, v in asdict(f).items():
            setattr(row, k, v.strip() if isinstance(v, str) else v)
        row.position = position
        row.save()


def _write(resource: Resource, data: ResourceIn, found: dict) -> None:
    for k in (
        "code",
        "name",
        "abstract",
        "format",
        "share_type",
        "share_method",
        "open_type",
        "update_cycle",
        "share_condition",
        "open_condition",
        "published_on",
        "key_fields",
    ):
        value = getattr(data, k)
        setattr(resource, k, value.strip() if isinstance(value, str) else value)
    resource.category, resource.provider = found["category"], found["provider"]
    resource.save()
    resource.related.set(found["related"])
    _write_fields(resource, data.fields)
    _index(resource, data, found)
    if datastore.table_exists(resource):
        datastore.ensure_table(resource, list(resource.fields.all()))


def resource_create(*, data: ResourceIn, by=None, actor_name: str = "") -> Resource:
    """Catalogue a resource; its metadata is version 1."""
    _require(by)
    found, errors = _resource_errors(data, None)
    if errors:
        _fail(errors, _("resource"))
    with transaction.atomic():
        resource = Resource(version=1)
        _write(resource, data, found)
        snap = snapshot(data)
        ResourceVersion.objects.create(
            resource=resource,
            number=1,
            at=timezone.now(),
            actor=_actor(by, actor_name),
            snapshot=snap,
            changes=[],
        )
        capture.catalogue_changed(resource, 1)
        audit_record(
            action="databrain.resource.create", actor=by, actor_name=actor_name, obj=resource, after=snap
        )
    return resource


def resource_update(*, code: str, data: ResourceIn, by=None, actor_name: str = "") -> Resource:
    """Change a resource's metadata; a change makes a new version with its differences, no change
    makes none."""
    _require(by)
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(code=code).first()
        if resource is None:
            raise NotFound(_("No resource %(code)s.") % {"code": code})
        _refuse_withdrawn(resource)
        found, errors = _resource_errors(data, resource)
        if errors:
            _fail(errors, _("resource"))
        before = snapshot(resource_in(resource))
        after = snapshot(data)
        changes = differences(before, after)
        if not changes:
            return resource
        resource.version += 1
        _write(resource, data, found)
        ResourceVersion.objects.create(
            resource=resource,
            number=resource.version,
            at=timezone.now(),
            actor=_actor(by, actor_name),
            snapshot=after,
            changes=changes,
        )
        capture.catalogue_changed(resource, resource.version)
        audit_record(
            action="databrain.resource.update",
            actor=by,
            actor_name=actor_name,
            obj=resource,
            before={c["element"]: c["before"] for c in changes},
            after={c["element"]: c["after"] for c in changes},
        )
    return resource


def _refuse_withdrawn(resource: Resource) -> None:
    if resource.withdrawn_at is not None:
        raise ValidationFailed(
            _("%(code)s was withdrawn from the catalogue on %(at)s; it is kept as it was.")
            % {"code": resource.code, "at": timezone.localtime(resource.withdrawn_at).strftime("%Y-%m-%d")}
        )


def resource_withdraw(*, code: str, reason: str, by=None, actor_name: str = "") -> Resource:
    """Withdraw a resource from the catalogue, saying why: its records are deleted, its metadata and
    history kept, nothing more is loaded into it, and the city platform is told (the upstream sync)."""
    _require(by)
    if not (reason or "").strip():
        _fail([("reason", _("say why the resource is withdrawn"))], _("withdrawal"))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(code=code).first()
        if resource is None:
            raise NotFound(_("No resource %(code)s.") % {"code": code})
        _refuse_withdrawn(resource)
        gone = datastore.delete_records(resource)
        QualityIssue.objects.filter(resource=resource).delete()
        resource.withdrawn_at, resource.withdrawn_reason = timezone.now(), reason.strip()
        resource.record_count = resource.flagged_count = 0
        resource.save(
            update_fields=["withdrawn_at", "withdrawn_reason", "record_count", "flagged_count", "updated_at"]
        )
        capture.resource_withdrawn(resource)
        audit_record(
            action="databrain.resource.withdraw",
            actor=by,
            actor_name=actor_name,
            obj=resource,
            after={"reason": resource.withdrawn_reason, "records_deleted": len(gone)},
        )
    return resource


def resource_reinstate(*, code: str, reason: str, by=None, actor_name: str = "") -> Resource:
    """Put a withdrawn resource back in the catalogue, saying why: it is listed and loadable again
    and the city platform receives its catalogue entry again. Its records were deleted on withdrawal
    and stay deleted; they come back by loading them again."""
    _require(by)
    if not (reason or "").strip():
        _fail([("reason", _("say why the resource is put back"))], _("reinstatement"))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().filter(code=code).first()
        if resource is None:
            raise NotFound(_("No resource %(code)s.") % {"code": code})
        if resource.withdrawn_at is None:
            raise ValidationFailed(
                _("%(code)s is in the catalogue; there is nothing to put back.") % {"code": code}
            )
        withdrawn = {"withdrawn_at": resource.withdrawn_at.isoformat(), "reason": resource.withdrawn_reason}
        resource.withdrawn_at, resource.withdrawn_reason = None, ""
        resource.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
        capture.catalogue_changed(resource, resource.version)
        audit_record(
            action="databrain.resource.reinstate",
            actor=by,
            actor_name=actor_name,
            obj=resource,
            before=withdrawn,
            after={"reason": reason.strip()},
        )
    return resource
