from django.urls import path

from cityops.core import views

app_name = "core"

urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("export.csv", views.jobs_export, name="jobs_export"),
]
