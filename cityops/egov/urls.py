"""Government service pages: the staff catalogue under /services/, the public kiosk under /kiosk/."""

from django.urls import path

from cityops.egov.views import catalogue, kiosk

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
]

kiosk_urlpatterns = (
    [
        path("", kiosk.start, name="start"),
        path("search/", kiosk.results, name="search"),
        path("departments/<str:code>/", kiosk.department, name="department"),
        path("items/<str:code>/", kiosk.item, name="item"),
    ],
    "kiosk",
)
