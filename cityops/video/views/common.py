"""What the video pages share: the guard, paging, a missing object as a 404, scoped pictures, the
link to a channel's page, the project filter."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone

from cityops.core.errors import NotFound
from cityops.core.pages import pager, querystring, requires
from cityops.video.choices import Health
from cityops.video.models import Project

PAGE_SIZE = 50
EXPORT_CHUNK = 2000
ID_PLACEHOLDER = "00000000000000000000"


def video_page(action: str = "video.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def paged(qs, params) -> dict:
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    return pager(page, lambda **changes: querystring(params, **changes))


def or_404(read, **kwargs):
    try:
        return read(**kwargs)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def picture(data: bytes, content_type: str) -> HttpResponse:
    """A scoped picture: never cached by a shared cache, never sniffed as something else."""
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def channel_url(gb_id: str) -> str:
    """The channel's own page."""
    return reverse("video:channel", args=[gb_id])


def channel_url_template() -> str:
    """The channel page's address with ``__id__`` for the ID, for scripts that build links."""
    return channel_url(ID_PLACEHOLDER).replace(ID_PLACEHOLDER, "__id__")


def health_legend() -> list[dict]:
    return [{"value": h.value, "label": str(h.label), "colour": h.colour} for h in Health]


def project_choices() -> list[tuple[str, str]]:
    return list(Project.objects.order_by("code").values_list("code", "name"))


def chosen_project(request) -> str:
    code = request.GET.get("project", "")
    return code if code in dict(project_choices()) else ""


def today():
    return timezone.localdate()
