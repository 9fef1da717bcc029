"""GB/T 28181 Catalog responses: read them safely, then file what they list into the registry.

Reading: one or more ``<Response><CmdType>Catalog</CmdType>…<DeviceList><Item>…`` documents (the
chunks a device sends, concatenated in a file or assembled from SIP MESSAGEs), each decoded as its
XML declaration says (GB2312 and GBK are read as GB18030, their superset, because devices declare
GB2312 and send GBK), with no DTD at all (so no entity expansion, no XML bomb) and a size cap.

Applying, all in one transaction and all or nothing unless the caller asks for ``partial`` (the
access point does, so one bad camera does not hold back an NVR's other channels):
- 215 (business group) and 216 (virtual organisation) items become ``Group`` rows, their tree from
  ``ParentID`` (the last segment of a slash path) or, failing that, ``BusinessGroupID``;
- 131/132 items update the channel of that ID (name, vendor = Manufacturer, model, device, group,
  position); an ID the registry does not know becomes a new channel on a site of its own (code = the
  channel's ID, at its coordinates, in the caller's project), because a catalog says nothing about
  which pole a camera hangs on and an operator can merge sites later;
- other items (alarm inputs, sub-NVRs, civil-code folders) are counted as skipped.
Every bad item is named: its index (from 1, across chunks), its DeviceID and the field.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, PayloadTooLarge, ValidationFailed
from cityops.geo.selectors import locate_point
from cityops.video import gbid
from cityops.video.choices import BuildStatus
from cityops.video.documents import CatalogError, parse_xml
from cityops.video.models import Channel, GbDevice, Group, Project, Site

MAX_BYTES = 8 * 1024 * 1024
MAX_ITEMS = 50_000
MAX_PROBLEMS = 200
CIVIL_RE = re.compile(r"^\d{2}(\d{2}){0,3}$")


# ---- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One ``<Item>`` of a catalog, as given (strings trimmed; numbers parsed)."""

    index: int
    device_id: str
    name: str = ""
    manufacturer: str = ""
    model: str = ""
    owner: str = ""
    civil_code: str = ""
    address: str = ""
    parental: str = ""
    parent_id: str = ""
    business_group_id: str = ""
    status: str = ""
    lon: float | None = None
    lat: float | None = None
    ptz_type: str = ""


@dataclass
class Chunk:
    """One Catalog response document: its SN, the device it is from, SumNum and its items."""

    sn: str
    device_id: str
    sum_num: int
    items: list[Item]
    problems: list[dict] = field(default_factory=list)


def problem(item: Item | None, fld: str, message: str, *, index: int | None = None) -> dict:
    index = item.index if item else index
    device_id = item.device_id if item else ""
    if index and device_id:
        where = _("item %(index)s (DeviceID %(id)s)") % {"index": index, "id": device_id}
    else:
        where = _("item %(index)s") % {"index": index} if index else _("the catalog")
    return {
        "index": index,
        "device_id": device_id,
        "field": fld,
        "message": f"{where}, {fld}: {message}",
    }


def _text(el: ET.Element, tag: str) -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _coordinate(raw: str, item_index: int, device_id: str, fld: str, lo: float, hi: float, probs: list):
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        probs.append(
            problem(Item(item_index, device_id), fld, _("%(value)r is not a number") % {"value": raw[:30]})
        )
        return None
    if value != value or not lo <= value <= hi:
        probs.append(
            problem(
                Item(item_index, device_id),
                fld,
                _("%(value)s is outside %(lo)g…%(hi)g") % {"value": raw[:30], "lo": lo, "hi": hi},
            )
        )
        return None
    return value


