"""The acting request (id, address, user) of the current thread, for the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str = ""
    user_agent: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("cityops_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def bind(ctx: RequestContext):
    """Make ctx current; returns a token for `unbind`."""
    return _current.set(ctx)


def unbind(token) -> None:
    _current.reset(token)
