"""What the government services' pages share: the labels and colours of an item's guide and of an
application, and an application's clock in words."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cityops.core.errors import NotFound
from cityops.core.workcalendar import get_calendar
from cityops.egov import selectors
from cityops.egov.applications import clock
from cityops.egov.choices import (
    Applicant,
    Channel,
    ClockPhase,
    Delivery,
    ItemType,
    LimitKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    Status,
)


def present(version):
    """Attach the labels and colours a page shows of a guide."""
    if version is None:
        return None
    kind = ItemType(version.item_type)
    version.type_label, version.type_colour = kind.label, kind.colour
    version.limit_label = LimitKind(version.limit_kind).label
    version.applicant_label = Applicant(version.applicant).label
    version.depth_label = OnlineDepth(version.online_depth).label
    version.delivery_labels = [Delivery(d).label for d in version.delivery]
    return version


def present_material(material):
    material.form_label = MaterialForm(material.form).label
    material.source_label = MaterialSource(material.source).label
    return material


def guide_context(version) -> dict:
    """The guide's parts as a page shows them: materials asked always and those of each situation."""
    parts = selectors.version_parts(version)
    for m in parts["materials"]:
        present_material(m)
    return {"guide": present(version), **parts}


def get_item(request, code: str):
    try:
        item = selectors.item_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    present(item.published)
    present(item.draft)
    return item


# ---- applications ----------------------------------------------------------------------------------


def clock_text(app, now) -> dict | None:
    """The clock as a page shows it: the phase, the deadline, working days left or over, a colour."""
    if app.clock_phase == ClockPhase.NONE:
        return None
    phase = ClockPhase(app.clock_phase).label
    if app.clock_started_at is None:
        return {
            "phase": phase,
            "text": _("Stopped: the time limit does not run"),
            "colour": "none",
            "due": None,
        }
    cal = get_calendar()
    left = clock.left_minutes(app, now, cal)
    days = -(-abs(left) // cal.minutes_per_day) or 1
    if left < 0:
        text = ngettext("Overdue by %(n)s working day", "Overdue by %(n)s working days", days) % {"n": days}
        colour = "red"
    else:
        text = ngettext("%(n)s working day left", "%(n)s working days left", days) % {"n": days}
        colour = "yellow" if app.warn_at and now >= app.warn_at else "green"
    return {"phase": phase, "text": text, "colour": colour, "due": app.due_at, "legal_due": app.legal_due_at}


def present_application(app, now):
    """Attach the labels and colours a page shows of an application."""
    status = Status(app.status)
    app.status_label, app.status_colour = status.label, status.colour
    channel = Channel(app.channel)
    app.channel_label, app.channel_colour = channel.label, channel.colour
    app.clock = clock_text(app, now)
    return app
