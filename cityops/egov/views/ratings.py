"""好差评's staff pages under /services/ratings/: the figures with their exports, the ratings, the
follow-ups of bad ratings and their steps, the appeal's evidence, and the window device's result."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError, ValidationFailed
from cityops.core.export import Column, Sheet, download
from cityops.core.pages import pager, querystring, requires
from cityops.egov.applications.figures import place_ids
from cityops.egov.choices import (
    AppealDecision,
    Channel,
    ContactMethod,
    Disposition,
    FollowUpOutcome,
    FollowUpState,
    RatingLevel,
    RatingProblem,
    RatingSource,
    RatingState,
)
from cityops.egov.models import AppealEvidence
from cityops.egov.ratings import evidence, followup, kpis, selectors, services
from cityops.egov.ratings.forms import (
    FiguresForm,
    FollowUpActForm,
    FollowUpFilterForm,
    RatingFilterForm,
    WindowForm,
    level_options,
)
from cityops.egov.ratings.history import label
from cityops.geo.models import Area, Village
from cityops.org.models import Department

READ = "egov.applications"
PAGE_SIZE = 30


def _departments(user):
    qs = Department.objects.filter(gives_services=True).order_by("code")
    return qs.filter(pk__in=user.department_ids()) if user.is_department_bound() else qs


def present(r):
    """Attach what a page shows of a rating: its level's and state's labels and colours."""
    r.state_label, r.state_colour = RatingState(r.state).label, RatingState(r.state).colour
    if r.level:
        r.level_label, r.level_colour = RatingLevel(r.level).label, RatingLevel(r.level).colour
    if r.first_level and r.first_level != r.level:
        r.first_label = RatingLevel(r.first_level).label
    r.source_label = RatingSource(r.source).label if r.source else ""
    r.channel_label = Channel(r.channel).label
    r.problem_labels = [RatingProblem(p).label for p in r.problems if p in RatingProblem.values]
    r.has_follow_up = getattr(r, "follow_up", None) is not None
    return r


def _page_errors(request, exc: DomainError):
    if exc.status == 404:
        raise Http404(exc.detail)
    messages.error(request, exc.detail)


# ---- figures -----------------------------------------------------------------------------------------


def _figures_query(request):
    """The figures asked for; an unknown area or village is named on the form and left out."""
    form = FiguresForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    start, end = kpis.period(d.get("start"), d.get("end"))
    if start > end:
        start, end = end, start
    area = village = None
    try:
        area, village = place_ids(area=d.get("area", ""), village=d.get("village", ""))
    except ValidationFailed as exc:
        for e in exc.errors:
            form.add_error(e["field"], e["message"])
    where = kpis.Where(start=start, end=end, department=d.get("department", ""), area=area, village=village)
    return form, where, d.get("by") or "department"


RATES = ("coverage", "satisfaction", "follow_up_rate", "rectification_rate")


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def with_texts(row: dict) -> dict:
    """A row of figures with its rates written as a page shows them."""
    texts = {name.removesuffix("_rate") + "_text": _percent(row[name]) for name in RATES}
    return {**row, **texts}


@requires(READ)
def figures(request):
    """Coverage, satisfaction, score, follow-up and rectification by department, window or item."""
    form, where, by = _figures_query(request)
    rows = [with_texts(r) for r in kpis.table(user=request.user, where=where, dimension=by)]
    levels = kpis.levels(user=request.user, where=where)
    for lv in levels:
        lv["share_text"] = _percent(lv["share"])
    context = {
        "form": form,
        "where": where,
        "by": by,
        "by_label": kpis.DIMENSIONS[by],
        "dimensions": kpis.DIMENSIONS.items(),
        "departments": _departments(request.user),
        "areas": Area.objects.order_by("code").only("code", "name"),
        "villages": Village.objects.order_by("code").only("code", "name"),
        "total": with_texts(kpis.totals(user=request.user, where=where)),
        "levels": levels,
        "levels_max": max([lv["n"] for lv in levels] + [1]),
        "now": kpis.follow_up_now(user=request.user, where=where),
        "rows": rows,
        "querystring": querystring(request.GET),
    }
    return render(request, "egov/ratings/figures.html", context)


FIGURE_COLUMNS = [
    ("ended", gettext_lazy("Concluded"), None),
    ("rated", gettext_lazy("Rated"), None),
    ("coverage", gettext_lazy("Rating coverage"), "percent"),
    ("defaulted", gettext_lazy("Rated by default"), None),
    ("awaiting", gettext_lazy("Awaiting a rating"), None),
    ("satisfied", gettext_lazy("Satisfied or very satisfied"), None),
    ("satisfaction", gettext_lazy("Satisfaction"), "percent"),
    ("score", gettext_lazy("Score (of 5)"), "decimal"),
    ("bad", gettext_lazy("Bad ratings"), None),
    ("upheld", gettext_lazy("Excluded on appeal"), None),
    ("contacted", gettext_lazy("Contacted"), None),
    ("contacted_on_time", gettext_lazy("Contacted in time"), None),
    ("follow_up_rate", gettext_lazy("Follow-up rate"), "percent"),
    ("rectified", gettext_lazy("Answered"), None),
    ("rectified_on_time", gettext_lazy("Answered in time"), None),
    ("rectification_rate", gettext_lazy("Rectification rate"), "percent"),
]


@requires(READ)
def figures_export(request, fmt: str):
    """The figures' table as CSV or XLSX, with the total as its last row."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    _form, where, by = _figures_query(request)
    rows = kpis.table(user=request.user, where=where, dimension=by)
    total = {**kpis.totals(user=request.user, where=where), "code": "", "name": _("Total")}
    columns = [Column(_("Code"), 14), Column(str(kpis.DIMENSIONS[by]), 30)]
    columns += [Column(str(title), 12, fmt_) for _key, title, fmt_ in FIGURE_COLUMNS]
    data = ([r["code"], r["name"], *(r[k] for k, _t, _f in FIGURE_COLUMNS)] for r in [*rows, total])
    title = _("Service ratings %(start)s to %(end)s") % {"start": where.start, "end": where.end}
    return download(
        name=f"ratings-{where.start}-{where.end}", fmt=fmt, sheets=[Sheet(title[:31], columns, data, 2)]
    )


