from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from cityops.api import api
from cityops.cases.urls import public_urlpatterns as report_urls
from cityops.egov.urls import apply_urlpatterns, kiosk_urlpatterns


@login_required
def home(request):
    """Each role lands where its work is."""
    role = request.user.role
    if role == "inspector":
        return redirect("cases:phone_tasks")
    if role == "department_handler":
        return redirect("cases:dept")
    if role in ("dispatcher", "duty_officer"):
        return redirect("cases:workbench")
    if role == "resident":
        return redirect("report:mine")
    if role == "food_safety":
        return redirect("video:kitchens")
    if role == "window_clerk":
        return redirect("egov:applications")
    if role == "security_officer":
        return redirect("security:incidents")
    if request.user.can("geo.view"):
        return redirect("geo:map")
    return redirect("accounts:profile")


def favicon(request):
    """Browsers and clients that ask /favicon.ico (a JSON page, a bookmark) get the site's icon."""
    return redirect(static("cityops/favicon.ico"))


def healthz(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("map/", include("cityops.geo.urls")),
    path("accounts/", include("cityops.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("cases/", include("cityops.cases.urls")),
    path("report/", include(report_urls)),
    path("open311/v2/", include("cityops.cases.open311.urls")),
    path("sta/v1.1/", include("cityops.iot.sta.urls")),
    path("iot/", include("cityops.iot.urls")),
    path("video/", include("cityops.video.urls")),
    path("data/", include("cityops.databrain.urls")),
    path("ckan/api/", include("cityops.databrain.ckan.urls")),
    path("services/", include("cityops.egov.urls")),
    path("kiosk/", include(kiosk_urlpatterns)),
    path("apply/", include(apply_urlpatterns)),
    path("ops/", include("cityops.ops.urls")),
    path("security/", include("cityops.security.urls")),
    path("jobs/", include("cityops.core.urls")),
    path("audit/", include("cityops.audit.urls")),
]

# Error pages in the site's shell and the user's language; JSON problem details under the API prefixes.
handler404 = "cityops.core.views.page_not_found"
handler403 = "cityops.core.views.permission_denied"
handler500 = "cityops.core.views.server_error"
