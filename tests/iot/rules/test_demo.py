"""The demo sensors: placed inside the town, by type, and seeding twice changes nothing."""

import pytest

from cityops.demo.iot import seed_iot
from cityops.iot.models import Device

pytestmark = pytest.mark.django_db


def test_seed_iot_places_devices_and_is_idempotent(town):
    first = seed_iot()
    assert first.created == Device.objects.count() > 100
    types = set(Device.objects.values_list("device_type__code", flat=True))
    assert {"manhole", "streetlight", "air_quality", "noise", "waste_bin", "water_level", "gas"} <= types
    assert Device.objects.filter(device_type__code="gas").count() == 3  # the small town has one canteen
    assert Device.objects.filter(device_type__code="manhole").count() == 8 * 8  # 8 per grid
    again = seed_iot()
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
