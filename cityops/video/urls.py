"""Video pages under /video/."""

from django.urls import path

from cityops.video.views import map as camera_map
from cityops.video.views import overview, rates

app_name = "video"
urlpatterns = [
    path("", overview.home, name="home"),
    path("wall/", overview.wall, name="wall"),
    path("map/", camera_map.camera_map, name="map"),
    path("map/points.json", camera_map.map_points, name="map_points"),
    path("rates/", rates.rate_charts, name="rates"),
    path("rates/faults.<str:fmt>", rates.faults_export, name="faults_export"),
]
