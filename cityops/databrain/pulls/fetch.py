"""Reading a pull source into the bytes of a file the loader reads: a JSON array of objects, or a CSV.

HTTP: GET with the source's headers and its sealed token, JSON or CSV, pages followed as the source
says (page number and size, offset and limit, or a next link in the body or the ``Link`` header) up
to ``max_pages``; paging stops at an empty or short page. SQL: one SELECT (checked with sqlparse,
which Django already depends on), run on a read-only connection with a statement timeout.

Every failure — a timeout, an HTTP error, a body that is not what the source says, a SQL error — is
a ``PullFailed`` with a message a data steward can act on; nothing here lets it escape otherwise.
"""

import csv
import io
import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import sqlparse
from django.utils.translation import gettext as _

from cityops.core.tabular import cell
from cityops.databrain import tables

TIMEOUT_S = 30
MAX_BYTES = 20 * 1024 * 1024  # all pages together, as a JSON file uploaded
MAX_ROWS = 200_000


class PullFailed(Exception):
    """The source could not be read; the message says why."""


def _where(url: str) -> str:
    """The address without its query (which may carry a key)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _get(url: str, headers: dict[str, str], budget: int) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - http(s) only, checked on save
            body = response.read(budget + 1)
            link = response.headers.get("Link", "")
    except urllib.error.HTTPError as exc:
        raise PullFailed(
            _("HTTP %(status)s %(reason)s from %(url)s")
            % {"status": exc.code, "reason": exc.reason, "url": _where(url)}
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise PullFailed(
                _("%(url)s did not answer within %(s)s s") % {"url": _where(url), "s": TIMEOUT_S}
            ) from None
        raise PullFailed(
            _("%(url)s cannot be reached: %(reason)s") % {"url": _where(url), "reason": reason}
        ) from None
    if len(body) > budget:
        raise PullFailed(_("the source sent more than %(mb)s MB") % {"mb": MAX_BYTES // 1024 // 1024})
    return body, {"link": link}


def _with_params(url: str, params: dict) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)) | {
        k: str(v) for k, v in params.items()
    }
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _next_link(document, path: str, link_header: str, base: str) -> str:
    node = document
    for part in [p for p in path.split(".") if p]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, str) and node:
        return urllib.parse.urljoin(base, node)
    for piece in link_header.split(","):  # RFC 8288: <url>; rel="next"
        if 'rel="next"' in piece or "rel=next" in piece:
            return urllib.parse.urljoin(base, piece.split(";")[0].strip().strip("<>"))
    return ""


def _paged_url(source, n: int) -> str:
    """The address of page ``n`` (from 0) under page-number or offset paging."""
    if source.paging == "page":
        return _with_params(
            source.url, {source.page_param or "page": n + 1, source.size_param or "size": source.page_size}
        )
    return _with_params(
        source.url,
        {source.page_param or "offset": n * source.page_size, source.size_param or "limit": source.page_size},
    )


def _json_records(body: bytes, json_path: str, url: str):
    try:
        document = tables.parse_json(body)
        return document, tables.records_at(document, json_path)
    except tables.Unreadable as exc:
        raise PullFailed(_("%(url)s: %(error)s") % {"url": _where(url), "error": exc}) from None


def http_json(source, headers: dict[str, str]) -> bytes:
    """Every page's records, as one JSON array."""
    items, used, url = [], 0, source.url
    for n in range(source.max_pages):
        if source.paging in ("page", "offset"):
            url = _paged_url(source, n)
        body, meta = _get(url, headers, MAX_BYTES - used)
        used += len(body)
        document, records = _json_records(body, source.json_path, url)
        items += records
        if source.paging == "none" or not records:
            break
        if source.paging == "next":
            url = _next_link(document, source.next_path, meta["link"], url)
            if not url:
                break
        elif len(records) < source.page_size:
            break
    return json.dumps(items, ensure_ascii=False).encode()


