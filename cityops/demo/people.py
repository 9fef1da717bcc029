"""The demo town's organisation and people.

Departments (19 in the grid, 28 giving services), the 1 + 6 + 23 workstations, 446 inspectors
spread over the 125 grids and one demo login per role. Every function creates only what is
missing, so seeding twice changes nothing; people are created through ``user_create`` so that
they are validated and audited like any other account.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.accounts.services import user_create
from cityops.core.upsert import Outcome
from cityops.demo import names
from cityops.geo.models import Area, Grid, Village
from cityops.org.services import department_upsert, workstation_upsert
from cityops.video.models import School

ACTOR = "seed-demo"
SEED = 446
INSPECTORS = 446
INSPECTORS_PER_GRID = 3
# One documented password for every demo login: 17 characters of 4 classes, not a common one.
DEMO_PASSWORD = "Demo-Cityops-2026"
WORKSTATION_PHONE_PREFIX = "0769-8556"

Progress = Callable[..., Iterable]


def no_progress(iterable, **kwargs):
    return iterable


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope_level: str = "town"
    scope_unit: str | None = None
    display_name: str = ""
    departments: tuple[str, ...] = ()


FIRST_AREA, FIRST_VILLAGE, FIRST_GRID = "DLS-A1", "DLS-A1-V01", "DLS-A1-V01-G01"

# The demo inspector is the first of the 446 (see inspector_specs), so it has no entry here.
DEMO_LOGINS = [
    Login("duty", Role.DUTY_OFFICER, display_name="陈志明"),
    Login("dispatcher_area", Role.DISPATCHER, "area", FIRST_AREA, "李嘉欣"),
    Login("dispatcher_village", Role.DISPATCHER, "village", FIRST_VILLAGE, "黄俊杰"),
    Login("handler", Role.DEPARTMENT_HANDLER, display_name="张伟强", departments=(names.URBAN_MANAGEMENT,)),
    Login("resident", Role.RESIDENT, display_name="梁美玲"),
    Login("clerk", Role.WINDOW_CLERK, display_name="林晓婷"),
    Login("steward", Role.DATA_STEWARD, display_name="何文斌"),
    Login("auditor", Role.AUDITOR, display_name="王建国"),
    Login("security", Role.SECURITY_OFFICER, display_name="苏志远"),
    Login("admin", Role.SYSADMIN, display_name="罗海涛"),
    # an officer of the first school (see school_officer_link), who sees only its kitchens
    Login("food_safety", Role.FOOD_SAFETY, display_name="周丽华"),
    # the market regulator's responsible person, who approves the extension of an application's limit
    Login("approver", Role.DEPARTMENT_HANDLER, display_name="邓少波", departments=("D-SCJG",)),
    # decides the departments' appeals against bad ratings (好差评)
    Login("supervisor", Role.SERVICE_SUPERVISOR, display_name="郑秀英"),
]
DEMO_INSPECTOR = "inspector"


def _count(tally: Tally, outcome: Outcome) -> None:
    setattr(tally, outcome.value, getattr(tally, outcome.value) + 1)


def _departments(tally: Tally) -> None:
    for n, (code, name, short, in_grid, services) in enumerate(names.DEPARTMENTS, 1):
        _, outcome = department_upsert(
            code=code,
            name=name,
            short_name=short,
            in_grid=in_grid,
            gives_services=services,
            phone=f"{names.DEPARTMENT_PHONE_PREFIX}{n:04d}",
            actor_name=ACTOR,
        )
        _count(tally, outcome)


def _workstations(tally: Tally) -> None:
    town = f"{names.TOWN_NAME}指挥调度中心"
    _, outcome = workstation_upsert(
        code="DLS-CC", name=town, level="town", phone=f"{WORKSTATION_PHONE_PREFIX}0000", actor_name=ACTOR
    )
    _count(tally, outcome)
    for n, area in enumerate(Area.objects.order_by("code"), 1):
        _, outcome = workstation_upsert(
            code=f"{area.code}-WS",
            name=f"{area.name}指挥调度工作站",
            level="area",
            area=area,
            phone=f"{WORKSTATION_PHONE_PREFIX}{n:02d}00",
            actor_name=ACTOR,
        )
        _count(tally, outcome)
    for n, village in enumerate(Village.objects.select_related("area").order_by("code"), 1):
        _, outcome = workstation_upsert(
            code=f"{village.code}-WS",
            name=f"{village.name}指挥调度工作站",
            level="village",
            village=village,
            phone=f"{WORKSTATION_PHONE_PREFIX}{n + 10:02d}01",
            actor_name=ACTOR,
        )
        _count(tally, outcome)


def org_seed() -> Tally:
    """Departments and the command hierarchy's workstations; needs the geography first."""
    tally = Tally()
    with transaction.atomic():
        _departments(tally)
        _workstations(tally)
    return tally


@dataclass(frozen=True)
class InspectorSpec:
    username: str
    display_name: str
    phone: str
    grid: str


