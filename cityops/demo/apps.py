from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cityops.demo"
    label = "demo"
