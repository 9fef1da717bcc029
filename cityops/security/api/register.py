"""The register's API: information systems (read, add, change, record an assessment) and the
terminals with their problems; thin over the selectors and services."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status

from cityops.core.api import PageQuery, paginate
from cityops.security.models import InfoSystem, Terminal
from cityops.security.register import rules, selectors, services
from cityops.security.schemas import (
    AssessmentIn,
    SystemCreate,
    SystemDetail,
    SystemPage,
    SystemQuery,
    SystemUpdate,
    TerminalPage,
    TerminalQuery,
)

router = Router(tags=["security"])


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def system_row(s: InfoSystem) -> dict:
    return {
        "code": s.code,
        "name": s.name,
        "owner": s.owner.code,
        "owner_name": s.owner.name,
        "level": s.level,
        "filing_number": s.filing_number,
        "status": s.status,
        "exposure": s.exposure,
        "personal_data": s.personal_data,
        "data_note": s.data_note,
        "last_assessed_on": s.last_assessed_on,
        "last_result": s.last_result,
        "next_due_on": s.next_due_on,
        "due_state": rules.due_state(s.next_due_on).value,
        "version": s.version,
    }


def system_detail(s: InfoSystem) -> dict:
    return {
        **system_row(s),
        "description": s.description,
        "last_assessor": s.last_assessor,
        "contacts": [
            {"role": c.role, "name": c.name, "phone": c.phone, "email": c.email}
            for c in s.contacts.order_by("position", "id")
        ],
    }


def _system_in(body, code: str) -> services.SystemIn:
    return services.SystemIn(
        code=code,
        name=body.name,
        owner=body.owner,
        level=body.level,
        exposure=body.exposure,
        filing_number=body.filing_number,
        status=body.status,
        personal_data=body.personal_data,
        data_note=body.data_note,
        description=body.description,
        next_due_on=body.next_due_on,
        contacts=[services.ContactIn(**c.dict()) for c in body.contacts],
    )


@router.get(
    "/systems", response=SystemPage, summary="The register of information systems, filtered and paged"
)
def system_list(request, q: Query[SystemQuery], paging: Query[PageQuery]):
    _require(request, "security.view")
    f = selectors.SystemFilter(
        level=q.level,
        exposure=q.exposure or "",
        personal_data=q.personal_data,
        due=q.due or "",
        owner=q.owner or "",
        status=q.status or "",
        q=q.q or "",
    )
    items, meta = paginate(selectors.system_list(user=request.user, filters=f), paging)
    return {"items": [system_row(s) for s in items], "meta": meta}


@router.post("/systems", response={201: SystemDetail}, summary="Add a system to the register")
def system_create(request, body: SystemCreate):
    _require(request, "security.register")
    system = services.system_create(by=request.user, data=_system_in(body, body.code))
    return Status(201, system_detail(selectors.system_get(user=request.user, code=system.code)))


@router.get("/systems/{code}", response=SystemDetail, summary="A system with its contacts")
def system_get(request, code: str):
    _require(request, "security.view")
    return system_detail(selectors.system_get(user=request.user, code=code))


@router.put(
    "/systems/{code}",
    response=SystemDetail,
    summary="Change a system's entry (all of it, with the version read)",
)
def system_update(request, code: str, body: SystemUpdate):
    _require(request, "security.register")
    services.system_update(by=request.user, code=code, data=_system_in(body, code), version=body.version)
    return system_detail(selectors.system_get(user=request.user, code=code))


@router.post("/systems/{code}/assessments", response=SystemDetail, summary="Record an assessment (等级测评)")
def assessment_record(request, code: str, body: AssessmentIn):
    _require(request, "security.register")
    services.assessment_record(
        by=request.user,
        code=code,
        assessed_on=body.assessed_on,
        result=body.result,
        assessor=body.assessor,
        next_due_on=body.next_due_on,
        version=body.version,
    )
    return system_detail(selectors.system_get(user=request.user, code=code))


def terminal_row(t: Terminal, cutoff) -> dict:
    return {
        "code": t.code,
        "hostname": t.hostname,
        "ip": t.ip,
        "mac": t.mac,
        "department": t.department.code if t.department_id else None,
        "keeper": t.keeper,
        "os": t.os,
        "agent_status": t.agent_status,
        "agent_version": t.agent_version,
        "last_heartbeat_at": t.last_heartbeat_at,
        "offline": selectors.is_offline(t, cutoff),
    }


@router.get(
    "/terminals",
    response=TerminalPage,
    summary="Terminals and their endpoint agents; offline or unprotected ones by filter",
)
def terminal_list(request, q: Query[TerminalQuery], paging: Query[PageQuery]):
    _require(request, "security.view")
    f = selectors.TerminalFilter(**{k: v or "" for k, v in q.dict().items()})
    items, meta = paginate(selectors.terminal_list(user=request.user, filters=f), paging)
    cutoff = selectors.offline_before()
    return {"items": [terminal_row(t, cutoff) for t in items], "meta": meta}
