"""Accounts' background jobs: the quarter's access review opened and dormant accounts settled;
expired sessions deleted."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.accounts.reviews.services import reviews_sweep
from cityops.core.jobs import job


@job(
    "accounts.reviews",
    every=3600,
    title=_("Open the quarter's access review; disable dormant accounts after notice"),
)
def access_reviews() -> str:
    done = reviews_sweep()
    return ", ".join(f"{k} {v}" for k, v in done.items() if v)


@job("accounts.sessions", every=86400, title=_("Delete the sessions that have expired"))
def expired_sessions() -> str:
    """An expired session is refused at once but stays a row until it is deleted: its data (who,
    when, a signed token) is cleared here, daily (等保 8.1.4.10, residual information)."""
    from django.contrib.sessions.models import Session

    gone, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"deleted {gone}" if gone else ""
