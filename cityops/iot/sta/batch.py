"""``$batch`` (STA 1.1 §11, OData batch requests): many requests in one POST, each run by the same
code as when sent alone (``dispatch.handle``), as the batch's user (authenticated once; roles and
scope still apply to every request).

This module runs the requests and reads and writes the JSON format (OData JSON Format 4.01 §19, as
FROST-Server's JSON batch extension); ``multipart.py`` reads and writes OData 4.0's multipart/mixed
format onto the same ``Item``s and ``Answer``s.

- Requests run in order. One that fails does not stop the others; a request that ``dependsOn`` a
  failed request or atomicity group is not run (424).
- An atomicity group (a change set) runs in one transaction. If one of its requests fails, the group
  is rolled back: that request answers with its own error and every other request of the group with
  424, so nothing the group wrote remains.
- ``$<id>`` refers to the entity an earlier POST of the batch created: at the start of a URL
  (``$thing/Datastreams``) or as a link in a body (``"Thing": {"@iot.id": "$thing"}``). An unknown
  reference is a 400 for that request; a reference to a failed (or rolled back) request a 424.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.db import transaction

from cityops.iot.sta.dispatch import Answer, Call, handle
from cityops.iot.sta.errors import StaError, bad_request, error_body

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
NAME = re.compile(r"^[A-Za-z0-9_.:,;-]+$")
REF = re.compile(r"^\$([A-Za-z0-9_.:,;-]+)")
MEMBERS = {"id", "method", "url", "headers", "body", "atomicityGroup", "dependsOn"}


def max_requests() -> int:
    return settings.CITYOPS_STA_MAX_BATCH


@dataclass
class Item:
    """One request of a batch. ``id`` is '' for a multipart request without a Content-ID."""

    id: str
    method: str
    url: str
    body: object = None
    content_type: str = "application/json"
    group: str | None = None
    depends: list[str] = field(default_factory=list)


def check_size(count: int) -> None:
    limit = max_requests()
    if count > limit:
        raise StaError(413, f"A batch holds at most {limit} requests; this one has {count}. Split it.")


# running


@dataclass
class _State:
    refs: dict[str, str] = field(default_factory=dict)  # request id → path of the entity it created
    failed: set[str] = field(default_factory=set)  # ids of failed requests and groups


class _Abort(Exception):
    pass


class RolledBack(Answer):
    """The 424 of a request undone because another request of its atomicity group failed."""


def run(ctx, items: list[Item]) -> list[Answer]:
    """The answer to each request, in order."""
    state, answers = _State(), []
    for members in segments(items):
        answers += _atomic(ctx, members, state)
    return answers


def segments(items: list[Item]) -> list[list[Item]]:
    """Runs of one atomicity group; a request outside any group is a run of its own."""
    runs: list[list[Item]] = []
    for item in items:
        if runs and item.group is not None and runs[-1][0].group == item.group:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _atomic(ctx, members: list[Item], state: _State) -> list[Answer]:
    answers: list[Answer] = []
    try:
        with transaction.atomic():
            for item in members:
                answers.append(_one(ctx, item, state))
                if answers[-1].status >= 400:
                    raise _Abort
    except _Abort:
        return _rolled_back(members, answers, state)
    return answers


def _rolled_back(members: list[Item], answers: list[Answer], state: _State) -> list[Answer]:
    culprit = members[len(answers) - 1]
    if culprit.group is None:
        return answers
    state.failed.add(culprit.group)
    for item in members:
        state.failed.add(item.id)
        state.refs.pop(item.id, None)
    message = (
        f"Not applied: request {culprit.id!r} of atomicity group {culprit.group!r} failed, "
        "so the whole group was rolled back."
    )
    undone = StaError(424, message)
    return [answers[-1] if item is culprit else RolledBack(424, body=error_body(undone)) for item in members]


def _one(ctx, item: Item, state: _State) -> Answer:
    blocked = [d for d in item.depends if d in state.failed]
    try:
        if blocked:
            raise StaError(424, f"Not run: it depends on {blocked[0]!r}, which failed.")
        path, params = _target(ctx, _resolve_url(item.url, state))
        body = _resolve_body(item.body, state)
        answer = handle(ctx, Call(item.method, path, params, lambda: body, item.content_type))
    except StaError as exc:
        state.failed.add(item.id)
        return _error(exc)
    if item.id and answer.status == 201 and "Location" in answer.headers:
        state.refs[item.id] = answer.headers["Location"][len(ctx.root) :]
    return answer


def _error(exc: StaError) -> Answer:
    return Answer(exc.status, body=error_body(exc), headers=dict(exc.headers))


def _target(ctx, url: str) -> tuple[str, dict]:
    """(path below the service root, query parameters) of a request URL: relative to the service
    root, an absolute path, or an absolute URL."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    root = urlsplit(ctx.root).path
    if parts.scheme or parts.netloc or path.startswith("/"):
        if not path.startswith(root):
            raise StaError(404, f"{url!r} is not a resource of this service (below {root}).")
        path = path[len(root) :]
    if path.strip("/") == "$batch":
        raise bad_request("A batch cannot hold another $batch.")
    return path, dict(parse_qsl(parts.query, keep_blank_values=True))


