"""What the video pages share: access, paging, and turning a missing object into a 404."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse

from cityops.core.errors import NotFound
from cityops.core.pages import pager, querystring, requires

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


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
