"""Government service pages: the staff catalogue under /services/, the public kiosk under /kiosk/."""

from django.urls import path

from cityops.egov.views import catalogue, kiosk, rate, ratings

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

kiosk_urlpatterns = (
    [
        path("", kiosk.start, name="start"),
        path("search/", kiosk.results, name="search"),
        path("departments/<str:code>/", kiosk.department, name="department"),
        path("items/<str:code>/", kiosk.item, name="item"),
        path("rate/", rate.kiosk, name="rate"),
    ],
    "kiosk",
)
