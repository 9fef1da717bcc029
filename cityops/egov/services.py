"""Writes of the item catalogue: drafts, publishing and the all-or-nothing import. Everything is
checked before anything is written, one transaction each, an audit record each.

A published version is never changed: ``item_save_draft`` writes the item's one draft (made from
nothing for a new item, or numbered after the newest version), ``item_publish`` makes the draft the
published guide and supersedes the one before. The import writes new items in bulk (the demo's
1,264 in one statement per table) and changed ones one by one; an item whose guide is the same as
its newest one is left as it is.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import NoReturn

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.databrain.models import Resource
from cityops.egov.choices import (
    Applicant,
    Delivery,
    ItemType,
    LimitKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    VersionState,
)
from cityops.egov.models import ItemVersion, Material, ServiceItem, Situation
from cityops.org.models import Department

CODE_MAX = 40


@dataclass
class SituationIn:
    name: str
    description: str = ""


@dataclass
class MaterialIn:
    name: str
    form: str = MaterialForm.ORIGINAL
    copies: int = 1
    required: bool = True
    source: str = MaterialSource.APPLICANT
    situation: str = ""  # the name of one of the guide's situations; "" for every situation
    resource: str = ""  # the code of a data brain resource the platform fetches it from
    note: str = ""


@dataclass
class GuideIn:
    """Every element of an item's guide, as a page, the API or an import row gives it."""

    name: str
    item_type: str
    implementing_body: str
    legal_basis: str
    applicant: str = Applicant.PERSON
    conditions: str = ""
    limit_kind: str = LimitKind.PROMISED
    legal_days: int | None = None
    promised_days: int = 0
    fee: bool = False
    fee_standard: str = ""
    fee_basis: str = ""
    online: bool = False
    window: bool = True
    kiosk: bool = False
    visits: int = 1
    online_depth: int = OnlineDepth.GUIDE
    place: str = ""
    hours: str = ""
    phone: str = ""
    result_name: str = ""
    delivery: list[str] = field(default_factory=list)
    situations: list[SituationIn] = field(default_factory=list)
    materials: list[MaterialIn] = field(default_factory=list)


@dataclass
class ItemIn:
    code: str
    department: str  # the competent department's code
    guide: GuideIn


SCALARS = [f for f in GuideIn.__dataclass_fields__ if f not in ("situations", "materials")]


def _require(by) -> None:
    if by is not None and not by.can("egov.manage"):
        raise Forbidden(_("Your role may not change the service item catalogue."))


def _actor(by, actor_name: str) -> str:
    return getattr(by, "username", "") or actor_name or "system"


def guide_errors(guide: GuideIn, resources: dict[str, Resource]) -> list[tuple[str, str]]:
    """(field, message) for every problem of a guide; ``resources`` are the data brain's by code."""
    errors: list[tuple[str, str]] = []
    for name in ("name", "implementing_body", "legal_basis"):
        if not str(getattr(guide, name) or "").strip():
            errors.append((name, _("this element is required")))
    if len(guide.name) > 200:
        errors.append(("name", _("at most 200 characters")))
    for name, enum in (("item_type", ItemType), ("applicant", Applicant), ("limit_kind", LimitKind)):
        if getattr(guide, name) not in enum.values:
            errors.append(
                (
                    name,
                    _("%(value)r is not one of %(values)s")
                    % {"value": getattr(guide, name), "values": ", ".join(enum.values)},
                )
            )
    if guide.online_depth not in OnlineDepth.values:
        errors.append(("online_depth", _("the online depth is a level from 1 to 4")))
    for value in guide.delivery:
        if value not in Delivery.values:
            errors.append(
                (
                    "delivery",
                    _("%(value)r is not one of %(values)s")
                    % {"value": value, "values": ", ".join(Delivery.values)},
                )
            )
    errors += _limit_errors(guide)
    if guide.fee and not guide.fee_standard.strip():
        errors.append(("fee_standard", _("a charged item needs its fee standard")))
    if not (guide.online or guide.window or guide.kiosk):
        errors.append(
            ("window", _("an item is handled online, at a window or at a kiosk; tick at least one"))
        )
    if guide.visits > 9:
        errors.append(("visits", _("at most 9 visits")))
    if guide.online_depth == OnlineDepth.FULL and guide.visits:
        errors.append(("visits", _("an item handled wholly online needs no visit")))
    errors += _part_errors(guide, resources)
    return errors


