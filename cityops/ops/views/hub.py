"""The live feed as one worker process reads it: a single reader for all its open streams.

Each open stream used to read the feed table itself every ``POLL_SECONDS`` (two queries a poll),
so N screens cost N × 4 queries a second whether anything happened or not. Now one thread per
process (started by the first stream, ending when the last has gone) reads the new lines and the
ones committed late, keeps those of the last ``KEEP_SECONDS`` in a buffer, each with a sequence
number, and wakes the streams; a stream takes the lines after its position and keeps those of its
scope. The streams make no query between their start and their end.

A stream that fell so far behind that lines it had not taken were dropped from the buffer (a client
that stopped reading for longer than ``KEEP_SECONDS``) is told so, and sends a ``reset``.
"""

import logging
import threading
import time
from collections import deque
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from cityops.core import events
from cityops.core.models import ScreenEvent

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
LAG_SECONDS = 30  # a line whose transaction commits later than this after its id was given is missed
KEEP_SECONDS = 60
KEEP_MAX = 5000  # lines in the buffer at most (a burst of camera lines)
BATCH = 1000  # new lines read by one poll at most
LATE_MAX = 500
IDLE_SECONDS = 2  # the reader stops this long after the last stream left (a reconnect comes at once)


class Hub:
    def __init__(self, poll_seconds: float = POLL_SECONDS, *, start: bool = True):
        self.poll_seconds, self.start = poll_seconds, start
        self.cond = threading.Condition()
        self.lines: deque[tuple[int, ScreenEvent]] = deque()  # (sequence number, line), oldest first
        self.seq = 0  # the sequence number of the newest line read
        self.cursor: int | None = None  # the highest id read
        self.known: dict[int, object] = {}  # id → at, of the lines read in the last LAG_SECONDS
        self.listeners = 0
        self.reader: threading.Thread | None = None
        self.polls = 0

    # ---- the streams' side --------------------------------------------------------------------------

    def join(self) -> int:
        """Count a stream in (starting the reader if need be); its position: it takes every line
        in the buffer, and decides itself which of them it already sent."""
        with self.cond:
            self.listeners += 1
            if self.reader is None and self.start:
                self.reader = threading.Thread(target=self._run, name="screen-feed", daemon=True)
                self.reader.start()
            return self.lines[0][0] - 1 if self.lines else self.seq

    def leave(self) -> None:
        with self.cond:
            self.listeners -= 1

    def wait(self, position: int, timeout: float) -> tuple[list[ScreenEvent], int, bool]:
        """The lines after ``position`` (waiting up to ``timeout`` for some), the new position, and
        whether lines after ``position`` were already dropped from the buffer."""
        with self.cond:
            if self.seq <= position:
                self.cond.wait(max(0.0, timeout))
            lost = bool(self.lines) and self.lines[0][0] > position + 1
            fresh = [ev for seq, ev in self.lines if seq > position]
            return fresh, self.seq, lost

    # ---- the reader ---------------------------------------------------------------------------------

    def poll(self) -> int:
        """Read the new lines and those committed late, add them to the buffer, wake the streams;
        how many were added."""
        now = timezone.now()
        recent = now - timedelta(seconds=LAG_SECONDS)
        if self.cursor is None:
            self.cursor = events.last_id()
        new = list(ScreenEvent.objects.filter(id__gt=self.cursor).order_by("id")[:BATCH])
        behind = ScreenEvent.objects.filter(at__gte=recent, id__lte=self.cursor).values_list("id", flat=True)
        missing = sorted(set(behind) - self.known.keys())[:LATE_MAX]
        late = list(ScreenEvent.objects.filter(id__in=missing).order_by("id")) if missing else []
        self.polls += 1
        with self.cond:
            for ev in late + new:
                self.seq += 1
                self.lines.append((self.seq, ev))
                self.known[ev.id] = ev.at
                self.cursor = max(self.cursor, ev.id)
            for seen_id in [i for i, at in self.known.items() if at < recent]:
                del self.known[seen_id]
            keep_from = now - timedelta(seconds=KEEP_SECONDS)
            while self.lines and (len(self.lines) > KEEP_MAX or self.lines[0][1].at < keep_from):
                self.lines.popleft()
            if late or new:
                self.cond.notify_all()
        return len(late) + len(new)

    def _run(self) -> None:
        idle_since = None
        try:
            while True:
                with self.cond:
                    busy = self.listeners > 0
                    if busy:
                        idle_since = None
                    elif idle_since is None:
                        idle_since = time.monotonic()
                    elif time.monotonic() - idle_since > IDLE_SECONDS:
                        # no stream to serve: the next reader starts afresh from the newest line
                        self.reader, self.cursor = None, None
                        self.lines.clear()
                        self.known.clear()
                        return
                if busy:  # while no stream listens, nothing is read
                    try:
                        self.poll()
                    except DatabaseError:
                        log.exception("the screen feed could not be read; trying again")
                        close_old_connections()
                    except Exception:  # never let the reader die while streams wait on it
                        log.exception("the screen feed reader failed; trying again")
                time.sleep(self.poll_seconds)
        finally:
            connection.close()


hub = Hub()
