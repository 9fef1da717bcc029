"""Video pages under /video/."""

from django.urls import path

from cityops.video.views import imports, registry

app_name = "video"
urlpatterns = [
    path("channels/", registry.channels, name="channels"),
    path("channels/export.<str:fmt>", registry.channels_export, name="channels_export"),
    path("channels/import/", imports.registry_import_page, name="registry_import"),
    path("channels/<str:gb_id>/", registry.channel_detail, name="channel"),
    path("projects/", registry.projects, name="projects"),
    path("projects/<str:code>/", registry.project_detail, name="project"),
    path("groups/", registry.groups, name="groups"),
]
