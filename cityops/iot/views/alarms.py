"""The alarm console: active alarms first by severity, live refresh, and the people's actions.

Acknowledge, clear and comment go through ``cityops.iot.alarms`` (scope, permission and the 409s
are decided there); a refusal is told in the user's language with the service's status code.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.cases import links
from cityops.cases.choices import Status as CaseStatus
from cityops.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from cityops.core.export import chunked, csv_download, local_time
from cityops.iot import alarms, selectors
from cityops.iot.alarm_text import alarm_html, alarm_text, duration_formats
from cityops.iot.choices import SEVERITY_RANK, AlarmStatus, Severity
from cityops.iot.forms import ALARM_STATUS_LABELS, AlarmFilterForm
from cityops.iot.views.devices import EXPORT_CHUNK, iot_page, is_htmx, number, paged

REFRESH_SECONDS = 10
ACTIONS = ("ack", "clear", "comment")
DONE = {
    "ack": gettext_lazy("Alarm %(id)s acknowledged."),
    "clear": gettext_lazy("Alarm %(id)s cleared."),
    "comment": gettext_lazy("Comment added to alarm %(id)s."),
}


def present_alarm(alarm, case_state=None, *, now=None):
    """Attach the labels, colours and text a page shows of an alarm, and its case's state when known."""
    severity, status = Severity(alarm.severity), AlarmStatus(alarm.status)
    alarm.text = alarm_html(alarm, now=now or timezone.now())
    alarm.severity_label, alarm.severity_colour = severity.label, severity.colour
    alarm.value_text = number(alarm.value)
    alarm.status_label, alarm.status_colour = ALARM_STATUS_LABELS[status], status.colour
    state = case_state.status if case_state else alarm.case_status
    if alarm.case_number and state in CaseStatus.values:
        alarm.case_label, alarm.case_colour = CaseStatus(state).label, CaseStatus(state).colour
    else:
        alarm.case_label, alarm.case_colour = "", ""
    return alarm


