"""What the data brain's pages share: the guard and the labels and colours of a resource."""

from django.http import Http404

from cityops.core.errors import NotFound
from cityops.core.pages import requires
from cityops.databrain import selectors
from cityops.databrain.choices import OpenType, ShareType


def databrain_page(action: str = "databrain.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def present(resource):
    """Attach the labels and colours a page shows of a resource."""
    share, open_ = ShareType(resource.share_type), OpenType(resource.open_type)
    resource.share_label, resource.share_colour = share.label, share.colour
    resource.open_label, resource.open_colour = open_.label, open_.colour
    return resource


def get_resource(request, code: str):
    try:
        return present(selectors.resource_get(user=request.user, code=code))
    except NotFound as exc:
        raise Http404(exc.detail) from None
