"""Sharing pages under /data/sharing/: my requests and a new one, the approvals queue with its
clocks, a request with its history and the decision, consumers with their grants and keys (a new key
shown once), and the usage report with its export."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import DomainError, NotFound, ValidationFailed
from cityops.core.export import Column, Sheet, download
from cityops.core.pages import pager, querystring, requires
from cityops.databrain.choices import AccessChannel, ConsumerKind, RequestStatus
from cityops.databrain.models import Consumer
from cityops.databrain.selectors import resource_get
from cityops.databrain.sharing import rules, selectors, services
from cityops.org.models import Department

PAGE_SIZE = 30
EVENT_LABELS = {
    "submit": gettext_lazy("Submitted"),
    "grant": gettext_lazy("Granted"),
    "refuse": gettext_lazy("Refused"),
    "withdraw": gettext_lazy("Withdrawn"),
    "warn": gettext_lazy("Reminded: one working day left"),
    "escalate": gettext_lazy("Overdue: escalated to the data stewards"),
    "revoke": gettext_lazy("Grant revoked"),
}
HISTORY_LABELS = {
    "databrain.consumer.create": gettext_lazy("Registered as a consumer"),
    "databrain.consumer.update": gettext_lazy("Details changed"),
    "databrain.consumer.switch_off": gettext_lazy("Switched off"),
    "databrain.consumer.switch_on": gettext_lazy("Switched back on"),
    "databrain.key.create": gettext_lazy("Key issued"),
    "databrain.key.revoke": gettext_lazy("Key revoked"),
}


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def _date(text):
    """A date from a form (None when empty); ValueError names a malformed one."""
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        raise ValueError(_("%(value)s is not a date (YYYY-MM-DD)") % {"value": text})
    return parsed


def present_request(req, now=None):
    st = RequestStatus(req.status)
    req.status_label, req.status_colour = st.label, st.colour
    req.clock = rules.clock(req, now) if req.status == RequestStatus.PENDING else None
    return req


def _paged(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for r in page.object_list:
        present_request(r, now)
    return pager(page, lambda **changes: querystring(request.GET, **changes))


@requires("databrain.share")
def request_list(request):
    """The requests I made or my department's consumer made."""
    status = request.GET.get("status", "")
    context = _paged(request, selectors.my_requests(user=request.user, status=status))
    context.update(status=status, statuses=RequestStatus.choices)
    return render(request, "databrain/sharing/requests.html", context)


@requires("databrain.share")
def approval_list(request):
    """The requests waiting for my decision, the earliest due first, with their clocks."""
    status = request.GET.get("status", RequestStatus.PENDING)
    context = _paged(request, selectors.approvals(user=request.user, status=status))
    context.update(status=status, statuses=RequestStatus.choices)
    return render(request, "databrain/sharing/approvals.html", context)


def _consumers_for(user):
    qs = Consumer.objects.filter(active=True).select_related("department")
    return [c for c in qs if rules.may_request_for(user, c)]


@requires("databrain.share")
def request_new(request):
    """Ask for a resource: consumer, purpose, fields (personal ones optionally in clear), period."""
    code = request.GET.get("resource") or request.POST.get("resource") or ""
    resource = _get(resource_get, user=request.user, code=code)
    choices = _consumers_for(request.user)
    error = None
    if request.method == "POST":
        consumer = next((c for c in choices if c.code == request.POST.get("consumer")), None)
        try:
            if consumer is None:
                raise ValidationFailed(_("choose the consumer the data is for"))
            req = services.request_submit(
                consumer=consumer,
                resource=resource,
                purpose=request.POST.get("purpose", ""),
                fields=request.POST.getlist("fields"),
                unmasked=request.POST.getlist("unmasked"),
                starts_on=_date(request.POST.get("starts_on")),
                ends_on=_date(request.POST.get("ends_on")),
                by=request.user,
            )
            return redirect("databrain:share_request", req.pk)
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "detail", str(exc))
    today = timezone.localdate()
    context = {
        "resource": resource,
        "fields": list(resource.fields.all()),
        "consumers": choices,
        "error": error,
        "posted": request.POST,
        "chosen": request.POST.getlist("fields")
        if request.method == "POST"
        else [f.name for f in resource.fields.all()],
        "chosen_clear": request.POST.getlist("unmasked"),
        "default_start": today.isoformat(),
        "default_end": (today + timedelta(days=365)).isoformat(),
    }
    return render(request, "databrain/sharing/request_new.html", context)


