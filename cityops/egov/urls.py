"""Government service pages: the staff catalogue, the clerk's workbench and the dashboard under
/services/, the residents' applications under /apply/, the public kiosk under /kiosk/."""

from django.urls import path

from cityops.egov.views import apply, catalogue, dashboard, kiosk, rate, ratings, workbench

app_name = "egov"
urlpatterns = [
    path("", catalogue.item_list, name="items"),
    path("export.<str:fmt>", catalogue.item_export, name="items_export"),
    path("catalogue.xlsx", catalogue.workbook_export, name="workbook_export"),
    path("import/", catalogue.catalogue_import, name="import"),
    path("items/<str:code>/", catalogue.item_detail, name="item"),
    path("items/<str:code>/edit/", catalogue.item_edit, name="item_edit"),
    path("items/<str:code>/publish/", catalogue.item_publish, name="item_publish"),
    path("items/<str:code>/discard/", catalogue.item_discard, name="item_discard"),
    path("applications/", workbench.queue, name="applications"),
    path("applications/export.<str:fmt>", workbench.queue_export, name="applications_export"),
    path("applications/new/", workbench.new, name="application_new"),
    path("applications/drafts/<int:pk>/", workbench.draft, name="application_draft"),
    path("applications/<str:number>/", workbench.detail, name="application"),
    path("applications/<str:number>/<str:action>/", workbench.act, name="application_act"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.<str:fmt>", dashboard.dashboard_export, name="dashboard_export"),
    # 好差评
    path("rate/", rate.online, name="rate"),
    path("ratings/", ratings.figures, name="ratings"),
    path("ratings/figures.<str:fmt>", ratings.figures_export, name="rating_figures_export"),
    path("ratings/list/", ratings.rating_list, name="rating_list"),
    path("ratings/list.<str:fmt>", ratings.rating_export, name="rating_export"),
    path("ratings/window/", ratings.window_entry, name="rating_window"),
    path("ratings/follow-ups/", ratings.follow_up_list, name="rating_follow_ups"),
    path("ratings/follow-ups/<str:number>/", ratings.follow_up_detail, name="rating_follow_up"),
    path("ratings/follow-ups/<str:number>/act/", ratings.follow_up_act, name="rating_follow_up_act"),
    path("ratings/follow-ups/<str:number>/evidence/<int:pk>/", ratings.evidence_file, name="rating_evidence"),
]

apply_urlpatterns = (
    [
        path("", apply.mine, name="mine"),
        path("track/", apply.track, name="track"),
        path("items/<str:code>/", apply.start, name="start"),
        path("<int:pk>/", apply.application, name="application"),
        path("<int:pk>/withdraw/", apply.withdraw, name="withdraw"),
    ],
    "apply",
)

kiosk_urlpatterns = (
    [
        path("", kiosk.start, name="start"),
        path("search/", kiosk.results, name="search"),
        path("track/", kiosk.track, name="track"),
        path("departments/<str:code>/", kiosk.department, name="department"),
        path("items/<str:code>/", kiosk.item, name="item"),
        path("items/<str:code>/apply/", kiosk.apply, name="apply"),
        path("rate/", rate.kiosk, name="rate"),
    ],
    "kiosk",
)
