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


def _form_page(request, form, template: str, context: dict, call, done: str, arguments) -> object:
    """Show the form; on a valid POST call the service with ``arguments()`` and go to ``done``, or
    show its problems next to the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            call(by=request.user, **arguments())
        except DomainError as exc:
            service_errors(form, exc, form.COLUMNS)
        else:
            return redirect(done)
    status = 422 if form.is_bound else 200
    return render(request, template, {**context, "form": form}, status=status)


def _posted(request):
    return request.POST if request.method == "POST" else None


@video_page(CHANGE)
def channel_edit(request, gb_id: str):
    """A channel's name, vendor, model, streams, group, position and credentials."""
    channel = _channel(request.user, gb_id)
    form = ChannelEditForm(_posted(request), channel=channel)
    return _form_page(
        request,
        form,
        "video/channel_edit.html",
        {"channel": channel},
        services.channel_update,
        reverse("video:channel", args=[channel.gb_id]),
        lambda: {"channel_id": channel.pk, **form.changes()},
    )


@video_page(CHANGE)
def channel_build(request, gb_id: str):
    """Move the build status forward (dated) or back (with a reason)."""
    channel = _channel(request.user, gb_id)
    form = BuildStatusForm(_posted(request), channel=channel)
    return _form_page(
        request,
        form,
        "video/channel_build.html",
        {"channel": channel},
        services.channel_set_build_status,
        reverse("video:channel", args=[channel.gb_id]),
        lambda: {"channel_id": channel.pk, **form.cleaned_data},
    )


@video_page(CHANGE)
def site_edit(request, code: str):
    """A site's name, address and position; moving it re-locates its channels."""
    site = _site(request.user, code)
    form = SiteEditForm(_posted(request), site=site)
    return _form_page(
        request,
        form,
        "video/site_edit.html",
        {"site": site},
        services.site_update,
        reverse("video:site", args=[site.code]),
        lambda: {"site_id": site.pk, **form.cleaned_data},
    )
