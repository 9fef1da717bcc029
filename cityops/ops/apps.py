from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "cityops.ops"
    label = "ops"