def _ref(name: str, state: _State) -> str:
    if name in state.refs:
        return state.refs[name]
    if name in state.failed:
        raise StaError(424, f"${name} refers to a request that failed or was rolled back.")
    raise bad_request(f"${name} names no earlier request of this batch that created an entity.")


def _resolve_url(url: str, state: _State) -> str:
    match = REF.match(url)
    if match is None:
        return url
    return _ref(match[1], state) + url[match.end() :]


def _resolve_body(value, state: _State):
    """``value`` with each ``{"@iot.id": "$name"}`` link made the id of the entity it names."""
    if isinstance(value, list):
        return [_resolve_body(v, state) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _resolve_body(v, state) for k, v in value.items()}
    ident = out.get("@iot.id")
    if isinstance(ident, str) and (match := REF.fullmatch(ident)):
        path = _ref(match[1], state)
        out["@iot.id"] = int(path[path.rindex("(") + 1 : -1])
    return out


# the JSON format


def parse_json(document) -> list[Item]:
    """The requests of a JSON batch; a 400 (413 when too many) naming what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise bad_request('A JSON batch is {"requests": [{"id": …, "method": …, "url": …}, …]}.')
    check_size(len(document["requests"]))
    items = [_item(i, request) for i, request in enumerate(document["requests"])]
    check_items(items, [f"requests[{i}]" for i in range(len(items))])
    return items


def _item(index: int, request) -> Item:
    where = f"requests[{index}]"
    if not isinstance(request, dict):
        raise bad_request(f"{where} is not a JSON object.")
    unknown = sorted(set(request) - MEMBERS)
    if unknown:
        raise bad_request(f"{where}: unknown member {unknown[0]!r} (known: {', '.join(sorted(MEMBERS))}).")
    ident, group = request.get("id"), request.get("atomicityGroup")
    for key, value in (("id", ident), ("atomicityGroup", group)):
        if (value is not None or key == "id") and not (isinstance(value, str) and NAME.match(value)):
            raise bad_request(f"{where}: {key} must be a string of letters, digits and _.:,;-")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise bad_request(f"{where}: method must be one of {', '.join(m.lower() for m in METHODS)}.")
    if not isinstance(url, str):
        raise bad_request(f"{where}: url must be a string, e.g. Things(1).")
    headers = _strings(request.get("headers") or {}, f"{where}: headers", dict)
    depends = _strings(request.get("dependsOn") or [], f"{where}: dependsOn", list)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "application/json")
    return Item(
        ident, method.upper(), url, request.get("body"), content_type.split(";")[0].strip(), group, depends
    )


def _strings(value, what: str, kind: type):
    values = value.values() if isinstance(value, dict) else value
    if not isinstance(value, kind) or not all(isinstance(v, str) for v in values):
        raise bad_request(f"{what} must be a JSON {'object' if kind is dict else 'array'} of strings.")
    return value


def check_items(items: list[Item], labels: list[str]) -> None:
    """Ids unique, groups adjacent and named apart from requests, dependsOn only on earlier ones."""
    ids = [i.id for i in items if i.id]
    seen: set[str] = set()
    closed: set[str] = set()
    previous = None
    for item, label in zip(items, labels, strict=True):
        if item.id and item.id in seen:
            raise bad_request(f"{label}: id {item.id!r} is used twice.")
        if item.group is not None and item.group in ids:
            raise bad_request(f"{label}: atomicityGroup {item.group!r} is also a request id.")
        if previous is not None and item.group != previous:
            closed.add(previous)
        if item.group in closed:
            raise bad_request(f"{label}: the requests of atomicity group {item.group!r} must be adjacent.")
        for name in item.depends:
            if name not in seen and (name not in closed or name == item.group):
                raise bad_request(f"{label}: dependsOn {name!r} is not an earlier request or group.")
        seen.add(item.id)
        previous = item.group


def json_result(items: list[Item], answers: list[Answer]) -> dict:
    """``{"responses": [...]}``: id, status, headers (lower-case names), body; and the group."""
    responses = []
    for item, answer in zip(items, answers, strict=True):
        entry: dict = {"id": item.id, "status": answer.status}
        if item.group is not None:
            entry["atomicityGroup"] = item.group
        if answer.headers:
            entry["headers"] = {k.lower(): v for k, v in answer.headers.items()}
        if answer.text is not None:
            entry["body"] = answer.text
        elif answer.body is not None:
            entry["body"] = answer.body
        responses.append(entry)
    return {"responses": responses}
