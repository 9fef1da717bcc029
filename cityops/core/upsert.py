"""Create-or-update by natural code, reporting what happened, for idempotent imports and seeds."""

from collections import Counter
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


def upsert_all_by_code(model, rows: dict[str, dict]) -> tuple[dict[str, object], Counter]:
    """``upsert_by_code`` for many rows at once: what exists read in one query, the missing rows
    inserted in one statement, the changed ones saved. (row by code, Counter of outcomes)."""
    existing = {obj.code: obj for obj in model.objects.filter(code__in=list(rows))}
    outcomes: Counter = Counter()
    missing = []
    for code, fields in rows.items():
        obj = existing.get(code)
        if obj is None:
            missing.append(model(code=code, **fields))
            outcomes[Outcome.CREATED] += 1
        elif changes := {k: v for k, v in fields.items() if differs(getattr(obj, k), v)}:
            for key, value in changes.items():
                setattr(obj, key, value)
            obj.save(update_fields=list(changes))
            outcomes[Outcome.UPDATED] += 1
        else:
            outcomes[Outcome.UNCHANGED] += 1
    model.objects.bulk_create(missing)
    return {**existing, **{obj.code: obj for obj in missing}}, outcomes
