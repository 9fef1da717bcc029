"""Projects (科技护城墙, 明厨亮灶 …): their planned and built counts and targets."""

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.video.choices import ProjectKind
from cityops.video.models import Project
from cityops.video.services.common import CODE_RE, _fail, _for_change, _require, _text_errors

# ---- projects -------------------------------------------------------------------------------------------


def _project_errors(fields: dict) -> list[tuple[str, str]]:
    errors = _text_errors("name", fields.get("name"), required=True, most=100)
    if fields.get("kind") not in ProjectKind.values:
        errors.append(
            (
                "kind",
                _("%(value)r is not one of %(choices)s")
                % {"value": fields.get("kind"), "choices": ", ".join(ProjectKind.values)},
            )
        )
    rate = fields.get("target_rate")
    if not isinstance(rate, int | float) or not 0 <= rate <= 100:
        errors.append(("target_rate", _("a percentage from 0 to 100")))
    for name in ("planned_sites", "planned_channels"):
        if not isinstance(fields.get(name), int) or fields[name] < 0:
            errors.append((name, _("a whole number, 0 or more")))
    return errors


PROJECT_FIELDS = ("name", "kind", "target_rate", "planned_sites", "planned_channels", "description")


def project_create(
    *,
    code: str,
    name: str,
    kind: str,
    target_rate: float | None = None,
    planned_sites: int = 0,
    planned_channels: int = 0,
    description: str = "",
    by=None,
    actor_name: str = "",
) -> Project:
    """A project of cameras; its online-rate target defaults to its kind's (98 % or 95 %)."""
    _require(by)
    if target_rate is None and kind in ProjectKind.values:
        target_rate = ProjectKind(kind).target_rate
    fields = {
        "name": (name or "").strip(),
        "kind": kind,
        "target_rate": target_rate,
        "planned_sites": planned_sites,
        "planned_channels": planned_channels,
        "description": description,
    }
    errors = _project_errors(fields)
    if not CODE_RE.match(code or ""):
        errors.insert(0, ("code", _("%(code)r: 1 to 40 letters, digits, '-' or '_'") % {"code": code}))
    elif Project.objects.filter(code=code).exists():
        errors.insert(0, ("code", _("a project with code %(code)r exists already") % {"code": code}))
    if errors:
        _fail(errors, "project")
    with transaction.atomic():
        project = Project.objects.create(code=code, **fields)
        audit_record(
            action="video.project.create", actor=by, actor_name=actor_name, obj=project, after=fields
        )
    return project


def project_update(*, project_id: int, by=None, actor_name: str = "", **changes) -> Project:
    """Change a project's name, kind, target or plan (a field not given stays as it is)."""
    _require(by)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        _fail([(k, _("not a field of a project")) for k in sorted(unknown)], "project")
    with transaction.atomic():
        project = _for_change(Project, project_id, by, "project")
        before = {k: getattr(project, k) for k in PROJECT_FIELDS}
        follows_kind = project.target_rate == ProjectKind(project.kind).target_rate
        if follows_kind and "target_rate" not in changes and changes.get("kind") in ProjectKind.values:
            changes["target_rate"] = ProjectKind(changes["kind"]).target_rate
        after = {**before, **{k: v for k, v in changes.items() if v is not None}}
        errors = _project_errors(after)
        if errors:
            _fail(errors, "project")
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            for key, value in changed.items():
                setattr(project, key, value)
            project.save()
            audit_record(
                action="video.project.update",
                actor=by,
                actor_name=actor_name,
                obj=project,
                before={k: before[k] for k in changed},
                after=changed,
            )
    return project
