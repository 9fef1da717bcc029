"""The sub-navigation every page of the operations centre shows: the centre's pages the user's role
opens, the current one marked. A detail page marks the list it belongs to."""

from django import template
from django.utils.translation import gettext_lazy as _

from cityops.core.pages import current_url_name, sub_sections

register = template.Library()

# (URL name, label, action, URL names of the pages it stands for)
SECTIONS = (
    ("screen", _("Big screen"), "ops.view", {"screen"}),
    ("duty", _("Duty roster"), "ops.view", {"duty", "entry", "roster_import"}),
    ("handover", _("Handover log"), "ops.view", {"handover"}),
    ("incidents", _("Incidents"), "ops.view", {"incidents", "incident", "incident_raise"}),
    (
        "insight",
        _("Decision support"),
        "ops.view",
        {
            "insight",
            "insight_hotspots",
            "insight_hotspots_time",
            "insight_grid",
            "insight_places",
            "insight_rankings",
            "insight_forecast",
        },
    ),
    ("reports", _("Operations reports"), "ops.reports", {"reports"}),
)


def ops_sections(user, url_name: str) -> list[dict]:
    """The sections ``user`` may open, each with its address and whether it is the current one."""
    return sub_sections(user, "ops", SECTIONS, url_name)


@register.inclusion_tag("ops/partials/nav.html", takes_context=True)
def ops_nav(context):
    request = context["request"]
    url_name = current_url_name(request, "ops")
    sections = ops_sections(request.user, url_name)
    # a role that opens one page of the centre only needs no sub-navigation
    return {"sections": sections if len(sections) > 1 else []}
