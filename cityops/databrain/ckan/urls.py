"""The CKAN Action API, mounted at /ckan/api/ (versioned and unversioned as CKAN has it)."""

from django.urls import path

from cityops.databrain.ckan import views

app_name = "ckan"

urlpatterns = [
    path("3/action/<str:name>", views.action, name="action3"),
    path("action/<str:name>", views.action, name="action"),
]
