"""GET /ops/events: server-sent events with ids; a reconnect with Last-Event-ID (or ?last=) gets
exactly what it missed in its scope; a gap too large or an id the feed never reached is a ``reset``;
an id that is no number is a 400; each stream ends with ``bye`` after its lifetime."""

import json

import pytest

from cityops.core import events
from cityops.ops.views import hub
from cityops.ops.views.hub import Hub

URL = "/ops/events"


@pytest.fixture
def short_streams(settings):
    settings.CITYOPS_SCREEN_STREAM_SECONDS = 0  # replay, then bye: the whole stream is read at once
    settings.CITYOPS_SCREEN_REPLAY_MAX = 5


def frames(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()
    out = []
    for block in text.split("\n\n"):
        frame = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name in ("id", "event", "data", "retry"):
                frame[name] = value
        if "data" in frame:
            frame["data"] = json.loads(frame["data"])
            frame.setdefault("event", "message")
            out.append(frame)
    return out


def lines(users, village="V1", n=1):
    u = users["dispatcher_v1"] if village == "V1" else users["dispatcher_v4"]
    return [
        events.emit("case_new", title="New case %(number)s: %(item)s in %(grid)s",
                    params={"number": f"N{i}", "item": "暴露垃圾", "grid": "网格1"},
                    area_id=u.scope_area_id, village_id=u.scope_village_id)
        for i in range(n)
    ]  # fmt: skip


def test_a_reconnect_gets_exactly_what_it_missed(client, users, short_streams):
    first = lines(users, n=3)
    client.force_login(users["officer"])
    got = frames(client.get(URL, HTTP_LAST_EVENT_ID=str(first[0].id)))
    assert [(f["event"], int(f["id"])) for f in got] == [
        ("message", first[1].id),
        ("message", first[2].id),
        ("bye", first[2].id),
    ]
    assert got[0]["data"]["kind"] == "case_new" and got[0]["data"]["title"].endswith(
        "暴露垃圾 in 网格1"
    )  # English: tests/ops/conftest.py
    # while it was away, two more lines were written: the next connection names its last id
    more = lines(users, n=2)
    got = frames(client.get(URL, HTTP_LAST_EVENT_ID=got[-1]["id"]))
    assert [int(f["id"]) for f in got if f["event"] == "message"] == [e.id for e in more]
    # ?last= works for the first connection; the header wins over it on a browser's reconnect
    got = frames(client.get(URL + f"?last={first[2].id}", HTTP_LAST_EVENT_ID=str(more[0].id)))
    assert [int(f["id"]) for f in got if f["event"] == "message"] == [more[1].id]
    got = frames(client.get(URL + f"?last={first[2].id}"))
    assert [int(f["id"]) for f in got if f["event"] == "message"] == [e.id for e in more]


def test_a_fresh_connection_starts_now(client, users, short_streams):
    lines(users, n=2)
    client.force_login(users["officer"])
    assert [f["event"] for f in frames(client.get(URL))] == ["bye"]


def test_only_the_lines_of_the_users_scope(client, users, short_streams):
    v1 = lines(users, "V1", n=1)
    lines(users, "V4", n=1)
    client.force_login(users["dispatcher_v1"])
    got = frames(client.get(URL + f"?last={v1[0].id - 1}"))
    assert [int(f["id"]) for f in got if f["event"] == "message"] == [v1[0].id]


def test_a_gap_too_large_or_an_id_never_reached_is_a_reset(client, users, short_streams):
    made = lines(users, n=7)
    client.force_login(users["officer"])
    got = frames(client.get(URL + "?last=0"))  # 7 missed, 5 replayed at most
    assert [(f["event"], int(f["id"])) for f in got] == [("reset", made[-1].id), ("bye", made[-1].id)]
    assert got[0]["data"] == {"reason": "gap"}
    got = frames(client.get(URL, HTTP_LAST_EVENT_ID=str(made[-1].id + 1000)))
    assert got[0]["event"] == "reset" and got[0]["data"] == {"reason": "unknown-id"}
    assert int(got[0]["id"]) == made[-1].id


def test_lines_already_deleted_are_a_reset(client, users, short_streams):
    made = lines(users, n=3)
    from cityops.core.models import ScreenEvent

    ScreenEvent.objects.filter(id__lte=made[1].id).delete()
    client.force_login(users["officer"])
    got = frames(client.get(URL + f"?last={made[0].id - 1}"))
    assert got[0]["event"] == "reset" and got[0]["data"] == {"reason": "gap"}


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "١٢", "9" * 19, "0x10", "1 OR 1=1"])
def test_an_id_that_is_no_number_is_refused(client, users, bad):
    client.force_login(users["officer"])
    response = client.get(URL, HTTP_LAST_EVENT_ID=bad)
    assert response.status_code == 400
    assert "Last-Event-ID must be the number of a feed line" in response.content.decode()


def test_who_may_listen(client, users):
    assert client.get(URL).status_code == 302  # strangers sign in
    client.force_login(users["inspector_g1"])
    assert client.get(URL).status_code == 403


def test_a_line_committed_late_is_still_sent(users):
    """A line whose id is below the reader's cursor (its transaction committed after a later one's)
    is picked up by the look-back over the last seconds, once."""
    a, b = lines(users, n=2)
    reader = Hub(start=False)
    reader.cursor, reader.known = b.id, {b.id: b.at}
    assert reader.poll() == 1 and [ev.id for _, ev in reader.lines] == [a.id]
    assert reader.poll() == 0


def test_one_reader_for_every_stream(users, django_assert_num_queries):
    """However many streams listen, a poll is the same two queries, and the streams query nothing."""
    reader = Hub(start=False)
    reader.cursor = events.last_id()
    positions = [reader.join() for _ in range(50)]
    made = lines(users, n=3)
    with django_assert_num_queries(2):
        assert reader.poll() == 3
    with django_assert_num_queries(0):
        for position in positions:
            fresh, now_at, lost = reader.wait(position, 0)
            assert [ev.id for ev in fresh] == [e.id for e in made] and not lost
    assert reader.wait(now_at, 0)[0] == []
    # a stream joining now is handed the buffered lines too, and sorts out itself what it sent
    assert [ev.id for ev in reader.wait(reader.join(), 0)[0]] == [e.id for e in made]


def test_a_stream_that_fell_behind_the_buffer_is_told(users, monkeypatch):
    monkeypatch.setattr(hub, "KEEP_MAX", 2)
    reader = Hub(start=False)
    reader.cursor = events.last_id()
    position = reader.join()
    made = lines(users, n=3)
    reader.poll()
    fresh, _, lost = reader.wait(position, 0)
    assert lost and [ev.id for ev in fresh] == [e.id for e in made[1:]]


def test_a_process_streams_no_more_than_its_slots(client, users, short_streams, settings):
    """Beyond CITYOPS_SCREEN_STREAMS a stream is refused with 503 (the page tries again); a stream
    that ends frees its slot."""
    settings.CITYOPS_SCREEN_STREAMS = 1
    client.force_login(users["officer"])
    held = client.get(URL)  # not read yet: it holds the slot
    refused = client.get(URL)
    assert refused.status_code == 503 and refused["Retry-After"] == "5"
    assert "CITYOPS_SCREEN_STREAMS" in refused.content.decode()
    assert [f["event"] for f in frames(held)] == ["bye"]  # read to its end: the slot is free
    assert [f["event"] for f in frames(client.get(URL))] == ["bye"]