# ---- ratings --------------------------------------------------------------------------------------


def _rating_filter(request) -> tuple[RatingFilterForm, selectors.RatingFilter]:
    form = RatingFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    return form, selectors.RatingFilter(**{k: v for k, v in d.items() if v not in (None, "")})


@requires(READ)
def rating_list(request):
    """The ratings in scope: filtered by period, department, state, source and level."""
    form, filters = _rating_filter(request)
    page = Paginator(selectors.rating_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for r in page.object_list:
        present(r)
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(form=form, departments=_departments(request.user))
    return render(request, "egov/ratings/list.html", context)


@requires(READ)
def rating_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    _form, filters = _rating_filter(request)
    qs = selectors.rating_list(user=request.user, filters=filters)
    titles = [
        (_("Tracking number"), 16, None),
        (_("Item"), 30, None),
        (_("Department"), 20, None),
        (_("Window (clerk)"), 12, None),
        (_("Channel"), 10, None),
        (_("Concluded"), 18, "datetime"),
        (_("State"), 12, None),
        (_("Rating"), 12, None),
        (_("First rating"), 12, None),
        (_("Rated through"), 12, None),
        (_("Rated at"), 18, "datetime"),
        (_("What went wrong"), 24, None),
        (_("Comment"), 30, None),
        (_("Excluded on appeal"), 10, None),
    ]

    def rows():
        for r in qs.iterator(chunk_size=500):
            present(r)
            yield [
                r.application.number,
                r.application.version.name,
                r.department.name,
                (r.clerk.display_name or r.clerk.username) if r.clerk_id else "",
                r.channel_label,
                r.concluded_at,
                r.state_label,
                RatingLevel(r.level).label if r.level else "",
                RatingLevel(r.first_level).label if r.first_level else "",
                r.source_label,
                r.rated_at,
                "、".join(str(p) for p in r.problem_labels),
                r.comment,
                _("yes") if r.excluded else "",
            ]

    sheet = Sheet(_("Ratings"), [Column(str(t), w, f) for t, w, f in titles], rows(), frozen_columns=1)
    return download(name="ratings", fmt=fmt, sheets=[sheet])


# ---- follow-ups ----------------------------------------------------------------------------------


@requires(READ)
def follow_up_list(request):
    """The follow-ups of bad ratings: those not closed by default, the soonest due first."""
    form = FollowUpFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    filters = selectors.FollowUpFilter(
        state="active" if not request.GET else d.get("state", ""),
        department=d.get("department", ""),
        overdue=d.get("overdue", False),
    )
    now = timezone.now()
    page = Paginator(
        selectors.follow_up_list(user=request.user, filters=filters, now=now), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    for f in page.object_list:
        f.overdue = selectors.is_overdue(f, now)
        f.contact_late = f.state == FollowUpState.OPEN and f.contact_due_at < now
        f.answer_late = f.state in (FollowUpState.OPEN, FollowUpState.CONTACTED) and f.rectify_due_at < now
        f.state_label, f.state_colour = FollowUpState(f.state).label, FollowUpState(f.state).colour
        present(f.rating)
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(form=form, filters=filters, departments=_departments(request.user))
    return render(request, "egov/ratings/follow_ups.html", context)


def _steps(application):
    steps = selectors.rating_steps(application)
    names = {"system": _("System"), "applicant": _("Applicant"), "sweeper": _("System")}
    for e in steps:
        e.label = label(e.action)
        who = (
            e.actor.display_name or e.actor.username if e.actor_id else names.get(e.actor_name, e.actor_name)
        )
        e.who = who
    return steps


@requires(READ)
def follow_up_detail(request, number: str):
    """One follow-up: the rating, the deadlines, every step, and the forms of the steps the user may take."""
    try:
        f = selectors.follow_up_get(user=request.user, number=number)
    except DomainError as exc:
        raise Http404(exc.detail) from None
    now = timezone.now()
    present(f.rating)
    f.state_label, f.state_colour = FollowUpState(f.state).label, FollowUpState(f.state).colour
    app = f.rating.application
    context = {
        "f": f,
        "rating": f.rating,
        "app": app,
        "overdue": selectors.is_overdue(f, now),
        "contact_late": f.state == FollowUpState.OPEN and f.contact_due_at < now,
        "answer_late": f.state in (FollowUpState.OPEN, FollowUpState.CONTACTED) and f.rectify_due_at < now,
        "actions": {t.action for t in followup.allowed(f, request.user)},
        "steps": _steps(app),
        "evidence": list(f.evidence.all()),
        "contact_phone": app.phone if request.user.can("egov.follow_up") else "",
        "methods": ContactMethod.choices,
        "dispositions": Disposition.choices,
        "decisions": AppealDecision.choices,
        "outcome_label": FollowUpOutcome(f.outcome).label if f.outcome else "",
        "labels": {
            "method": ContactMethod(f.contact_method).label if f.contact_method else "",
            "disposition": Disposition(f.disposition).label if f.disposition else "",
            "decision": AppealDecision(f.appeal_decision).label if f.appeal_decision else "",
        },
    }
    return render(request, "egov/ratings/follow_up.html", context)


@require_POST
@requires(READ)
def follow_up_act(request, number: str):
    """A step of the follow-up from its page; the page again, with what was done or what is wrong."""
    form = FollowUpActForm(request.POST)
    try:
        f = selectors.follow_up_get(user=request.user, number=number)
        if not form.is_valid():
            messages.error(
                request, _("The form is not valid: %(errors)s") % {"errors": form.errors.as_text()}
            )
            return redirect("egov:rating_follow_up", number=number)
        d = form.cleaned_data
        data = followup.FollowUpIn(
            note=d["note"],
            method=d["method"],
            disposition=d["disposition"],
            decision=d["decision"],
            photos=evidence.read(request.FILES.getlist("photos")),
        )
        followup.follow_up_act(
            follow_up=f, action=d["action"], by=request.user, data=data, revision=d["revision"]
        )
    except DomainError as exc:
        _page_errors(request, exc)
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": followup.TRANSITIONS[d["action"]].label})
    return redirect("egov:rating_follow_up", number=number)


@requires(READ)
def evidence_file(request, number: str, pk: int):
    """A photo brought with an appeal, to those who may see the follow-up."""
    try:
        f = selectors.follow_up_get(user=request.user, number=number)
    except DomainError as exc:
        raise Http404(exc.detail) from None
    row = AppealEvidence.objects.filter(follow_up=f, pk=pk).first()
    if row is None:
        raise Http404("no such evidence")
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- the window's rating device ----------------------------------------------------------------------


@requires("egov.process")
def window_entry(request):
    """A window clerk enters what the applicant pressed on the window's rating device."""
    form = WindowForm(request.POST or None)
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            done = services.rating_record_window(
                by=request.user, number=form.cleaned_data["number"].strip(), data=form.rating()
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
            for e in exc.errors:
                if e["field"] in form.fields:
                    form.add_error(e["field"], e["message"])
        else:
            messages.success(
                request,
                _("Application %(number)s is rated %(level)s.")
                % {"number": done.application.number, "level": RatingLevel(done.level).label},
            )
            return redirect("egov:rating_window")
    context = {"form": form, "problems": RatingProblem.choices, "levels": level_options()}
    return render(request, "egov/ratings/window.html", context)
