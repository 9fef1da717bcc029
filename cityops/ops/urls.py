"""The operations centre's pages under /ops/."""

from django.urls import path

from cityops.ops.views import reports

app_name = "ops"
urlpatterns = [
    path("reports/", reports.report_list, name="reports"),
    path("reports/generate/", reports.report_generate, name="report_generate"),
    path("reports/<int:pk>/row/", reports.report_progress, name="report_progress"),
    path("reports/<int:pk>/<str:fmt>/", reports.report_file, name="report_file"),
]
