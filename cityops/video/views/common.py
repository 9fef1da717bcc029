"""What the video pages share: the guard, the link to a channel's page, the project filter."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cityops.core.pages import requires
from cityops.video.choices import Health
from cityops.video.models import Project


def video_page(action: str = "video.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def channel_url(gb_id: str) -> str:
    """The channel's own page (the registry's), by its URL name when it is there."""
    try:
        return reverse("video:channel", args=[gb_id])
    except NoReverseMatch:
        return f"/video/channels/{gb_id}/"


def channel_url_template() -> str:
    """The channel page's address with ``__id__`` for the ID, for scripts that build links."""
    return channel_url("00000000000000000000").replace("00000000000000000000", "__id__")


def health_legend() -> list[dict]:
    return [{"value": h.value, "label": str(h.label), "colour": h.colour} for h in Health]


def project_choices() -> list[tuple[str, str]]:
    return list(Project.objects.order_by("code").values_list("code", "name"))


def chosen_project(request) -> str:
    code = request.GET.get("project", "")
    return code if code in dict(project_choices()) else ""


def today():
    return timezone.localdate()
