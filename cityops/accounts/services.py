"""Every write to accounts: users, scopes, passwords, lockout and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cityops.accounts.models import ApiToken, User
from cityops.accounts.roles import ROLE_LEVELS, STAFF_ROLES, Role
from cityops.audit.services import audit_record
from cityops.core import ratelimit
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department

TOKEN_PREFIX = "cto_"


def _scope_fields(level: str, unit_code: str | None) -> dict:
    if level == "town":
        return {"scope_level": "town", "scope_area": None, "scope_village": None, "scope_grid": None}
    model = {"area": Area, "village": Village, "grid": Grid}.get(level)
    if model is None:
        raise ValidationFailed(
            f"scope level {level!r} is not one of town, area, village, grid",
            errors=[{"field": "scope_level", "message": "unknown scope level"}],
        )
    unit = model.objects.filter(code=unit_code).first()
    if unit is None:
        raise ValidationFailed(
            f"there is no {level} with code {unit_code!r}",
            errors=[{"field": "scope_unit", "message": f"unknown {level} {unit_code!r}"}],
        )
    if level == "area":
        return {"scope_level": level, "scope_area": unit, "scope_village": None, "scope_grid": None}
    if level == "village":
        return {
            "scope_level": level,
            "scope_area_id": unit.area_id,
            "scope_village": unit,
            "scope_grid": None,
        }
    return {
        "scope_level": level,
        "scope_area_id": unit.area_id,
        "scope_village_id": unit.village_id,
        "scope_grid": unit,
    }


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            "The password is not strong enough: " + " ".join(exc.messages),
            errors=[{"field": "password", "message": m} for m in exc.messages],
        ) from None


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    scope_level: str = "town",
    scope_unit: str | None = None,
    password: str | None = None,
    display_name: str = "",
    phone: str = "",
    departments: list[str] = (),
    by=None,
) -> User:
    """Create an account with its role, scope and departments; the password is checked for strength."""
    if role not in Role.values:
        raise ValidationFailed(
            f"role {role!r} is not one of {', '.join(Role.values)}",
            errors=[{"field": "role", "message": "unknown role"}],
        )
    if scope_level not in ROLE_LEVELS[role]:
        allowed = ", ".join(sorted(ROLE_LEVELS[role]))
        raise ValidationFailed(
            f"a {role} is scoped to {allowed}, not {scope_level}",
            errors=[{"field": "scope_level", "message": f"must be one of {allowed}"}],
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            f"the username {username!r} is taken", errors=[{"field": "username", "message": "already taken"}]
        )
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        phone=phone,
        **_scope_fields(scope_level, scope_unit),
    )
    user.is_staff = role in (Role.SYSADMIN, Role.DATA_STEWARD, Role.AUDITOR)
    user.is_superuser = role == Role.SYSADMIN
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
    user.save()
    depts = list(Department.objects.filter(code__in=departments))
    missing = set(departments) - {d.code for d in depts}
    if missing:
        raise ValidationFailed(
            f"unknown department(s): {', '.join(sorted(missing))}",
            errors=[{"field": "departments", "message": "unknown department"}],
        )
    user.departments.set(depts)
    audit_record(
        action="accounts.user.create",
        actor=by,
        obj=user,
        after={
            "username": username,
            "role": role,
            "scope_level": scope_level,
            "scope_unit": scope_unit,
            "phone": phone,
            "departments": sorted(departments),
        },
    )
    return user


@transaction.atomic
def password_set(*, user: User, password: str, by=None) -> None:
    """Set a new password after checking its strength; clears any lockout."""
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "password_changed_at", "failed_logins", "locked_until"])
    audit_record(action="accounts.password.set", actor=by or user, obj=user)


def password_expired(user: User) -> bool:
    days = settings.CITYOPS_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password() or user.role == Role.RESIDENT:
        return False
    changed = user.password_changed_at
    return changed is None or changed < timezone.now() - timedelta(days=days)


def _login_window() -> int:
    return settings.CITYOPS_LOCKOUT_MINUTES * 60


def address_limit() -> ratelimit.Limit:
    """Failed sign-ins from one address, whatever the names: beyond it the address is refused."""
    return ratelimit.Limit("login-address", settings.CITYOPS_LOGIN_ADDRESS_FAILURES, _login_window())


def name_limit() -> ratelimit.Limit:
    """Failed sign-ins of one name from one address: beyond it that name is refused from there."""
    return ratelimit.Limit("login-name", settings.CITYOPS_LOCKOUT_ATTEMPTS, _login_window())


def account_limit() -> ratelimit.Limit:
    """Failed sign-ins of one name from all addresses together: beyond it the account locks."""
    return ratelimit.Limit("login-account", settings.CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS, _login_window())


def _name_key(username: str, address: str) -> str:
    return f"{username.casefold()}@{address}"


def login_refusal(*, username: str, address: str) -> str | None:
    """Why a sign-in is refused before any account is read: "address", "name" or None.

    Both checks depend only on what the client sent, never on whether the name exists, so a refusal
    tells nothing about accounts; and the per-name check is per address, so nobody elsewhere can use
    it to shut a user out.
    """
    if ratelimit.exceeded(address_limit(), address):
        return "address"
    if ratelimit.exceeded(name_limit(), _name_key(username, address)):
        return "name"
    return None


def login_refused(*, username: str, address: str, reason: str) -> None:
    """Audit a sign-in refused by ``login_refusal``; it counts against the address, not the account."""
    ratelimit.hit(address_limit(), address)
    audit_record(
        action="login.refused",
        actor_name=username,
        object_type="accounts.user",
        after={"reason": reason},
    )


def login_failed(*, username: str, address: str = "") -> User | None:
    """Count a failed sign-in against the address, the name at that address and the account; the
    account locks when the failures from every address together reach CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS."""
    ratelimit.hit(address_limit(), address)
    ratelimit.hit(name_limit(), _name_key(username, address))
    account_failures = ratelimit.hit(account_limit(), username)
    now = timezone.now()
    with transaction.atomic():
        User.objects.filter(username=username).update(failed_logins=F("failed_logins") + 1)
        user = User.objects.filter(username=username).first()
        if user and account_failures >= settings.CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS and not user.is_locked:
            user.locked_until = now + timedelta(minutes=settings.CITYOPS_LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            audit_record(
                action="accounts.lockout",
                actor_name=username,
                obj=user,
                after={"locked_until": user.locked_until.isoformat()},
            )
        audit_record(
            action="login.failed",
            actor_name=username,
            object_type="accounts.user",
            object_id=str(user.pk) if user else "",
        )
    return user


def login_succeeded(*, user: User) -> None:
    with transaction.atomic():
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(action="login.success", actor=user, obj=user)


def unlock(*, user: User, by) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(action="accounts.unlock", actor=by, obj=user)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, days: int | None = None, by=None) -> tuple[ApiToken, str]:
    """A new API token; the raw secret is returned once and never stored."""
    if user.role not in STAFF_ROLES:
        # the API serves staff and their programs; a resident reports and tracks through the pages
        raise Forbidden("A resident's account cannot have API tokens: they are for staff and their programs.")
    days = days or settings.CITYOPS_TOKEN_DAYS
    if days < 1 or days > 366:
        raise ValidationFailed(
            "a token lives between 1 and 366 days",
            errors=[{"field": "days", "message": "must be between 1 and 366"}],
        )
    if not name.strip():
        raise ValidationFailed("a token needs a name", errors=[{"field": "name", "message": "required"}])
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        digest=_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        action="accounts.token.create",
        actor=by or user,
        obj=token,
        after={"name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token_id: int, user: User, by=None) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(f"There is no token {token_id} of yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="accounts.token.revoke", actor=by or user, obj=token)
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user of a valid, unexpired, unrevoked token; None otherwise."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or not token.is_active or not token.user.is_active or token.user.role not in STAFF_ROLES:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _revoke_tokens(user: User, by, now) -> list[str]:
    """Revoke every live token of ``user`` (each audited); returns their prefixes."""
    live = list(
        ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    )
    for token in live:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_record(action="accounts.token.revoke", actor=by, obj=token, after={"because": "account"})
    return [t.prefix for t in live]


@transaction.atomic
def user_disable(*, user: User, by=None, reason: str) -> User:
    """Disable an account — it can no longer sign in, its sessions end, its tokens are revoked —
    saying why. Nothing of it is deleted: its history and its place in the trail stay."""
    if not reason.strip():
        raise ValidationFailed(
            "say why the account is disabled", errors=[{"field": "reason", "message": "required"}]
        )
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = _revoke_tokens(user, by, now)
    audit_record(
        action="accounts.user.disable",
        actor=by,
        actor_name="" if by else "system",
        obj=user,
        before={"is_active": was_active},
        after={"is_active": False, "reason": reason.strip(), "tokens_revoked": revoked},
    )
    return user


@transaction.atomic
def access_strip(*, user: User, by=None, reason: str) -> User:
    """Take away what a disabled account still holds — its role and scope, departments, staff
    flags and tokens — so that enabling it again gives nothing back by accident."""
    if not reason.strip():
        raise ValidationFailed(
            "say why the access is taken away", errors=[{"field": "reason", "message": "required"}]
        )
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict(f"{user.username} is active: disable the account before taking its access away.")
    before = {
        "role": user.role,
        "scope_level": user.scope_level,
        "departments": sorted(user.departments.values_list("code", flat=True)),
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }
    for field, value in {
        **_scope_fields("town", None),
        "role": Role.RESIDENT,
        "is_staff": False,
        "is_superuser": False,
    }.items():
        setattr(user, field, value)
    user.save()
    user.departments.clear()
    revoked = _revoke_tokens(user, by, now)
    after = {
        "role": Role.RESIDENT.value,
        "scope_level": "town",
        "departments": [],
        "is_staff": False,
        "is_superuser": False,
    }
    audit_record(
        action="accounts.user.strip",
        actor=by,
        obj=user,
        before=before,
        after={**after, "reason": reason.strip(), "tokens_revoked": revoked},
    )
    return user
