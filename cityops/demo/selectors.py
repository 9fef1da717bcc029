"""Counts of every entity, for `stats` and the demo's own checks."""

from django.db.models import Count

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.audit.models import AuditRecord
from cityops.cases.selectors import case_counts
from cityops.egov.models import Application, ServiceItem
from cityops.geo.choices import PlaceKind
from cityops.geo.selectors import geo_counts
from cityops.iot.selectors import iot_counts
from cityops.ops.models import Handover, Resource, ResponsePlan, RosterEntry
from cityops.org.selectors import org_counts
from cityops.security.models import Incident, InfoSystem, Terminal
from cityops.video.rates import video_counts


def entity_counts() -> dict:
    """Towns to grids, places by kind (with schools and canteens), org units, people, cases, devices and
    readings, video cameras, published service items and applications, audit records."""
    geo = geo_counts()
    by_kind = {kind: geo["places_by_kind"].get(kind, 0) for kind in PlaceKind.values}
    return {
        "towns": geo["towns"],
        "areas": geo["areas"],
        "villages": geo["villages"],
        "grids": geo["grids"],
        "places": geo["places"],
        "places_by_kind": by_kind,
        "schools": by_kind[PlaceKind.SCHOOL],
        "canteens": by_kind[PlaceKind.CANTEEN],
        **org_counts(),
        "users": User.objects.count(),
        "inspectors": User.objects.filter(role=Role.INSPECTOR).count(),
        **case_counts(),
        **iot_counts(),
        **video_counts(),
        **ops_counts(),
        **security_counts(),
        "service_items": ServiceItem.objects.filter(published__isnull=False).count(),
        "service_applications": Application.objects.exclude(status="draft").count(),
        "audit_records": AuditRecord.objects.count(),
    }


def ops_counts() -> dict:
    """The operations centre's roster, handovers, response plans and resources by kind."""
    return {
        "ops_roster_entries": RosterEntry.objects.count(),
        "ops_handovers": Handover.objects.count(),
        "ops_response_plans": ResponsePlan.objects.count(),
        "ops_resources_by_kind": dict(
            Resource.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")
        ),
    }


def security_counts() -> dict:
    """The register of information systems, the terminals and the incidents (drills among them)."""
    return {
        "security_systems": InfoSystem.objects.count(),
        "security_terminals": Terminal.objects.count(),
        "security_incidents": Incident.objects.count(),
        "security_drills": Incident.objects.filter(drill=True).count(),
    }