def _item(el: ET.Element, index: int, probs: list) -> Item:
    device_id = _text(el, "DeviceID")
    before = len(probs)
    lon = _coordinate(_text(el, "Longitude"), index, device_id, "Longitude", -180, 180, probs)
    lat = _coordinate(_text(el, "Latitude"), index, device_id, "Latitude", -90, 90, probs)
    if (lon == 0 and lat == 0) or len(probs) > before:
        lon = lat = None  # devices send 0, 0 for "not set"; a bad one is reported once
    status = _text(el, "Status").upper()
    status = {"ONLINE": "ON", "OFFLINE": "OFF"}.get(status, status)
    if status not in ("", "ON", "OFF"):
        probs.append(
            problem(
                Item(index, device_id),
                "Status",
                _("%(value)r is neither ON nor OFF") % {"value": status[:20]},
            )
        )
    return Item(
        index=index,
        device_id=device_id,
        name=_text(el, "Name"),
        manufacturer=_text(el, "Manufacturer"),
        model=_text(el, "Model"),
        owner=_text(el, "Owner"),
        civil_code=_text(el, "CivilCode"),
        address=_text(el, "Address"),
        parental=_text(el, "Parental"),
        parent_id=_text(el, "ParentID"),
        business_group_id=_text(el, "BusinessGroupID"),
        status=status if status in ("ON", "OFF") else "",
        lon=lon,
        lat=lat,
        ptz_type=_text(el, "Info/PTZType"),
    )


def read_chunk(root: ET.Element, *, first_index: int = 1, what: str = "the document") -> Chunk:
    """The catalog in one parsed document (a Response, or a Notify of a catalog subscription)."""
    if root.tag not in ("Response", "Notify"):
        raise CatalogError(
            _("%(what)s: the root element is <%(tag)s>, not <Response>")
            % {"what": what, "tag": root.tag[:40]}
        )
    cmd = _text(root, "CmdType")
    if cmd != "Catalog":
        raise CatalogError(
            _("%(what)s: CmdType is %(value)r, not 'Catalog'") % {"what": what, "value": cmd[:40]}
        )
    raw_sum = _text(root, "SumNum")
    if raw_sum and not raw_sum.isdigit():
        raise CatalogError(
            _("%(what)s: SumNum %(value)r is not a number") % {"what": what, "value": raw_sum[:20]}
        )
    items_el = root.find("DeviceList")
    elements = items_el.findall("Item") if items_el is not None else []
    probs: list[dict] = []
    items = [_item(el, first_index + n, probs) for n, el in enumerate(elements)]
    sum_num = int(raw_sum) if raw_sum else len(items)
    return Chunk(_text(root, "SN"), _text(root, "DeviceID"), sum_num, items, probs)


def split_documents(data: bytes) -> list[bytes]:
    """The documents of a file of concatenated chunks (each begins with its XML declaration)."""
    starts = [m.start() for m in re.finditer(rb"<\?xml", data)]
    if len(starts) <= 1:
        return [data]
    bounds = [0, *starts[1:], len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if data[a:b].strip()]


def read_catalog(data: bytes) -> tuple[list[Item], list[dict]]:
    """Every item of a catalog file (one or many chunks) and the problems found while reading."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(
            _("The catalog is %(size)s bytes; at most %(most)s are accepted.")
            % {"size": f"{len(data):,}", "most": f"{MAX_BYTES:,}"}
        )
    if not data.strip():
        raise CatalogError(_("The catalog file is empty."))
    items: list[Item] = []
    probs: list[dict] = []
    sums: dict[str, int] = {}
    docs = split_documents(data)
    for n, doc in enumerate(docs, 1):
        what = _("chunk %(n)s") % {"n": n} if len(docs) > 1 else _("the catalog")
        chunk = read_chunk(parse_xml(doc, what=what), first_index=len(items) + 1, what=what)
        items += chunk.items
        probs += chunk.problems
        sums[chunk.sn] = max(sums.get(chunk.sn, 0), chunk.sum_num)
        if len(items) > MAX_ITEMS:
            raise PayloadTooLarge(
                _("The catalog lists more than %(most)s items.") % {"most": f"{MAX_ITEMS:,}"}
            )
    expected = sum(sums.values())
    unique = len({i.device_id for i in items})
    if unique < expected:
        probs.append(
            problem(
                None,
                "SumNum",
                _("the catalog announces %(expected)s items but %(unique)s arrived")
                % {"expected": expected, "unique": unique},
                index=0,
            )
        )
    return items, probs


# ---- applying --------------------------------------------------------------------------------------


@dataclass
class CatalogResult:
    """What an import did (or, dry, would do), and the items it could not take."""

    groups_created: int = 0
    groups_updated: int = 0
    channels_created: int = 0
    channels_updated: int = 0
    sites_created: int = 0
    unchanged: int = 0
    skipped: int = 0
    status_on: int = 0
    status_off: int = 0
    dry_run: bool = False
    problems: list[dict] = field(default_factory=list)

    def counts(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("problems",)}


def _kind(item: Item, probs: list) -> str:
    """ "group", "channel", "skip" or "bad", from the item's DeviceID."""
    raw = item.device_id
    if not raw:
        probs.append(problem(item, "DeviceID", _("is empty")))
        return "bad"
    if CIVIL_RE.match(raw):
        return "skip"  # an administrative-division folder
    if gbid.ID_RE.match(raw) and raw[10:13] not in gbid.GROUP_TYPES | gbid.CHANNEL_TYPES:
        return "skip"
    try:
        gb = gbid.parse(raw)
    except gbid.BadId as exc:
        probs.append(problem(item, "DeviceID", str(exc)))
        return "bad"
    return "group" if gb.type_code in gbid.GROUP_TYPES else "channel"


