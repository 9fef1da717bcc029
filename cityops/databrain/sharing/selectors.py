"""Reads of sharing, each taking the acting user: requests (hidden ones are a 404), the approvals
queue with its clocks, consumers, grants, keys and the usage report."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.models import AuditRecord
from cityops.core.errors import NotFound
from cityops.databrain.choices import RequestStatus
from cityops.databrain.models import AccessLog, ApiKey, Consumer, Grant, ShareRequest
from cityops.databrain.sharing import rules


def _requests(user):
    qs = ShareRequest.objects.select_related("consumer", "resource", "resource__provider", "requested_by")
    scope = rules.request_scope(user)
    return qs if scope is None else qs.filter(scope)


def request_get(*, user, request_id: int) -> ShareRequest:
    req = _requests(user).filter(pk=request_id).first()
    if req is None:
        raise NotFound(_("No sharing request #%(id)s.") % {"id": request_id})
    return req


def my_requests(*, user, status: str = ""):
    """The requests ``user`` made or that their department's consumer made."""
    q = Q(requested_by_id=user.pk)
    if user.can("databrain.share"):
        q |= Q(consumer__department_id__in=user.department_ids())
    qs = _requests(user).filter(q)
    return qs.filter(status=status) if status else qs


def approvals(*, user, status: str = RequestStatus.PENDING):
    """The requests ``user`` decides (every one for the data steward), the earliest due first."""
    qs = _requests(user)
    if not rules.may_manage(user):
        if not user.can("databrain.share"):
            return qs.none()
        qs = qs.filter(resource__provider_id__in=user.department_ids())
    qs = qs.filter(resource__share_type="conditional")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_at", "id") if status == RequestStatus.PENDING else qs.order_by("-requested_at")


def consumers(*, user):
    return Consumer.objects.restrict(user, "databrain.view").select_related("department")


def consumer_get(*, user, code: str) -> Consumer:
    c = consumers(user=user).filter(code=code).first()
    if c is None or not (rules.may_manage(user) or rules.may_request_for(user, c)):
        raise NotFound(_("No consumer %(code)s.") % {"code": code})
    return c


def grants(*, user, resource=None, consumer=None):
    qs = Grant.objects.select_related("consumer", "resource", "resource__provider")
    if resource is not None:
        qs = qs.filter(resource=resource)
    if consumer is not None:
        qs = qs.filter(consumer=consumer)
    if not rules.may_manage(user):
        depts = user.department_ids() if user.can("databrain.share") else []
        qs = qs.filter(Q(resource__provider_id__in=depts) | Q(consumer__department_id__in=depts))
    return qs


def grant_get(*, user, grant_id: int) -> Grant:
    g = grants(user=user).filter(pk=grant_id).first()
    if g is None:
        raise NotFound(_("No grant #%(id)s.") % {"id": grant_id})
    return g


def keys_of(consumer):
    return ApiKey.objects.filter(consumer=consumer)


HISTORY_ACTIONS = (
    "databrain.consumer.create",
    "databrain.consumer.update",
    "databrain.consumer.switch_off",
    "databrain.consumer.switch_on",
    "databrain.key.create",
    "databrain.key.revoke",
)


def consumer_history(consumer, *, limit: int = 100) -> list[AuditRecord]:
    """The consumer's changes and its keys' issues and revocations, newest first (the audit trail)."""
    key_ids = [str(pk) for pk in ApiKey.objects.filter(consumer=consumer).values_list("pk", flat=True)]
    return list(
        AuditRecord.objects.filter(
            Q(object_type="databrain.consumer", object_id=str(consumer.pk))
            | Q(object_type="databrain.apikey", object_id__in=key_ids),
            action__in=HISTORY_ACTIONS,
        ).order_by("-id")[:limit]
    )


def key_get(*, user, key_id: int) -> ApiKey:
    k = (
        ApiKey.objects.select_related("consumer").filter(pk=key_id).first()
        if rules.may_manage(user)
        else None
    )
    if k is None:
        raise NotFound(_("No key #%(id)s.") % {"id": key_id})
    return k


@dataclass
class UsageFilter:
    since: date
    until: date
    resource: str = ""  # a resource code
    consumer: str = ""  # a consumer code


def _window(f: UsageFilter):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(f.since, time.min), tz)
    end = timezone.make_aware(datetime.combine(f.until + timedelta(days=1), time.min), tz)
    qs = AccessLog.objects.filter(at__gte=start, at__lt=end)
    if f.resource:
        qs = qs.filter(resource__code=f.resource)
    if f.consumer:
        qs = qs.filter(consumer__code=f.consumer)
    return qs


def usage_by_resource(*, f: UsageFilter) -> list[dict]:
    """Reads per resource in the period: how many, rows returned, consumers, last read."""
    return list(
        _window(f)
        .values("resource__code", "resource__name")
        .annotate(
            reads=Count("id"), rows=Sum("rows"), consumers=Count("consumer", distinct=True), last=Max("at")
        )
        .order_by("-reads", "resource__code")
    )


def usage_by_consumer(*, f: UsageFilter) -> list[dict]:
    """Reads per consumer (users of the pages under “staff”) in the period."""
    return list(
        _window(f)
        .values("consumer__code", "consumer__name", "channel")
        .annotate(
            reads=Count("id"), rows=Sum("rows"), resources=Count("resource", distinct=True), last=Max("at")
        )
        .order_by("-reads", "consumer__code", "channel")
    )


def usage_log(*, f: UsageFilter):
    return _window(f).select_related("resource", "consumer").order_by("-at", "-id")
