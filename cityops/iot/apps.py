from django.apps import AppConfig


class IotConfig(AppConfig):
    name = "cityops.iot"
    label = "iot"
