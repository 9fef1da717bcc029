"""IoT pages under /iot/: devices and their charts, the alarm console, dead letters."""

from django.urls import path

from cityops.iot import views, views_alarms, views_deadletters, views_device

app_name = "iot"
urlpatterns = [
    path("devices/", views.devices, name="devices"),
    path("devices/export.csv", views.devices_export, name="devices_export"),
    path("devices/map/", views.device_map, name="device_map"),
    path("devices/points.json", views.map_points, name="map_points"),
    path("devices/<str:code>/", views_device.device_detail, name="device"),
    path("devices/<str:code>/series.json", views_device.series, name="series"),
    path("alarms/", views_alarms.console, name="alarms"),
    path("alarms/export.csv", views_alarms.alarms_export, name="alarms_export"),
    path("alarms/<id:alarm_id>/", views_alarms.alarm_detail, name="alarm"),
    path("alarms/<id:alarm_id>/<str:action>/", views_alarms.alarm_act, name="alarm_act"),
    path("dead-letters/", views_deadletters.dead_letters, name="dead_letters"),
    path("dead-letters/export.csv", views_deadletters.dead_letters_export, name="dead_letters_export"),
    path("dead-letters/<id:pk>/", views_deadletters.dead_letter_detail, name="dead_letter"),
    path(
        "dead-letters/<id:pk>/resolve/",
        views_deadletters.dead_letter_mark_resolved,
        name="dead_letter_resolve",
    ),
]