def _parent_ref(item: Item) -> str:
    """The group an item hangs under: the last segment of ParentID, else BusinessGroupID."""
    for ref in (item.parent_id.rsplit("/", 1)[-1].strip(), item.business_group_id.strip()):
        if ref and ref != item.device_id and gbid.ID_RE.match(ref) and ref[10:13] in gbid.GROUP_TYPES:
            return ref
    return ""


def _too_long(item: Item, probs: list, limits: dict[str, tuple[str, int]]) -> None:
    for fld, (value, limit) in limits.items():
        if len(value) > limit:
            probs.append(
                problem(
                    item, fld, _("%(n)s characters, more than %(most)s") % {"n": len(value), "most": limit}
                )
            )


@dataclass
class _Plan:
    groups: list[Item] = field(default_factory=list)
    channels: list[Item] = field(default_factory=list)
    places: dict[str, object] = field(default_factory=dict)  # channel gb_id → Location


def _plan_groups(groups: list[Item], probs: list) -> None:
    known = set(Group.objects.filter(gb_id__in=[g.device_id for g in groups]).values_list("gb_id", flat=True))
    in_file = {g.device_id for g in groups}
    refs = {_parent_ref(g) for g in groups} - in_file - {""}
    stored = dict(Group.objects.filter(gb_id__in=refs).values_list("gb_id", "parent__gb_id"))
    parents = {g.device_id: _parent_ref(g) for g in groups}
    for g in groups:
        _too_long(g, probs, {"Name": (g.name, 100)})
        if not g.name and g.device_id not in known:
            probs.append(problem(g, "Name", _("a new group needs a name")))
        ref = parents[g.device_id]
        if ref and ref not in in_file and ref not in stored:
            probs.append(
                problem(
                    g,
                    "ParentID",
                    _("group %(id)s is neither in the catalog nor in the registry") % {"id": ref},
                )
            )
    for g in groups:  # a loop in the tree would hang every page that walks it
        seen, node = {g.device_id}, parents[g.device_id]
        while node:
            if node in seen:
                probs.append(problem(g, "ParentID", _("the groups' parents form a loop")))
                break
            seen.add(node)
            node = parents.get(node) if node in parents else stored.get(node)


def _plan_channels(plan: _Plan, channels: list[Item], probs: list, *, project, group_ids: set[str]) -> None:
    known = set(
        Channel.objects.filter(gb_id__in=[c.device_id for c in channels]).values_list("gb_id", flat=True)
    )
    refs = {_parent_ref(c) for c in channels} - group_ids - {""}
    group_ids = group_ids | set(Group.objects.filter(gb_id__in=refs).values_list("gb_id", flat=True))
    for c in channels:
        _too_long(
            c, probs, {"Name": (c.name, 150), "Manufacturer": (c.manufacturer, 60), "Model": (c.model, 60)}
        )
        ref = _parent_ref(c)
        if ref and ref not in group_ids:
            probs.append(
                problem(
                    c,
                    "ParentID",
                    _("group %(id)s is neither in the catalog nor in the registry") % {"id": ref},
                )
            )
        if (c.lon is None) != (c.lat is None):
            probs.append(problem(c, "Longitude", _("give both Longitude and Latitude, or neither")))
        elif c.lon is not None:
            where = locate_point(c.lon, c.lat)
            if where is None:
                probs.append(
                    problem(
                        c,
                        "Longitude",
                        _("the point %(lon)s, %(lat)s lies outside the town") % {"lon": c.lon, "lat": c.lat},
                    )
                )
            else:
                plan.places[c.device_id] = where
        if c.device_id in known:
            continue
        if project is None:
            probs.append(
                problem(c, "DeviceID", _("the registry does not know this channel and no project was given"))
            )
        elif not c.name:
            probs.append(problem(c, "Name", _("a new channel needs a name")))
        elif c.device_id not in plan.places and c.lon is None:
            probs.append(problem(c, "Longitude", _("a new channel needs its position (Longitude, Latitude)")))