def console_order(qs):
    """Active alarms first, the most severe first, then the newest."""
    rank = Case(
        *[When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    active = Case(
        When(status=AlarmStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(console_active=active, console_rank=rank).order_by(
        "console_active", "-console_rank", "-started_at", "-id"
    )


def console_alarms(request, params):
    """The console's alarms for the filters in ``params``, in its order, and the bound form."""
    form = AlarmFilterForm(params or None, user=request.user)
    return console_order(selectors.alarm_list(user=request.user, filters=form.alarm_filter())), form


def console_context(request, params) -> dict:
    qs, form = console_alarms(request, params)
    context = paged(qs, params)
    rows = list(context["page"].object_list)
    states = links.case_states({a.case_id for a in rows if a.case_id})
    for alarm in rows:
        present_alarm(alarm, states.get(alarm.case_id))
    active = selectors.alarm_list(user=request.user).filter(status=AlarmStatus.ACTIVE)
    counted = dict(active.order_by().values_list("severity").annotate(n=Count("id")))
    by_severity = {s: counted.get(s, 0) for s in SEVERITY_RANK}
    context.update(
        form=form,
        rows=rows,
        severities=[(Severity(s), n) for s, n in by_severity.items()],
        unacknowledged=active.filter(acknowledged_at__isnull=True).count(),
        can_alarm=request.user.can("iot.alarm"),
        refresh=REFRESH_SECONDS,
        refreshed_at=timezone.localtime(),
        duration_formats=duration_formats(),
    )
    return context


@iot_page()
def console(request):
    """Alarms in scope with filters; the list refreshes itself every few seconds."""
    context = console_context(request, request.GET)
    if is_htmx(request, "alarm-list"):
        return render(request, "iot/partials/alarm_list.html", context)
    return render(request, "iot/alarms.html", context)


def alarm_columns() -> list[str]:
    return [
        _("ID"),
        _("Severity"),
        _("Alarm status"),
        _("Alarm"),
        _("Message"),
        _("Value"),
        _("Device code"),
        _("Device name"),
        _("Device type"),
        _("Area"),
        _("Village"),
        _("Grid"),
        _("Started"),
        _("Last triggered"),
        _("Trigger count"),
        _("Acknowledged at"),
        _("Cleared at"),
        _("Case number"),
        _("Case status"),
    ]


def alarm_rows(qs):
    """The export's rows, with each chunk's cases read live in one query (as the console shows them)."""
    now = timezone.now()
    for chunk in chunked(qs.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        states = links.case_states({a.case_id for a in chunk if a.case_id})
        for a in chunk:
            present_alarm(a, states.get(a.case_id))
            yield [
                a.pk,
                a.severity_label,
                a.status_label,
                a.rule.name,
                alarm_text(a, now=now),
                a.value,
                a.device.code,
                a.device.name,
                a.device.device_type.name,
                a.area.name,
                a.village.name,
                a.grid.name,
                local_time(a.started_at),
                local_time(a.last_seen_at),
                a.trigger_count,
                local_time(a.acknowledged_at),
                local_time(a.cleared_at),
                a.case_number,
                a.case_label,
            ]


@iot_page()
def alarms_export(request):
    """Every alarm of the console's filters in the user's scope, in the console's order, as CSV."""
    qs, _form = console_alarms(request, request.GET)
    return csv_download(name="alarms", header=alarm_columns(), rows=alarm_rows(qs))


# ---- one alarm ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    label: str
    who: str
    text: str


def history(alarm, comments) -> list[Event]:
    """Raised, comments (people's and the system's), acknowledged and cleared, in time order."""
    system = _("System")
    raised = _("Raised: %(severity)s") % {"severity": Severity(alarm.rule.severity).label}
    events = [Event(alarm.started_at, "raised", raised, system, alarm.message)]
    for c in comments:
        kind = "comment" if c.author_id else "system"
        who = str(c.author) if c.author_id else system
        events.append(
            Event(c.created_at, kind, _("Comment") if c.author_id else _("System note"), who, c.text)
        )
    if alarm.acknowledged_at:
        events.append(Event(alarm.acknowledged_at, "ack", _("Acknowledged"), str(alarm.acknowledged_by), ""))
    if alarm.cleared_at:
        who = str(alarm.cleared_by) if alarm.cleared_by_id else _("By the rule (data back to normal)")
        events.append(Event(alarm.cleared_at, "clear", _("Cleared"), who, ""))
    return sorted(events, key=lambda e: (e.at, e.kind != "raised"))


def alarm_or_404(user, alarm_id: int):
    try:
        return selectors.alarm_get(user=user, alarm_id=alarm_id)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def detail_context(request, alarm_id: int, **extra) -> dict:
    alarm = alarm_or_404(request.user, alarm_id)
    present_alarm(alarm, selectors.alarm_case(alarm))
    comments = list(selectors.alarm_comments(alarm))
    return {
        "alarm": alarm,
        "events": history(alarm, comments),
        "can_alarm": request.user.can("iot.alarm"),
        "can_cases": request.user.can("cases.view"),
        "duration_formats": duration_formats(),
        **extra,
    }


@iot_page()
def alarm_detail(request, alarm_id: int):
    """One alarm: its facts, its case, its history and the actions."""
    return render(request, "iot/alarm_detail.html", detail_context(request, alarm_id))


# ---- actions -------------------------------------------------------------------------------------------


def explain(exc: DomainError, action: str, alarm_id: int) -> str:
    """A refusal of the alarm services, in the user's language."""
    if isinstance(exc, Conflict):
        if action == "ack":
            return _("Alarm %(id)s was already acknowledged by someone else.") % {"id": alarm_id}
        return _("Alarm %(id)s is already cleared.") % {"id": alarm_id}
    if isinstance(exc, Forbidden):
        return _("Your role may not acknowledge, clear or comment on alarms here.")
    if isinstance(exc, ValidationFailed):
        if "empty" in exc.detail:
            return _("Write the comment first.")
        return _("The text is too long (at most %(n)s characters).") % {"n": alarms.MAX_COMMENT}
    return exc.detail


def _run(action: str, alarm_id: int, user, text: str):
    if action == "ack":
        return alarms.alarm_acknowledge(alarm_id=alarm_id, by=user, note=text)
    if action == "clear":
        return alarms.alarm_clear(alarm_id=alarm_id, by=user, note=text)
    return alarms.alarm_comment(alarm_id=alarm_id, by=user, text=text)


@iot_page()
@require_POST
def alarm_act(request, alarm_id: int, action: str):
    """Acknowledge, clear or comment; answers the console list, the detail panel or a whole page."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    alarm_or_404(request.user, alarm_id)  # hidden alarms are a 404 before anything else
    status, ok = 200, True
    try:
        _run(action, alarm_id, request.user, request.POST.get("text", ""))
        message = str(DONE[action]) % {"id": alarm_id}
    except NotFound:
        raise Http404("No such alarm in your scope.") from None
    except DomainError as exc:
        status, ok, message = exc.status, False, explain(exc, action, alarm_id)
    feedback = {"ok": ok, "text": message}
    if is_htmx(request, "alarm-list"):
        context = console_context(request, QueryDict(request.POST.get("back", "")))
        context["feedback"] = feedback
        return render(request, "iot/partials/alarm_list.html", context, status=status)
    if is_htmx(request, "alarm-panel"):
        context = detail_context(request, alarm_id, feedback=feedback)
        return render(request, "iot/partials/alarm_panel.html", context, status=status)
    if ok:
        messages.success(request, message)
        return redirect("iot:alarm", alarm_id=alarm_id)
    return render(
        request, "iot/alarm_detail.html", detail_context(request, alarm_id, feedback=feedback), status=status
    )
