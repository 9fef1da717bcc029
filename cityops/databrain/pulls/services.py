"""Every write about pull sources: saving one (its secrets sealed), running one, running the due ones."""

import urllib.parse
from dataclasses import dataclass, field
from datetime import time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.core.sealed import SealBroken, seal, unseal
from cityops.databrain import loads
from cityops.databrain.choices import Paging, PullFormat, PullKind
from cityops.databrain.models import Load, PullSource, Resource
from cityops.databrain.pulls import fetch
from cityops.databrain.pulls.schedule import next_run

LEASE = timedelta(minutes=15)
KEEP = object()  # a secret left as it is


@dataclass
class PullIn:
    name: str
    kind: str
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    token_header: str = ""
    token: object = KEEP  # the token's value ("" to remove it); never read back
    format: str = PullFormat.JSON
    json_path: str = ""
    paging: str = Paging.NONE
    page_param: str = ""
    size_param: str = ""
    page_size: int = 100
    next_path: str = ""
    max_pages: int = 100
    db_url: object = KEEP  # sealed like the token
    query: str = ""
    every_minutes: int | None = None
    daily_at: time | None = None
    enabled: bool = True
    replace: bool = False  # the source gives the whole resource: what it no longer holds is deleted


def _require(by) -> None:
    if by is not None and not by.can("databrain.change"):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": "databrain.change"})


def _check(data: PullIn, source: PullSource | None) -> list[dict]:
    errors = []

    def bad(name, message):
        errors.append({"field": name, "message": message})

    if not data.name.strip():
        bad("name", _("Give the source a name."))
    if data.kind not in PullKind.values:
        bad("kind", _("HTTP or SQL."))
    if data.kind == PullKind.HTTP:
        if (
            urllib.parse.urlsplit(data.url).scheme not in ("http", "https")
            or not urllib.parse.urlsplit(data.url).netloc
        ):
            bad("url", _("An address beginning with http:// or https://."))
        if data.format not in PullFormat.values:
            bad("format", _("JSON or CSV."))
        if data.paging not in Paging.values or (data.paging == Paging.NEXT and data.format == PullFormat.CSV):
            bad(
                "paging",
                _(
                    "A next link is read from a JSON body or the Link header; a CSV pages by number or offset."
                ),
            )
        if not 1 <= data.page_size <= 10_000:
            bad("page_size", _("1 to 10,000 rows a page."))
        if not 1 <= data.max_pages <= 10_000:
            bad("max_pages", _("1 to 10,000 pages."))
        for name in data.headers:
            if not name or any(c in name for c in ":\r\n "):
                bad("headers", _("A header name without spaces or colons: %(name)s") % {"name": name})
    if data.kind == PullKind.SQL:
        try:
            fetch.check_select(data.query)
        except fetch.PullFailed as exc:
            bad("query", str(exc))
        db_url = (source.db_url_sealed if source else "") if data.db_url is KEEP else data.db_url
        if data.db_url is not KEEP and urllib.parse.urlsplit(str(data.db_url)).scheme not in (
            "postgres",
            "postgresql",
            "sqlite",
        ):
            bad("db_url", _("A database address beginning with postgres:// or sqlite:///."))
        elif not db_url:
            bad("db_url", _("Give the database address."))
    if data.every_minutes is not None and not 1 <= data.every_minutes <= 7 * 24 * 60:
        bad("every_minutes", _("Every 1 minute to 7 days."))
    if data.every_minutes and data.daily_at:
        bad("every_minutes", _("Either every N minutes or daily at a time, not both."))
    return errors


@transaction.atomic
def pull_source_save(
    *, resource_code: str, data: PullIn, source_id: int | None = None, by=None
) -> PullSource:
    """Create or change a resource's pull source; a token or database address given is sealed."""
    _require(by)
    resource = Resource.objects.filter(code=resource_code).first()
    if resource is None:
        raise NotFound(_("No resource %(code)s.") % {"code": resource_code})
    source = None
    if source_id is not None:
        source = PullSource.objects.select_for_update().filter(pk=source_id, resource=resource).first()
        if source is None:
            raise NotFound(_("No pull source %(id)s.") % {"id": source_id})
    errors = _check(data, source)
    if (
        PullSource.objects.filter(resource=resource, name=data.name.strip())
        .exclude(pk=getattr(source, "pk", None))
        .exists()
    ):
        errors.append(
            {
                "field": "name",
                "message": _("This resource already has a source named %(name)s.") % {"name": data.name},
            }
        )
    if errors:
        raise ValidationFailed(
            _("The pull source cannot be saved: %(first)s") % {"first": errors[0]["message"]}, errors=errors
        )
    source = source or PullSource(resource=resource)
    before = _public(source) if source.pk else None
    for name in (
        "kind",
        "url",
        "headers",
        "token_header",
        "format",
        "json_path",
        "paging",
        "page_param",
        "size_param",
        "page_size",
        "next_path",
        "max_pages",
        "query",
        "every_minutes",
        "daily_at",
        "enabled",
        "replace",
    ):
        setattr(source, name, getattr(data, name))
    source.name = data.name.strip()
    if data.token is not KEEP:
        source.token_sealed = seal(str(data.token))
    if data.db_url is not KEEP:
        source.db_url_sealed = seal(str(data.db_url))
    source.next_run_at = next_run(
        every_minutes=source.every_minutes, daily_at=source.daily_at, after=timezone.now()
    )
    source.save()
    audit_record(action="databrain.pull_save", actor=by, obj=resource, before=before, after=_public(source))
    return source


