"""The applications' clocks, recomputed from the rows: idempotent and safe across restarts.

Each minute the worker (job ``egov.clocks``):

1. accepts the applications whose intake clock ran out (``services.deem_accepted``);
2. warns once the clerks of an application that has used 80 % of its phase's time;
3. marks an application past its promised (or delivery) deadline *overdue* and tells its clerk and
   its department's handlers; past the legal limit it rises once more, to the command centre's duty
   officers.

Each mark is a conditional UPDATE of a row whose clock still stands where it was read (its revision),
so a second sweep, or two sweepers at once, change nothing more.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.egov.applications import notify
from cityops.egov.applications.history import record_step
from cityops.egov.applications.services import deem_accepted
from cityops.egov.choices import ClockPhase, Status
from cityops.egov.models import Application

BATCH = 500


@dataclass
class SweepResult:
    deemed: int = 0
    warned: int = 0
    overdue: int = 0
    past_legal: int = 0


def _running():
    return Application.objects.filter(clock_started_at__isnull=False).select_related("version", "department")


def _deem(now) -> int:
    done = 0
    due = _running().filter(status=Status.RECEIVED, clock_phase=ClockPhase.INTAKE, due_at__lt=now)
    for pk in due.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            app = Application.objects.select_for_update().select_related("version").filter(pk=pk).first()
            done += bool(app and deem_accepted(app, now))
    return done


def _mark(app: Application, now, changes: dict, action: str, users, text: str) -> bool:
    with transaction.atomic():
        hit = Application.objects.filter(pk=app.pk, revision=app.revision).update(
            revision=F("revision") + 1, **changes
        )
        if not hit:
            return False  # the application moved meanwhile; the next sweep looks again
        app.refresh_from_db()
        due = app.legal_due_at if action == "past_legal" else app.due_at
        record_step(
            app,
            action,
            actor="sweeper",
            at=now,
            from_status=app.status,
            data={"phase": app.clock_phase, "due": due.isoformat() if due else ""},
        )
        notify.tell_staff(users, notify.staff_text(app, text))
    return True


def _warn(now) -> int:
    done = 0
    near = _running().filter(warned_at__isnull=True, warn_at__lte=now, due_at__gte=now)
    for app in near.order_by("due_at")[:BATCH]:
        text = _("due %(due)s") % {"due": timezone.localtime(app.due_at).strftime("%Y-%m-%d %H:%M")}
        done += _mark(app, now, {"warned_at": now}, "warn", notify.handling(app), text)
    return done


def _overdue(now) -> int:
    done = 0
    late = _running().filter(due_at__lt=now, escalation__lt=1).exclude(clock_phase=ClockPhase.INTAKE)
    for app in late.order_by("due_at")[:BATCH]:
        users = notify.handling(app) + list(notify.approvers(app))
        done += _mark(app, now, {"escalation": 1}, "overdue", users, _("overdue"))
    return done


def _past_legal(now) -> int:
    done = 0
    late = _running().filter(Q(legal_due_at__lt=now), escalation__lt=2, clock_phase=ClockPhase.DECISION)
    for app in late.order_by("legal_due_at")[:BATCH]:
        users = notify.handling(app) + list(notify.approvers(app)) + list(notify.duty_officers())
        done += _mark(app, now, {"escalation": 2}, "past_legal", users, _("past the legal time limit"))
    return done


def sweep(now=None) -> SweepResult:
    """Deem, warn and escalate every application whose clock calls for it, each once."""
    now = now or timezone.now()
    return SweepResult(
        deemed=_deem(now), warned=_warn(now), overdue=_overdue(now), past_legal=_past_legal(now)
    )
