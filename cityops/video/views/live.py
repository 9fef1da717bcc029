"""The live view of a channel: hls.js playing the media server's HLS address, beside the last snapshot.

cityops does not transcode: ``CITYOPS_VIDEO_HLS_URL`` names the media server's address of a channel
(``{gb_id}`` and ``{stream}`` filled in). The block is ``video/partials/live.html``; the channel page
includes it, and ``/video/channels/<gb_id>/live/`` shows it alone.
"""

from django.http import Http404
from django.shortcuts import render

from cityops.video import selectors
from cityops.video.views.common import or_404, picture, video_page


@video_page("video.live")
def channel_live(request, gb_id: str):
    channel = or_404(selectors.live_channel, user=request.user, gb_id=gb_id)
    return render(request, "video/channel_live.html", {"channel": channel})


@video_page("video.live")
def channel_snapshot(request, gb_id: str):
    """The channel's last snapshot, for those who may watch it (never served from MEDIA directly)."""
    channel = or_404(selectors.live_channel, user=request.user, gb_id=gb_id)
    if not channel.snapshot:
        raise Http404("This channel has no snapshot yet.")
    try:
        with channel.snapshot.open("rb") as f:
            data = f.read()
    except OSError:
        raise Http404("The snapshot file is missing.") from None
    return picture(data, "image/png" if channel.snapshot.name.endswith(".png") else "image/jpeg")
