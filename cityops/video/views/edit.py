"""Editing the registry from its pages: a channel's facts and credentials, its build status, a site.

Each page is a form over one service (``channel_update``, ``channel_set_build_status``,
``site_update``); the service checks every rule and its problems are shown next to the fields. A
channel or site outside the user's scope is a 404, a role without ``video.change`` a 403."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cityops.core.errors import DomainError, NotFound
from cityops.video import selectors, services
from cityops.video.forms import BuildStatusForm, ChannelEditForm, SiteEditForm, service_errors
from cityops.video.views.registry import present_channel, video_page

CHANGE = "video.change"


def _channel(user, gb_id: str):
    try:
        return present_channel(selectors.channel_get(user=user, gb_id=gb_id))
    except NotFound as exc:
        raise Http404(exc.detail) from None


def _site(user, code: str):
    try:
        return selectors.site_get(user=user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def _save(request, form, call, **kwargs) -> bool:
    """Call the service with the form's input; its problems go next to the fields."""
    if not form.is_valid():
        return False
    try:
        call(by=request.user, **kwargs)
    except DomainError as exc:
        service_errors(form, exc, form.COLUMNS)
        return False
    return True


@video_page(CHANGE)
def channel_edit(request, gb_id: str):
    """A channel's name, vendor, model, streams, group, position and credentials."""
    channel = _channel(request.user, gb_id)
    form = ChannelEditForm(request.POST if request.method == "POST" else None, channel=channel)
    if request.method == "POST":
        ok = form.is_valid() and _save(
            request, form, services.channel_update, channel_id=channel.pk, **form.changes()
        )
        if ok:
            return redirect(reverse("video:channel", args=[channel.gb_id]))
    status = 422 if form.is_bound else 200
    return render(request, "video/channel_edit.html", {"channel": channel, "form": form}, status=status)


@video_page(CHANGE)
def channel_build(request, gb_id: str):
    """Move the build status forward (dated) or back (with a reason)."""
    channel = _channel(request.user, gb_id)
    form = BuildStatusForm(request.POST if request.method == "POST" else None, channel=channel)
    if request.method == "POST":
        ok = form.is_valid() and _save(
            request,
            form,
            services.channel_set_build_status,
            channel_id=channel.pk,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
        )
        if ok:
            return redirect(reverse("video:channel", args=[channel.gb_id]))
    status = 422 if form.is_bound else 200
    return render(request, "video/channel_build.html", {"channel": channel, "form": form}, status=status)


@video_page(CHANGE)
def site_edit(request, code: str):
    """A site's name, address and position; moving it re-locates its channels."""
    site = _site(request.user, code)
    form = SiteEditForm(request.POST if request.method == "POST" else None, site=site)
    if request.method == "POST":
        ok = form.is_valid() and _save(
            request,
            form,
            services.site_update,
            site_id=site.pk,
            name=form.cleaned_data["name"],
            address=form.cleaned_data["address"],
            lon=form.cleaned_data["lon"],
            lat=form.cleaned_data["lat"],
        )
        if ok:
            return redirect(reverse("video:site", args=[site.code]))
    status = 422 if form.is_bound else 200
    return render(request, "video/site_edit.html", {"site": site, "form": form}, status=status)
