from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cityops.org"
    label = "org"
