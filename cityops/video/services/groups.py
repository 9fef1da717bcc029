"""The virtual-organisation tree: business groups (215) and virtual organisations (216)."""

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.video import gbid
from cityops.video.models import Group
from cityops.video.services.common import UNSET, _fail, _for_change, _require, _text_errors

# ---- the virtual-organisation tree -------------------------------------------------------------------------


def group_parent_errors(gb_id: str, parent: Group | None, parent_gb_id: str | None) -> list[tuple[str, str]]:
    """The tree rule: a business group (215) is a root; a virtual organisation (216) hangs under a
    business group or another virtual organisation."""
    type_code = gb_id[10:13]
    if type_code == "215":
        return (
            [("parent", _("a business group (215) is a root of the tree; it has no parent"))]
            if parent_gb_id
            else []
        )
    if not parent_gb_id:
        return [
            ("parent", _("a virtual organisation (216) hangs under a business group (215) or another 216"))
        ]
    if parent is None:
        return [("parent", _("there is no group %(id)s") % {"id": parent_gb_id})]
    if parent.type_code not in gbid.GROUP_TYPES:
        return [
            ("parent", _("%(id)s is not a business group or virtual organisation") % {"id": parent_gb_id})
        ]
    return []


def group_create(*, gb_id: str, name: str, parent: str | None = None, by=None, actor_name: str = "") -> Group:
    """A business group (215) or a virtual organisation (216) of the browsing tree."""
    _require(by)
    gb_id = (gb_id or "").strip()
    errors = _text_errors("name", name, required=True, most=100)
    try:
        gbid.parse(gb_id, types=gbid.GROUP_TYPES)
    except gbid.BadId as exc:
        errors.insert(0, ("gb_id", f"{gb_id!r}: {exc}"))
    else:
        if Group.objects.filter(gb_id=gb_id).exists():
            errors.insert(0, ("gb_id", _("a group with ID %(id)s exists already") % {"id": gb_id}))
        parent_group = Group.objects.filter(gb_id=parent).first() if parent else None
        errors += group_parent_errors(gb_id, parent_group, parent)
    if errors:
        _fail(errors, "group")
    with transaction.atomic():
        group = Group.objects.create(gb_id=gb_id, name=name.strip(), parent=parent_group)
        audit_record(
            action="video.group.create",
            actor=by,
            actor_name=actor_name,
            obj=group,
            after={"gb_id": gb_id, "name": group.name, "parent": parent},
        )
    return group


def group_update(
    *, group_id: int, name: str | None = None, parent=UNSET, by=None, actor_name: str = ""
) -> Group:
    """Rename a group or hang it elsewhere (never under itself or its own descendants)."""
    _require(by)
    with transaction.atomic():
        group = _for_change(Group, group_id, by, "group")
        new_name = name.strip() if name is not None else group.name
        errors = _text_errors("name", new_name, required=True, most=100)
        new_parent = group.parent
        if parent is not UNSET:
            new_parent = Group.objects.filter(gb_id=parent).first() if parent else None
            errors += group_parent_errors(group.gb_id, new_parent, parent)
            node = new_parent
            while node is not None and not errors:
                if node.pk == group.pk:
                    errors.append(
                        (
                            "parent",
                            _("%(parent)s is %(id)s itself or lies under it")
                            % {"parent": parent, "id": group.gb_id},
                        )
                    )
                node = node.parent
        if errors:
            _fail(errors, "group")
        before = {"name": group.name, "parent": group.parent.gb_id if group.parent_id else None}
        group.name, group.parent = new_name, new_parent
        after = {"name": group.name, "parent": new_parent.gb_id if new_parent else None}
        if before != after:
            group.save()
            audit_record(
                action="video.group.update",
                actor=by,
                actor_name=actor_name,
                obj=group,
                before=before,
                after=after,
            )
    return group
