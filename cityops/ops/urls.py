"""The operations centre's pages under /ops/."""

from django.urls import path

from cityops.ops.views import events, screen

app_name = "ops"
urlpatterns = [
    path("events", events.stream, name="events"),
    path("screen/", screen.screen_page, name="screen"),
    path("screen/figures.json", screen.figures, name="screen_figures"),
    path("screen/map.json", screen.map_data, name="screen_map"),
    path("screen/feed.json", screen.feed, name="screen_feed"),
]