@requires("databrain.view")
def request_detail(request, request_id: int):
    """A request, its clock and history; the decision form for its provider; withdraw for its asker."""
    req = present_request(_get(selectors.request_get, user=request.user, request_id=request_id))
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                ends = request.POST.get("ends_on")
                services.request_approve(
                    request=req,
                    by=request.user,
                    fields=request.POST.getlist("fields"),
                    unmasked=request.POST.getlist("unmasked"),
                    ends_on=_date(ends),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Granted."))
            elif action == "refuse":
                services.request_refuse(request=req, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("Refused."))
            elif action == "withdraw":
                services.request_withdraw(request=req, by=request.user)
                messages.success(request, _("Withdrawn."))
            else:
                raise Http404("unknown action")
            return redirect("databrain:share_request", req.pk)
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "detail", str(exc))
    fields = {f.name: f for f in req.resource.fields.all()}
    events = list(req.events.all())
    for e in events:
        e.label = EVENT_LABELS.get(e.action, e.action)
    context = {
        "req": req,
        "fields": [fields[n] for n in req.fields if n in fields],
        "events": events,
        "grant": getattr(req, "grant", None) if req.status == RequestStatus.GRANTED else None,
        "may_decide": req.status == RequestStatus.PENDING and rules.may_decide(request.user, req.resource),
        "may_withdraw": req.status == RequestStatus.PENDING
        and (req.requested_by_id == request.user.pk or rules.may_manage(request.user)),
        "error": error,
    }
    return render(request, "databrain/sharing/request_detail.html", context)


@requires("databrain.change")
def consumer_list(request):
    """The consumers; a new department or outside system."""
    error = None
    if request.method == "POST":
        try:
            c = services.consumer_create(
                kind=request.POST.get("kind", ""),
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                contact=request.POST.get("contact", ""),
                department=request.POST.get("department", ""),
                by=request.user,
            )
            return redirect("databrain:consumer", c.code)
        except DomainError as exc:
            error = exc.detail
    context = {
        "consumers": selectors.consumers(user=request.user),
        "departments": Department.objects.filter(data_consumer__isnull=True).order_by("code"),
        "kinds": ConsumerKind.choices,
        "error": error,
        "posted": request.POST,
    }
    return render(request, "databrain/sharing/consumers.html", context)


@requires("databrain.change")
def consumer_detail(request, code: str):
    """A consumer's grants, keys and history: issue a key (its secret shown once), revoke a key or a
    grant, each with its reason."""
    consumer = _get(selectors.consumer_get, user=request.user, code=code)
    error, new_key = None, None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "key":
                days = request.POST.get("days", "")
                _key, new_key = services.key_create(
                    consumer=consumer,
                    name=request.POST.get("name", ""),
                    days=int(days) if days.isdigit() else -1,
                    by=request.user,
                )
            elif action == "revoke_key":
                key = _get(selectors.key_get, user=request.user, key_id=int(request.POST.get("key", 0)))
                services.key_revoke(key=key, by=request.user, reason=request.POST.get("reason", ""))
                return redirect("databrain:consumer", consumer.code)
            elif action == "revoke_grant":
                grant = _get(
                    selectors.grant_get, user=request.user, grant_id=int(request.POST.get("grant", 0))
                )
                services.grant_revoke(grant=grant, by=request.user, reason=request.POST.get("reason", ""))
                return redirect("databrain:consumer", consumer.code)
            else:
                raise Http404("unknown action")
        except DomainError as exc:
            error = exc.detail
    today = timezone.localdate()
    grants = list(selectors.grants(user=request.user, consumer=consumer))
    for g in grants:
        g.active = g.is_active(today)
    context = {
        "consumer": consumer,
        "grants": grants,
        "keys": list(selectors.keys_of(consumer)),
        "new_key": new_key,
        "error": error,
        "now": timezone.now(),
        "requests": [present_request(r) for r in consumer.requests.select_related("resource")[:20]],
        "history": _history(consumer),
    }
    return render(request, "databrain/sharing/consumer_detail.html", context)


def _history(consumer) -> list[dict]:
    """The consumer's history as the page lists it: when, who, what, on which key, why, what changed."""
    out = []
    for rec in selectors.consumer_history(consumer):
        after, before = rec.after or {}, rec.before or {}
        prefix = after.get("prefix")
        out.append(
            {
                "at": rec.at,
                "actor": rec.actor,
                "action": rec.action.rsplit(".", 1)[-1],
                "label": HISTORY_LABELS.get(rec.action, rec.action),
                "key": f"cdk_{prefix}…"
                if prefix
                else (rec.object_repr if rec.object_type == "databrain.apikey" else ""),
                "reason": after.get("reason", ""),
                "changes": [
                    (k, before.get(k, ""), after.get(k, "")) for k in after if rec.action.endswith(".update")
                ],
            }
        )
    return out