def http_csv(source, headers: dict[str, str]) -> bytes:
    """Every page's rows under the first page's header, as one UTF-8 CSV."""
    out, used, header = io.StringIO(), 0, None
    writer = csv.writer(out)
    for n in range(source.max_pages):
        url = _paged_url(source, n) if source.paging in ("page", "offset") else source.url
        body, _meta = _get(url, headers, MAX_BYTES - used)
        used += len(body)
        try:
            rows = list(csv.reader(io.StringIO(tables.decode(body)[0], newline="")))
        except (tables.Unreadable, csv.Error) as exc:
            raise PullFailed(_("%(url)s: %(error)s") % {"url": _where(url), "error": exc}) from None
        if not rows:
            break
        if header is None:
            header = rows[0]
            writer.writerow(header)
        data = [r for r in rows[1:] if any(c.strip() for c in r)]
        writer.writerows(data)
        if source.paging not in ("page", "offset") or len(data) < source.page_size:
            break
    return out.getvalue().encode()


def check_select(query: str) -> str:
    """The query if it is one SELECT (a WITH … SELECT too), without a trailing semicolon; else PullFailed."""
    statements = [s for s in sqlparse.split(query or "") if s.strip().strip(";").strip()]
    if len(statements) != 1:
        raise PullFailed(
            _("the query must be exactly one SELECT statement (found %(n)s)") % {"n": len(statements)}
        )
    statement = statements[0].strip().rstrip(";").strip()
    kind = sqlparse.parse(statement)[0].get_type()
    if kind != "SELECT":
        raise PullFailed(
            _("only a SELECT may be run, not %(kind)s")
            % {"kind": kind if kind != "UNKNOWN" else _("this statement")}
        )
    return statement


def _value(v) -> str | int | float | None:
    if v is None or isinstance(v, (int, float, str)):
        return v
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    return cell(v)


def _sqlite(path: str, query: str):
    try:
        connection = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise PullFailed(_("the database cannot be opened: %(error)s") % {"error": exc}) from None
    deadline = time.monotonic() + TIMEOUT_S
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description or []]
        return names, cursor.fetchmany(MAX_ROWS + 1)
    finally:
        connection.close()


def _postgres(url: str, query: str):
    import psycopg

    options = f"-c statement_timeout={TIMEOUT_S * 1000} -c default_transaction_read_only=on"
    with psycopg.connect(url, options=options, connect_timeout=TIMEOUT_S) as connection:
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute(query)
            names = [d.name for d in cursor.description or []]
            return names, cursor.fetchmany(MAX_ROWS + 1)


def sql_json(db_url: str, query: str) -> bytes:
    """The rows of one read-only SELECT, as a JSON array of objects (the column names as keys)."""
    statement = check_select(query)
    scheme = urllib.parse.urlsplit(db_url).scheme
    try:
        if scheme == "sqlite":
            # as dj-database-url and SQLAlchemy: sqlite:////abs/path.db, sqlite:///relative.db
            names, rows = _sqlite(db_url.split("://", 1)[1].removeprefix("/"), statement)
        elif scheme in ("postgres", "postgresql"):
            names, rows = _postgres(db_url, statement)
        else:
            raise PullFailed(_("a database address begins with postgres:// or sqlite:///"))
    except PullFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any driver error is the source's failure, named
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "interrupted" in message or "statement timeout" in message:
            raise PullFailed(_("the query ran longer than %(s)s s") % {"s": TIMEOUT_S}) from None
        raise PullFailed(_("the query failed: %(error)s") % {"error": message}) from None
    if len(rows) > MAX_ROWS:
        raise PullFailed(_("the query returned more than %(n)s rows") % {"n": f"{MAX_ROWS:,}"})
    return json.dumps(
        [dict(zip(names, map(_value, r), strict=False)) for r in rows], ensure_ascii=False
    ).encode()
