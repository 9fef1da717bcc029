"""What happens after an application is concluded (办结), for the parts of egov built on applications.

An application is *concluded* when it is completed (approved, and the fee paid where there is one),
denied, or not accepted: the moment the rules of 好差评 invite the applicant to rate the service. The
services call ``concluded`` inside their transaction; each listener registered with ``on_concluded``
(in an app's ``ready()``) is called after the commit with the application's id and its status, so a
listener never sees, nor can undo, a step that was rolled back. A listener that fails is logged and
the others still run.
"""

import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)
_listeners: list[Callable[[int, str], None]] = []


def on_concluded(listener: Callable[[int, str], None]) -> None:
    """Have ``listener(application_id, status)`` called after each application is concluded."""
    if listener not in _listeners:
        _listeners.append(listener)


def off_concluded(listener: Callable[[int, str], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _call(listener, application_id: int, status: str) -> None:
    try:
        listener(application_id, status)
    except Exception:
        logger.exception("a listener of concluded applications failed for application %s", application_id)


def concluded(app) -> None:
    """Schedule the listeners for after the commit of the caller's transaction."""
    for listener in list(_listeners):
        transaction.on_commit(partial(_call, listener, app.pk, app.status))
