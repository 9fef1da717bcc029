"""Decisions asked of the leader on duty: sent to their inbox (with no leader on duty, to the duty
officers, and the gap is kept on the request), recorded by them, and told to the one who asked."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.cases.models import Notification
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.ops.duty.roster import may_change_past
from cityops.ops.duty.selectors import on_duty
from cityops.ops.models import Decision, DecisionKind

NOTIFY_KIND = "ops.decision"


def _send(users, text: str, case_id: int | None) -> None:
    Notification.objects.bulk_create(
        [Notification(user=u, case_id=case_id, kind=NOTIFY_KIND, text=text[:300]) for u in users]
    )


def request_decision(
    *, kind: str, title: str, link: str = "", by=None, source_key: str | None = None, case_id=None, now=None
) -> Decision:
    """Ask the leader on duty now to decide on ``title``; a ``source_key`` asked before is not
    asked again (the triggers run repeatedly). Returns the decision."""
    now = now or timezone.now()
    title = title.strip()[:200]
    if kind not in DecisionKind.values:
        raise ValidationFailed(_("unknown kind of decision %(kind)r") % {"kind": kind})
    if not title:
        raise ValidationFailed(_("say what is to be decided"), errors=[{"field": "title"}])
    if source_key and (found := Decision.objects.filter(source_key=source_key).first()):
        return found
    duty = on_duty(now)
    people = [o.user for o in duty.officers] if duty.gap else [duty.leader]
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                kind=kind,
                title=title,
                link=link[:300],
                source_key=source_key,
                case_id=case_id,
                requested_at=now,
                requested_by=by,
                entry=duty.entry,
                no_leader=duty.gap,
            )
            decision.recipients.set(people)
            prefix = _("Decision needed") if not duty.gap else _("Decision needed — no leader on duty")
            _send(people, f"{prefix}: {title}", case_id)
            audit_record(
                action="ops.decision.request",
                actor=by,
                actor_name="" if by else "duty desk",
                obj=decision,
                after={
                    "kind": kind,
                    "title": title,
                    "to": [u.username for u in people],
                    "no_leader": duty.gap,
                },
            )
    except IntegrityError:  # the same source asked at the same moment by another run
        return Decision.objects.get(source_key=source_key)
    return decision


def may_decide(decision: Decision, user, now=None) -> bool:
    """Those it was sent to, the leader on duty now, and a system administrator."""
    if may_change_past(user):
        return True
    if decision.recipients.filter(pk=user.pk).exists():
        return True
    leader = on_duty(now).leader
    return leader is not None and leader.pk == user.pk


@transaction.atomic
def decision_record(*, decision: Decision, text: str, by, now=None) -> Decision:
    """The leader's decision on ``decision``; the one who asked is told in their inbox."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationFailed(_("write the decision"), errors=[{"field": "decision"}])
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.decided_at is not None:
        raise Conflict(_("this decision is already recorded"))
    if not may_decide(decision, by, now):
        raise Forbidden(_("only the leader on duty records this decision"))
    decision.decision, decision.decided_by, decision.decided_at = text, by, now
    decision.save(update_fields=["decision", "decided_by", "decided_at"])
    if decision.requested_by_id and decision.requested_by_id != by.pk:
        _send(
            [decision.requested_by],
            _("Decided by %(name)s: %(title)s — %(text)s")
            % {"name": by, "title": decision.title, "text": text},
            decision.case_id,
        )
    audit_record(action="ops.decision.record", actor=by, obj=decision, after={"decision": text})
    return decision