def _plan(items: list[Item], probs: list, *, project) -> _Plan:
    plan = _Plan()
    seen: dict[str, int] = {}
    for item in items:
        kind = _kind(item, probs)
        if kind in ("bad", "skip"):
            continue
        if item.device_id in seen:
            probs.append(
                problem(
                    item,
                    "DeviceID",
                    _("listed again (first at item %(index)s)") % {"index": seen[item.device_id]},
                )
            )
            continue
        seen[item.device_id] = item.index
        (plan.groups if kind == "group" else plan.channels).append(item)
    _plan_groups(plan.groups, probs)
    _plan_channels(plan, plan.channels, probs, project=project, group_ids={g.device_id for g in plan.groups})
    return plan


def catalog_apply(
    items: list[Item],
    *,
    project: Project | None,
    by=None,
    actor_name: str = "",
    device: GbDevice | None = None,
    partial: bool = False,
    dry_run: bool = False,
    problems: list[dict] | None = None,
    seen_at=None,
) -> CatalogResult:
    """File a catalog's items into the registry in one transaction (all or nothing unless ``partial``).

    ``seen_at`` (the access point's time of arrival): channels the device reports ON get it as
    their last keepalive; the health sweep does the rest."""
    probs = list(problems or [])
    plan = _plan(items, probs, project=project)
    result = CatalogResult(dry_run=dry_run, problems=probs)
    bad = {p["device_id"] for p in probs if p["device_id"]}
    result.skipped = len(items) - len(plan.groups) - len(plan.channels)
    if probs and not partial:
        _refuse(probs)
    plan.groups = [g for g in plan.groups if g.device_id not in bad]
    plan.channels = [c for c in plan.channels if c.device_id not in bad]
    result.skipped = len(items) - len(plan.groups) - len(plan.channels)
    with transaction.atomic():
        _write_groups(plan.groups, result)
        _write_channels(plan, result, project=project, device=device)
        if seen_at is not None:  # a live device's "Status ON" counts as a keepalive of that channel
            on = [c.device_id for c in plan.channels if c.status == "ON"]
            Channel.objects.filter(gb_id__in=on).update(last_keepalive_at=seen_at)
        if device is not None:
            GbDevice.objects.filter(pk=device.pk).update(catalog_at=timezone.now())
        audit_record(
            action="video.catalog.import",
            actor=by,
            actor_name=actor_name,
            object_type="video.channel",
            object_id=device.gb_id if device else "",
            after={**result.counts(), "problems": len(probs)},
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _refuse(probs: list[dict]):
    probs = sorted(probs, key=lambda p: p["index"] or 0)
    detail = _("The catalog was not imported: %(count)s problem(s) found; nothing was written.") % {
        "count": len(probs)
    }
    if len(probs) > MAX_PROBLEMS:
        detail += " " + _("The first %(count)s are listed.") % {"count": MAX_PROBLEMS}
    raise ValidationFailed(detail, errors=probs[:MAX_PROBLEMS])


def _write_groups(groups: list[Item], result: CatalogResult) -> None:
    rows = {g.gb_id: g for g in Group.objects.filter(gb_id__in=[i.device_id for i in groups])}
    for item in groups:
        row = rows.get(item.device_id)
        if row is None:
            rows[item.device_id] = Group.objects.create(gb_id=item.device_id, name=item.name)
            result.groups_created += 1
        elif item.name and row.name != item.name:
            row.name = item.name
            row.save(update_fields=["name", "updated_at"])
            result.groups_updated += 1
    refs = {_parent_ref(i) for i in groups} - {""}
    parents = {g.gb_id: g for g in Group.objects.filter(gb_id__in=refs)}
    for item in groups:
        row, ref = rows[item.device_id], _parent_ref(item)
        parent = parents.get(ref)
        if parent is not None and row.parent_id != parent.pk:
            row.parent = parent
            row.save(update_fields=["parent", "updated_at"])


def _channel_fields(item: Item, plan: _Plan, *, device, groups: dict) -> dict:
    out: dict = {}
    if item.name:
        out["name"] = item.name
    if item.manufacturer:
        out["vendor"] = item.manufacturer
    if item.model:
        out["model"] = item.model
    if device is not None:
        out["device"] = device
    group = groups.get(_parent_ref(item))
    if group is not None:
        out["group"] = group
    where = plan.places.get(item.device_id)
    if where is not None:
        out.update(lon=item.lon, lat=item.lat, area_id=where.area_id, village_id=where.village_id)
        out["grid_id"] = where.grid_id
    return out


def _write_channels(plan: _Plan, result: CatalogResult, *, project, device) -> None:
    items = plan.channels
    rows = {c.gb_id: c for c in Channel.objects.filter(gb_id__in=[i.device_id for i in items])}
    groups = {g.gb_id: g for g in Group.objects.filter(gb_id__in={_parent_ref(i) for i in items} - {""})}
    devices = {d.gb_id: d for d in GbDevice.objects.filter(gb_id__in={i.parent_id for i in items})}
    for item in items:
        result.status_on += item.status == "ON"
        result.status_off += item.status == "OFF"
        fields = _channel_fields(item, plan, device=device or devices.get(item.parent_id), groups=groups)
        row = rows.get(item.device_id)
        if row is None:
            _create_channel(item, fields, plan, result, project=project)
            continue
        changed = [k for k, v in fields.items() if getattr(row, k) != v]
        if not changed:
            result.unchanged += 1
            continue
        for k in changed:
            setattr(row, k, fields[k])
        row.save(update_fields=[*changed, "updated_at"])
        result.channels_updated += 1


def _create_channel(item: Item, fields: dict, plan: _Plan, result: CatalogResult, *, project) -> None:
    where = plan.places[item.device_id]
    site = Site.objects.filter(code=item.device_id).first()
    if site is None:
        site = Site.objects.create(
            project=project,
            code=item.device_id,
            name=item.name,
            lon=item.lon,
            lat=item.lat,
            address=item.address[:200],
            area_id=where.area_id,
            village_id=where.village_id,
            grid_id=where.grid_id,
        )
        result.sites_created += 1
    Channel.objects.create(
        gb_id=item.device_id,
        site=site,
        project=site.project,
        build_status=BuildStatus.BUILT,
        **fields,
    )
    result.channels_created += 1


def catalog_import(data: bytes, *, project_code: str, by=None, actor_name: str = "", dry_run: bool = False):
    """Import a Catalog XML file (the import page and ``cityops video-catalog``); all or nothing.

    A catalog places cameras wherever its devices stand, so a person importing one needs
    ``video.change`` over the whole town (the command line runs as the system)."""
    if by is not None and not (by.can("video.change") and by.scope_level == "town"):
        raise Forbidden(
            _("Importing a catalog needs the right to change the camera registry of the whole town.")
        )
    project = Project.objects.filter(code=project_code).first()
    if project is None:
        raise ValidationFailed(
            _("There is no video project with the code %(code)r.") % {"code": project_code},
            errors=[{"index": None, "device_id": "", "field": "project", "message": _("unknown project")}],
        )
    items, probs = read_catalog(data)
    return catalog_apply(
        items, project=project, by=by, actor_name=actor_name, dry_run=dry_run, problems=probs
    )


def renumber(items: list[Item]) -> list[Item]:
    """Items of several chunks numbered from 1 in arrival order (for problems that name them)."""
    return [replace(item, index=n) for n, item in enumerate(items, 1)]
