"""Video pages under /video/."""

from django.urls import path

from cityops.video.views import alerts, kitchens, live

app_name = "video"
urlpatterns = [
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/export.<str:fmt>", alerts.alerts_export, name="alerts_export"),
    path("alerts/<id:alert_id>/", alerts.alert_detail, name="alert"),
    path("alerts/<id:alert_id>/snapshot", alerts.alert_snapshot, name="alert_snapshot"),
    path("kitchens/", kitchens.kitchen_list, name="kitchens"),
    path("kitchens/<str:code>/", kitchens.kitchen_school, name="kitchen"),
    path("kitchens/<str:code>/report.xlsx", kitchens.kitchen_report, name="kitchen_report"),
    path("channels/<str:gb_id>/live/", live.channel_live, name="channel_live"),
    path("channels/<str:gb_id>/snapshot", live.channel_snapshot, name="channel_snapshot"),
]
