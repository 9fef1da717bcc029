"""Change capture: one ``SyncChange`` row per catalogue version, per load, per deletion of records and
per withdrawal, written by the service that makes the change, in its transaction. A load of any size
is one row: its records are the ones whose ``_load`` column names it, read back at push time through
the record table's (_load, _row) index. Deleted records cannot be read back, so a deletion keeps
each record's number and masked key in a ``SyncTombstone`` until the change is delivered."""

from django.db.models import Max

from cityops.databrain.choices import ChangeKind
from cityops.databrain.models import SyncChange, SyncTombstone
from cityops.databrain.records import mask

KEY_SEPARATOR = "\x1f"  # how the record table joins a multi-field key (loads.KEY_SEPARATOR)
TOMBSTONES_PER_INSERT = 5000


def _next_seq(resource) -> int:
    """The resource's next change number; the caller holds the resource's row lock (a load and a
    catalogue change both do), so numbers are taken in commit order without gaps."""
    top = SyncChange.objects.filter(resource=resource).aggregate(top=Max("seq"))["top"]
    return (top or 0) + 1


def catalogue_changed(resource, version: int) -> SyncChange:
    """Record that the resource's metadata became ``version``."""
    return SyncChange.objects.create(
        resource=resource, seq=_next_seq(resource), kind=ChangeKind.CATALOGUE, version=version
    )


def records_changed(resource, load) -> SyncChange | None:
    """Record that ``load`` wrote records (None when it wrote none)."""
    rows = load.inserted + load.updated
    if not rows:
        return None
    return SyncChange.objects.create(
        resource=resource, seq=_next_seq(resource), kind=ChangeKind.RECORDS, load_id=load.pk, rows=rows
    )


def masked_key(resource, fields, key: str) -> dict:
    """A record's key as the city receives it: each key field's value, personal ones masked."""
    by_name = {f.name: f for f in fields}
    names = list(resource.key_fields)
    values = key.split(KEY_SEPARATOR) if len(names) > 1 else [key]
    out = {}
    for name, value in zip(names, values, strict=False):
        field = by_name.get(name)
        out[name] = mask(field, value) if field is not None and field.personal and value else value
    return out


def records_deleted(resource, deleted: list[tuple[int, str]], *, load=None) -> SyncChange | None:
    """Record that these records (id, key) were deleted — by ``load``, which replaced the resource's
    records, or by a withdrawal (no load). None when nothing was deleted."""
    if not deleted:
        return None
    change = SyncChange.objects.create(
        resource=resource,
        seq=_next_seq(resource),
        kind=ChangeKind.DELETIONS,
        load_id=getattr(load, "pk", None),
        rows=len(deleted),
    )
    fields = list(resource.fields.all())
    SyncTombstone.objects.bulk_create(
        (
            SyncTombstone(change=change, record_id=rid, key=masked_key(resource, fields, key))
            for rid, key in deleted
        ),
        batch_size=TOMBSTONES_PER_INSERT,
    )
    return change


def resource_withdrawn(resource) -> SyncChange:
    """Record that the resource left the catalogue (after the deletion of its records)."""
    return SyncChange.objects.create(resource=resource, seq=_next_seq(resource), kind=ChangeKind.WITHDRAWAL)
