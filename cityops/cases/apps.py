from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cityops.cases"
    label = "cases"
