"""Change capture: one ``SyncChange`` row per catalogue version and per load, written by the service
that makes the change, in its transaction. A load of any size is one row: its records are the ones
whose ``_load`` column names it, read back at push time through the record table's (_load, _row)
index."""

from django.db.models import Max

from cityops.databrain.choices import ChangeKind
from cityops.databrain.models import SyncChange


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
