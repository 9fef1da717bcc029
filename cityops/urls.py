from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path

from cityops.api import api


@login_required
def home(request):
    if request.user.can("geo.view"):
        return redirect("geo:map")
    return redirect("accounts:profile")


def healthz(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("map/", include("cityops.geo.urls")),
    path("accounts/", include("cityops.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
