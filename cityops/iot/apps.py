from django.apps import AppConfig


class IotConfig(AppConfig):
    name = "cityops.iot"
    label = "iot"

    def ready(self):
        from cityops.iot import hooks
        from cityops.iot.sta import publish

        # Committed readings become SensorThings notifications (when CITYOPS_STA_MQTT is on).
        hooks.on_committed(publish.readings_stored)
