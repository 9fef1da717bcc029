from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cityops.audit"
    label = "audit"
