"""The project's URLs plus Open311 at /open311/v2/ and its admin (until cityops.urls mounts them)."""

from django.contrib import admin
from django.urls import include, path

import cityops.cases.open311.admin  # noqa: F401 - registers Open311Client before the admin URLs are built
from cityops.urls import urlpatterns as project

urlpatterns = [
    path("admin/", admin.site.urls),
    path("open311/v2/", include("cityops.cases.open311.urls")),
    *project,
]
