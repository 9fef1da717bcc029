"""Reads of accounts, restricted to the acting user's scope."""

from cityops.accounts.models import ApiToken, User
from cityops.accounts.roles import Role
from cityops.core.errors import NotFound
from cityops.geo.selectors import grid_get


def user_list(*, user, role: str | None = None, grid: str | None = None, village: str | None = None):
    qs = User.objects.restrict(user, "accounts.view").select_related(
        "scope_area", "scope_village", "scope_grid"
    )
    if role:
        qs = qs.filter(role=role)
    if grid:
        qs = qs.filter(scope_grid__code=grid)
    if village:
        qs = qs.filter(scope_village__code=village)
    return qs.order_by("username")


def grid_inspectors(*, user, grid_code: str) -> list[User]:
    """The inspectors assigned to a grid the user may see (404 when the grid is out of scope)."""
    grid = grid_get(user=user, code=grid_code)
    return list(
        User.objects.filter(role=Role.INSPECTOR, scope_grid=grid, is_active=True).order_by("display_name")
    )


def token_list(*, user):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def user_get(*, user, username: str) -> User:
    found = user_list(user=user).filter(username=username).first()
    if found is None:
        raise NotFound(f"There is no user {username!r} in your scope.")
    return found
