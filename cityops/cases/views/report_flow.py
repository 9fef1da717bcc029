"""The report form flow shared by the inspector's phone page and the residents' public page:
validate the form, open the case through intake, and answer a full page or an htmx partial."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.cases.intake import IntakeResult, case_intake
from cityops.cases.item_search import codes_by_pinyin
from cityops.cases.photos import photos_of
from cityops.cases.views.common import explain
from cityops.core.errors import DomainError
from cityops.core.pages import is_htmx

ITEM_CHOICES = 20
REPORT_FIELDS = (
    "item",
    "description",
    "address",
    "photos",
    "location",
    "on_the_spot",
    "contact_name",
    "phone",
)
SLOTS_OF_EVERY_FORM = ("photos", "location")  # slots of what the form class does not hold as a field


def item_choices(qs, q: str, selected: str) -> list:
    """Up to ITEM_CHOICES items matching ``q`` by name, its pinyin, category or code; the chosen one first."""
    q = q.strip()
    if q:
        by_pinyin = codes_by_pinyin(q)
        qs = qs.filter(
            Q(name__icontains=q) | Q(category__name__icontains=q) | Q(code__iexact=q) | Q(code__in=by_pinyin)
        )
    items = list(qs.select_related("category").order_by("code")[:ITEM_CHOICES])
    if selected and all(i.code != selected for i in items):
        chosen = qs.model.objects.filter(code=selected).select_related("category").first()
        if chosen is not None:
            items.insert(0, chosen)
    return items


def report_errors(request, message: str, fields: dict, form, status: int = 422):
    """The summary and the error slot of every field of this form (out of band), for an htmx report
    form: only the slots the page has, or htmx finds no target for the others."""
    names = [n for n in REPORT_FIELDS if n in form.fields or n in SLOTS_OF_EVERY_FORM]
    slots = {name: fields.get(name, []) for name in names}
    for name, messages in fields.items():
        if name not in slots:
            slots["location" if name in ("lon", "lat") else "form"] = messages
    resp = render(
        request,
        "cases/partials/report_errors.html",
        {"message": message, "slots": slots, "general": slots.pop("form", [])},
        status=status,
    )
    resp["HX-Retarget"] = "#report-errors"
    resp["HX-Reswap"] = "innerHTML"
    return resp


def form_errors(form) -> dict:
    errors = {}
    for name, messages in form.errors.items():
        key = "location" if name in ("lon", "lat") else ("form" if name == "__all__" else name)
        errors.setdefault(key, []).extend(messages)
    return errors


@dataclass
class ReportPage:
    """What differs between the two report pages: the form, the items offered, the page."""

    form_class: type
    items: Callable  # () -> the queryset of items this page offers
    template: str
    to_intake: Callable  # (request, cleaned_data, photos) -> (IntakeIn, acting user or None)
    context: dict = field(default_factory=dict)

    def blank(self, request):
        """The empty form."""
        context = {**self.context, "form": self.form_class(), "result": None}
        context["items"] = item_choices(self.items(), "", "")
        return render(request, self.template, context)

    def refuse(self, request, message: str, fields: dict, form, status: int):
        """The form again with the problems named (or only the error slots for htmx)."""
        if is_htmx(request):
            return report_errors(request, message, fields, form, status=status)
        context = {**self.context, "form": form, "result": None, "message": message, "errors": fields}
        context["items"] = item_choices(self.items(), "", request.POST.get("item", ""))
        return render(request, self.template, context, status=status)

    def submit(self, request, on_success: Callable | None = None):
        """Validate, open or join a case, and answer 201 (opened), 200 (joined) or 422."""
        form = self.form_class(request.POST, request.FILES)
        message, fields, result = self._intake(request, form)
        if result is None:
            return self.refuse(request, message, fields, form, 422)
        if on_success is not None:
            on_success()
        context = {**self.context, "form": self.form_class(), "result": result}
        template = "cases/partials/report_result.html" if is_htmx(request) else self.template
        return render(request, template, context, status=200 if result.duplicate else 201)

    def _intake(self, request, form) -> tuple[str, dict, IntakeResult | None]:
        if not form.is_valid():
            return _("Please correct the marked fields."), form_errors(form), None
        try:
            data, by = self.to_intake(request, form.cleaned_data, photos_of(request.FILES.getlist("photos")))
            return "", {}, case_intake(data, by=by)
        except DomainError as exc:
            message, fields = explain(exc)
            return message, fields, None


def intake_fields(d: dict) -> dict:
    """The IntakeIn fields both report forms carry."""
    return {
        "item_code": d["item"],
        "lon": d["lon"],
        "lat": d["lat"],
        "description": d["description"],
        "address": d["address"],
    }
