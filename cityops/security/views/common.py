"""What the security pages share: the guard, the sub-navigation, the attention strip and the labels
and colours of the enums."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.core.errors import NotFound
from cityops.core.pages import current_url_name, requires, sub_sections
from cityops.security import categories
from cityops.security.choices import (
    AgentStatus,
    DueState,
    Exposure,
    Grade,
    IncidentStatus,
    ProtectionLevel,
    SystemStatus,
)
from cityops.security.incidents import selectors as incident_selectors
from cityops.security.register import rules as register_rules
from cityops.security.register import selectors as register_selectors

VIEW, REGISTER, RESPOND = "security.view", "security.register", "security.respond"
PAGE_SIZE = 50

SECTIONS = [
    ("incidents", pgettext_lazy("security", "Incidents"), VIEW, {"incidents", "incident", "incident_new"}),
    (
        "systems",
        _("Information systems"),
        VIEW,
        {"systems", "system", "system_new", "system_edit", "system_assessment"},
    ),
    ("terminals", _("Terminals"), VIEW, {"terminals", "terminals_import"}),
]


def security_page(action: str = VIEW):
    return requires(action)


def or_404(func, **kwargs):
    try:
        return func(**kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def page_context(request) -> dict:
    """The sub-navigation and the attention strip: reports running out or overdue, systems whose
    assessment is due soon or overdue, terminals offline or unprotected."""
    user = request.user
    timers = incident_selectors.attention(user=user)
    systems = list(register_selectors.due_attention(user=user))
    for s in systems:
        state = register_rules.due_state(s.next_due_on)
        s.due_label, s.due_colour, s.due_state = state.label, state.colour, state.value
    return {
        "sections": sub_sections(user, "security", SECTIONS, current_url_name(request, "security")),
        "attention_timers": timers,
        "attention_systems": systems,
        "terminal_counts": register_selectors.terminal_counts(user=user),
    }


def present_system(system):
    level, exposure, status = (
        ProtectionLevel(system.level),
        Exposure(system.exposure),
        SystemStatus(system.status),
    )
    system.level_label, system.level_colour = level.label, level.colour
    system.exposure_label, system.exposure_colour = exposure.label, exposure.colour
    system.status_label, system.status_colour = status.label, status.colour
    due = (
        register_rules.due_state(system.next_due_on)
        if system.status != SystemStatus.RETIRED
        else DueState.NOT_SET
    )
    system.due_label, system.due_colour, system.due_state = due.label, due.colour, due.value
    return system


def present_terminal(terminal, cutoff):
    status = AgentStatus(terminal.agent_status)
    terminal.status_label, terminal.status_colour = status.label, status.colour
    terminal.offline = register_selectors.is_offline(terminal, cutoff)
    return terminal


def present_incident(incident):
    grade, status = Grade(incident.grade), IncidentStatus(incident.status)
    incident.grade_label, incident.grade_colour = grade.label, grade.colour
    incident.status_label, incident.status_colour = status.label, status.colour
    incident.category_name, incident.subcategory_name = categories.names(
        incident.category, incident.subcategory
    )
    return incident


def apply_errors(form, exc, aliases: dict | None = None) -> None:
    """A service's refusal shown on the form: each field's problem beside its field (a service's
    field name mapped through ``aliases``; a contact's ``contacts.0.phone`` to ``contact_0_phone``),
    the rest above the form."""
    placed = False
    for err in exc.errors:
        name = err.get("field", "")
        if name.startswith("contacts."):
            index, _dot, part = name[len("contacts.") :].partition(".")
            name = f"contact_{index}_{part}" if part else ""
        name = (aliases or {}).get(name, name)
        form.add_error(name if name in form.fields else None, err["message"])
        placed = True
    if not placed:
        form.add_error(None, exc.detail)
