"""The duty desk's pages: the roster grid (a week or a month, today marked), the form of one
shift, the roster workbook, the handover log with its carried items, and the leader's decisions.

Reading needs ``ops.view``; every change needs ``ops.duty`` (the services decide the rest — who
may lead, who writes and acknowledges a handover, who records a decision) and a refusal is shown
in the user's language.
"""

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.accounts.models import User
from cityops.accounts.roles import ROLE_ACTIONS
from cityops.core.errors import DomainError
from cityops.core.export import download
from cityops.core.pages import requires
from cityops.ops.duty import handover as handover_services
from cityops.ops.duty import roster_file, selectors
from cityops.ops.duty.decisions import decision_record, may_decide
from cityops.ops.duty.roster import Slot, may_change_past, roster_clear, roster_set
from cityops.ops.models import Decision, Handover, HandoverItem, RosterEntry, ShiftTemplate


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _span(view: str, anchor: date) -> tuple[date, date, date, date]:
    """The first and last day shown, and the anchors of the previous and next page."""
    if view == "month":
        first = anchor.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return first, last, (first - timedelta(days=1)).replace(day=1), last + timedelta(days=1)
    first = anchor - timedelta(days=anchor.weekday())
    return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)


def _refused(request, exc: DomainError) -> None:
    messages.error(request, exc.detail)
    for e in exc.errors:
        if e.get("message") and e["message"] != exc.detail:
            where = e.get("date") and f"{e['date']} {e.get('shift', '')}: " or ""
            messages.error(request, f"{where}{e['message']}")


@requires("ops.view")
def duty(request):
    """The roster of a week or a month with the shift on duty now and the open decisions."""
    view = "month" if request.GET.get("view") == "month" else "week"
    first, last, prev, nxt = _span(view, _day(request.GET.get("date")))
    templates = list(selectors.templates())
    cells = {(e.date, e.template_id): e for e in selectors.roster(first, last)}
    today = timezone.localdate()
    rows = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        rows.append(
            {"day": day, "today": day == today, "cells": [(t, cells.get((day, t.pk))) for t in templates]}
        )
    now = selectors.on_duty()
    pending, done = selectors.decisions(limit=20)
    for d in pending:
        d.may_decide = request.user.can("ops.duty") and may_decide(d, request.user)
    return render(
        request,
        "ops/duty.html",
        {
            "view": view,
            "first": first,
            "last": last,
            "prev": prev,
            "next": nxt,
            "today": today,
            "templates": templates,
            "rows": rows,
            "now": now,
            "pending": pending,
            "done": done,
            "open_items": selectors.open_items().count(),
            "can_edit": request.user.can("ops.duty"),
        },
    )


def _candidates():
    leaders = [r for r, acts in ROLE_ACTIONS.items() if "ops.command" in acts]
    officers = [r for r, acts in ROLE_ACTIONS.items() if "ops.duty" in acts]
    base = User.objects.filter(is_active=True).order_by("username")
    return base.filter(role__in=leaders, scope_level="town"), base.filter(role__in=officers)


def _slot_from(post) -> Slot:
    ids = [int(v) for v in post.getlist("officers") if v.isdigit()]
    by_id = User.objects.in_bulk(ids)
    officers = [by_id[i] for i in ids if i in by_id]
    leader_id = post.get("leader", "")
    leader = User.objects.filter(pk=int(leader_id)).first() if leader_id.isdigit() else None
    return Slot(leader=leader, officers=officers, leader_phone=post.get("leader_phone", ""))


@requires("ops.duty")
def entry_edit(request, day: str, code: str):
    """The form of one shift: its leader and officers, or taking it off the roster."""
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    template = get_object_or_404(ShiftTemplate, code=code)
    entry = RosterEntry.objects.filter(date=the_day, template=template).first()
    back = f"{reverse('ops:duty')}?date={the_day.isoformat()}"
    if request.method == "POST":
        try:
            if "clear" in request.POST:
                roster_clear(day=the_day, template=template, by=request.user)
                messages.success(request, _("The shift was taken off the roster."))
            else:
                roster_set(day=the_day, template=template, slot=_slot_from(request.POST), by=request.user)
                messages.success(request, _("The roster was saved."))
            return redirect(back)
        except DomainError as exc:
            _refused(request, exc)
    leaders, officers = _candidates()
    chosen = [o.user_id for o in entry.officers.all()] if entry else []
    return render(
        request,
        "ops/duty_entry.html",
        {
            "day": the_day,
            "template": template,
            "entry": entry,
            "leaders": leaders,
            "officers": officers,
            "chosen": chosen,
            "back": back,
        },
    )


@requires("ops.view")
def roster_export(request):
    """The roster of the month (or ``from`` … ``to``) as a workbook, in the import's columns."""
    anchor = _day(request.GET.get("date"))
    first, last, _p, _n = _span("month", anchor)
    start, end = (
        _day(request.GET.get("from") or first.isoformat()),
        _day(request.GET.get("to") or last.isoformat()),
    )
    return download(name="roster", fmt="xlsx", sheets=[roster_file.export_sheet(start, end)])


@require_POST
@requires("ops.duty")
def roster_import(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to import."))
        return redirect("ops:duty")
    try:
        n = roster_file.import_roster(upload.read(), upload.name, by=request.user)
        messages.success(request, _("%(n)s shifts imported.") % {"n": n})
    except DomainError as exc:
        _refused(request, exc)
    return redirect("ops:duty")


@requires("ops.view")
def handover(request):
    """The handover log: each handover with the items it raised and those it carried over."""
    now = selectors.on_duty()
    if request.method == "POST":
        if not request.user.can("ops.duty"):
            raise Http404
        _handover_post(request, now)
        return redirect("ops:handover")
    log = selectors.handover_log()
    today, moment = timezone.localdate(), timezone.now()
    mine = [
        e
        for e in selectors.roster(today - timedelta(days=1), today)
        if e.starts_at <= moment
        and not Handover.objects.filter(entry=e).exists()
        and (selectors.is_on(e, request.user) or may_change_past(request.user))
    ]
    return render(
        request,
        "ops/duty_handover.html",
        {
            "log": log,
            "now": now,
            "writable": mine,
            "open_items": list(selectors.open_items()),
            "can_edit": request.user.can("ops.duty"),
        },
    )


def _handover_post(request, now) -> None:
    post = request.POST
    try:
        if post.get("do") == "write":
            entry = get_object_or_404(RosterEntry, pk=post.get("entry"))
            handover_services.handover_write(
                entry=entry,
                summary=post.get("summary", ""),
                items=post.get("items", "").splitlines(),
                by=request.user,
            )
            messages.success(request, _("The handover was written."))
        elif post.get("do") == "ack":
            h = get_object_or_404(Handover, pk=post.get("handover"))
            handover_services.handover_acknowledge(handover=h, by=request.user)
            messages.success(request, _("The handover was acknowledged."))
        elif post.get("do") == "close":
            item = get_object_or_404(HandoverItem, pk=post.get("item"))
            handover_services.item_close(item=item, note=post.get("note", ""), by=request.user)
            messages.success(request, _("The item was closed."))
    except DomainError as exc:
        _refused(request, exc)


@require_POST
@requires("ops.duty")
def decide(request, pk: int):
    decision = get_object_or_404(Decision, pk=pk)
    try:
        decision_record(decision=decision, text=request.POST.get("decision", ""), by=request.user)
        messages.success(request, _("The decision was recorded."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect("ops:duty")
