"""Create-or-update by natural code, reporting what happened, for idempotent imports and seeds."""

from enum import StrEnum


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def differs(old, new) -> bool:
    if isinstance(new, float) and isinstance(old, float):
        return abs(old - new) > 1e-9
    return old != new


def upsert_by_code(model, code: str, fields: dict) -> tuple[object, Outcome, dict]:
    """The row with ``code`` holding ``fields``: (row, outcome, {field: (before, after)} changed)."""
    obj = model.objects.filter(code=code).first()
    if obj is None:
        return model.objects.create(code=code, **fields), Outcome.CREATED, {}
    changes = {k: (getattr(obj, k), v) for k, v in fields.items() if differs(getattr(obj, k), v)}
    if not changes:
        return obj, Outcome.UNCHANGED, {}
    for key, (_, value) in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj, Outcome.UPDATED, changes