def _limit_errors(guide: GuideIn) -> list[tuple[str, str]]:
    errors = []
    if guide.limit_kind == LimitKind.IMMEDIATE and guide.promised_days:
        errors.append(("promised_days", _("an item done on the spot has no promised days")))
    if guide.limit_kind == LimitKind.PROMISED and not guide.promised_days:
        errors.append(("promised_days", _("a promised item needs its promised working days")))
    if guide.legal_days is not None and guide.promised_days > guide.legal_days:
        errors.append(
            (
                "promised_days",
                _("the promised limit (%(p)s) exceeds the legal limit (%(l)s)")
                % {"p": guide.promised_days, "l": guide.legal_days},
            )
        )
    for name in ("legal_days", "promised_days"):
        value = getattr(guide, name)
        if value is not None and not 0 <= value <= 365:
            errors.append((name, _("working days from 0 to 365")))
    return errors


def _part_errors(guide: GuideIn, resources: dict[str, Resource]) -> list[tuple[str, str]]:
    errors = []
    names = [s.name.strip() for s in guide.situations]
    for n, s in enumerate(guide.situations, 1):
        if not s.name.strip():
            errors.append((f"situations.{n}.name", _("a situation needs a name")))
        elif names.count(s.name.strip()) > 1:
            errors.append(
                (f"situations.{n}.name", _("the situation %(name)r appears twice") % {"name": s.name})
            )
    seen: set[tuple[str, str]] = set()
    for n, m in enumerate(guide.materials, 1):
        where = f"materials.{n}"
        if not m.name.strip():
            errors.append((f"{where}.name", _("a material needs a name")))
        elif (m.name.strip(), m.situation) in seen:
            errors.append(
                (f"{where}.name", _("the material %(name)r appears twice") % {"name": m.name.strip()})
            )
        seen.add((m.name.strip(), m.situation))
        if m.form not in MaterialForm.values:
            errors.append(
                (
                    f"{where}.form",
                    _("%(value)r is not one of %(values)s")
                    % {"value": m.form, "values": ", ".join(MaterialForm.values)},
                )
            )
        if m.source not in MaterialSource.values:
            errors.append(
                (
                    f"{where}.source",
                    _("%(value)r is not one of %(values)s")
                    % {"value": m.source, "values": ", ".join(MaterialSource.values)},
                )
            )
        if not 1 <= m.copies <= 99:
            errors.append((f"{where}.copies", _("copies from 1 to 99")))
        if m.situation and m.situation not in names:
            errors.append(
                (f"{where}.situation", _("no situation %(name)r in this guide") % {"name": m.situation})
            )
        if m.resource and m.resource not in resources:
            errors.append((f"{where}.resource", _("no data brain resource %(code)s") % {"code": m.resource}))
    return errors


def guide_snapshot(guide: GuideIn) -> dict:
    """The guide as plain data, to compare and to audit."""
    return asdict(guide)


def guide_of(version: ItemVersion) -> GuideIn:
    """The guide a stored version holds, as an input (to edit it or compare with one)."""
    situations = list(version.situations.all())
    by_id = {s.pk: s.name for s in situations}
    return GuideIn(
        **{name: getattr(version, name) for name in SCALARS},
        situations=[SituationIn(s.name, s.description) for s in situations],
        materials=[
            MaterialIn(
                m.name,
                m.form,
                m.copies,
                m.required,
                m.source,
                by_id.get(m.situation_id, ""),
                m.resource.code if m.resource_id else "",
                m.note,
            )
            for m in version.materials.select_related("resource")
        ],
    )


def _fail(errors: list[tuple[str, str]], detail: str) -> NoReturn:
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def data_resources(guides: Sequence[GuideIn]) -> dict[str, Resource]:
    """The data brain resources the guides' materials name, by code."""
    codes = {m.resource for g in guides for m in g.materials if m.resource}
    return {r.code: r for r in Resource.objects.filter(code__in=codes)} if codes else {}


@dataclass
class Built:
    version: ItemVersion
    situations: list[Situation]
    materials: list[tuple[Material, str]]  # with the name of its situation