def _person_names(rng: np.random.Generator, n: int) -> list[str]:
    weights = 1 / (np.arange(len(names.SURNAMES)) + 3)  # common surnames are much more common
    weights /= weights.sum()
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        surname = names.SURNAMES[rng.choice(len(names.SURNAMES), p=weights)]
        length = 1 if rng.random() < 0.25 else 2
        given = "".join(names.GIVEN_CHARS[i] for i in rng.choice(len(names.GIVEN_CHARS), length))
        if surname + given not in seen:
            seen.add(surname + given)
            out.append(surname + given)
    return out


def _mobiles(rng: np.random.Generator, n: int) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < n:
        prefix = names.MOBILE_PREFIXES[rng.integers(len(names.MOBILE_PREFIXES))]
        out[f"{prefix}{rng.integers(10**8):08d}"] = None
    return list(out)


def inspector_specs(grids: list[tuple[str, float]]) -> list[InspectorSpec]:
    """INSPECTORS people over ``grids`` (code, area): three each, a fourth in the largest grids."""
    extra = INSPECTORS - INSPECTORS_PER_GRID * len(grids)
    if not 0 <= extra <= len(grids):
        raise ValueError(f"{INSPECTORS} inspectors do not fit {len(grids)} grids at 3 or 4 each")
    larger = {code for code, _ in sorted(grids, key=lambda g: (-g[1], g[0]))[:extra]}
    slots = [code for code, _ in sorted(grids) for _ in range(INSPECTORS_PER_GRID + (code in larger))]
    rng = np.random.default_rng(SEED)
    people = zip(_person_names(rng, len(slots)), _mobiles(rng, len(slots)), slots, strict=True)
    return [
        InspectorSpec(DEMO_INSPECTOR if i == 0 else f"insp{i:03d}", name, phone, grid)
        for i, (name, phone, grid) in enumerate(people)
    ]


def _existing(usernames: Iterable[str]) -> set[str]:
    return set(User.objects.filter(username__in=list(usernames)).values_list("username", flat=True))


def inspectors_seed(progress: Progress = no_progress) -> Tally:
    """The 446 inspectors with unusable passwords, except the demo inspector who can log in."""
    specs = inspector_specs(list(Grid.objects.values_list("code", "area_m2")))
    existing = _existing(s.username for s in specs)
    tally = Tally(unchanged=len(existing))
    with transaction.atomic():
        todo = [s for s in specs if s.username not in existing]
        for spec in progress(todo, desc="inspectors", unit="person"):
            user_create(
                username=spec.username,
                role=Role.INSPECTOR,
                scope_level="grid",
                scope_unit=spec.grid,
                # hashing 446 strong passwords would take minutes for accounts nobody logs in to
                password=DEMO_PASSWORD if spec.username == DEMO_INSPECTOR else None,
                display_name=spec.display_name,
                phone=spec.phone,
            )
            tally.created += 1
    return tally


FOOD_SAFETY_LOGIN = "food_safety"


def school_officer_link() -> bool:
    """Make the demo's food-safety officer an officer of the first school (by code), once the
    cameras' schools exist; True if it was linked now."""
    school = School.objects.order_by("code").first()
    officer = User.objects.filter(username=FOOD_SAFETY_LOGIN).first()
    if school is None or officer is None or school.officers.filter(pk=officer.pk).exists():
        return False
    school.officers.add(officer)
    return True


def _login_phone(n: int) -> str:
    return f"1380769{n:04d}"


def logins_seed(progress: Progress = no_progress) -> Tally:
    """One login per role with DEMO_PASSWORD (the inspector comes with inspectors_seed)."""
    existing = _existing(login.username for login in DEMO_LOGINS)
    tally = Tally(unchanged=len(existing))
    with transaction.atomic():
        todo = [(n, login) for n, login in enumerate(DEMO_LOGINS, 1) if login.username not in existing]
        for n, login in progress(todo, desc="demo logins", unit="login"):
            user_create(
                username=login.username,
                role=login.role,
                scope_level=login.scope_level,
                scope_unit=login.scope_unit,
                password=DEMO_PASSWORD,
                display_name=login.display_name,
                phone=_login_phone(n),
                departments=list(login.departments),
            )
            tally.created += 1
        if school_officer_link() and FOOD_SAFETY_LOGIN in existing:
            tally.updated, tally.unchanged = tally.updated + 1, tally.unchanged - 1
    return tally


def demo_login_rows() -> list[tuple[str, str, str]]:
    """(username, role, scope) of every demo login that exists, in role order."""
    usernames = [login.username for login in DEMO_LOGINS]
    usernames.insert(3, DEMO_INSPECTOR)
    users = (
        User.objects.filter(username__in=usernames)
        .select_related("scope_area", "scope_village", "scope_grid")
        .prefetch_related("departments", "food_safety_schools")
    )
    by_name = {u.username: u for u in users}
    rows = []
    for username in usernames:
        user = by_name.get(username)
        if user is None:
            continue
        unit = user.scope_unit
        scope = f"{user.scope_level} {unit.code} {unit.name}" if unit else f"town {names.TOWN_NAME}"
        if user.role == Role.FOOD_SAFETY:
            scope = ", ".join(f"school {s.code} {s.name}" for s in user.food_safety_schools.all()) or "—"
        depts = ", ".join(d.name for d in user.departments.all())
        rows.append((username, user.role, f"{scope} · {depts}" if depts else scope))
    return rows
