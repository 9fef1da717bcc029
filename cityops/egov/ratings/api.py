"""好差评's API under /api/v1/egov/: the applicant's rating (no sign-in, by tracking number and phone),
the window device's result, the ratings, their follow-ups and their figures; thin over the services."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from cityops.core.api import PageQuery, paginate, problem_response
from cityops.core.errors import Conflict, ValidationFailed
from cityops.core.middleware import client_ip
from cityops.egov.applications.figures import place_ids
from cityops.egov.ratings import evidence, followup, kpis, public, selectors, services
from cityops.egov.ratings.history import label
from cityops.egov.ratings.kpis import period
from cityops.egov.ratings.schemas import (
    FollowUpActForm,
    FollowUpOut,
    FollowUpPage,
    FollowUpQuery,
    KpiOut,
    LookupIn,
    PublicRatingIn,
    PublicRatingOut,
    RatingFiguresQuery,
    RatingOut,
    RatingPage,
    RatingQuery,
    WindowRatingIn,
)
from cityops.egov.ratings.services import RatingIn

router = Router(tags=["egov"])
LIMITED = {"responses": {429: problem_response("Too many look-ups from this address in the hour.")}}


def _require(request, action: str = "egov.applications") -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def rating_row(r) -> dict:
    f = getattr(r, "follow_up", None)
    app = r.application
    return {
        "number": app.number,
        "item_code": r.item.code,
        "item": app.version.name,
        "department": r.department.name,
        "clerk": (r.clerk.display_name or r.clerk.username) if r.clerk_id else "",
        "channel": r.channel,
        "concluded_at": r.concluded_at,
        "state": r.state,
        "due_at": r.due_at,
        "level": r.level,
        "first_level": r.first_level,
        "source": r.source,
        "rated_at": r.rated_at,
        "rerated_at": r.rerated_at,
        "problems": r.problems,
        "comment": r.comment,
        "excluded": r.excluded,
        "revision": r.revision,
        "follow_up": None
        if f is None
        else {
            "state": f.state,
            "contact_due_at": f.contact_due_at,
            "rectify_due_at": f.rectify_due_at,
            "outcome": f.outcome,
        },
    }


def follow_up_row(f, user, now=None) -> dict:
    now = now or timezone.now()
    r = f.rating
    names = ("contacted_at", "contact_method", "contact_note", "rectified_at", "disposition", "rectify_note")
    names += ("rerate_due_at", "appealed_at", "appeal_reason", "appeal_decision", "appeal_decided_at")
    names += ("appeal_note", "closed_at", "outcome", "revision", "state", "opened_at", "escalation")
    return {
        "number": r.application.number,
        "item": r.application.version.name,
        "department": f.department.name,
        "level": r.level,
        "first_level": r.first_level,
        "problems": r.problems,
        "comment": r.comment,
        "contact_due_at": f.contact_due_at,
        "rectify_due_at": f.rectify_due_at,
        "overdue": selectors.is_overdue(f, now),
        **{n: getattr(f, n) for n in names},
        "evidence": [e.name for e in f.evidence.all()],
        "actions": [t.action for t in followup.allowed(f, user)],
        "steps": [
            {"action": e.action, "label": label(e.action), "at": e.at, "actor": e.actor_name, "note": e.note}
            for e in selectors.rating_steps(r.application)
        ],
    }


# ---- the applicant's, no sign-in -------------------------------------------------------------------


@router.post(
    "/public/ratings/lookup",
    response=PublicRatingOut,
    auth=None,
    openapi_extra=LIMITED,
    summary="Whether an application can be rated, by tracking number and phone (no sign-in)",
)
def public_lookup(request, body: LookupIn):
    app, rating = public.lookup(body.number, body.phone, client_ip(request))
    return public.view(app, rating)


@router.post(
    "/public/ratings",
    response=PublicRatingOut,
    auth=None,
    openapi_extra=LIMITED,
    summary="Rate a concluded application, or rate it again after a bad rating was answered (no sign-in)",
)
def public_rate(request, body: PublicRatingIn):
    app, rating = public.lookup(body.number, body.phone, client_ip(request))
    if rating is None:
        raise Conflict(public.view(app, None)["message"])
    data = RatingIn(level=body.level, problems=body.problems, comment=body.comment)
    rating = public.rate(rating, data, "online")
    return public.view(app, selectors.public_lookup(body.number, body.phone)[1])


# ---- staff -----------------------------------------------------------------------------------------


@router.get("/ratings", response=RatingPage, summary="The ratings of concluded applications in your scope")
def rating_list(request, q: Query[RatingQuery], paging: Query[PageQuery]):
    _require(request)
    f = selectors.RatingFilter(**q.dict())
    items, meta = paginate(selectors.rating_list(user=request.user, filters=f), paging)
    return {"items": [rating_row(r) for r in items], "meta": meta}


@router.get("/ratings/{number}", response=RatingOut, summary="The rating of one application")
def rating_detail(request, number: str):
    _require(request)
    return rating_row(selectors.rating_get(user=request.user, number=number))


@router.post(
    "/ratings/{number}/window",
    response=RatingOut,
    summary="Enter the result of the window's rating device (a window clerk)",
)
def rating_window(request, number: str, body: WindowRatingIn):
    data = RatingIn(level=body.level, problems=body.problems, comment=body.comment)
    services.rating_record_window(by=request.user, number=number, data=data, revision=body.revision)
    return rating_row(selectors.rating_get(user=request.user, number=number))


@router.get("/follow-ups", response=FollowUpPage, summary="The follow-ups of bad ratings in your scope")
def follow_up_list(request, q: Query[FollowUpQuery], paging: Query[PageQuery]):
    _require(request)
    qs = selectors.follow_up_list(user=request.user, filters=selectors.FollowUpFilter(**q.dict()))
    items, meta = paginate(qs.prefetch_related("evidence"), paging)
    now = timezone.now()
    return {"items": [follow_up_row(f, request.user, now) for f in items], "meta": meta}


@router.get(
    "/follow-ups/{number}", response=FollowUpOut, summary="The follow-up of one application's bad rating"
)
def follow_up_detail(request, number: str):
    _require(request)
    return follow_up_row(selectors.follow_up_get(user=request.user, number=number), request.user)


@router.post(
    "/follow-ups/{number}/actions",
    response=FollowUpOut,
    summary="Contact, answer or appeal (the department), or decide an appeal (the supervisor)",
)
def follow_up_action(
    request, number: str, form: Form[FollowUpActForm], photos: File[list[UploadedFile]] = None
):
    _require(request)
    f = selectors.follow_up_get(user=request.user, number=number)
    data = followup.FollowUpIn(
        note=form.note,
        method=form.method,
        disposition=form.disposition,
        decision=form.decision,
        photos=evidence.read(photos),
    )
    followup.follow_up_act(
        follow_up=f, action=form.action, by=request.user, data=data, revision=form.revision
    )
    return follow_up_row(selectors.follow_up_get(user=request.user, number=number), request.user)


@router.get("/rating-figures", response=KpiOut, summary="好差评's figures by department, window or item")
def rating_figures(request, q: Query[RatingFiguresQuery]):
    _require(request)
    start, end = period(q.start, q.end)
    if start > end:
        raise ValidationFailed(
            "start is after end", errors=[{"field": "query.start", "message": "on or before end"}]
        )
    area, village = place_ids(area=q.area, village=q.village, field_prefix="query.")
    where = kpis.Where(start=start, end=end, department=q.department, area=area, village=village)
    return {
        "start": start,
        "end": end,
        "by": q.by,
        "total": kpis.totals(user=request.user, where=where),
        "rows": kpis.table(user=request.user, where=where, dimension=q.by),
    }
