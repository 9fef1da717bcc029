from django.apps import AppConfig


class EgovConfig(AppConfig):
    name = "cityops.egov"
    label = "egov"

    def ready(self):
        from cityops.egov.ratings import listen

        listen.connect()  # a concluded application's rating is opened at once
