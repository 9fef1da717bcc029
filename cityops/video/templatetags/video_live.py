"""The live view's address of a channel, from the media server's URL template."""

from urllib.parse import quote

from django import template
from django.conf import settings

register = template.Library()
STREAMS = ("main", "sub")


@register.filter
def hls_url(channel, stream: str = "main") -> str:
    """``CITYOPS_VIDEO_HLS_URL`` with ``{gb_id}`` and ``{stream}`` filled in; "" when none is configured."""
    pattern = settings.CITYOPS_VIDEO_HLS_URL
    if not pattern or channel is None:
        return ""
    stream = stream if stream in STREAMS else "main"
    return pattern.replace("{gb_id}", quote(channel.gb_id, safe="")).replace("{stream}", stream)
