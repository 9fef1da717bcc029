"""Every write of an access review: opening it (each quarter, or on demand), the notices to dormant
accounts, deciding its items, the sweep that disables dormant accounts after their notice, and the
auditor's signature. Each writes the audit trail."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.accounts import hooks
from cityops.accounts.choices import DECISIONS, Decision, ItemKind, ReviewKind, ReviewStatus
from cityops.accounts.models import AccessReview, ReviewItem, User
from cityops.accounts.reviews import collect
from cityops.accounts.roles import Role
from cityops.accounts.services import access_strip, user_disable
from cityops.audit.services import audit_record
from cityops.core.errors import Conflict, Forbidden, ValidationFailed

SYSTEM = "system"


def quarter(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _reviewer(by) -> None:
    if by is not None and not (by.is_authenticated and by.can("accounts.review")):
        raise Forbidden(_("Your role may not work on access reviews."))


def review_open(*, kind: str = ReviewKind.ON_DEMAND, by=None, now: datetime | None = None) -> AccessReview:
    """Open a review and list what it asks about; dormant accounts are told at once. Only one review
    is open at a time, and each quarter has one quarterly review (opening it twice returns it)."""
    _reviewer(by)
    now = now or timezone.now()
    period = quarter(now) if kind == ReviewKind.QUARTERLY else timezone.localtime(now).strftime("%Y-%m-%d")
    if kind == ReviewKind.QUARTERLY:
        existing = AccessReview.objects.filter(kind=kind, period=period).first()
        if existing is not None:
            return existing
    current = AccessReview.objects.filter(status=ReviewStatus.OPEN).first()
    if current is not None:
        raise Conflict(
            _("The review %(period)s is still open: decide its items and have an auditor sign it first.")
            % {"period": current.period}
        )
    try:
        with transaction.atomic():
            review = AccessReview.objects.create(
                period=period,
                kind=kind,
                opened_at=now,
                opened_by=by.username if by else SYSTEM,
                dormant_days=settings.CITYOPS_DORMANT_DAYS,
                notice_days=settings.CITYOPS_DORMANT_NOTICE_DAYS,
            )
            counts = _collect(review, now)
            audit_record(
                action="accounts.review.open",
                actor=by,
                actor_name=SYSTEM,
                obj=review,
                after={"kind": kind, **counts},
            )
            _notify_dormant(review)
    except IntegrityError:  # another worker opened it (or another review) at the same moment
        raise Conflict(_("Another review was opened at the same moment.")) from None
    return review


def _collect(review: AccessReview, now: datetime) -> dict:
    items = []
    notice_end = now + timedelta(days=review.notice_days)
    for user, seen in collect.dormant(now, review.dormant_days):
        facts = collect.user_facts(user, last_active=seen.isoformat(), idle_days=(now - seen).days)
        items.append(
            _user_item(review, ItemKind.DORMANT, user, facts, notice_at=now, disable_after=notice_end)
        )
    for user in collect.privileged():
        facts = collect.user_facts(user, staff=user.is_staff, superuser=user.is_superuser)
        items.append(_user_item(review, ItemKind.PRIVILEGED, user, facts))
    for kind, source in sorted(collect.sources().items()):
        for cred in source.active():
            items.append(
                ReviewItem(
                    review=review,
                    kind=kind,
                    subject_type=cred.subject_type,
                    subject_id=cred.subject_id,
                    subject=cred.subject[:200],
                    holder=cred.holder[:150],
                    holder_id=cred.holder_id,
                    facts=collect.credential_facts(cred, now),
                )
            )
    for user, held in collect.leavers(now):
        items.append(_user_item(review, ItemKind.LEAVER, user, collect.user_facts(user, holds=held)))
    ReviewItem.objects.bulk_create(items)
    counts = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return counts


def _user_item(review, kind, user: User, facts: dict, **dates) -> ReviewItem:
    return ReviewItem(
        review=review,
        kind=kind,
        subject_type="accounts.user",
        subject_id=str(user.pk),
        subject=(f"{user.display_name} ({user.username})" if user.display_name else user.username)[:200],
        holder=user.username,
        holder_id=user.pk,
        facts=facts,
        **dates,
    )


def _notify_dormant(review: AccessReview) -> None:
    """Tell each dormant account, and the administrators and auditors, when it will be disabled."""
    items = list(review.items.filter(kind=ItemKind.DORMANT))
    if not items:
        return
    users = {u.pk: u for u in User.objects.filter(pk__in=[i.holder_id for i in items])}
    with translation.override(settings.LANGUAGE_CODE):  # stored text, in the site's language
        for item in items:
            text = _(
                "Your account has not been used for %(days)s days. It will be disabled on %(date)s unless you "
                "sign in before then or an administrator keeps it."
            ) % {
                "days": item.facts.get("idle_days"),
                "date": timezone.localtime(item.disable_after).strftime("%Y-%m-%d"),
            }
            hooks.send_notice([users[item.holder_id]], text)
            audit_record(
                action="accounts.review.notice",
                actor_name=SYSTEM,
                obj=users[item.holder_id],
                after={"review": review.pk, "disable_after": item.disable_after.isoformat()},
            )
        keepers = list(User.objects.filter(is_active=True, role__in=(Role.SYSADMIN, Role.AUDITOR)))
        hooks.send_notice(
            keepers,
            _("Access review %(period)s: %(n)s dormant accounts will be disabled on %(date)s unless kept.")
            % {
                "period": review.period,
                "n": len(items),
                "date": timezone.localtime(items[0].disable_after).strftime("%Y-%m-%d"),
            },
        )


def _self_check(item: ReviewItem, by) -> None:
    if by is not None and item.holder_id == by.pk:
        raise Forbidden(_("Someone else must decide about your own access."))


def item_decide(
    *, item: ReviewItem, decision: str, reason: str, by, now: datetime | None = None
) -> ReviewItem:
    """Keep or take away what an item names, saying why; taking away is done at once (the account
    disabled, the role, token or key revoked) through the owning service."""
    _reviewer(by)
    now = now or timezone.now()
    allowed = DECISIONS[ItemKind(item.kind)]
    if decision not in allowed:
        raise ValidationFailed(
            _("Decide %(kind)s as one of: %(allowed)s.")
            % {
                "kind": ItemKind(item.kind).label,
                "allowed": ", ".join(str(Decision(d).label) for d in allowed),
            },
            errors=[{"field": "decision", "message": "not allowed for this kind"}],
        )
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason for the decision."), errors=[{"field": "reason", "message": "required"}]
        )
    _self_check(item, by)
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().select_related("review").get(pk=item.pk)
        if item.review.status != ReviewStatus.OPEN:
            raise Conflict(
                _("The review %(period)s is signed: its decisions stand.") % {"period": item.review.period}
            )
        if item.decision != Decision.PENDING:
            raise Conflict(
                _("%(subject)s was decided already (%(decision)s).")
                % {"subject": item.subject, "decision": Decision(item.decision).label}
            )
        if decision != Decision.KEPT:
            _take_away(item, by=by, reason=reason.strip())
        _record(item, decision, reason.strip(), by.username if by else SYSTEM, now)
        audit_record(
            action="accounts.review.decide",
            actor=by,
            obj=item,
            after={
                "kind": item.kind,
                "subject": item.subject,
                "decision": decision,
                "reason": reason.strip(),
            },
        )
    return item


def _take_away(item: ReviewItem, *, by, reason: str) -> None:
    if item.kind in (ItemKind.DORMANT, ItemKind.PRIVILEGED):
        user_disable(user=User.objects.get(pk=item.holder_id), by=by, reason=reason)
    elif item.kind == ItemKind.LEAVER:
        access_strip(user=User.objects.get(pk=item.holder_id), by=by, reason=reason)
    else:
        source = collect.sources().get(item.kind)
        if source is None:
            raise Conflict(_("Nothing here can revoke a %(kind)s.") % {"kind": ItemKind(item.kind).label})
        source.revoke(item.subject_id, by=by, reason=reason)


def _record(item: ReviewItem, decision: str, reason: str, by_name: str, now: datetime) -> None:
    item.decision, item.reason, item.decided_by, item.decided_at = decision, reason, by_name, now
    item.save(update_fields=["decision", "reason", "decided_by", "decided_at"])


def review_sign(*, review: AccessReview, by, note: str = "", now: datetime | None = None) -> AccessReview:
    """The auditor's signature: only an active auditor signs, and only a review with nothing left to
    decide. A refused signature is recorded in the trail too."""
    now = now or timezone.now()
    if not (by.is_authenticated and by.is_active and by.role == Role.AUDITOR):
        audit_record(action="accounts.review.sign_refused", actor=by, obj=review, after={"role": by.role})
        raise Forbidden(
            _("Only an auditor signs an access review; you are signed in as %(role)s.")
            % {"role": Role(by.role).label}
        )
    with transaction.atomic():
        review = AccessReview.objects.select_for_update().get(pk=review.pk)
        if review.status == ReviewStatus.SIGNED:
            raise Conflict(_("The review %(period)s was signed already.") % {"period": review.period})
        pending = review.items.filter(decision=Decision.PENDING).count()
        if pending:
            raise Conflict(
                _("%(n)s items of the review are still to decide; decide them before signing.")
                % {"n": pending}
            )
        review.status, review.signed_at, review.signed_by, review.signed_by_id = (
            ReviewStatus.SIGNED,
            now,
            by.username,
            by.pk,
        )
        review.sign_note = (note or "").strip()
        review.save(update_fields=["status", "signed_at", "signed_by", "signed_by_id", "sign_note"])
        decided = {
            d: review.items.filter(decision=d).count() for d in Decision.values if d != Decision.PENDING
        }
        audit_record(
            action="accounts.review.sign", actor=by, obj=review, after={"note": review.sign_note, **decided}
        )
    return review


def reviews_sweep(*, now: datetime | None = None) -> dict:
    """The job's work: open the quarter's review when none is open, settle dormant accounts — those
    used again since their notice are resolved, those whose notice ran out are disabled."""
    now = now or timezone.now()
    done = {"opened": 0, "resolved": 0, "disabled": 0}
    quarterly = AccessReview.objects.filter(kind=ReviewKind.QUARTERLY, period=quarter(now))
    if not quarterly.exists() and not AccessReview.objects.filter(status=ReviewStatus.OPEN).exists():
        try:
            review_open(kind=ReviewKind.QUARTERLY, now=now)
            done["opened"] = 1
        except Conflict:
            pass  # another worker opened one meanwhile
    pending = ReviewItem.objects.filter(
        kind=ItemKind.DORMANT, decision=Decision.PENDING, review__status=ReviewStatus.OPEN
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=pending.values("holder_id"))}
    seen = collect.last_activity(list(users.values()))
    for item in pending:
        settled = _settle(item, users.get(item.holder_id), seen.get(item.holder_id), now)
        if settled:
            done[settled] += 1
    return done


def _settle(item: ReviewItem, user: User | None, seen: datetime | None, now: datetime) -> str:
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if item.decision != Decision.PENDING:
            return ""
        if user is not None and user.is_active and seen and seen > item.notice_at:
            reason = _("Used again on %(date)s, after the notice.") % {
                "date": timezone.localtime(seen).strftime("%Y-%m-%d")
            }
            _record(item, Decision.RESOLVED, reason, SYSTEM, now)
            audit_record(
                action="accounts.review.resolve", actor_name=SYSTEM, obj=item, after={"reason": reason}
            )
            return "resolved"
        if now < item.disable_after:
            return ""
        reason = _("No sign-in during the notice period.")
        if user is not None and user.is_active:
            user_disable(user=user, by=None, reason=reason)
        _record(item, Decision.DISABLED, reason, SYSTEM, now)
        audit_record(
            action="accounts.review.decide",
            actor_name=SYSTEM,
            obj=item,
            after={"decision": "disabled", "reason": reason},
        )
        return "disabled"
