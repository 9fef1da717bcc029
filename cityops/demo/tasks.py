"""The demo's background job: a live trickle of new cases, on only where the demo asks for it
(``CITYOPS_DEMO_TRICKLE_SECONDS``, which `make demo` sets to 30; 0 in production)."""

import random

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.demo.trickle import Refs, load_refs, trickle

_refs: list[Refs] = []  # what synthetic cases are made of, gathered once per process


@job(
    "demo.trickle",
    every=lambda: settings.CITYOPS_DEMO_TRICKLE_SECONDS,
    title=_("The demo's live trickle of new cases"),
)
def live_case() -> str:
    if not _refs:
        _refs.append(load_refs(random.randrange(1 << 30)))
    results = trickle(1, refs=_refs[0])
    return "; ".join(f"{r.case.number} {r.case.item.name} ({r.case.channel})" for r in results)
