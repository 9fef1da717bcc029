"""The operations centre's pages under /ops/."""

from django.urls import path

from cityops.ops.views import duty, emergency, events, insight, reports, screen

app_name = "ops"
urlpatterns = [
    path("duty/", duty.duty, name="duty"),
    path("duty/roster.xlsx", duty.roster_export, name="roster_export"),
    path("duty/import/", duty.roster_import, name="roster_import"),
    path("duty/handover/", duty.handover, name="handover"),
    path("duty/decisions/<int:pk>/", duty.decide, name="decide"),
    path("duty/<str:day>/<slug:code>/", duty.entry_edit, name="entry"),
    path("incidents/", emergency.incident_list, name="incidents"),
    path("incidents/new/", emergency.incident_raise, name="incident_raise"),
    path("incidents/<int:pk>/", emergency.incident_detail, name="incident"),
    path("incidents/<int:pk>/board/", emergency.task_board, name="incident_board"),
    path("incidents/<int:pk>/level/", emergency.incident_level, name="incident_level"),
    path("incidents/<int:pk>/plan/", emergency.plan_activate, name="incident_plan"),
    path("incidents/<int:pk>/note/", emergency.note_add, name="incident_note"),
    path("incidents/<int:pk>/close/", emergency.incident_close, name="incident_close"),
    path("incidents/<int:pk>/tasks/", emergency.task_add, name="incident_task_add"),
    path("incidents/<int:pk>/tasks/<int:task_pk>/", emergency.task_update, name="incident_task"),
    path("incidents/<int:pk>/resources/", emergency.resource_deploy, name="incident_deploy"),
    path("incidents/<int:pk>/report/", emergency.after_action_report, name="incident_report"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/generate/", reports.report_generate, name="report_generate"),
    path("reports/<int:pk>/row/", reports.report_progress, name="report_progress"),
    path("reports/<int:pk>/<str:fmt>/", reports.report_file, name="report_file"),
    path("insight/", insight.overview, name="insight"),
    path("insight/hotspots/", insight.hot_spots, name="insight_hotspots"),
    path("insight/hotspots/time/", insight.hot_spots_time, name="insight_hotspots_time"),
    path("insight/hotspots/grid/<str:code>/", insight.grid_in_time, name="insight_grid"),
    path("insight/places/", insight.recurring_places, name="insight_places"),
    path("insight/rankings/", insight.rankings, name="insight_rankings"),
    path("insight/forecast/", insight.forecast, name="insight_forecast"),
    path("insight/forecast/refresh/", insight.forecast_refresh, name="insight_forecast_refresh"),
    path("events", events.stream, name="events"),
    path("screen/", screen.screen_page, name="screen"),
    path("screen/figures.json", screen.figures, name="screen_figures"),
    path("screen/map.json", screen.map_data, name="screen_map"),
    path("screen/feed.json", screen.feed, name="screen_feed"),
]
