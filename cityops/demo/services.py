"""Seeding the demo town: geography through the user-facing import, then organisation and people."""

from collections.abc import Callable

from cityops.core.holidays import load_bundled_calendars
from cityops.demo.catalogue import catalogue_seed
from cityops.demo.databrain import catalogue_seed as data_catalogue_seed
from cityops.demo.datarecords import records_seed as data_records_seed
from cityops.demo.datasharing import sharing_seed as data_sharing_seed
from cityops.demo.egov import services_seed
from cityops.demo.egov_applications import applications_seed
from cityops.demo.egov_ratings import ratings_seed
from cityops.demo.history import history_seed
from cityops.demo.iot import seed_iot
from cityops.demo.ops import duty_seed, plans_seed, resources_seed
from cityops.demo.patrols import patrols_seed
from cityops.demo.people import ACTOR, Progress, Tally, inspectors_seed, logins_seed, no_progress, org_seed
from cityops.demo.security import security_seed
from cityops.demo.town import town_geojson
from cityops.demo.video import seed_alert_kinds, seed_video
from cityops.geo.services import geojson_import


def geography_seed(progress: Progress = no_progress) -> Tally:
    """Import the generated town with the same validated, all-or-nothing import users have."""
    result = geojson_import(data=town_geojson(), actor_name=ACTOR)
    return Tally(sum(result.created.values()), sum(result.updated.values()), result.unchanged)


def calendar_seed(progress: Progress = no_progress) -> Tally:
    """The bundled holiday calendars, which every deadline is computed on."""
    result = load_bundled_calendars()
    return Tally(result.created, result.updated + result.deleted, result.unchanged)


# In dependency order; each step is its own transaction and creates only what is missing.
SEED_STEPS: list[tuple[str, Callable[[Progress], Tally]]] = [
    ("holiday calendar", calendar_seed),
    ("geography", geography_seed),
    ("organisation", lambda progress: org_seed()),
    ("patrol items", catalogue_seed),
    ("IoT devices", seed_iot),
    ("video", seed_video),
    ("video alert kinds", seed_alert_kinds),
    ("data catalogue", data_catalogue_seed),
    ("service items", services_seed),
    ("inspectors", inspectors_seed),
    ("demo logins", logins_seed),
    ("service applications", applications_seed),
    ("data sharing", data_sharing_seed),
    ("patrols", patrols_seed),
    ("case history", history_seed),
    ("duty roster", duty_seed),
    ("response plans", plans_seed),
    ("emergency resources", resources_seed),
    ("network security", security_seed),
    ("service ratings", ratings_seed),
    # last: the longest step, the data brain's records through the load a data steward uses
    ("data records", data_records_seed),
]


def demo_seed(progress: Progress = no_progress) -> dict[str, Tally]:
    """Seed every part of the demo town that is missing."""
    return {name: step(progress) for name, step in SEED_STEPS}
