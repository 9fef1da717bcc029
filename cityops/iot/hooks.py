"""The one place where the ingest hands freshly stored readings to the rules engine.

``cityops.iot.rules`` is written separately; until it provides ``evaluate_readings`` this hook
does nothing, so the ingest works (and is tested) without it.
"""

import importlib
import importlib.util
import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from cityops.iot.types import StoredReading

logger = logging.getLogger(__name__)
_MISSING = object()
_evaluator: object = None


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
