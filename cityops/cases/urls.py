"""Pages of grid governance under /cases/ (staff) and /report/ (residents, public)."""

from django.urls import path

from cityops.cases import views_case, views_desk, views_kpis, views_phone, views_public, views_workbench

app_name = "cases"
urlpatterns = [
    path("", views_workbench.workbench, name="workbench"),
    path("export/", views_workbench.export, name="export"),
    path("bulk/", views_workbench.bulk, name="bulk"),
    path("dept/", views_desk.department, name="dept"),
    path("map/", views_desk.case_map, name="map"),
    path("map/points.json", views_desk.map_points, name="map_points"),
    path("inbox/", views_desk.inbox, name="inbox"),
    path("inbox/read/", views_desk.inbox_read, name="inbox_read"),
    path("inbox/badge/", views_desk.inbox_badge, name="inbox_badge"),
    path("kpis/", views_kpis.kpis, name="kpis"),
    path("items/", views_phone.items, name="items"),
    path("m/", views_phone.report, name="phone_report"),
    path("m/tasks/", views_phone.tasks, name="phone_tasks"),
    path("m/patrol/", views_phone.patrol, name="phone_patrol"),
    path("m/reports/", views_phone.my_reports, name="phone_reports"),
    path("m/case/<str:number>/", views_phone.phone_case, name="phone_case"),
    path("<str:number>/", views_case.detail, name="detail"),
    path("<str:number>/act/", views_case.act, name="act"),
    path("<str:number>/photos/<id:pk>/", views_case.photo, name="photo"),
    path("<str:number>/photos/<id:pk>/thumb/", views_case.thumbnail, name="thumbnail"),
]

# The public pages of residents, included at /report/ by the project's urls.
public_urlpatterns = (
    [
        path("", views_public.report, name="report"),
        path("items/", views_public.items, name="items"),
        path("grids.json", views_public.grids, name="grids"),
        path("track/", views_public.track, name="track"),
        path("mine/", views_public.mine, name="mine"),
    ],
    "report",
)