@requires("databrain.change")
def consumer_edit(request, code: str):
    """Change a consumer's name and contact; switch it off (its keys stop at once) or back on."""
    consumer = _get(selectors.consumer_get, user=request.user, code=code)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                services.consumer_update(
                    consumer=consumer,
                    name=request.POST.get("name", ""),
                    contact=request.POST.get("contact", ""),
                    by=request.user,
                )
                messages.success(request, _("Saved."))
            elif action in ("switch_off", "switch_on"):
                services.consumer_switch(
                    consumer=consumer,
                    active=action == "switch_on",
                    reason=request.POST.get("reason", ""),
                    by=request.user,
                )
                messages.success(
                    request,
                    _("Switched off: its keys no longer work.")
                    if action == "switch_off"
                    else _("Switched back on: its keys that are neither expired nor revoked work again."),
                )
            else:
                raise Http404("unknown action")
            return redirect("databrain:consumer", consumer.code)
        except DomainError as exc:
            error = exc.detail
    context = {
        "consumer": consumer,
        "error": error,
        "posted": request.POST if request.POST.get("action") == "save" else {},
        "pending": consumer.requests.filter(status=RequestStatus.PENDING).count(),
        "live_keys": sum(1 for k in selectors.keys_of(consumer) if k.is_active),
    }
    return render(request, "databrain/sharing/consumer_edit.html", context)


def usage_filter(request) -> selectors.UsageFilter:
    today = timezone.localdate()
    since = parse_date(request.GET.get("since", "") or "") or today - timedelta(days=30)
    until = parse_date(request.GET.get("until", "") or "") or today
    if until < since:
        since, until = until, since
    return selectors.UsageFilter(
        since=since,
        until=until,
        resource=request.GET.get("resource", ""),
        consumer=request.GET.get("consumer", ""),
    )


def _channel_label(value: str) -> str:
    return AccessChannel(value).label if value in AccessChannel.values else value


@requires("databrain.change")
def usage(request):
    """Reads of records in a period, by resource and by consumer, with the latest reads."""
    f = usage_filter(request)
    by_consumer = selectors.usage_by_consumer(f=f)
    for row in by_consumer:
        row["channel_label"] = _channel_label(row["channel"])
    context = {
        "f": f,
        "by_resource": selectors.usage_by_resource(f=f),
        "by_consumer": by_consumer,
        "log": list(selectors.usage_log(f=f)[:50]),
        "querystring": querystring(request.GET),
    }
    return render(request, "databrain/sharing/usage.html", context)


@requires("databrain.change")
def usage_export(request, fmt: str):
    """The usage report of the page's period as CSV or XLSX: by resource, by consumer, every read."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    f = usage_filter(request)
    by_resource = Sheet(
        _("By resource"),
        [
            Column(str(t))
            for t in (
                _("Resource code"),
                _("Resource name"),
                _("Reads"),
                _("Rows"),
                _("Consumers"),
                _("Last read"),
            )
        ],
        (
            [
                r["resource__code"],
                r["resource__name"],
                r["reads"],
                r["rows"],
                r["consumers"],
                timezone.localtime(r["last"]).strftime("%Y-%m-%d %H:%M"),
            ]
            for r in selectors.usage_by_resource(f=f)
        ),
    )
    by_consumer = Sheet(
        _("By consumer"),
        [
            Column(str(t))
            for t in (
                _("Consumer code"),
                _("Consumer"),
                _("Channel"),
                _("Reads"),
                _("Rows"),
                _("Resources"),
                _("Last read"),
            )
        ],
        (
            [
                r["consumer__code"] or "",
                r["consumer__name"] or _("Staff"),
                _channel_label(r["channel"]),
                r["reads"],
                r["rows"],
                r["resources"],
                timezone.localtime(r["last"]).strftime("%Y-%m-%d %H:%M"),
            ]
            for r in selectors.usage_by_consumer(f=f)
        ),
    )
    log = Sheet(
        _("Reads"),
        [
            Column(str(t))
            for t in (
                _("When"),
                _("Resource code"),
                _("Consumer code"),
                _("By"),
                _("Channel"),
                _("Fields"),
                _("Rows"),
            )
        ],
        (
            [
                timezone.localtime(a.at).strftime("%Y-%m-%d %H:%M:%S"),
                a.resource.code,
                a.consumer.code if a.consumer else "",
                a.actor,
                _channel_label(a.channel),
                ",".join(a.fields),
                a.rows,
            ]
            for a in selectors.usage_log(f=f).iterator(chunk_size=2000)
        ),
    )
    sheets = [by_resource, by_consumer, log] if fmt == "xlsx" else [log]
    return download(
        name=f"data-usage-{f.since:%Y%m%d}-{f.until:%Y%m%d}", fmt=fmt, sheets=sheets, stamp_format=None
    )


def resource_sharing(user, resource) -> dict:
    """What a resource's page shows of its sharing: its grants and its reads in the last 30 days."""
    today = timezone.localdate()
    f = selectors.UsageFilter(since=today - timedelta(days=30), until=today, resource=resource.code)
    grants = list(selectors.grants(user=user, resource=resource)[:20])
    for g in grants:
        g.active = g.is_active(today)
    by_consumer = selectors.usage_by_consumer(f=f)
    for row in by_consumer:
        row["channel_label"] = _channel_label(row["channel"])
    return {
        "share_grants": grants,
        "share_usage": by_consumer,
        "share_usage_since": f.since,
        "may_request": user.can("databrain.share")
        and resource.share_type != "none"
        and resource.withdrawn_at is None,
    }
