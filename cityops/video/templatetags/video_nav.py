"""The sub-navigation every video page shows: the video pages the user's role opens, the current one
marked. Detail pages mark the list they belong to (a channel's page marks the channels)."""

from django import template
from django.utils.translation import gettext_lazy as _

from cityops.core.pages import current_url_name, sub_sections

register = template.Library()

# (URL name, label, action, URL names of the pages it stands for)
SECTIONS = (
    ("home", _("Overview"), "video.view", {"home"}),
    ("map", _("Camera map"), "video.view", {"map"}),
    ("wall", _("Status wall"), "video.view", {"wall"}),
    ("rates", _("Online rates"), "video.view", {"rates"}),
    (
        "channels",
        _("Channels"),
        "video.view",
        {"channels", "channel", "channel_live", "channel_edit", "channel_build", "site", "site_edit"},
    ),
    ("projects", _("Projects"), "video.view", {"projects", "project"}),
    ("groups", _("Virtual organisations"), "video.view", {"groups"}),
    ("alerts", _("AI alerts"), "video.view", {"alerts", "alert"}),
    ("kitchens", _("Bright kitchens"), "video.kitchen", {"kitchens", "kitchen"}),
    ("registry_import", _("Import"), "video.change", {"registry_import"}),
)


def video_sections(user, url_name: str) -> list[dict]:
    """The sections ``user`` may open, each with its address and whether it is the current one."""
    return sub_sections(user, "video", SECTIONS, url_name)


@register.inclusion_tag("video/partials/nav.html", takes_context=True)
def video_nav(context, compact: bool = False):
    request = context["request"]
    url_name = current_url_name(request, "video")
    sections = video_sections(request.user, url_name)
    # a role that opens one video page only (a food-safety officer) needs no sub-navigation
    return {"sections": sections if len(sections) > 1 else [], "compact": compact}
