"""HTTP digest authentication of a REGISTER (RFC 2617, MD5, qop "auth"; RFC 2069 without qop too).

The nonce carries its own issue time and an HMAC of it, so the server keeps no table of nonces and
a restart loses nothing; a nonce older than ``NONCE_TTL_S`` is refused as stale (the device asks
again without a new password prompt). MD5 is what GB/T 28181 devices speak; the password never
leaves this module and is never logged.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings

NONCE_TTL_S = 300


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _mac(stamp: str, realm: str) -> str:
    key = hashlib.sha256(f"cityops sip nonce|{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{stamp}|{realm}".encode(), hashlib.sha256).hexdigest()[:24]


def new_nonce(realm: str, *, now: float | None = None) -> str:
    stamp = f"{int(now if now is not None else time.time()):x}"
    return f"{stamp}{_mac(stamp, realm)}"


def nonce_state(nonce: str, realm: str, *, now: float | None = None) -> str:
    """ "ok", "stale" (ours but too old) or "bad" (not ours)."""
    stamp, mac = nonce[:-24], nonce[-24:]
    if not stamp or not hmac.compare_digest(mac, _mac(stamp, realm)):
        return "bad"
    try:
        issued = int(stamp, 16)
    except ValueError:
        return "bad"
    age = (now if now is not None else time.time()) - issued
    return "ok" if -5 <= age <= NONCE_TTL_S else "stale"


def challenge(realm: str, *, stale: bool = False) -> str:
    """The WWW-Authenticate value of a 401."""
    value = f'Digest realm="{realm}", nonce="{new_nonce(realm)}", qop="auth", algorithm=MD5'
    return value + (", stale=TRUE" if stale else "")


@dataclass(frozen=True)
class Answer:
    """The fields of an Authorization header this platform checks."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str = ""
    nc: str = ""
    cnonce: str = ""
    algorithm: str = "MD5"

    @classmethod
    def from_params(cls, p: dict[str, str]) -> "Answer":
        missing = [k for k in ("username", "realm", "nonce", "uri", "response") if not p.get(k)]
        if missing:
            raise ValueError(f"Authorization lacks {', '.join(missing)}")
        if p.get("qop") and not (p.get("nc") and p.get("cnonce")):
            raise ValueError("Authorization has qop but no nc or cnonce")
        return cls(
            username=p["username"],
            realm=p["realm"],
            nonce=p["nonce"],
            uri=p["uri"],
            response=p["response"].lower(),
            qop=p.get("qop", ""),
            nc=p.get("nc", ""),
            cnonce=p.get("cnonce", ""),
            algorithm=p.get("algorithm", "MD5") or "MD5",
        )


def expected(answer: Answer, *, method: str, password: str) -> str:
    ha1 = _md5(f"{answer.username}:{answer.realm}:{password}")
    ha2 = _md5(f"{method}:{answer.uri}")
    if answer.qop:
        return _md5(f"{ha1}:{answer.nonce}:{answer.nc}:{answer.cnonce}:{answer.qop}:{ha2}")
    return _md5(f"{ha1}:{answer.nonce}:{ha2}")


def check(answer: Answer, *, method: str, password: str) -> bool:
    """Whether the device knows ``password`` (constant-time comparison)."""
    if answer.algorithm.upper() != "MD5" or answer.qop not in ("", "auth"):
        return False
    return hmac.compare_digest(expected(answer, method=method, password=password), answer.response)
