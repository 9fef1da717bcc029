from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "cityops.video"
    label = "video"
