"""Run in a subprocess against the MQTT tests' own database: the small town, the two IoT device types
and their devices with secrets, and the broker's files. Prints {device code: secret} as JSON."""

import json
import os
import sys
from pathlib import Path


def main(out: str, port: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    django.setup()
    from django.conf import settings

    from cityops.iot.credentials import BrokerConfig, device_secret_issue, write_broker_files
    from cityops.iot.models import DeviceType, DeviceTypeQuantity, Quantity
    from tests.builders import build_small_town, place_device

    build_small_town()
    air = DeviceType.objects.create(
        code="air", name="空气质量监测仪", report_interval_s=60, offline_after_s=600
    )
    for code in ("pm25", "pm10", "no2"):
        q = Quantity.objects.create(code=code, name=code, unit_symbol="µg/m³")
        DeviceTypeQuantity.objects.create(device_type=air, quantity=q, min_valid=0, max_valid=1000)
    secrets = {}
    for n in range(1, 5):
        device = place_device(f"AIR-{n}", air, n)
        secrets[device.code] = device_secret_issue(device=device)
    import getpass

    write_broker_files(
        out=Path(out),
        config=BrokerConfig(port=port, run_as=getpass.getuser()),
        worker_user=settings.CITYOPS_IOT_MQTT_USER,
        worker_password=settings.CITYOPS_IOT_MQTT_PASSWORD,
        gateways={"gw-test": "gateway-test-password"},
        sta_readers={"sta-test": "sta-reader-password"},
    )
    print(json.dumps(secrets))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
