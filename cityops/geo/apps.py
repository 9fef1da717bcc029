from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "cityops.geo"
    label = "geo"
