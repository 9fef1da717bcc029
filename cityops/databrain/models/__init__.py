"""The data brain's catalogue (GB/T 21063 core metadata), its version history and search index, and
the log and findings of loads.

- ``Category``: the classification tree 类 → 项 → 目 → 细目 (GB/T 21063.4).
- ``Resource`` (信息资源): one catalogued data set, provided by a department; ``Field`` (信息项) its
  information items. Every change of the metadata writes a ``ResourceVersion`` with the whole
  metadata as it became and the differences from the version before.
- ``SearchToken``: the words (jieba segmentation) of a resource's name, abstract, code, provider,
  classification and field titles, so a Chinese search is an indexed lookup, never a substring scan.
- A resource's records live in a table of their own (``datastore.py``), not in a model here.
- ``Load``: one file loaded (or refused, or waiting for its column mapping) with its counts, its
  errors and its quality report; ``QualityIssue``: one flagged value of a loaded record.
- Sharing: a ``Consumer`` (a department or an outside system) asks for a resource in a
  ``ShareRequest`` (its steps in ``ShareEvent``); a granted request is a ``Grant`` of fields for a
  period; a consumer reads its grants with an ``ApiKey``; every read of records is an ``AccessLog`` row.
- Upstream sync: every catalogue version, every load, every deletion of records and a withdrawal is
  a ``SyncChange`` (the outbox, numbered per resource; a deleted record's number and key wait in a
  ``SyncTombstone``); ``SyncState`` is a resource's acknowledged position and health, ``SyncBatch`` the log
  of every push, ``SyncControl`` the global pause and the pusher's claim.
"""

from cityops.databrain.models.catalogue import (
    Category,
    Field,
    Load,
    PullSource,
    QualityIssue,
    Resource,
    ResourceVersion,
    SearchToken,
)
from cityops.databrain.models.sharing import AccessLog, ApiKey, Consumer, Grant, ShareEvent, ShareRequest
from cityops.databrain.models.sync import SyncBatch, SyncChange, SyncControl, SyncState, SyncTombstone

__all__ = [
    "AccessLog",
    "ApiKey",
    "Category",
    "Consumer",
    "Field",
    "Grant",
    "Load",
    "PullSource",
    "QualityIssue",
    "Resource",
    "ResourceVersion",
    "SearchToken",
    "ShareEvent",
    "ShareRequest",
    "SyncBatch",
    "SyncChange",
    "SyncControl",
    "SyncState",
    "SyncTombstone",
]
