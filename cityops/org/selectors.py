"""Reads of the organisation, restricted to the acting user's scope."""

from cityops.org.models import Department, Workstation


def department_list(*, user, in_grid: bool | None = None, gives_services: bool | None = None):
    qs = Department.objects.restrict(user, "org.view")
    if in_grid is not None:
        qs = qs.filter(in_grid=in_grid)
    if gives_services is not None:
        qs = qs.filter(gives_services=gives_services)
    return qs.order_by("code")


def workstation_list(*, user):
    return (
        Workstation.objects.restrict(user, "org.view")
        .select_related("area", "village")
        .order_by("level", "code")
    )


def org_counts() -> dict[str, int]:
    return {
        "departments": Department.objects.count(),
        "departments_in_grid": Department.objects.filter(in_grid=True).count(),
        "departments_with_services": Department.objects.filter(gives_services=True).count(),
        "workstations": Workstation.objects.count(),
    }
