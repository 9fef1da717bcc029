"""Video pages under /video/."""

from django.urls import path

from cityops.video.views import edit, imports, registry

app_name = "video"
urlpatterns = [
    path("channels/", registry.channels, name="channels"),
    path("channels/export.<str:fmt>", registry.channels_export, name="channels_export"),
    path("channels/import/", imports.registry_import_page, name="registry_import"),
    path("channels/<str:gb_id>/", registry.channel_detail, name="channel"),
    path("channels/<str:gb_id>/edit/", edit.channel_edit, name="channel_edit"),
    path("channels/<str:gb_id>/build/", edit.channel_build, name="channel_build"),
    path("sites/<str:code>/", registry.site_detail, name="site"),
    path("sites/<str:code>/edit/", edit.site_edit, name="site_edit"),
    path("projects/", registry.projects, name="projects"),
    path("projects/<str:code>/", registry.project_detail, name="project"),
    path("groups/", registry.groups, name="groups"),
]
