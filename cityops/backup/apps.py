from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "cityops.backup"
    label = "backup"
