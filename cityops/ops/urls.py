"""The operations centre's pages under /ops/."""

from django.urls import path

from cityops.ops.views import duty

app_name = "ops"
urlpatterns = [
    path("duty/", duty.duty, name="duty"),
    path("duty/roster.xlsx", duty.roster_export, name="roster_export"),
    path("duty/import/", duty.roster_import, name="roster_import"),
    path("duty/handover/", duty.handover, name="handover"),
    path("duty/decisions/<int:pk>/", duty.decide, name="decide"),
    path("duty/<str:day>/<slug:code>/", duty.entry_edit, name="entry"),
]
