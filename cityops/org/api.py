from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema

from cityops.core.api import PageMeta, PageQuery, paginate
from cityops.org.selectors import department_list, workstation_list

router = Router(tags=["organisation"])


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    in_grid: bool
    gives_services: bool
    phone: str


class DepartmentPage(PageMeta):
    results: list[DepartmentOut]


class WorkstationOut(Schema):
    code: str
    name: str
    level: str
    area: str | None
    village: str | None
    phone: str


class WorkstationPage(PageMeta):
    results: list[WorkstationOut]


@router.get("/departments", response=DepartmentPage)
def departments(
    request, paging: Query[PageQuery], in_grid: bool | None = None, gives_services: bool | None = None
):
    if not request.user.can("org.view"):
        raise PermissionDenied("Your role may not read the organisation.")
    items, meta = paginate(
        department_list(user=request.user, in_grid=in_grid, gives_services=gives_services), paging
    )
    return {**meta, "results": items}


@router.get("/workstations", response=WorkstationPage)
def workstations(request, paging: Query[PageQuery]):
    if not request.user.can("org.view"):
        raise PermissionDenied("Your role may not read the organisation.")
    items, meta = paginate(workstation_list(user=request.user), paging)
    results = [
        {
            "code": w.code,
            "name": w.name,
            "level": w.level,
            "area": w.area.code if w.area_id else None,
            "village": w.village.code if w.village_id else None,
            "phone": w.phone,
        }
        for w in items
    ]
    return {**meta, "results": results}
