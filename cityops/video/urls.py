"""Video pages under /video/."""

from django.urls import path

from cityops.video.views import alerts, channel, edit, imports, kitchens, live, overview, rates, registry
from cityops.video.views import map as camera_map

app_name = "video"
urlpatterns = [
    path("", overview.home, name="home"),
    path("wall/", overview.wall, name="wall"),
    path("map/", camera_map.camera_map, name="map"),
    path("map/points.json", camera_map.map_points, name="map_points"),
    path("rates/", rates.rate_charts, name="rates"),
    path("rates/faults.<str:fmt>", rates.faults_export, name="faults_export"),
    path("channels/", registry.channels, name="channels"),
    path("channels/export.<str:fmt>", registry.channels_export, name="channels_export"),
    path("channels/import/", imports.registry_import_page, name="registry_import"),
    path("channels/<str:gb_id>/", registry.channel_detail, name="channel"),
    path("channels/<str:gb_id>/edit/", edit.channel_edit, name="channel_edit"),
    path("channels/<str:gb_id>/build/", edit.channel_build, name="channel_build"),
    path("sites/<str:code>/", registry.site_detail, name="site"),
    path("sites/<str:code>/edit/", edit.site_edit, name="site_edit"),
    path("projects/", registry.projects, name="projects"),
    path("projects/<str:code>/", registry.project_detail, name="project"),
    path("groups/", registry.groups, name="groups"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/export.<str:fmt>", alerts.alerts_export, name="alerts_export"),
    path("alerts/<id:alert_id>/", alerts.alert_detail, name="alert"),
    path("alerts/<id:alert_id>/snapshot", alerts.alert_snapshot, name="alert_snapshot"),
    path("kitchens/", kitchens.kitchen_list, name="kitchens"),
    path("kitchens/<str:code>/", kitchens.kitchen_school, name="kitchen"),
    path("kitchens/<str:code>/report.xlsx", kitchens.kitchen_report, name="kitchen_report"),
    path("channels/<str:gb_id>/live/", live.channel_live, name="channel_live"),
    path("channels/<str:gb_id>/snapshot", live.channel_snapshot, name="channel_snapshot"),
    path("channels/<str:gb_id>/snapshot/take/", channel.snapshot_take, name="channel_snapshot_take"),
]
