"""GET /ops/events: the live feed as server-sent events (docs/ops.md, "How the feed is served").

``cityops serve`` runs gunicorn with threaded (gthread) workers, so one open stream holds one
thread of one worker. That is why a stream polls the feed table (every ``POLL_SECONDS``) instead
of waiting on a broker, and why it ends itself after ``CITYOPS_SCREEN_STREAM_SECONDS``: the browser
reconnects at once with the id of the last line it had and misses nothing, and no thread is held
for ever by a screen that went away.

Every line carries ``id:``; a reconnect names the last one it had (the ``Last-Event-ID`` header
the browser sends, or ``?last=`` on the first connection) and gets every line after it in its scope
— up to ``CITYOPS_SCREEN_REPLAY_MAX``; beyond that (or when the lines it missed were already
deleted, or it names an id the feed never reached) it gets a ``reset`` event telling the page to
reload its figures, and the stream goes on from now. An id that is not a number is refused (400).

Ids are handed out when a line is written, but its transaction may commit after a later one's, so
each poll also looks again at the lines of the last ``LAG_SECONDS`` and sends those it has not yet
sent; the page drops a line whose id it already shows.
"""

import json
import time
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache

from cityops.core import events
from cityops.core.models import ScreenEvent
from cityops.core.pages import requires

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15
LAG_SECONDS = 30
RETRY_MS = 2000
MAX_ID_DIGITS = 18
LATE_MAX = 500


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


def _late(user, cursor: int, sent: dict) -> list:
    """Lines after ``cursor``, and lines of the last seconds not yet sent (committed late)."""
    recent = timezone.now() - timedelta(seconds=LAG_SECONDS)
    for seen_id in [i for i, at in sent.items() if at < recent]:
        del sent[seen_id]
    scoped = events.in_scope(user)
    lines = list(scoped.filter(id__gt=cursor).order_by("id")[: settings.CITYOPS_SCREEN_REPLAY_MAX])
    behind = set(scoped.filter(at__gte=recent, id__lte=cursor).values_list("id", flat=True))
    missing = sorted(behind - sent.keys())[:LATE_MAX]
    if missing:
        lines = list(scoped.filter(id__in=missing).order_by("id")) + lines
    return lines


def _stream(user, after: int | None, language: str):
    with translation.override(language):
        horizon = events.last_id()
        cursor, lines, reset = _start(user, after, horizon)
        yield f"retry: {RETRY_MS}\n\n"
        if reset:
            yield _frame({"reason": reset}, event="reset", id=cursor)
        sent: dict[int, object] = {}
        ends = time.monotonic() + settings.CITYOPS_SCREEN_STREAM_SECONDS
        beat = time.monotonic() + HEARTBEAT_SECONDS
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
            time.sleep(POLL_SECONDS)
            lines = _late(user, cursor, sent)


@never_cache
@requires("ops.view")
def stream(request):
    after, error = _asked(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(
        _stream(request.user, after, translation.get_language()), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass each line on at once
    return response
