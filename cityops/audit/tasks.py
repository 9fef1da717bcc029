"""The audit trail's background job: the verifications asked for on the auditor's page."""

from django.utils.translation import gettext_lazy as _

from cityops.audit.verification import JOB, verification_run
from cityops.core.jobs import job


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