def _public(source: PullSource) -> dict:
    """What the audit keeps of a source: never the secrets, only whether they are set."""
    return {
        "pull": source.pk,
        "name": source.name,
        "kind": source.kind,
        "url": fetch._where(source.url) if source.url else "",
        "query": source.query,
        "token": bool(source.token_sealed),
        "db_url": bool(source.db_url_sealed),
        "every_minutes": source.every_minutes,
        "daily_at": source.daily_at.strftime("%H:%M") if source.daily_at else None,
        "enabled": source.enabled,
        "replace": source.replace,
    }


def _read(source: PullSource) -> tuple[bytes, str]:
    """The source's data and the file name the loader reads it as."""
    try:
        if source.kind == PullKind.SQL:
            return fetch.sql_json(unseal(source.db_url_sealed), source.query), "pull.json"
        headers = {"Accept": "application/json" if source.format == PullFormat.JSON else "text/csv"}
        headers |= {str(k): str(v) for k, v in source.headers.items()}
        if source.token_sealed:
            headers[source.token_header or "Authorization"] = unseal(source.token_sealed)
        if source.format == PullFormat.CSV:
            return fetch.http_csv(source, headers), "pull.csv"
        return fetch.http_json(source, headers), "pull.json"
    except SealBroken:
        raise fetch.PullFailed(
            _("the sealed secret does not open with the configured keys; enter it again")
        ) from None


def _claim(source_id: int, now, *, due_only: bool) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    if due_only:
        free &= Q(enabled=True, next_run_at__lte=now)
    return bool(PullSource.objects.filter(free, pk=source_id).update(claimed_until=now + LEASE))


def pull_run(*, source_id: int, by=None, scheduled: bool = False) -> Load | None:
    """Pull a source now and load what it gives; a failing source is a refused load with its reason.
    None when another run of it holds the claim (or, when ``scheduled``, it is no longer due)."""
    _require(by)
    now = timezone.now()
    if not _claim(source_id, now, due_only=scheduled):
        return None
    source = PullSource.objects.select_related("resource").get(pk=source_id)
    label = f"pull: {source.name}"
    actor = getattr(by, "username", "") or label
    try:
        if source.resource.withdrawn_at is not None:
            raise fetch.PullFailed(_("the resource was withdrawn from the catalogue"))
        data, filename = _read(source)
    except fetch.PullFailed as exc:
        load = loads.load_refuse(resource=source.resource, filename=label, reason=str(exc), actor_name=actor)
    else:
        load = loads.load_file(
            resource_code=source.resource.code,
            data=data,
            filename=filename,
            replace=source.replace,
            by=by,
            actor_name=actor,
        )
        Load.objects.filter(pk=load.pk).update(filename=label)
        load.filename = label
    changes = {"claimed_until": None, "last_load": load}
    if scheduled or source.next_run_at is None:
        changes["next_run_at"] = next_run(
            every_minutes=source.every_minutes, daily_at=source.daily_at, after=now
        )
    PullSource.objects.filter(pk=source.pk).update(**changes)
    return load


def pulls_due(*, budget_s: float = 240) -> list[Load]:
    """Run every enabled source whose time has come (the ``databrain.pulls`` job)."""
    started, done = timezone.now(), []
    due = PullSource.objects.filter(
        enabled=True, next_run_at__lte=started, resource__withdrawn_at__isnull=True
    ).order_by("next_run_at")
    for source_id in due.values_list("pk", flat=True):
        if (timezone.now() - started).total_seconds() > budget_s:
            break
        load = pull_run(source_id=source_id, scheduled=True)
        if load is not None:
            done.append(load)
    return done
