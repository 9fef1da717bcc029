"""What every registry write shares: permission and scope checks, the error list, location."""

import math
import re
from typing import NoReturn

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.geo.selectors import locate_point

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
UNSET = object()  # "leave as it is" where None is a value (a channel's group)
BUILD_DATE = {
    "planned": "planned_on",
    "building": "building_on",
    "built": "built_on",
    "accepted": "accepted_on",
}


# what a message calls each kind of row
WHAT = {
    "project": gettext_lazy("project"),
    "site": gettext_lazy("site"),
    "channel": gettext_lazy("channel"),
    "group": gettext_lazy("group"),
    "build status": gettext_lazy("build status"),
}


def _fail(errors: list[tuple[str, str]], what: str) -> NoReturn:
    detail = _("The %(what)s was not saved: %(problems)s") % {
        "what": WHAT.get(what, what),
        "problems": "; ".join(f"{f}: {m}" for f, m in errors),
    }
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def _require(by, action: str = "video.change") -> None:
    if by is not None and not by.can(action):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": action})


def _for_change(model, pk: int, by, what: str):
    """The row, locked: 404 when ``by`` cannot see it, 403 when they may not change it."""
    qs = model.objects.select_for_update()
    if by is not None and hasattr(model.objects, "restrict"):
        if not model.objects.restrict(by, "video.view").filter(pk=pk).exists():
            raise NotFound(
                _("There is no %(what)s %(pk)s in your scope.") % {"what": WHAT.get(what, what), "pk": pk}
            )
        qs = qs.restrict(by, "video.change")
        row = qs.filter(pk=pk).first()
        if row is None:
            raise Forbidden(_("Your role may not change this %(what)s.") % {"what": WHAT.get(what, what)})
        return row
    row = qs.filter(pk=pk).first()
    if row is None:
        raise NotFound(_("There is no %(what)s %(pk)s.") % {"what": WHAT.get(what, what), "pk": pk})
    return row


def _still_in_scope(model, pks, by, what: str) -> None:
    pks = list(pks)
    if by is None or not pks:
        return
    if model.objects.restrict(by, "video.change").filter(pk__in=pks).count() != len(set(pks)):
        raise Forbidden(
            _("The %(what)s would lie outside your scope; ask someone whose scope covers the place.")
            % {"what": WHAT.get(what, what)}
        )


def point_errors(lon, lat, field: str = "location") -> tuple[object, list[tuple[str, str]]]:
    """(location, errors) of a point: a WGS84 longitude and latitude inside the town."""
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)
    ):
        return None, [
            (field, _("(%(lon)s, %(lat)s) is not a longitude and latitude") % {"lon": lon, "lat": lat})
        ]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, [
            (field, _("(%(lon)s, %(lat)s) is not a WGS84 longitude and latitude") % {"lon": lon, "lat": lat})
        ]
    where = locate_point(lon, lat)
    if where is None:
        return None, [
            (field, _("the point (%(lon).6f, %(lat).6f) is outside the town") % {"lon": lon, "lat": lat})
        ]
    return where, []


def _text_errors(field: str, value, *, required: bool, most: int) -> list[tuple[str, str]]:
    value = value or ""
    if required and not value.strip():
        return [(field, _("is required"))]
    if len(value) > most:
        return [(field, _("at most %(most)s characters") % {"most": most})]
    return []
