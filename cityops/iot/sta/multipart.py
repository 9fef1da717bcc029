"""The multipart/mixed ``$batch`` format of OData 4.0 §11.7, which STA 1.1 §11 specifies, read into
``batch.Item``s and written from their ``Answer``s (``batch.py`` runs them).

Each part is an ``application/http`` request (``GET Things(1) HTTP/1.1``, headers, body) or a change
set: a nested multipart/mixed whose requests form one atomicity group. A ``Content-ID`` makes a
created entity referable as ``$<id>``. A change set that fails answers with one response, the error
of the request that failed (OData 4.0); one that succeeds answers with a nested multipart.
"""

import json
import re
import uuid
from http import HTTPStatus

from cityops.iot.sta.batch import Item, RolledBack, check_items, check_size, segments
from cityops.iot.sta.dispatch import Answer
from cityops.iot.sta.errors import bad_request
from cityops.iot.sta.literals import OutOfRange, json_loads

CRLF = b"\r\n"


def parse(body: bytes, content_type: str) -> list[Item]:
    """The requests of a multipart batch; a 400 naming the part that cannot be read."""
    items: list[Item] = []
    for number, part in enumerate(_parts(body, _boundary(content_type)), start=1):
        headers, payload = _split(part, f"part {number}")
        kind = headers.get("content-type", "")
        if kind.lower().startswith("multipart/mixed"):
            group = f"changeset {number}"
            for sub, inner in enumerate(_parts(payload, _boundary(kind)), start=1):
                sub_headers, request = _split(inner, f"part {number}.{sub}")
                items.append(_request(sub_headers, request, f"part {number}.{sub}", group))
        else:
            items.append(_request(headers, payload, f"part {number}", None))
    check_size(len(items))
    check_items(items, [f"the request with Content-ID {i.id!r}" for i in items])
    return items


def _boundary(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value.strip('"'):
            return value.strip('"')
    raise bad_request(
        "A multipart/mixed batch needs its boundary: Content-Type: multipart/mixed; boundary=…."
    )


def _parts(body: bytes, boundary: str) -> list[bytes]:
    """The body parts between ``--boundary`` lines, up to the closing ``--boundary--``."""
    delimiter = re.compile(rb"^--" + re.escape(boundary.encode()) + rb"(--)?[ \t]*\r?$", re.MULTILINE)
    parts, start = [], None
    for match in delimiter.finditer(body):
        if start is not None:
            content = body[start : match.start()]  # its last line break belongs to the delimiter
            parts.append(content[:-2] if content.endswith(CRLF) else content.removesuffix(b"\n"))
        if match[1]:
            return parts
        start = match.end() + 1
    raise bad_request(f"The multipart body does not end with --{boundary}--.")


def _split(message: bytes, where: str) -> tuple[dict, bytes]:
    """(headers with lower-case names, body) of a MIME part or an HTTP message without its start line."""
    text = message.replace(CRLF, b"\n")
    head, sep, rest = text.partition(b"\n\n")
    if not sep:
        head, rest = text.rstrip(b"\n"), b""
    headers = {}
    for line in head.decode("utf-8", "replace").split("\n"):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise bad_request(f"{where}: {line!r} is not a header line.")
        headers[name.strip().lower()] = value.strip()
    return headers, rest


def _request(part_headers: dict, message: bytes, where: str, group: str | None) -> Item:
    if not part_headers.get("content-type", "").lower().startswith("application/http"):
        raise bad_request(f"{where}: a request part is Content-Type: application/http.")
    start, _, rest = message.lstrip(b"\r\n").partition(b"\n")
    words = start.decode("utf-8", "replace").split()
    if len(words) != 3 or not words[2].startswith("HTTP/"):
        raise bad_request(f"{where}: the request line must be 'METHOD url HTTP/1.1'.")
    headers, payload = _split(rest, where)
    ident = part_headers.get("content-id") or headers.get("content-id") or ""
    content_type = headers.get("content-type", "application/json").split(";")[0].strip()
    try:
        body = json_loads(payload) if payload.strip() else None
    except OutOfRange as exc:
        raise bad_request(f"{where}: the body holds a number we cannot store: {exc}.") from None
    except (ValueError, UnicodeDecodeError):
        raise bad_request(f"{where}: the body is not valid JSON.") from None
    return Item(ident.strip("<>"), words[0].upper(), words[1], body, content_type, group)


def render(items: list[Item], answers: list[Answer]) -> tuple[bytes, str]:
    """(body, Content-Type) of the multipart answer, in the order of the requests."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    parts, position = [], 0
    for run in segments(items):
        chunk = answers[position : position + len(run)]
        position += len(run)
        if run[0].group is None:
            parts.append(_http_part(chunk[0], run[0].id))
        elif any(a.status >= 400 for a in chunk):
            culprit = next(a for a in chunk if not isinstance(a, RolledBack))
            parts.append(_http_part(culprit, ""))
        else:
            inner = f"changesetresponse_{uuid.uuid4()}"
            body = _multipart(inner, [_http_part(a, i.id) for i, a in zip(run, chunk, strict=True)])
            parts.append(f"Content-Type: multipart/mixed; boundary={inner}\r\n\r\n".encode() + body)
    return _multipart(boundary, parts), f"multipart/mixed; boundary={boundary}"


def _multipart(boundary: str, parts: list[bytes]) -> bytes:
    delimiter = b"--" + boundary.encode()
    out = b"".join(delimiter + CRLF + part + CRLF for part in parts)
    return out + delimiter + b"--" + CRLF


def _http_part(answer: Answer, ident: str) -> bytes:
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if ident:
        head += f"Content-ID: {ident}\r\n"
    headers = dict(answer.headers)
    if answer.text is not None:
        payload = answer.text.encode()
    elif answer.body is not None:
        payload = json.dumps(answer.body, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    else:
        payload = b""
    headers["Content-Length"] = str(len(payload))
    status = f"HTTP/1.1 {answer.status} {HTTPStatus(answer.status).phrase}\r\n"
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n" + status + lines + "\r\n").encode() + payload
