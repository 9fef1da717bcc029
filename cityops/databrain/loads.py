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
- ``load_file`` does both at once (the command line, the demo, a client that knows its mapping).

A refused load is logged too (status refused, its errors); a load returns its ``Load`` row either way.
Rows are upserted by the resource's key fields (``datastore.write``).
"""

import time
from collections import Counter, defaultdict

from django.db import transaction
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
MAX_ERRORS = 500
EXAMPLES = 5
KEY_SEPARATOR = "\x1f"


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
    load.data = None
    load.duration_ms = int((time.monotonic() - started) * 1000)
    load.save()
    return load


def load_stage(
    *, resource_code: str, data: bytes, filename: str, header_rows: int = 1, by=None, actor_name: str = ""
) -> Load:
    """Keep a file for loading once its mapping is confirmed; refused at once if it cannot be read."""
    _require(by)
    resource = Resource.objects.filter(code=resource_code).first()
    if resource is None:
        raise NotFound(_("No resource %(code)s.") % {"code": resource_code})
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
        status=LoadStatus.STAGED,
    )
    limit = MAX_XLSX_BYTES if filename.lower().endswith(".xlsx") or data.startswith(tables.ZIP) else MAX_BYTES
    try:
        if len(data) > limit:
            raise tables.Unreadable(_("the file is larger than %(mb)s MB") % {"mb": limit // 1024 // 1024})
        sheet = tables.read(data, filename, header_rows=header_rows)
    except tables.Unreadable as exc:
        return _refuse_load(load, [row_error(None, None, str(exc))], started)
    load.file_format, load.encoding = sheet.file_format, sheet.encoding
    load.data = data
    load.save()
    return load


def preview(load: Load, rows: int = 10) -> tuple[list[str], list[list[str]]]:
    """A staged file's headers and its first rows."""
    sheet = tables.read(bytes(load.data), load.filename, header_rows=load.header_rows)
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

    def __init__(self, resource, fields, headers, mapping):
        self.resource, self.fields = resource, fields
        by_name = {f.name: f for f in fields}
        self.columns = [(pos, by_name[mapping[h]]) for pos, h in enumerate(headers) if mapping.get(h)]
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
            for pos, field in self.columns:
                text = cells[pos].strip() if pos < len(cells) else ""
                values[field.name], findings = quality.check(field, text)
                found += [(number, field.name, f.problem, text[:200], f.detail) for f in findings]
            missing = [k for k in self.keys if not values.get(k)]
            if missing:
                self.errors.append(
                    row_error(number, missing[0], _("the key is empty; a record cannot be loaded without it"))
                )
                continue
            key = KEY_SEPARATOR.join(values[k] for k in self.keys)
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


def _write(load: Load, resource: Resource, run: _Run, rows) -> None:
    datastore.ensure_table(resource, run.fields)
    load.inserted, load.updated = datastore.write(resource, run.fields, run.records(rows), load.pk)
    if run.errors:
        raise Refused(run.errors)
    ids = datastore.ids_of_load(resource, load.pk)
    written = list(ids.values())
    for start in range(0, len(written) if load.updated else 0, 5000):  # only rewritten records had findings
        QualityIssue.objects.filter(resource=resource, record_id__in=written[start : start + 5000]).delete()
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


def load_commit(
    *, load_id: int, mapping: dict[str, str] | None = None, by=None, actor_name: str = ""
) -> Load:
    """Load a staged file with ``mapping`` (the proposal when None): every row or none."""
    _require(by)
    load = Load.objects.select_related("resource").filter(pk=load_id, status=LoadStatus.STAGED).first()
    if load is None:
        raise NotFound(_("No load %(id)s waiting for its mapping.") % {"id": load_id})
    started = time.monotonic()
    resource = load.resource
    sheet = tables.read(bytes(load.data), load.filename, header_rows=load.header_rows)
    mapping = dict(mapping) if mapping is not None else propose_mapping(resource, sheet.headers)
    fields = {f.name: f for f in resource.fields.all()}
    errors = _mapping_errors(resource, sheet.headers, mapping, fields)
    if errors:
        return _refuse_load(load, errors, started)
    run = _Run(resource, list(fields.values()), sheet.headers, mapping)
    try:
        with transaction.atomic():
            resource = Resource.objects.select_for_update().get(pk=resource.pk)
            resource.mapping = {**resource.mapping, **{h: mapping[h] for h in sheet.headers}}
            _write(load, resource, run, sheet.rows)
            load.status, load.rows_read, load.flagged = LoadStatus.DONE, run.rows_read, run.flagged
            load.report, load.data = run.report(), None
            load.duration_ms = int((time.monotonic() - started) * 1000)
            load.save()
            capture.records_changed(resource, load)
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
                    "flagged": run.flagged,
                },
            )
    except Refused as exc:
        load.inserted = load.updated = 0
        load.rows_read = run.rows_read
        return _refuse_load(load, exc.errors, started)
    except tables.Unreadable as exc:
        load.inserted = load.updated = 0
        return _refuse_load(load, [row_error(None, None, str(exc))], started)
    return load


def load_file(
    *,
    resource_code: str,
    data: bytes,
    filename: str,
    header_rows: int = 1,
    mapping: dict | None = None,
    by=None,
    actor_name: str = "",
) -> Load:
    """Stage and load a file at once."""
    load = load_stage(
        resource_code=resource_code,
        data=data,
        filename=filename,
        header_rows=header_rows,
        by=by,
        actor_name=actor_name,
    )
    if load.status != LoadStatus.STAGED:
        return load
    return load_commit(load_id=load.pk, mapping=mapping, by=by, actor_name=actor_name)
