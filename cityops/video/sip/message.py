"""SIP messages (the RFC 3261 subset GB/T 28181 uses): parse strictly, build plainly.

A message that breaks a rule raises ``Malformed`` with a reason fit for a log line; the caller
drops it. Limits keep one datagram or one TCP frame from costing more than a few kilobytes of work:
the whole message, the header count, a header line and the body are capped.
"""

import re
import secrets
from dataclasses import dataclass, field

MAX_MESSAGE = 64 * 1024
MAX_HEADERS = 64
MAX_LINE = 4096
VERSION = "SIP/2.0"

# RFC 3261 §7.3.3 compact forms.
COMPACT = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
}
# Canonical spelling of the headers this platform reads or writes (others keep their own).
CANONICAL = {
    name.lower(): name
    for name in (
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Expires",
        "Max-Forwards",
        "Content-Type",
        "Content-Length",
        "Content-Encoding",
        "WWW-Authenticate",
        "Authorization",
        "User-Agent",
        "Date",
        "Subject",
        "Supported",
        "Allow",
    )
}
TOKEN_RE = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
REASONS = {
    100: "Trying",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    481: "Call/Transaction Does Not Exist",
    500: "Server Internal Error",
    501: "Not Implemented",
}


class Malformed(ValueError):
    """A message this parser refuses; the text says why (for the log, never for the peer)."""


@dataclass
class Message:
    """A request (``method`` and ``uri``) or a response (``status`` and ``reason``)."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return bool(self.method)

    def get(self, name: str, default: str = "") -> str:
        key = _canonical(name).lower()
        for n, v in self.headers:
            if n.lower() == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        key = _canonical(name).lower()
        return [v for n, v in self.headers if n.lower() == key]

    def set(self, name: str, value: str) -> None:
        key = _canonical(name)
        self.headers = [(n, v) for n, v in self.headers if n.lower() != key.lower()]
        self.headers.append((key, value))

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = self.get("CSeq").partition(" ")
        return int(number), method.strip()

    def to_bytes(self) -> bytes:
        start = (
            f"{self.method} {self.uri} {VERSION}" if self.method else f"{VERSION} {self.status} {self.reason}"
        )
        lines = [start]
        lines += [f"{n}: {v}" for n, v in self.headers if n != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


def _canonical(name: str) -> str:
    name = name.strip()
    if len(name) == 1 and name.lower() in COMPACT:
        return COMPACT[name.lower()]
    return CANONICAL.get(name.lower(), name)


def _start_line(line: str, msg: Message) -> None:
    parts = line.split(" ", 2)
    if len(parts) != 3:
        raise Malformed(f"start line is not three parts: {line[:80]!r}")
    if parts[0] == VERSION:
        if not (len(parts[1]) == 3 and parts[1].isdigit() and 100 <= int(parts[1]) <= 699):
            raise Malformed(f"status code {parts[1][:10]!r} is not 100–699")
        msg.status, msg.reason = int(parts[1]), parts[2]
        return
    if parts[2] != VERSION:
        raise Malformed(f"not {VERSION}: {parts[2][:20]!r}")
    if not TOKEN_RE.match(parts[0]) or not parts[0].isupper():
        raise Malformed(f"method {parts[0][:20]!r} is not an upper-case token")
    if ":" not in parts[1] or " " in parts[1]:
        raise Malformed(f"request URI {parts[1][:80]!r} is not a URI")
    msg.method, msg.uri = parts[0], parts[1]


def split_head(data: bytes) -> tuple[bytes, bytes]:
    """The head (start line and headers) and what follows the blank line."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise Malformed("no blank line after the headers")
    return data[:end], data[end + 4 :]


def parse(data: bytes, *, stream: bool = False) -> Message:
    """One message from ``data``; on a stream (TCP) Content-Length is required and exact."""
    if len(data) > MAX_MESSAGE:
        raise Malformed(f"{len(data)} bytes, more than {MAX_MESSAGE}")
    head, rest = split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the headers are not UTF-8") from None
    lines = text.split("\r\n")
    msg = Message()
    _start_line(lines[0], msg)
    for line in lines[1:]:
        if len(line) > MAX_LINE:
            raise Malformed(f"a header line of {len(line)} characters")
        if line[:1] in (" ", "\t"):
            if not msg.headers:
                raise Malformed("continuation line before any header")
            name, value = msg.headers[-1]
            msg.headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not TOKEN_RE.match(name.strip()):
            raise Malformed(f"header line without a name: {line[:60]!r}")
        msg.headers.append((_canonical(name), value.strip()))
        if len(msg.headers) > MAX_HEADERS:
            raise Malformed(f"more than {MAX_HEADERS} headers")
    _check(msg)
    msg.body = _body(msg, rest, stream)
    return msg


