"""The sub-navigation every data brain page shows: the pages the user's role opens, the current one
marked. A resource's pages mark the catalogue."""

from django import template
from django.utils.translation import gettext_lazy as _

from cityops.core.pages import current_url_name, sub_sections

register = template.Library()

# (URL name, label, action, URL names of the pages it stands for)
SECTIONS = (
    (
        "catalogue",
        _("Resource catalogue"),
        "databrain.view",
        {"catalogue", "resource", "resource_versions", "resource_edit", "records", "load_new", "load"},
    ),
    ("resource_new", _("Catalogue a resource"), "databrain.change", {"resource_new"}),
    ("share_requests", _("My requests"), "databrain.share", {"share_requests", "share_request_new"}),
    ("share_approvals", _("Approvals"), "databrain.share", {"share_approvals", "share_request"}),
    ("consumers", _("Consumers and keys"), "databrain.change", {"consumers", "consumer"}),
    ("usage", _("Usage"), "databrain.change", {"usage"}),
    ("sync", _("Upstream sync"), "databrain.change", {"sync"}),
)


@register.inclusion_tag("databrain/partials/nav.html", takes_context=True)
def databrain_nav(context):
    request = context["request"]
    url_name = current_url_name(request, "databrain")
    return {"sections": sub_sections(request.user, "databrain", SECTIONS, url_name)}
