"""Every write of a load: a file staged with its proposed column mapping, then loaded all or nothing.

- ``load_stage`` reads the file's header (refusing a file that cannot be read) and keeps the file
  on the ``Load`` row until its mapping is confirmed; the mapping proposed is the resource's saved
  one, else each header (or its last part under a multi-row header) matched to a field's name or title.
- ``load_commit`` loads a staged file with a mapping (header → field name, "" to ignore a column),
  saves the mapping on the resource for the next load, and either writes every row or none:
  a row whose key is empty, a row with more cells than the header, a key field not mapped, a field
  mapped twice — each named by row and column — refuse the whole load and leave the records as they
  were. Quality problems (checksums, dates, numbers, mobiles, division codes, required values,
  duplicate keys) never refuse: the value is kept, the record flagged, the problem listed.
  A load made to **replace** the resource's records then deletes every record its file did not
  write (their numbers and keys go to the upstream sync's outbox as deletions).
- ``load_file`` does both at once (the command line, the demo, a client that knows its mapping, a pull).
- A file larger than ``BACKGROUND_BYTES`` is not loaded in the request: ``load_commit`` checks its
  mapping and queues it, and the background job (``load_queued``) loads it, writing its progress
  (rows read of about how many) to the cache for the load page to poll. Still all or nothing.

A refused load is logged too (status refused, its errors); a load returns its ``Load`` row either way.
Rows are upserted by the resource's key fields (``datastore.write``).
"""

import time
from collections import Counter, defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.core.tabular import row_error
from cityops.databrain import datastore, quality, tables
from cityops.databrain.choices import LoadStatus, Problem
from cityops.databrain.datastore import RowIn
from cityops.databrain.models import Load, QualityIssue, Resource
from cityops.databrain.sync import capture

MAX_BYTES = 50 * 1024 * 1024
MAX_XLSX_BYTES = 20 * 1024 * 1024
MAX_JSON_BYTES = 20 * 1024 * 1024  # parsed whole: about 10 times its size in memory
BACKGROUND_BYTES = 2 * 1024 * 1024  # larger files load in the background, with a progress bar
PROGRESS_EVERY = 500  # rows
LOAD_LEASE = timedelta(hours=1)
MAX_ERRORS = 500
EXAMPLES = 5
KEY_SEPARATOR = capture.KEY_SEPARATOR


