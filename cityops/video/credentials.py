"""Stream credentials: taken out of an RTSP address, sealed apart, never shown back.

A camera's address is often written ``rtsp://admin:secret@10.0.0.8:554/Streaming/101``. The
registry stores the address without ``admin:secret`` and seals the user name and password
(``core/sealed.py``), so a page, the API, an export or a log line built from the stored address
cannot leak them. Error messages name the field, never the value given.
"""

import json
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from cityops.core.sealed import SealBroken, seal, unseal

SCHEMES = ("rtsp", "rtsps")
MAX_URL = 300


class BadUrl(ValueError):
    """A stream address that is not an RTSP URL; the message never repeats the address."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __bool__(self) -> bool:
        return bool(self.username or self.password)


NONE = Credentials("", "")


def split_url(url: str) -> tuple[str, Credentials]:
    """(the address without user:password, the credentials it carried)."""
    url = (url or "").strip()
    if not url:
        return "", NONE
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise BadUrl(_("not a valid URL")) from None
    if parts.scheme.lower() not in SCHEMES:
        raise BadUrl(
            _("the address must start with rtsp:// (not %(scheme)s://)") % {"scheme": parts.scheme or "…"}
        )
    if not parts.hostname:
        raise BadUrl(_("the address has no host"))
    creds = Credentials(unquote(parts.username or ""), unquote(parts.password or ""))
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port is not None else host
    clean = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))
    if len(clean) > MAX_URL:
        raise BadUrl(_("the address is longer than %(most)s characters") % {"most": MAX_URL})
    return clean, creds


def seal_credentials(creds: Credentials) -> str:
    return seal(json.dumps({"u": creds.username, "p": creds.password})) if creds else ""


def open_credentials(sealed: str) -> Credentials:
    """The credentials of a channel, for the prober and the media server only."""
    if not sealed:
        return NONE
    try:
        data = json.loads(unseal(sealed))
        return Credentials(str(data["u"]), str(data["p"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise SealBroken("the sealed credentials are not in the registry's form") from exc


def with_credentials(url: str, sealed: str) -> str:
    """The address with the sealed credentials put back (to open the stream; never to show)."""
    creds = open_credentials(sealed)
    if not url or not creds:
        return url
    from urllib.parse import quote

    parts = urlsplit(url)
    userinfo = quote(creds.username, safe="") + (
        ":" + quote(creds.password, safe="") if creds.password else ""
    )
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, ""))
