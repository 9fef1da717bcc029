"""The AI alert pages: the list with filters, paging and export, one alert, and its snapshot."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.cases import links
from cityops.cases.choices import Status as CaseStatus
from cityops.core.export import Column, Sheet, chunked, download, local_time
from cityops.core.pages import is_htmx
from cityops.video import selectors
from cityops.video.alerts import snapshot_bytes
from cityops.video.choices import AlertStatus, Scene
from cityops.video.forms import AlertFilterForm
from cityops.video.views.common import EXPORT_CHUNK, or_404, paged, picture, video_page


def present_alert(alert, villages: dict, case_state=None):
    """Attach the labels and colours a page shows of an alert, and its case's live state when known."""
    status = AlertStatus(alert.status)
    alert.status_label, alert.status_colour = status.label, status.colour
    alert.kind_name = alert.kind.name if alert.kind else alert.kind_code
    alert.scene_label = Scene(alert.kind.scene).label if alert.kind else ""
    alert.village_name = villages.get(alert.village_id, "")
    alert.case_state = case_state.status if case_state is not None else ""
    if case_state is not None and case_state.status in CaseStatus.values:
        alert.case_label = CaseStatus(case_state.status).label
        alert.case_colour = CaseStatus(case_state.status).colour
    else:
        alert.case_label = alert.case_colour = ""
    return alert


def _alerts(request, params):
    form = AlertFilterForm(params or None, user=request.user)
    return selectors.alert_list(user=request.user, filters=form.alert_filter()), form


@video_page()
def alert_list(request):
    """AI alerts in scope with filters; an htmx request gets the list alone."""
    qs, form = _alerts(request, request.GET)
    context = paged(qs, request.GET)
    rows = list(context["page"].object_list)
    villages = selectors.village_names(a.village_id for a in rows)
    states = links.case_states({a.case_id for a in rows if a.case_id})
    for alert in rows:
        present_alert(alert, villages, states.get(alert.case_id))
    context.update(form=form, rows=rows)
    if is_htmx(request, "alert-list"):
        return render(request, "video/partials/alert_list.html", context)
    return render(request, "video/alerts.html", context)


def alert_columns() -> list[Column]:
    titles = [
        (_("ID"), 8),
        (_("Seen at"), 20),
        (_("Kind"), 14),
        (_("Kind code"), 16),
        (_("Scene"), 8),
        (_("Confidence"), 10),
        (_("Camera channel"), 22),
        (_("Channel name"), 20),
        (_("Village"), 14),
        (_("Status"), 14),
        (_("Duplicate of"), 10),
        (_("Case number"), 14),
        (_("Case status"), 12),
        (_("Analytics system"), 16),
        (_("Event id"), 20),
        (_("Note"), 40),
    ]
    return [Column(t, width=w) for t, w in titles]


def alert_rows(qs):
    for chunk in chunked(qs.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        villages = selectors.village_names(a.village_id for a in chunk)
        states = links.case_states({a.case_id for a in chunk if a.case_id})
        for a in chunk:
            present_alert(a, villages, states.get(a.case_id))
            yield [
                a.pk,
                local_time(a.at),
                a.kind_name,
                a.kind_code,
                a.scene_label,
                a.confidence,
                a.channel.gb_id,
                a.channel.name,
                a.village_name,
                a.status_label,
                a.duplicate_of_id,
                a.case_number,
                a.case_label,
                a.source,
                a.event_id,
                a.note,
            ]


@video_page()
def alerts_export(request, fmt: str):
    """Every alert of the list's filters in the user's scope, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx.")
    qs, _form = _alerts(request, request.GET)
    sheet = Sheet(_("AI alerts"), alert_columns(), alert_rows(qs), frozen_columns=2)
    return download(name="video-alerts", fmt=fmt, sheets=[sheet])


@video_page()
def alert_detail(request, alert_id: int):
    """One alert: what was seen, the snapshot, the case it opened or joined and that case's status."""
    alert = or_404(selectors.alert_get, user=request.user, alert_id=alert_id)
    case_id = alert.case_id
    state = links.case_states([case_id]).get(case_id) if case_id else None
    present_alert(alert, selectors.village_names([alert.village_id]), state)
    return render(
        request,
        "video/alert_detail.html",
        {
            "alert": alert,
            "can_cases": request.user.can("cases.view"),
            "can_live": request.user.can("video.live"),
        },
    )


@video_page()
def alert_snapshot(request, alert_id: int):
    """The alert's snapshot, for those who may see the alert (never served from MEDIA directly)."""
    alert = or_404(selectors.alert_get, user=request.user, alert_id=alert_id)
    found = snapshot_bytes(alert)
    if found is None:
        raise Http404("This alert has no snapshot.")
    return picture(*found)
