from django.urls import path

from cityops.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("export.<str:fmt>", views.trail_export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("verify/request/", views.verify_request, name="verify_request"),
]
