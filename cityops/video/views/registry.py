"""The registry's pages: the channel list (filters, counts by build status, paging, CSV/XLSX of the
filtered list), a channel's page, a site's page, the projects' build progress and the virtual-organisation tree.

Every read goes through ``cityops.video.selectors`` (scope in one place); a channel or site outside
the user's scope is a 404, a role without ``video.view`` a 403."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render

from cityops.core.errors import NotFound
from cityops.core.export import download
from cityops.core.pages import is_htmx, pager, querystring, requires
from cityops.video import selectors
from cityops.video.choices import BUILD_ORDER, BuildStatus, Health, ProjectKind
from cityops.video.forms import ChannelFilterForm
from cityops.video.registry_import import registry_sheet
from cityops.video.views.channel import channel_parts

PAGE_SIZE = 50


def video_page(action: str = "video.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def present_channel(channel):
    """Attach the labels and colours a page shows of a channel."""
    status, health = BuildStatus(channel.build_status), Health(channel.health)
    channel.status_label, channel.status_colour = status.label, status.colour
    channel.health_label, channel.health_colour = health.label, health.colour
    return channel


def status_counts(user, form) -> list[dict]:
    """Channels per build status for the other filters, each with the link that selects it."""
    qs = selectors.channel_list(user=user, filters=form.channel_filter(build_status=False))
    counts = dict(qs.order_by().values_list("build_status").annotate(n=Count("id")))
    chosen = form.cleaned_data.get("build_status", "") if form.is_valid() else ""
    return [
        {
            "value": s,
            "label": BuildStatus(s).label,
            "colour": BuildStatus(s).colour,
            "count": counts.get(s, 0),
            "on": chosen == s,
        }
        for s in BUILD_ORDER
    ]


@video_page()
def channels(request):
    """Channels in scope with filters, counts by build status and paging."""
    form = ChannelFilterForm(request.GET or None, user=request.user)
    qs = selectors.channel_list(user=request.user, filters=form.channel_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    for channel in page.object_list:
        present_channel(channel)
    counts = status_counts(request.user, form)
    context.update(
        form=form,
        total=sum(c["count"] for c in counts),
        count_links=[(c, querystring(request.GET, build_status=c["value"])) for c in counts],
        all_link=querystring(request.GET, build_status=""),
    )
    if is_htmx(request, "channel-list"):
        return render(request, "video/partials/channel_list.html", context)
    return render(request, "video/channels.html", context)


@video_page()
def channels_export(request, fmt: str):
    """Every channel of the list's filters in the user's scope, in the import's columns (never the
    credentials), so the file imports back."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    form = ChannelFilterForm(request.GET or None, user=request.user)
    qs = selectors.channel_list(user=request.user, filters=form.channel_filter())
    return download(name="video-channels", fmt=fmt, sheets=[registry_sheet(qs)])


@video_page()
def channel_detail(request, gb_id: str):
    """A channel's registry facts and build history; the health, live-view and snapshot parts
    are filled by the templates' blocks ``health``, ``live`` and ``snapshot``."""
    try:
        channel = selectors.channel_get(user=request.user, gb_id=gb_id)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    present_channel(channel)
    history = []
    for rec in selectors.channel_build_history(channel):
        after = rec.after or {}
        status = after.get("build_status")
        history.append(
            {
                "at": rec.at,
                "actor": rec.actor,
                "created": rec.action == "video.channel.create",
                "status_label": BuildStatus(status).label if status in BUILD_ORDER else "",
                "status_colour": BuildStatus(status).colour if status in BUILD_ORDER else "",
                "previous": BuildStatus(rec.before["build_status"]).label
                if rec.before and rec.before.get("build_status") in BUILD_ORDER
                else "",
                "reason": after.get("reason", ""),
            }
        )
    stages = [
        {
            "label": BuildStatus(s).label,
            "date": getattr(channel, f"{s}_on"),
            "done": BUILD_ORDER.index(s) <= BUILD_ORDER.index(channel.build_status),
        }
        for s in BUILD_ORDER
    ]
    return render(
        request,
        "video/channel_detail.html",
        {
            "channel": channel,
            "history": history,
            "stages": stages,
            "can_change": request.user.can("video.change"),
            **channel_parts(request.user, channel),
        },
    )


@video_page()
def site_detail(request, code: str):
    """A site's facts and its channels in scope."""
    try:
        site = selectors.site_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    channels = [
        present_channel(c)
        for c in selectors.channel_list(user=request.user, filters=selectors.ChannelFilter(site=site.code))
    ]
    context = {"site": site, "channels": channels, "can_change": request.user.can("video.change")}
    return render(request, "video/site_detail.html", context)


@video_page()
def projects(request):
    """Every project's build progress (planned, under construction, built, accepted) in scope."""
    rows = selectors.project_list(user=request.user)
    for row in rows:
        row.kind_colour = ProjectKind(row.project.kind).colour
    return render(request, "video/projects.html", {"rows": rows})


@video_page()
def project_detail(request, code: str):
    """One project's build progress, and per village."""
    try:
        row = selectors.project_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    legend = [{"label": BuildStatus(s).label, "colour": BuildStatus(s).colour} for s in BUILD_ORDER]
    return render(request, "video/project_detail.html", {"row": row, "legend": legend})


@video_page()
def groups(request):
    """The business groups and virtual organisations as a tree, with the channels in scope under each."""
    tree = selectors.group_tree(user=request.user)
    ungrouped = selectors.channel_list(user=request.user).filter(group__isnull=True).count()
    return render(request, "video/groups.html", {"tree": tree, "ungrouped": ungrouped})