def _build(item: ServiceItem, number: int, guide: GuideIn, actor: str, resources: dict, now) -> Built:
    version = ItemVersion(
        item=item,
        number=number,
        state=VersionState.DRAFT,
        created_at=now,
        created_by=actor,
        **{name: getattr(guide, name) for name in SCALARS},
    )
    situations = [
        Situation(version=version, position=n, name=s.name.strip(), description=s.description)
        for n, s in enumerate(guide.situations, 1)
    ]
    materials = [
        (
            Material(
                version=version,
                position=n,
                name=m.name.strip(),
                form=m.form,
                copies=m.copies,
                required=m.required,
                source=m.source,
                resource=resources.get(m.resource) if m.resource else None,
                note=m.note,
            ),
            m.situation,
        )
        for n, m in enumerate(guide.materials, 1)
    ]
    return Built(version, situations, materials)


def _write(built: list[Built]) -> None:
    """Insert versions with their situations and materials, a statement per table."""
    for b in built:
        b.version.item_id = b.version.item.pk
    ItemVersion.objects.bulk_create([b.version for b in built])
    for b in built:
        for s in b.situations:
            s.version_id = b.version.pk
    Situation.objects.bulk_create([s for b in built for s in b.situations])
    materials = []
    for b in built:
        by_name = {s.name: s for s in b.situations}
        for m, situation in b.materials:
            m.version_id = b.version.pk
            m.situation = by_name.get(situation.strip()) if situation else None
            materials.append(m)
    Material.objects.bulk_create(materials)


def _publish(item: ServiceItem, actor: str, now) -> ItemVersion:
    draft = item.draft
    if item.published_id:
        ItemVersion.objects.filter(pk=item.published_id).update(state=VersionState.SUPERSEDED)
    ItemVersion.objects.filter(pk=draft.pk).update(
        state=VersionState.PUBLISHED, published_at=now, published_by=actor
    )
    item.published, item.draft = draft, None
    item.save(update_fields=["published", "draft", "updated_at"])
    draft.state, draft.published_at, draft.published_by = VersionState.PUBLISHED, now, actor
    return draft


def _department(code: str) -> Department:
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        _fail([("department", _("no department %(code)s") % {"code": code})], _("The item cannot be saved."))
    return dept


def _item_in_scope(by, code: str) -> ServiceItem | None:
    qs = ServiceItem.objects.select_related("draft", "published")
    if by is not None:
        qs = qs.restrict(by, "egov.manage")
    return qs.filter(code=code).first()


def item_save_draft(
    *, code: str, department: str, guide: GuideIn, by=None, actor_name: str = ""
) -> ServiceItem:
    """Save ``guide`` as the item's draft: a new item, a new draft after the published guide, or the
    draft being edited again."""
    _require(by)
    code = code.strip()
    if not code or len(code) > CODE_MAX:
        _fail(
            [("code", _("an item code of 1 to %(n)s characters") % {"n": CODE_MAX})],
            _("The item cannot be saved."),
        )
    resources = data_resources([guide])
    errors = guide_errors(guide, resources)
    if errors:
        _fail(errors, _("The guide has %(count)s problems; nothing was saved.") % {"count": len(errors)})
    dept = _department(department)
    actor, now = _actor(by, actor_name), timezone.now()
    with transaction.atomic():
        item = _item_in_scope(by, code)
        if item is None and ServiceItem.objects.filter(code=code).exists():
            raise NotFound(_("No service item %(code)s.") % {"code": code})
        if by is not None and by.is_department_bound() and dept.pk not in by.department_ids():
            raise Forbidden(_("You may keep only the items of your own department."))
        before = guide_snapshot(guide_of(item.head)) if item else None
        if item is None:
            item = ServiceItem.objects.create(code=code, department=dept)
        elif item.department_id != dept.pk:
            item.department = dept
            item.save(update_fields=["department", "updated_at"])
        if item.draft_id:
            number = item.draft.number
            old = item.draft
            item.draft = None
            item.save(update_fields=["draft", "updated_at"])
            old.delete()
        else:
            number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        built = _build(item, number, guide, actor, resources, now)
        _write([built])
        item.draft = built.version
        item.save(update_fields=["draft", "updated_at"])
        audit_record(
            action="egov.item.draft",
            actor=by,
            actor_name=actor_name,
            obj=item,
            before=before,
            after={"department": department, "version": number, **guide_snapshot(guide)},
        )
    return item