class Refused(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors


def _require(by) -> None:
    if by is not None and not by.can("databrain.change"):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": "databrain.change"})


def _actor(by, actor_name: str) -> str:
    return getattr(by, "username", "") or actor_name or "system"


def propose_mapping(resource: Resource, headers: list[str]) -> dict[str, str | None]:
    """Header → field name ("" ignored as saved, None when nothing matches), from the saved mapping,
    then the fields' names and titles."""
    fields = list(resource.fields.all())
    names = {f.name.lower(): f.name for f in fields}
    titles = {f.title: f.name for f in fields}
    out = {}
    for header in headers:
        if header in resource.mapping and (
            resource.mapping[header] in names.values() or resource.mapping[header] == ""
        ):
            out[header] = resource.mapping[header]
            continue
        last = header.split("/")[-1]
        out[header] = next(
            (
                m
                for m in (
                    names.get(header.lower()),
                    titles.get(header),
                    names.get(last.lower()),
                    titles.get(last),
                )
                if m
            ),
            None,
        )
    return out


def _refuse_load(load: Load, errors: list[dict], started: float) -> Load:
    load.status = LoadStatus.REFUSED
    load.errors = errors[:MAX_ERRORS]
    load.data, load.claimed_until = None, None
    load.duration_ms = int((time.monotonic() - started) * 1000)
    load.save()
    return load


def _limit(data: bytes, filename: str) -> int:
    if filename.lower().endswith(".xlsx") or data.startswith(tables.ZIP):
        return MAX_XLSX_BYTES
    if tables.is_json(data, filename) and not filename.lower().endswith(".csv"):
        return MAX_JSON_BYTES
    return MAX_BYTES


def load_refuse(*, resource: Resource, filename: str, reason: str, actor_name: str = "") -> Load:
    """A load refused before any row was read (a pull whose source failed), logged with its reason."""
    return Load.objects.create(
        resource=resource,
        actor=actor_name or "system",
        filename=filename[:200],
        file_format="",
        status=LoadStatus.REFUSED,
        errors=[row_error(None, None, reason)],
    )


def load_stage(
    *,
    resource_code: str,
    data: bytes,
    filename: str,
    header_rows: int = 1,
    json_path: str = "",
    replace: bool = False,
    by=None,
    actor_name: str = "",
) -> Load:
    """Keep a file for loading once its mapping is confirmed; refused at once if it cannot be read.
    With ``replace`` the load deletes the records its file does not hold."""
    _require(by)
    resource = Resource.objects.filter(code=resource_code).first()
    if resource is None:
        raise NotFound(_("No resource %(code)s.") % {"code": resource_code})
    if resource.withdrawn_at is not None:
        raise ValidationFailed(
            _("%(code)s was withdrawn from the catalogue; nothing more is loaded into it.")
            % {"code": resource.code}
        )
    if not 1 <= header_rows <= 5:
        raise ValidationFailed(
            _("The header is 1 to 5 rows."), errors=[{"field": "header_rows", "message": _("1 to 5")}]
        )
    started = time.monotonic()
    load = Load.objects.create(
        resource=resource,
        actor=_actor(by, actor_name),
        filename=filename[:200],
        file_format="",
        header_rows=header_rows,
        json_path=json_path.strip()[:200],
        size=len(data),
        replace=replace,
        status=LoadStatus.STAGED,
    )
    limit = _limit(data, filename)
    try:
        if len(data) > limit:
            raise tables.Unreadable(_("the file is larger than %(mb)s MB") % {"mb": limit // 1024 // 1024})
        sheet = tables.read(data, filename, header_rows=header_rows, json_path=load.json_path)
    except tables.Unreadable as exc:
        return _refuse_load(load, [row_error(None, None, str(exc))], started)
    load.file_format, load.encoding = sheet.file_format, sheet.encoding
    load.data = data
    load.save()
    return load


def _sheet(load: Load) -> tables.Sheet:
    return tables.read(
        bytes(load.data), load.filename, header_rows=load.header_rows, json_path=load.json_path
    )


def preview(load: Load, rows: int = 10) -> tuple[list[str], list[list[str]]]:
    """A staged file's headers and its first rows."""
    sheet = _sheet(load)
    out = []
    for _number, cells in sheet.rows:
        out.append(cells)
        if len(out) >= rows:
            break
    return sheet.headers, out


def _mapping_errors(resource, headers: list[str], mapping: dict[str, str], fields: dict) -> list[dict]:
    errors, used = [], {}
    for header in headers:
        if mapping.get(header) is None:
            errors.append(
                row_error(1, header, _("this column is not mapped; map it to a field or ignore it"))
            )
            continue
        name = mapping[header]
        if name and name not in fields:
            errors.append(row_error(1, header, _("no field %(name)s in this resource") % {"name": name}))
        elif name in used:
            errors.append(
                row_error(
                    1,
                    header,
                    _("field %(name)s is already mapped to column %(other)s")
                    % {"name": name, "other": used[name]},
                )
            )
        elif name:
            used[name] = header
    for key in resource.key_fields:
        if key not in used:
            errors.append(
                row_error(1, None, _("the key field %(name)s is mapped to no column") % {"name": key})
            )
    return errors


class _Run:
    """The rows of one load turned into records, their problems and the load's report."""

    def __init__(self, resource, fields, headers, mapping, on_progress=None):
        self.resource, self.fields = resource, fields
        self.on_progress = on_progress
        by_name = {f.name: f for f in fields}
        self.columns = [
            (pos, by_name[mapping[h]].name, quality.checker(by_name[mapping[h]]))
            for pos, h in enumerate(headers)
            if mapping.get(h)
        ]
        self.width = len(headers)
        self.keys = list(resource.key_fields)
        self.seen: dict[str, int] = {}
        self.errors: list[dict] = []
        self.issues: list[tuple] = []  # (row, field, problem, value, detail)
        self.rows_read = 0
        self.flagged = 0

    def records(self, rows):
        for number, cells in rows:
            self.rows_read += 1
            if self.on_progress and self.rows_read % PROGRESS_EVERY == 0:
                self.on_progress(self.rows_read)
            if len(cells) > self.width:
                self.errors.append(
                    row_error(
                        number,
                        None,
                        _("%(n)s cells, but the header has %(m)s columns")
                        % {"n": len(cells), "m": self.width},
                    )
                )
                continue
            values, found = {}, []
            width = len(cells)
            for pos, name, check in self.columns:
                text = cells[pos].strip() if pos < width else ""
                values[name], findings = check(text)
                if findings:
                    found += [(number, name, f.problem, text[:200], f.detail) for f in findings]
            missing = [k for k in self.keys if not values.get(k)]
            if missing:
                self.errors.append(
                    row_error(number, missing[0], _("the key is empty; a record cannot be loaded without it"))
                )
                continue
            key = (
                values[self.keys[0]]
                if len(self.keys) == 1
                else KEY_SEPARATOR.join([values[k] for k in self.keys])
            )
            if self.keys and key in self.seen:
                found.append(
                    (
                        number,
                        ",".join(self.keys),
                        Problem.DUPLICATE,
                        key.replace(KEY_SEPARATOR, ",")[:200],
                        _("also row %(row)s") % {"row": self.seen[key]},
                    )
                )
            else:
                self.seen.setdefault(key, number)
            self.issues += found
            self.flagged += bool(found)
            yield RowIn(number, key if self.keys else "", len(found), values)

    def report(self) -> dict:
        by_problem, by_field, examples = Counter(), defaultdict(Counter), defaultdict(list)
        for row, field, problem, value, detail in self.issues:
            problem = str(problem)
            by_problem[problem] += 1
            by_field[field][problem] += 1
            if len(examples[problem]) < EXAMPLES:
                examples[problem].append({"row": row, "field": field, "value": value, "detail": detail})
        return {
            "rows": self.rows_read,
            "flagged": self.flagged,
            "problems": len(self.issues),
            "by_problem": dict(by_problem),
            "by_field": {f: dict(c) for f, c in by_field.items()},
            "examples": dict(examples),
        }


def _write(load: Load, resource: Resource, run: _Run, rows) -> list[tuple[int, str]]:
    """Write the rows (and with ``load.replace`` delete the records the file did not write); the
    (id, key) of the records deleted."""
    datastore.ensure_table(resource, run.fields)
    load.inserted, load.updated = datastore.write(resource, run.fields, run.records(rows), load.pk)
    if run.errors:
        raise Refused(run.errors)
    ids = datastore.ids_of_load(resource, load.pk)
    _forget_issues(
        resource, list(ids.values()) if load.updated else []
    )  # only rewritten records had findings
    gone = datastore.delete_records(resource, keep_load=load.pk) if load.replace else []
    _forget_issues(resource, [rid for rid, _key in gone])
    load.deleted = len(gone)
    QualityIssue.objects.bulk_create(
        [
            QualityIssue(
                load=load,
                resource=resource,
                record_id=ids[row],
                row=row,
                field=field,
                problem=problem,
                value=value,
                detail=str(detail)[:100],
            )
            for row, field, problem, value, detail in run.issues
        ],
        batch_size=2000,
    )
    resource.record_count, resource.flagged_count = datastore.totals(resource)
    resource.loaded_at = timezone.now()
    resource.save(update_fields=["record_count", "flagged_count", "loaded_at", "mapping", "updated_at"])
    return gone


def _forget_issues(resource: Resource, record_ids: list[int]) -> None:
    """Delete the findings of records that were rewritten or deleted."""
    for start in range(0, len(record_ids), 5000):
        QualityIssue.objects.filter(
            resource=resource, record_id__in=record_ids[start : start + 5000]
        ).delete()


def progress_key(load_id: int) -> str:
    return f"databrain:load-progress:{load_id}"


def progress(load: Load) -> dict:
    """A background load's progress: rows read and about how many there are (from the cache, which
    the worker writes outside the load's transaction, so that the page sees it before the commit)."""
    return cache.get(progress_key(load.pk)) or {"read": 0, "total": 0}


def _prepare(load: Load, mapping: dict | None) -> tuple[tables.Sheet, dict, list[dict]]:
    """The staged file, the mapping (the proposal when None) and what is wrong with the mapping."""
    sheet = _sheet(load)
    mapping = dict(mapping) if mapping is not None else propose_mapping(load.resource, sheet.headers)
    fields = {f.name: f for f in load.resource.fields.all()}
    return sheet, mapping, _mapping_errors(load.resource, sheet.headers, mapping, fields)


def load_commit(
    *, load_id: int, mapping: dict[str, str] | None = None, by=None, actor_name: str = ""
) -> Load:
    """Load a staged file with ``mapping`` (the proposal when None): every row or none; a file
    larger than ``BACKGROUND_BYTES`` is checked and queued for the background job instead."""
    _require(by)
    load = Load.objects.select_related("resource").filter(pk=load_id, status=LoadStatus.STAGED).first()
    if load is None:
        raise NotFound(_("No load %(id)s waiting for its mapping.") % {"id": load_id})
    started = time.monotonic()
    sheet, mapping, errors = _prepare(load, mapping)
    if errors:
        return _refuse_load(load, errors, started)
    if load.size > BACKGROUND_BYTES:
        load.status, load.chosen_mapping = LoadStatus.QUEUED, mapping
        load.save(update_fields=["status", "chosen_mapping", "updated_at"])
        cache.set(progress_key(load.pk), {"read": 0, "total": sheet.total}, 86400)
        return load
    return _run_load(load, sheet, mapping, by=by, actor_name=actor_name, started=started)


def load_claim(*, now=None) -> Load | None:
    """Take the oldest queued load (or one whose worker died) for this worker: a conditional UPDATE."""
    now = now or timezone.now()
    free = Q(status=LoadStatus.QUEUED) | Q(status=LoadStatus.RUNNING, claimed_until__lt=now)
    for pk in Load.objects.filter(free).order_by("created_at", "id").values_list("pk", flat=True)[:5]:
        if Load.objects.filter(free, pk=pk).update(status=LoadStatus.RUNNING, claimed_until=now + LOAD_LEASE):
            return Load.objects.select_related("resource").get(pk=pk)
    return None


def load_queued() -> Load | None:
    """Load the next queued file in the background (the ``databrain.loads`` job); None when none waits."""
    load = load_claim()
    if load is None:
        return None
    started = time.monotonic()
    try:
        sheet = _sheet(load)
    except tables.Unreadable as exc:
        return _refuse_load(load, [row_error(None, None, str(exc))], started)
    key = progress_key(load.pk)
    total = sheet.total

    def report(read: int) -> None:
        cache.set(key, {"read": read, "total": max(total, read)}, 86400)

    report(0)
    load = _run_load(
        load, sheet, load.chosen_mapping, by=None, actor_name=load.actor, started=started, on_progress=report
    )
    cache.set(key, {"read": load.rows_read, "total": load.rows_read, "done": True}, 86400)
    return load


def _run_load(load, sheet, mapping, *, by, actor_name, started, on_progress=None) -> Load:
    """Write every row of ``sheet`` with ``mapping`` in one transaction, or none (the load refused)."""
    resource = load.resource
    fields = {f.name: f for f in resource.fields.all()}
    run = _Run(resource, list(fields.values()), sheet.headers, mapping, on_progress)
    try:
        with transaction.atomic():
            resource = Resource.objects.select_for_update().get(pk=resource.pk)
            resource.mapping = {**resource.mapping, **{h: mapping[h] for h in sheet.headers}}
            gone = _write(load, resource, run, sheet.rows)
            load.status, load.rows_read, load.flagged = LoadStatus.DONE, run.rows_read, run.flagged
            load.report, load.data, load.claimed_until = run.report(), None, None
            load.duration_ms = int((time.monotonic() - started) * 1000)
            load.save()
            capture.records_changed(resource, load)
            capture.records_deleted(resource, gone, load=load)
            audit_record(
                action="databrain.load",
                actor=by,
                actor_name=actor_name,
                obj=resource,
                after={
                    "load": load.pk,
                    "file": load.filename,
                    "rows": run.rows_read,
                    "inserted": load.inserted,
                    "updated": load.updated,
                    "deleted": load.deleted,
                    "flagged": run.flagged,
                },
            )
    except Refused as exc:
        load.inserted = load.updated = load.deleted = 0
        load.rows_read = run.rows_read
        return _refuse_load(load, exc.errors, started)
    except tables.Unreadable as exc:
        load.inserted = load.updated = load.deleted = 0
        return _refuse_load(load, [row_error(None, None, str(exc))], started)
    return load


def load_file(
    *,
    resource_code: str,
    data: bytes,
    filename: str,
    header_rows: int = 1,
    json_path: str = "",
    mapping: dict | None = None,
    replace: bool = False,
    by=None,
    actor_name: str = "",
) -> Load:
    """Stage and load a file at once (in the caller's process, whatever its size)."""
    load = load_stage(
        resource_code=resource_code,
        data=data,
        filename=filename,
        header_rows=header_rows,
        json_path=json_path,
        replace=replace,
        by=by,
        actor_name=actor_name,
    )
    if load.status != LoadStatus.STAGED:
        return load
    _require(by)
    started = time.monotonic()
    sheet, mapping, errors = _prepare(load, mapping)
    if errors:
        return _refuse_load(load, errors, started)
    return _run_load(load, sheet, mapping, by=by, actor_name=actor_name, started=started)
