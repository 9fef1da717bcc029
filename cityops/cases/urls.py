"""Pages of grid governance under /cases/ (staff) and /report/ (residents, public)."""

from django.urls import path

from cityops.cases.views import case, desk, kpis, phone, public, workbench

app_name = "cases"
urlpatterns = [
    path("", workbench.workbench, name="workbench"),
    path("export/", workbench.export, name="export"),
    path("bulk/", workbench.bulk, name="bulk"),
    path("dept/", desk.department, name="dept"),
    path("map/", desk.case_map, name="map"),
    path("map/points.json", desk.map_points, name="map_points"),
    path("inbox/", desk.inbox, name="inbox"),
    path("inbox/read/", desk.inbox_read, name="inbox_read"),
    path("inbox/badge/", desk.inbox_badge, name="inbox_badge"),
    path("kpis/", kpis.kpis, name="kpis"),
    path("items/", phone.items, name="items"),
    path("m/", phone.report, name="phone_report"),
    path("m/tasks/", phone.tasks, name="phone_tasks"),
    path("m/patrol/", phone.patrol, name="phone_patrol"),
    path("m/reports/", phone.my_reports, name="phone_reports"),
    path("m/case/<str:number>/", phone.phone_case, name="phone_case"),
    path("<str:number>/", case.detail, name="detail"),
    path("<str:number>/act/", case.act, name="act"),
    path("<str:number>/photos/<id:pk>/", case.photo, name="photo"),
    path("<str:number>/photos/<id:pk>/thumb/", case.thumbnail, name="thumbnail"),
]

# The public pages of residents, included at /report/ by the project's urls.
public_urlpatterns = (
    [
        path("", public.report, name="report"),
        path("items/", public.items, name="items"),
        path("grids.json", public.grids, name="grids"),
        path("track/", public.track, name="track"),
        path("mine/", public.mine, name="mine"),
    ],
    "report",
)