def item_publish(*, code: str, by=None, actor_name: str = "") -> ItemVersion:
    """Publish the item's draft: the guide the public sees from now on."""
    _require(by)
    with transaction.atomic():
        item = _item_in_scope(by, code)
        if item is None:
            raise NotFound(_("No service item %(code)s.") % {"code": code})
        item = ServiceItem.objects.select_for_update(of=("self",)).select_related("draft").get(pk=item.pk)
        if item.draft_id is None:
            raise Conflict(_("Item %(code)s has no draft to publish.") % {"code": code})
        before = item.published_id
        version = _publish(item, _actor(by, actor_name), timezone.now())
        audit_record(
            action="egov.item.publish",
            actor=by,
            actor_name=actor_name,
            obj=item,
            before={"published_version_id": before},
            after={"published_version": version.number},
        )
    return version


def item_discard_draft(*, code: str, by=None, actor_name: str = "") -> None:
    """Throw away the draft of an item that has a published guide."""
    _require(by)
    with transaction.atomic():
        item = _item_in_scope(by, code)
        if item is None:
            raise NotFound(_("No service item %(code)s.") % {"code": code})
        if item.draft_id is None or item.published_id is None:
            raise Conflict(_("Only the draft of a published item can be discarded."))
        draft = item.draft
        item.draft = None
        item.save(update_fields=["draft", "updated_at"])
        audit_record(
            action="egov.item.discard",
            actor=by,
            actor_name=actor_name,
            obj=item,
            before={"draft": draft.number},
        )
        draft.delete()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)  # created or updated


def catalogue_import(
    *, items: Sequence[ItemIn], publish: bool = True, by=None, actor_name: str = ""
) -> ImportResult:
    """Write every item of an import whose guide differs from its newest one, as a draft or (with
    ``publish``) published; all or nothing. Rows are checked by the caller (``workbook``) and once
    more here."""
    _require(by)
    resources = data_resources([i.guide for i in items])
    depts = {d.code: d for d in Department.objects.filter(code__in={i.department for i in items})}
    errors = []
    for i in items:
        errors += [(f"{i.code}.{f}", m) for f, m in guide_errors(i.guide, resources)]
        if i.department not in depts:
            errors.append((f"{i.code}.department", _("no department %(code)s") % {"code": i.department}))
    if errors:
        _fail(errors, _("The import has %(count)s problems; nothing was imported.") % {"count": len(errors)})
    actor, now, result = _actor(by, actor_name), timezone.now(), ImportResult()
    with transaction.atomic():
        existing = {
            item.code: item
            for item in ServiceItem.objects.select_related("draft", "published").filter(
                code__in=[i.code for i in items]
            )
        }
        if by is not None and by.is_department_bound():
            mine = set(by.department_ids())
            if any(depts[i.department].pk not in mine for i in items):
                raise Forbidden(_("You may import only the items of your own department."))
        new = [i for i in items if i.code not in existing]
        created = ServiceItem.objects.bulk_create(
            [ServiceItem(code=i.code, department=depts[i.department]) for i in new]
        )
        built = [
            _build(item, 1, i.guide, actor, resources, now) for item, i in zip(created, new, strict=True)
        ]
        if publish:
            for b in built:
                b.version.state, b.version.published_at, b.version.published_by = (
                    VersionState.PUBLISHED,
                    now,
                    actor,
                )
        _write(built)
        _point_at_versions(created, "published" if publish else "draft")
        result.created, result.codes = len(created), [i.code for i in new]
        for i in items:
            item = existing.get(i.code)
            if item is None:
                continue
            if _unchanged(item, i, depts, publish):
                result.unchanged += 1
                continue
            item_save_draft(code=i.code, department=i.department, guide=i.guide, by=by, actor_name=actor_name)
            if publish:
                item_publish(code=i.code, by=by, actor_name=actor_name)
            result.updated += 1
            result.codes.append(i.code)
        audit_record(
            action="egov.catalogue.import",
            actor=by,
            actor_name=actor_name,
            object_type="egov.serviceitem",
            object_id="catalogue",
            after={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "publish": publish,
            },
        )
    return result


def _point_at_versions(items: list[ServiceItem], which: str) -> None:
    """New items' ``published`` (or ``draft``) set to their one version, in one statement."""
    first = ItemVersion.objects.filter(item=OuterRef("pk")).values("pk")[:1]
    ServiceItem.objects.filter(pk__in=[i.pk for i in items]).update(**{which: Subquery(first)})


def _unchanged(item: ServiceItem, row: ItemIn, depts: dict, publish: bool) -> bool:
    if item.department_id != depts[row.department].pk:
        return False
    if publish and item.draft_id:
        return False  # a pending draft would be published with a different guide
    return guide_snapshot(guide_of(item.head)) == guide_snapshot(row.guide)
