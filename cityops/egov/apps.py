from django.apps import AppConfig


class EgovConfig(AppConfig):
    name = "cityops.egov"
    label = "egov"
