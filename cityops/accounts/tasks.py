"""The access reviews' background job: the quarter's review opened, dormant accounts settled."""

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
