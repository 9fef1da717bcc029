from django.apps import AppConfig


class DatabrainConfig(AppConfig):
    name = "cityops.databrain"
    label = "databrain"
