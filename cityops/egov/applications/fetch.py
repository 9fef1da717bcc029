"""Materials the platform fetches instead of the applicant: an electronic licence, or a record of a
data brain resource that holds the applicant.

A material naming a data brain resource is looked up there by the applicant's ID number (a person) or
unified social credit code (an organisation), in the resource's field checked as one (its quality
rule); a record found means the applicant need not bring it. One indexed equality per material.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cityops.databrain import datastore
from cityops.databrain.choices import Rule
from cityops.egov.choices import ApplicantKind, Check, MaterialSource


@dataclass(frozen=True)
class Fetched:
    finding: str
    note: str


def fetch(material, applicant_kind: str, id_number: str) -> Fetched | None:
    """What the platform found for ``material``; None when the applicant brings it."""
    if material.resource_id is None:
        if material.source == MaterialSource.ELICENCE:
            return Fetched(Check.FETCHED, _("electronic licence; need not be submitted"))
        return None
    resource = material.resource
    rule = Rule.CREDIT_CODE if applicant_kind == ApplicantKind.ORGANISATION else Rule.RESIDENT_ID
    fields = list(resource.fields.all())
    key = next((f for f in fields if f.rule == rule), None)
    if key is None or not id_number:
        return Fetched(
            Check.PENDING,
            _("%(resource)s cannot be searched for this applicant") % {"resource": resource.name},
        )
    found = datastore.count(resource, fields, [datastore.Filter(key.name, "eq", id_number)])
    if found:
        return Fetched(Check.FETCHED, _("found in %(resource)s") % {"resource": resource.name})
    return Fetched(
        Check.PENDING, _("not found in %(resource)s: the applicant brings it") % {"resource": resource.name}
    )
