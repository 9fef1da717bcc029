"""GeoReport v2 URLs; the project mounts them at /open311/v2/. Every resource ends in .xml or .json."""

from django.urls import path, re_path

from cityops.cases.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("", views.discovery, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests_, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    path("photos/<id:pk>", views.photo, name="photo"),
    re_path(r"^(?P<path>.+)$", views.unknown, name="unknown"),
]
