"""An incident's report, as the operations reports are made: a workbook written by ``core.export``
(its cells neutralise formula-looking text) and a PDF laid out by WeasyPrint from an HTML template
with the Noto CJK font embedded. Both say the same: the facts, the steps with their owners and
times, the report timers against their rules, the affected systems and the timeline."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cityops.core.export import Column, Sheet, file_bytes, local_time
from cityops.security import categories
from cityops.security.choices import (
    EntryKind,
    Exposure,
    Grade,
    IncidentStatus,
    ProtectionLevel,
    StepKind,
    TimerKind,
)
from cityops.security.incidents import selectors


@dataclass
class Contents:
    incident: object
    category: str
    subcategory: str
    steps: list
    timers: list
    systems: list
    entries: list
    generated: object


def contents(incident) -> Contents:
    cat, sub = categories.names(incident.category, incident.subcategory)
    return Contents(
        incident=incident,
        category=cat,
        subcategory=sub,
        steps=selectors.incident_steps(incident),
        timers=selectors.incident_timers(incident),
        systems=list(incident.systems.select_related("owner").order_by("code")),
        entries=selectors.incident_entries(incident),
        generated=timezone.localtime(),
    )


def _facts(c: Contents) -> list[list]:
    i = c.incident
    return [
        [_("Network security incident report"), i.number],
        [_("Title"), i.title],
        [_("Drill"), _("yes — kept out of real figures") if i.drill else _("no")],
        [_("Category"), c.category],
        [_("Subcategory"), c.subcategory],
        [pgettext("security", "Grade"), str(Grade(i.grade).label)],
        [_("Status"), str(IncidentStatus(i.status).label)],
        [_("Discovered"), local_time(i.discovered_at)],
        [pgettext("security", "Registered"), f"{local_time(i.registered_at)} {i.registered_by_name}"],
        [pgettext("security", "Closed"), local_time(i.closed_at)],
        [pgettext("security", "Description"), i.description],
        [_("Review summary"), i.summary],
        [pgettext("security", "Classification"), categories.source()],
        [_("Generated"), c.generated.strftime("%Y-%m-%d %H:%M")],
    ]


def workbook(incident) -> bytes:
    c = contents(incident)
    facts = Sheet(_("Incident"), [Column("", 22), Column("", 80)], _facts(c), header=False)
    steps = Sheet(
        _("Response steps"),
        [
            Column(_("Step"), 14),
            Column(_("Owner"), 24),
            Column(pgettext("security", "Done"), 20),
            Column(_("Recorded by"), 16),
            Column(_("Note"), 60),
        ],
        [
            [str(StepKind(s.kind).label), s.owner, local_time(s.done_at), s.recorded_by, s.note]
            for s in c.steps
        ],
    )
    timers = Sheet(
        _("Report timers"),
        [
            Column(_("Report"), 16),
            Column(pgettext("security", "Started"), 20),
            Column(pgettext("security", "Due"), 20),
            Column(_("Met"), 20),
            Column(_("State"), 14),
            Column(_("Rule"), 80),
        ],
        [
            [
                str(TimerKind(t.kind).label),
                local_time(t.started_at),
                local_time(t.due_at),
                local_time(t.met_at),
                str(t.state.label),
                t.rule,
            ]
            for t in c.timers
        ],
    )
    systems = Sheet(
        _("Affected systems"),
        [
            Column(_("System code"), 14),
            Column(_("System name"), 30),
            Column(_("Owner department"), 24),
            Column(_("Protection level"), 18),
            Column(_("Exposure"), 20),
            Column(_("Holds personal data"), 12),
        ],
        [
            [
                s.code,
                s.name,
                s.owner.name,
                str(ProtectionLevel(s.level).label),
                str(Exposure(s.exposure).label),
                _("yes") if s.personal_data else _("no"),
            ]
            for s in c.systems
        ],
    )
    timeline = Sheet(
        _("Timeline"),
        [
            Column(pgettext("security", "Time"), 20),
            Column(_("Kind"), 18),
            Column(_("By"), 16),
            Column(_("Text"), 90),
        ],
        [[local_time(e.at), str(EntryKind(e.kind).label), e.actor_name, e.text] for e in c.entries],
    )
    return file_bytes(fmt="xlsx", sheets=[facts, steps, timers, systems, timeline])


def document(incident) -> bytes:
    from weasyprint import HTML  # only the PDF pays for loading it

    c = contents(incident)
    for s in c.steps:
        s.label = StepKind(s.kind).label
    for t in c.timers:
        t.label = TimerKind(t.kind).label
    for e in c.entries:
        e.label = EntryKind(e.kind).label
    html = render_to_string(
        "security/report_pdf.html",
        {
            "c": c,
            "i": c.incident,
            "grade": Grade(c.incident.grade),
            "status": IncidentStatus(c.incident.status),
            "systems": [(s, ProtectionLevel(s.level).label, Exposure(s.exposure).label) for s in c.systems],
            "source": categories.source(),
        },
    )
    return HTML(string=html).write_pdf()
