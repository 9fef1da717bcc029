from django.urls import path

from cityops.geo import views

app_name = "geo"
urlpatterns = [path("", views.town_map, name="map")]
