"""GET /ops/events: the live feed as server-sent events (docs/ops.md, "How the feed is served").

``cityops serve`` runs gunicorn with threaded (gthread) workers, so one open stream holds one
thread of one worker. The server gives each worker ``CITYOPS_SCREEN_STREAMS`` threads for streams
on top of its request threads, and a worker takes no more streams than that (a stream beyond is
answered 503, and the page tries again): open screens never take the threads ordinary pages
need. A stream reads nothing itself while it runs: one reader per process (``hub.py``) polls
the feed table and wakes the streams, which keep the lines of their scope. A stream ends itself
after ``CITYOPS_SCREEN_STREAM_SECONDS``: the browser reconnects at once with the id of the last
line it had and misses nothing, and no thread is held for ever by a screen that went away.

Every line carries ``id:``; a reconnect names the last one it had (the ``Last-Event-ID`` header
the browser sends, or ``?last=`` on the first connection) and gets every line after it in its scope
— up to ``CITYOPS_SCREEN_REPLAY_MAX``; beyond that (or when the lines it missed were already
deleted, or it names an id the feed never reached) it gets a ``reset`` event telling the page to
reload its figures, and the stream goes on from now. An id that is not a number is refused (400).

Ids are handed out when a line is written, but its transaction may commit after a later one's, so
the reader also looks again at the lines of the last ``hub.LAG_SECONDS`` and a stream sends those
it has not yet sent; the page drops a line whose id it already shows.
"""

import json
import threading
import time
from datetime import timedelta

from django import db
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache

from cityops.core import events
from cityops.core.events import LEVELS
from cityops.core.models import ScreenEvent
from cityops.core.pages import requires
from cityops.ops.views import hub

HEARTBEAT_SECONDS = 15
RETRY_MS = 2000
MAX_ID_DIGITS = 18


def _frame(data: dict, *, event: str | None = None, id: int | None = None) -> str:
    head = f"id: {id}\n" if id is not None else ""
    head += f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _asked(request) -> tuple[int | None, str | None]:
    """The id the client had (None: a fresh client), or an error message for one that is no id."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last") or ""
    raw = raw.strip()
    if not raw:
        return None, None
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        return None, f"Last-Event-ID must be the number of a feed line, not {raw[:40]!r}."
    return int(raw), None


def _start(user, after: int | None, horizon: int) -> tuple[int, list, str | None]:
    """Where the stream begins, the lines to replay, and why the page must reload (or None)."""
    if after is None:
        return horizon, [], None
    if after > horizon:
        return horizon, [], "unknown-id"
    oldest = ScreenEvent.objects.order_by("id").values_list("id", flat=True).first()
    if oldest is not None and after + 1 < oldest and after < horizon:
        return horizon, [], "gap"
    limit = settings.CITYOPS_SCREEN_REPLAY_MAX
    lines = events.events_since(user, after, limit + 1)
    if len(lines) > limit:
        return horizon, [], "gap"
    return after, lines, None


def _matcher(user):
    """Whether a line is in ``user``'s scope: ``events.in_scope`` as a test of one line."""
    units = {
        f"{level}_id": unit
        for level, unit in user.scope_ids().items()
        if level in LEVELS and unit is not None
    }
    return lambda ev: all(getattr(ev, name) == unit for name, unit in units.items())


class _Stream:
    """The response's content: the frames of ``_lines`` in the reader's language; closing it (the
    server does when the response ends, read to the end or not) frees the worker's stream slot."""

    def __init__(self, user, after: int | None, language: str, slot: threading.BoundedSemaphore):
        self.frames = self._translated(user, after, language)
        self.slot = slot

    @staticmethod
    def _translated(user, after, language):
        with translation.override(language):
            yield from _lines(user, after)

    def __iter__(self):
        return self.frames

    def close(self) -> None:
        self.frames.close()
        if self.slot is not None:
            self.slot, slot = None, self.slot
            slot.release()


def _lines(user, after: int | None):
    horizon = events.last_id()
    cursor, lines, reset = _start(user, after, horizon)
    yield f"retry: {RETRY_MS}\n\n"
    if reset:
        yield _frame({"reason": reset}, event="reset", id=cursor)
    mine = _matcher(user)
    sent: dict[int, object] = {}
    ends = time.monotonic() + settings.CITYOPS_SCREEN_STREAM_SECONDS
    beat = time.monotonic() + HEARTBEAT_SECONDS
    position = None
    try:
        while True:
            for ev in lines:
                sent[ev.id] = ev.at
                cursor = max(cursor, ev.id)
                yield _frame(events.render(ev), id=ev.id)
            now = time.monotonic()
            if now >= ends:
                yield _frame({"after": cursor}, event="bye", id=cursor)
                return
            if now >= beat:
                beat = now + HEARTBEAT_SECONDS
                yield ": heartbeat\n" + _frame(
                    {"at": timezone.now().isoformat(timespec="seconds")}, event="ping"
                )
            if position is None:
                position = hub.hub.join()
                if not db.connection.in_atomic_block:
                    db.connection.close()  # the stream queries nothing more: no connection held idle
            fresh, position, lost = hub.hub.wait(position, min(ends, beat) - time.monotonic())
            recent = timezone.now() - timedelta(seconds=hub.LAG_SECONDS)
            for seen_id in [i for i, at in sent.items() if at < recent]:
                del sent[seen_id]
            if lost:
                cursor = max([cursor, *(ev.id for ev in fresh)])
                yield _frame({"reason": "gap"}, event="reset", id=cursor)
            lines = sorted(
                (
                    ev
                    for ev in fresh
                    if mine(ev) and ev.id not in sent and (ev.id > cursor or ev.at >= recent)
                ),
                key=lambda ev: ev.id,
            )
    finally:
        if position is not None:
            hub.hub.leave()


def _slots() -> threading.BoundedSemaphore:
    global _SLOTS
    with _SLOTS_LOCK:
        if _SLOTS is None or _SLOTS[0] != settings.CITYOPS_SCREEN_STREAMS:
            _SLOTS = (
                settings.CITYOPS_SCREEN_STREAMS,
                threading.BoundedSemaphore(settings.CITYOPS_SCREEN_STREAMS),
            )
        return _SLOTS[1]


_SLOTS: tuple[int, threading.BoundedSemaphore] | None = None
_SLOTS_LOCK = threading.Lock()


@never_cache
@requires("ops.view")
def stream(request):
    after, error = _asked(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    slot = _slots()
    if not slot.acquire(blocking=False):
        response = HttpResponse(
            "This server process has as many screens streaming as it serves (CITYOPS_SCREEN_STREAMS); "
            "try again in a few seconds.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    response = StreamingHttpResponse(
        _Stream(request.user, after, translation.get_language(), slot), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass each line on at once
    return response
