"""The operations centre's figures: each capability registers the panels it can fill, and the
centre (the ``ops`` app, and any other board) shows whichever are registered.

A panel is a function of the acting user and a unit of the town (the whole town, an area, a village
or a grid) that returns plain JSON-able data, or None when it has nothing for that unit. Each app
declares its panels in a module ``screen.py`` (found the way ``tasks.py`` is), so a new capability —
the data brain, government services — adds its panels there and the centre needs no change.

A panel reads only what the user may see (the same selectors and ``restrict`` as its pages) and
reads rollups, never raw history (docs/architecture.md, "Screen figures"). One panel that fails
is reported as failed; it never takes the others down.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

LEVELS = ("town", "area", "village", "grid")


@dataclass(frozen=True, slots=True)
class Unit:
    """Where the screen looks: the town (``id`` None) or one area, village or grid."""

    level: str
    id: int | None = None
    code: str = ""
    name: str = ""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"a unit's level is one of {', '.join(LEVELS)}, not {self.level!r}")
        if (self.level == "town") != (self.id is None):
            raise ValueError("the town has no id; an area, village or grid has one")

    def filter(self, prefix: str = "") -> dict:
        """The ORM filter that keeps rows standing in this unit (``area_id=…`` and so on)."""
        return {} if self.level == "town" else {f"{prefix}{self.level}_id": self.id}


TOWN = Unit("town")


@dataclass(frozen=True, slots=True)
class Panel:
    key: str
    title: str
    func: Callable
    order: int
    action: str


_REGISTRY: dict[str, Panel] = {}
_discovered = False


def panel(key: str, *, title: str, action: str, order: int = 100):
    """Register the decorated ``func(user, unit) -> dict | None`` as the screen panel ``key``
    (``app.what``), shown to users whose role grants ``action``, in ``order``."""

    def register(func):
        if key in _REGISTRY and _REGISTRY[key].func is not func:
            raise ValueError(f"two screen panels are named {key!r}")
        _REGISTRY[key] = Panel(key, title, func, order, action)
        return func

    return register


def panels() -> list[Panel]:
    """Every registered panel in order, after importing each installed app's ``screen`` module."""
    global _discovered
    if not _discovered:
        autodiscover_modules("screen")
        _discovered = True
    return sorted(_REGISTRY.values(), key=lambda p: (p.order, p.key))


def figures(user, unit: Unit = TOWN, keys: set[str] | None = None) -> list[dict]:
    """The panels ``user`` may see, filled for ``unit``: ``{"key", "title", "data"}`` each, or
    ``{"key", "title", "error"}`` for one that failed (logged with its traceback)."""
    out = []
    for p in panels():
        if (keys is not None and p.key not in keys) or not user.can(p.action):
            continue
        try:
            data = p.func(user, unit)
        except Exception:
            logger.exception("screen panel %s failed for %s %s", p.key, unit.level, unit.id)
            out.append({"key": p.key, "title": str(p.title), "error": "failed"})
            continue
        if data is not None:
            out.append({"key": p.key, "title": str(p.title), "data": data})
    return out
