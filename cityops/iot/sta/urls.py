"""URLs of the SensorThings API v1.1, mounted at /sta/v1.1/."""

from django.urls import path, re_path

from cityops.iot.sta import views

app_name = "sta"

urlpatterns = [
    path("", views.service_root, name="root"),
    path("$batch", views.batch_requests, name="batch"),
    path("CreateObservations", views.create_observations, name="create_observations"),
    re_path(r"^(?P<path>.+)$", views.resource, name="resource"),
]
