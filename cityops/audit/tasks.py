"""The audit trail's background jobs: the chain's sequencer, and the verifications asked for on
the auditor's page."""

import time

from django.db import connection
from django.utils.translation import gettext_lazy as _

from cityops.audit.services import audit_chain
from cityops.audit.verification import JOB, verification_run
from cityops.core.jobs import job

CHAIN_PAUSE = 0.25  # seconds between two passes of the sequencer
CHAIN_RUN = 10.0  # seconds one run of the job goes on chaining


# The sequencer (PostgreSQL only: on SQLite every record is chained as it is written). One run chains every quarter of a second for ten seconds, so the chain trails a commit
# by well under a second while the job leaves one run row per ten seconds rather than four a
# second. Its name puts it in a worker lane of its own: an hour-long verification walk in the
# "audit" lane must not hold the chain up.
def _chain_every() -> float:
    return CHAIN_PAUSE if connection.vendor == "postgresql" else 0


@job("auditchain.link", every=_chain_every, title=_("Chain the audit records just written"), lease=60)
def chain_records() -> str:
    chained, until = 0, time.monotonic() + CHAIN_RUN
    while True:
        chained += audit_chain()
        if time.monotonic() >= until:
            return f"{chained:,} records chained" if chained else ""
        time.sleep(CHAIN_PAUSE)


# Looked at every minute, and at once when a verification is asked for (run_soon); an hour's lease,
# since a walk over tens of millions of records takes minutes.
@job(JOB, every=60, title=_("Verify the audit trail's hash chain when asked"), lease=3600)
def verify_requested() -> str:
    row = verification_run()
    if row is None:
        return ""
    return f"verification {row.pk}: {row.status}, {row.checked:,} records" + (
        f" ({row.reason})" if row.reason else ""
    )
