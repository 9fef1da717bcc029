"""Writes to the organisation: departments and workstations, each audited."""

from django.db import transaction

from cityops.audit.services import audit_record
from cityops.core.upsert import Outcome, upsert_by_code
from cityops.org.models import Department, Workstation


def _plain(value):
    return getattr(value, "code", value)


def _upsert_audited(model, code: str, fields: dict, by, actor_name: str) -> tuple[object, Outcome]:
    with transaction.atomic():
        obj, outcome, changes = upsert_by_code(model, code, fields)
        if outcome is Outcome.CREATED:
            after = {k: _plain(v) for k, v in fields.items()}
            audit_record(
                action=f"{obj._meta.label_lower}.create",
                actor=by,
                actor_name=actor_name,
                obj=obj,
                after={"code": code, **after},
            )
        elif outcome is Outcome.UPDATED:
            audit_record(
                action=f"{obj._meta.label_lower}.change",
                actor=by,
                actor_name=actor_name,
                obj=obj,
                before={k: _plain(b) for k, (b, _) in changes.items()},
                after={k: _plain(a) for k, (_, a) in changes.items()},
            )
    return obj, outcome


def department_upsert(
    *,
    code: str,
    name: str,
    short_name: str = "",
    in_grid: bool = False,
    gives_services: bool = False,
    phone: str = "",
    by=None,
    actor_name: str = "",
):
    """Create or update a department by its code; returns (department, outcome)."""
    fields = {
        "name": name,
        "short_name": short_name,
        "in_grid": in_grid,
        "gives_services": gives_services,
        "phone": phone,
    }
    return _upsert_audited(Department, code, fields, by, actor_name)


def workstation_upsert(
    *,
    code: str,
    name: str,
    level: str,
    area=None,
    village=None,
    phone: str = "",
    by=None,
    actor_name: str = "",
):
    """Create or update the command centre or a workstation by its code; returns (workstation, outcome)."""
    if village is not None:
        area = village.area
    fields = {"name": name, "level": level, "area": area, "village": village, "phone": phone}
    return _upsert_audited(Workstation, code, fields, by, actor_name)
