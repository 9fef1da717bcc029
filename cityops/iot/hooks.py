"""The one place where the ingest hands freshly stored readings on: to the rules engine inside
its transaction, and to the listeners registered for after the commit.

``cityops.iot.rules`` is written separately; until it provides ``evaluate_readings`` this hook
does nothing, so the ingest works (and is tested) without it. The SensorThings notifications are a
listener (registered in ``IotConfig.ready``) rather than a call of the ingest, because SensorThings
sits above the ingest: it writes its Observations through it.
"""

import importlib
import importlib.util
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from django.db import transaction

from cityops.iot.types import StoredReading

logger = logging.getLogger(__name__)
_MISSING = object()
_evaluator: object = None
_committed: list[Callable[[list[StoredReading]], None]] = []


def _load() -> Callable | None:
    global _evaluator
    if _evaluator is None:
        try:
            found = importlib.util.find_spec("cityops.iot.rules") is not None
            module = importlib.import_module("cityops.iot.rules") if found else None
        except Exception:
            # A rules module that fails to import must not stop readings from being stored.
            logger.exception("cityops.iot.rules could not be imported; rules are not evaluated")
            module = None
        _evaluator = getattr(module, "evaluate_readings", None) or _MISSING
    return None if _evaluator is _MISSING else _evaluator


def reset() -> None:
    """Look for the rules engine again on the next call (tests, code reloads)."""
    global _evaluator
    _evaluator = None


def readings_stored(stored: list[StoredReading], *, now: datetime) -> bool:
    """Evaluate the rules on new readings in a savepoint of the caller's transaction; False if they failed."""
    evaluate = _load()
    if evaluate is None or not stored:
        return True
    try:
        with transaction.atomic():
            evaluate(stored, now=now)
    except Exception:
        # The readings are committed regardless: a broken rule is logged, never a lost reading.
        logger.exception("rule evaluation failed for %d readings", len(stored))
        return False
    return True


def on_committed(listener: Callable[[list[StoredReading]], None]) -> None:
    """Have ``listener(stored)`` called after each transaction that stored readings commits."""
    if listener not in _committed:
        _committed.append(listener)


def readings_committed(stored: list[StoredReading]) -> None:
    """Schedule the listeners for after the commit of the caller's transaction (none if nothing new)."""
    if stored:
        for listener in _committed:
            transaction.on_commit(partial(listener, stored))