def _check(msg: Message) -> None:
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        if not msg.get(name):
            raise Malformed(f"no {name} header")
    try:
        number, method = msg.cseq
    except ValueError:
        raise Malformed(f"CSeq {msg.get('CSeq')[:40]!r} is not 'number METHOD'") from None
    if not (0 <= number < 2**31) or not method:
        raise Malformed(f"CSeq {msg.get('CSeq')[:40]!r} is out of range")
    if msg.is_request and method != msg.method:
        raise Malformed(f"CSeq method {method!r} differs from the request's {msg.method!r}")


def _body(msg: Message, rest: bytes, stream: bool) -> bytes:
    raw = msg.get("Content-Length")
    if not raw:
        if stream:
            raise Malformed("no Content-Length on a stream")
        return rest
    if not raw.isdigit() or len(raw) > 6:
        raise Malformed(f"Content-Length {raw[:20]!r} is not a number")
    length = int(raw)
    if length > len(rest):
        raise Malformed(f"Content-Length {length} but {len(rest)} bytes follow")
    if stream and length != len(rest):
        raise Malformed(f"Content-Length {length} but {len(rest)} bytes in the frame")
    return rest[:length]


def content_length(head: bytes) -> int:
    """The Content-Length of a head read from a stream (for framing), or Malformed."""
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() in (b"content-length", b"l"):
            value = value.strip()
            if not value.isdigit() or len(value) > 6:
                raise Malformed("Content-Length is not a number")
            return int(value)
    raise Malformed("no Content-Length on a stream")


# ---- header values ----------------------------------------------------------------------------------

PARAM_RE = re.compile(r'\s*([A-Za-z0-9_.!%*+`\'~-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,;\s]*))?\s*')


def params(text: str) -> dict[str, str]:
    """``a=1;b;c="x"`` → {"a": "1", "b": "", "c": "x"}."""
    out = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if name.strip():
            out[name.strip().lower()] = value.strip().strip('"')
    return out


def address(value: str) -> tuple[str, dict[str, str]]:
    """The URI of a From/To/Contact value and its header parameters (``tag``, ``expires`` …)."""
    value = value.strip()
    if "<" in value:
        start, end = value.find("<"), value.find(">")
        if end < start:
            raise Malformed(f"address {value[:60]!r} has no closing '>'")
        return value[start + 1 : end], params(value[end + 1 :])
    uri, _, rest = value.partition(";")
    return uri.strip(), params(rest)


def uri_user(uri: str) -> str:
    """The user part of ``sip:user@host`` (the device's 20-digit ID)."""
    if not uri.lower().startswith(("sip:", "sips:")):
        raise Malformed(f"{uri[:60]!r} is not a SIP URI")
    rest = uri.split(":", 1)[1]
    user, at, _ = rest.partition("@")
    return user if at else ""


def auth_params(value: str) -> tuple[str, dict[str, str]]:
    """``Digest a="x", b=y`` → ("Digest", {"a": "x", "b": "y"})."""
    scheme, _, rest = value.strip().partition(" ")
    out: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = PARAM_RE.match(rest, pos)
        if not m or m.end() == pos:
            raise Malformed("an Authorization header that does not parse")
        name, raw = m.group(1).lower(), m.group(2) or ""
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        out[name] = raw
        pos = m.end()
        if pos < len(rest):
            if rest[pos] != ",":
                raise Malformed("an Authorization header that does not parse")
            pos += 1
    return scheme, out


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def response(req: Message, status: int, *, source: tuple[str, int] | None = None, headers=()) -> Message:
    """The response to ``req`` (Via with ``received``/``rport`` filled for NAT, To tagged)."""
    out = Message(status=status, reason=REASONS.get(status, "Unknown"))
    vias = req.get_all("Via")
    if source and vias:
        vias = [_stamp_via(vias[0], source), *vias[1:]]
    out.headers += [("Via", v) for v in vias]
    to = req.get("To")
    if status > 100 and "tag=" not in to.lower():
        to = f"{to};tag={new_tag()}"
    out.headers += [("From", req.get("From")), ("To", to), ("Call-ID", req.get("Call-ID"))]
    out.headers.append(("CSeq", req.get("CSeq")))
    out.headers += list(headers)
    return out


def _stamp_via(via: str, source: tuple[str, int]) -> str:
    """RFC 3581: fill an empty ``rport`` and add ``received`` so the answer finds the NAT'd peer."""
    first, sep, more = via.partition(",")
    parts = first.split(";")
    host_part = parts[0].split()[-1] if parts[0].split() else ""
    names = [p.split("=")[0].strip().lower() for p in parts[1:]]
    if "rport" in names:
        parts = [f"rport={source[1]}" if p.strip().lower() == "rport" else p for p in parts]
        if "received" not in names:
            parts.append(f"received={source[0]}")
    elif host_part.split(":")[0] != source[0] and "received" not in names:
        parts.append(f"received={source[0]}")
    return ";".join(parts) + (sep + more if sep else "")
