"""The units of the town the big screen looks at: ``town``, ``area:A01``, ``village:V01``,
``grid:G0101`` — parsed, found, and kept to the acting user's scope (their own unit and below)."""

from django.http import Http404
from django.utils.translation import gettext as _

from cityops.core.screen import TOWN, Unit
from cityops.geo.models import Area, Grid, Village

MODELS = {"area": Area, "village": Village, "grid": Grid}
LEVELS = ("area", "village", "grid")


def home(user) -> Unit:
    """The unit a user's screen opens on: their scope's unit, or the whole town."""
    scoped = user.scope_unit
    if scoped is None:
        return TOWN
    level = type(scoped).__name__.lower()
    return Unit(level, scoped.pk, scoped.code, scoped.name)


def _ids(obj, level: str) -> dict:
    """The area, village and grid ids of a unit (None below its level)."""
    ids = dict.fromkeys(LEVELS)
    ids[level] = obj.pk
    if level in ("village", "grid"):
        ids["area"] = obj.area_id
    if level == "grid":
        ids["village"] = obj.village_id
    return ids


def resolve(user, text: str | None) -> Unit:
    """The unit named by ``text`` (``town`` or ``level:code``; empty: the user's own); a unit that
    does not exist or lies outside the user's scope is a 404, like any hidden object."""
    text = (text or "").strip()
    if not text:
        return home(user)
    if text == "town":
        if any(user.scope_ids().values()):
            raise Http404("the whole town is outside your scope")
        return TOWN
    level, _, code = text.partition(":")
    if level not in MODELS or not code:
        raise Http404(f"a unit is town, area:CODE, village:CODE or grid:CODE, not {text[:60]!r}")
    obj = MODELS[level].objects.filter(code=code).first()
    if obj is None:
        raise Http404(f"there is no {level} {code[:30]!r}")
    ids = _ids(obj, level)
    for scope_level, scope_id in user.scope_ids().items():
        if scope_id is not None and ids.get(scope_level) != scope_id:
            raise Http404(f"{level} {code} is outside your scope")
    return Unit(level, obj.pk, obj.code, obj.name)


def breadcrumb(user, unit: Unit) -> list[dict]:
    """The way from the user's own unit down to ``unit``: [{"unit", "level", "name"}] each."""
    top = home(user)
    chain: list[Unit] = []
    if unit.level != "town":
        obj = (
            MODELS[unit.level]
            .objects.select_related(
                *(["area"] if unit.level != "area" else []), *(["village"] if unit.level == "grid" else [])
            )
            .get(pk=unit.id)
        )
        if unit.level in ("village", "grid"):
            chain.append(Unit("area", obj.area.pk, obj.area.code, obj.area.name))
        if unit.level == "grid":
            chain.append(Unit("village", obj.village.pk, obj.village.code, obj.village.name))
        chain.append(unit)
    if top.level == "town":
        chain.insert(0, TOWN)
    else:
        chain = chain[LEVELS.index(top.level) :]
    return [{"unit": key(u), "level": u.level, "name": u.name or _("Whole town")} for u in chain]


def key(unit: Unit) -> str:
    return "town" if unit.level == "town" else f"{unit.level}:{unit.code}"
