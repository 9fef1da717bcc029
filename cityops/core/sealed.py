"""Secrets the platform must use again later (a camera's RTSP password, a pull source's token),
sealed at rest with authenticated encryption.

A sealed value is Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) under a
key derived from ``CITYOPS_SEAL_KEY`` (or, when that is unset, from ``SECRET_KEY``) by HKDF with a
fixed purpose label, so the key used here is never the key Django signs cookies with. Several keys
may be given, newest first, separated by commas: values sealed under an older key still open, and
``reseal`` writes them under the newest. A value that does not open (a wrong key, a truncated
column) raises ``SealBroken``, never returns garbage.

Sealed values are never shown back on a page, in the API, in a log or in an export: pages say
whether a secret is set, nothing more.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"cityops sealed secrets v1"


class SealBroken(Exception):
    """A sealed value could not be opened with any of the configured keys."""


def _derive(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([_derive(k.strip()) for k in keys.split(",") if k.strip()])


def _current() -> MultiFernet:
    return _fernet(getattr(settings, "CITYOPS_SEAL_KEY", "") or settings.SECRET_KEY)


def seal(plain: str) -> str:
    """The sealed form of ``plain`` (empty stays empty: no secret)."""
    if not plain:
        return ""
    return _current().encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The plain text of a sealed value; raises SealBroken if no configured key opens it."""
    if not sealed:
        return ""
    try:
        return _current().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise SealBroken("a sealed secret does not open with the configured keys") from exc


def reseal(sealed: str) -> str:
    """The same secret sealed under the newest key (for key rotation)."""
    if not sealed:
        return ""
    try:
        return _current().rotate(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise SealBroken("a sealed secret does not open with the configured keys") from exc
