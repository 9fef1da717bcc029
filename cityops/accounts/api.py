from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status

from cityops.accounts import selectors, services
from cityops.accounts.roles import ROLE_ACTIONS, Role
from cityops.accounts.schemas import (
    InspectorOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserPage,
)
from cityops.core.api import PageQuery, paginate
from cityops.core.inputs import Id
from cityops.core.masking import mask_phone

router = Router(tags=["accounts"])


def _token_out(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "revoked_at": t.revoked_at,
        "last_used_at": t.last_used_at,
        "active": t.is_active,
    }


@router.get("/me", response=MeOut, summary="Who you are: role, scope and permitted actions")
def me(request):
    u = request.user
    unit = u.scope_unit
    actions = (
        sorted(ROLE_ACTIONS.get(u.role, ()))
        if not u.is_superuser
        else sorted(set().union(*ROLE_ACTIONS.values()))
    )
    return {
        "username": u.username,
        "display_name": str(u),
        "role": u.role,
        "role_label": str(Role(u.role).label),
        "scope_level": u.scope_level,
        "scope_unit": unit.code if unit else None,
        "scope_unit_name": unit.name if unit else None,
        "departments": list(u.departments.values_list("code", flat=True)),
        "actions": actions,
    }


@router.get("/users", response=UserPage, summary="Accounts in your scope")
def users(request, paging: Query[PageQuery], role: str | None = None, grid: str | None = None):
    if not request.user.can("accounts.view"):
        raise PermissionDenied("Your role may not read accounts.")
    items, meta = paginate(selectors.user_list(user=request.user, role=role, grid=grid), paging)
    results = [
        {
            "username": u.username,
            "display_name": str(u),
            "role": u.role,
            "scope_level": u.scope_level,
            "scope_unit": u.scope_unit.code if u.scope_unit else None,
            "phone": mask_phone(u.phone) if u.phone else "",
            "is_active": u.is_active,
        }
        for u in items
    ]
    return {**meta, "results": results}


@router.get("/grids/{code}/inspectors", response=list[InspectorOut], summary="Inspectors assigned to a grid")
def grid_inspectors(request, code: str):
    if not request.user.can("geo.view"):
        raise PermissionDenied("Your role may not read the geography.")
    return [
        {"username": u.username, "display_name": str(u), "phone": mask_phone(u.phone) if u.phone else ""}
        for u in selectors.grid_inspectors(user=request.user, grid_code=code)
    ]


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
def tokens(request):
    return [_token_out(t) for t in selectors.token_list(user=request.user)]


@router.post(
    "/tokens", response={201: TokenCreatedOut}, summary="Issue an API token (the secret is shown once)"
)
def token_create(request, body: TokenIn):
    token, raw = services.token_create(user=request.user, name=body.name, days=body.days)
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke one of your API tokens")
def token_revoke(request, token_id: Id):
    return _token_out(services.token_revoke(token_id=token_id, user=request.user))
