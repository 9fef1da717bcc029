"""Data brain pages under /data/."""

from django.urls import path

from cityops.databrain.pulls import views as pulls
from cityops.databrain.sharing import views as sharing
from cityops.databrain.sync import views as sync
from cityops.databrain.views import catalogue, edit, loads, records

app_name = "databrain"
urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("export.<str:fmt>", catalogue.catalogue_export, name="catalogue_export"),
    path("new/", edit.resource_new, name="resource_new"),
    path("resources/<str:code>/", catalogue.resource_detail, name="resource"),
    path("resources/<str:code>/edit/", edit.resource_edit, name="resource_edit"),
    path("resources/<str:code>/withdraw/", edit.resource_withdraw, name="resource_withdraw"),
    path("resources/<str:code>/reinstate/", edit.resource_reinstate, name="resource_reinstate"),
    path("resources/<str:code>/versions/", catalogue.resource_versions, name="resource_versions"),
    path("resources/<str:code>/load/", loads.load_new, name="load_new"),
    path("loads/<int:load_id>/", loads.load_detail, name="load"),
    path("loads/<int:load_id>/progress/", loads.load_progress, name="load_progress"),
    path("resources/<str:code>/pulls/", pulls.pull_list, name="pulls"),
    path("resources/<str:code>/pulls/new/", pulls.pull_edit, name="pull_new"),
    path("resources/<str:code>/pulls/<int:pull_id>/", pulls.pull_edit, name="pull_edit"),
    path("resources/<str:code>/pulls/<int:pull_id>/run/", pulls.pull_now, name="pull_now"),
    path("resources/<str:code>/records/", records.record_list, name="records"),
    path("resources/<str:code>/records.<str:fmt>", records.record_export, name="records_export"),
    path("sharing/", sharing.request_list, name="share_requests"),
    path("sharing/new/", sharing.request_new, name="share_request_new"),
    path("sharing/approvals/", sharing.approval_list, name="share_approvals"),
    path("sharing/requests/<int:request_id>/", sharing.request_detail, name="share_request"),
    path("sharing/consumers/", sharing.consumer_list, name="consumers"),
    path("sharing/consumers/<str:code>/", sharing.consumer_detail, name="consumer"),
    path("sharing/consumers/<str:code>/edit/", sharing.consumer_edit, name="consumer_edit"),
    path("sharing/usage/", sharing.usage, name="usage"),
    path("sharing/usage.<str:fmt>", sharing.usage_export, name="usage_export"),
    path("sync/", sync.sync_status, name="sync"),
    path("sync/<str:action>/", sync.sync_action, name="sync_action"),
]
