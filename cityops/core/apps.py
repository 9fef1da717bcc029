from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cityops.core"
    label = "core"

    def ready(self):
        from django.core import checks

        from cityops.core.workcalendar import check_work_hours

        checks.register(check_work_hours)

        from django.urls import register_converter

        from cityops.core.inputs import IdConverter

        register_converter(IdConverter, "id")
