from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cityops.core"
    label = "core"
