"""The terminals' pages: the list with the offline and unprotected ones counted and filtered, the
import of the agent console's file (all or nothing) and the export in the same columns."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.core.export import download
from cityops.core.pages import pager, querystring
from cityops.security.forms import TerminalFilterForm, TerminalImportForm
from cityops.security.register import selectors
from cityops.security.register.terminals import terminals_import, terminals_sheet
from cityops.security.views.common import (
    PAGE_SIZE,
    REGISTER,
    VIEW,
    page_context,
    present_terminal,
    security_page,
)


def _problem_links(request, counts) -> list[dict]:
    """All terminals and each kind of problem, with its count and the link that selects it."""
    return [
        {
            "key": key or "all",
            "label": label,
            "count": counts[key or "all"],
            "qs": querystring(request.GET, problem=key, page=""),
        }
        for key, label in [("", _("All")), *TerminalFilterForm.PROBLEMS]
    ]


@security_page(VIEW)
def terminal_list(request):
    form = TerminalFilterForm(request.GET or None)
    qs = selectors.terminal_list(user=request.user, filters=form.terminal_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cutoff = selectors.offline_before()
    context = page_context(request)
    context.update(pager(page, lambda **changes: querystring(request.GET, **changes)))
    context.update(
        form=form,
        rows=[present_terminal(t, cutoff) for t in page.object_list],
        problem_links=_problem_links(request, context["terminal_counts"]),
        chosen=(form.cleaned_data.get("problem") if form.is_valid() else "") or "all",
        offline_days=settings.CITYOPS_SECURITY_OFFLINE_DAYS,
        export_qs=querystring(request.GET, page=""),
        can_import=request.user.can(REGISTER),
    )
    return render(request, "security/terminals.html", context)


@security_page(VIEW)
def terminal_export(request, fmt):
    """The terminals as filtered, in the import's columns (CSV or XLSX)."""
    if fmt not in ("csv", "xlsx"):
        return redirect("security:terminals")
    form = TerminalFilterForm(request.GET or None)
    qs = selectors.terminal_list(user=request.user, filters=form.terminal_filter())
    return download(name="security-terminals", fmt=fmt, sheets=[terminals_sheet(qs)])


@security_page(REGISTER)
def terminal_import(request):
    form = TerminalImportForm(request.POST or None, request.FILES or None)
    context = page_context(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = terminals_import(data=upload.read(), filename=upload.name, by=request.user)
        except DomainError as exc:
            context.update(detail=exc.detail, errors=exc.errors)
            status = 422
        else:
            messages.success(
                request,
                _("Terminals imported: %(c)s new, %(u)s changed, %(n)s unchanged.")
                % {"c": result.created, "u": result.updated, "n": result.unchanged},
            )
            return redirect("security:terminals")
    context.update(form=form)
    return render(request, "security/terminals_import.html", context, status=status)
