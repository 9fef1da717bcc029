"""IoT pages under /iot/: devices and their charts, the alarm console, dead letters."""

from django.urls import path

from cityops.iot.views import alarms, deadletters, device, devices

app_name = "iot"
urlpatterns = [
    path("devices/", devices.devices, name="devices"),
    path("devices/export.csv", devices.devices_export, name="devices_export"),
    path("devices/map/", devices.device_map, name="device_map"),
    path("devices/points.json", devices.map_points, name="map_points"),
    path("devices/<str:code>/", device.device_detail, name="device"),
    path("devices/<str:code>/series.json", device.series, name="series"),
    path("alarms/", alarms.console, name="alarms"),
    path("alarms/export.csv", alarms.alarms_export, name="alarms_export"),
    path("alarms/<id:alarm_id>/", alarms.alarm_detail, name="alarm"),
    path("alarms/<id:alarm_id>/<str:action>/", alarms.alarm_act, name="alarm_act"),
    path("dead-letters/", deadletters.dead_letters, name="dead_letters"),
    path("dead-letters/export.csv", deadletters.dead_letters_export, name="dead_letters_export"),
    path("dead-letters/<id:pk>/", deadletters.dead_letter_detail, name="dead_letter"),
    path(
        "dead-letters/<id:pk>/resolve/",
        deadletters.dead_letter_mark_resolved,
        name="dead_letter_resolve",
    ),
]
