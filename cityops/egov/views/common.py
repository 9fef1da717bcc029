"""What the catalogue's pages share: the labels and colours of an item's guide."""

from django.http import Http404

from cityops.core.errors import NotFound
from cityops.egov import selectors
from cityops.egov.choices import (
    Applicant,
    Delivery,
    ItemType,
    LimitKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
)


def present(version):
    """Attach the labels and colours a page shows of a guide."""
    if version is None:
        return None
    kind = ItemType(version.item_type)
    version.type_label, version.type_colour = kind.label, kind.colour
    version.limit_label = LimitKind(version.limit_kind).label
    version.applicant_label = Applicant(version.applicant).label
    version.depth_label = OnlineDepth(version.online_depth).label
    version.delivery_labels = [Delivery(d).label for d in version.delivery]
    return version


def present_material(material):
    material.form_label = MaterialForm(material.form).label
    material.source_label = MaterialSource(material.source).label
    return material


def guide_context(version) -> dict:
    """The guide's parts as a page shows them: materials asked always and those of each situation."""
    parts = selectors.version_parts(version)
    for m in parts["materials"]:
        present_material(m)
    return {"guide": present(version), **parts}


def get_item(request, code: str):
    try:
        item = selectors.item_get(user=request.user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    present(item.published)
    present(item.draft)
    return item
