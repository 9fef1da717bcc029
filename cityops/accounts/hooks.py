"""What the apps above accounts hand down to it, registered in their ``ready()``: the credentials
they issue (an access review lists and revokes them) and how a person is told of a notice (the
inbox lives in ``cases``). Accounts never imports those apps; they register here."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Credential:
    """One live credential as a review lists it."""

    subject_type: str  # the model label, as the audit trail names it
    subject_id: str
    subject: str  # how a person tells it apart: a name and the prefix of its secret
    holder: str  # whose it is: a username, a consumer
    holder_id: int | None  # the account behind it, when there is one
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class CredentialSource:
    """A kind of credential: ``active()`` lists the live ones, ``revoke(subject_id, by=, reason=)``
    switches one off through its own service (which checks who may and audits it)."""

    kind: str  # an ItemKind value: "token", "key"
    active: Callable[[], Iterable[Credential]]
    revoke: Callable[..., None]


_sources: dict[str, CredentialSource] = {}
_notice_listeners: list[Callable[[list, str], None]] = []


def register_credentials(source: CredentialSource) -> None:
    _sources[source.kind] = source


def credential_sources() -> dict[str, CredentialSource]:
    return dict(_sources)


def on_notice(listener: Callable[[list, str], None]) -> None:
    """Have ``listener(users, text)`` deliver each notice an access review sends."""
    if listener not in _notice_listeners:
        _notice_listeners.append(listener)


def send_notice(users: list, text: str) -> None:
    for listener in _notice_listeners:
        listener(users, text)
