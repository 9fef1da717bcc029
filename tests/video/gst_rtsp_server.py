"""A real RTSP server for the integration tests: GStreamer's gst-rtsp-server serving a test pattern.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0), not the project's venv:
    gst_rtsp_server.py PORT [USER PASSWORD]
It serves rtsp://127.0.0.1:PORT/test (H.264) and /audio (an audio-only stream), prints "ready" when
it listens, and with USER and PASSWORD asks for Digest authentication.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

VIDEO = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! rtph264pay name=pay0 pt=96 )"
)
AUDIO = "( audiotestsrc is-live=true ! mulawenc ! rtppcmupay name=pay0 pt=0 )"


def main():
    Gst.init(None)
    port = sys.argv[1]
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    mounts = server.get_mount_points()
    for path, launch in (("/test", VIDEO), ("/audio", AUDIO)):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        if len(sys.argv) > 3:
            perms = GstRtspServer.RTSPPermissions()
            perms.add_permission_for_role("user", "media.factory.access", True)
            perms.add_permission_for_role("user", "media.factory.construct", True)
            factory.set_permissions(perms)
        mounts.add_factory(path, factory)
    if len(sys.argv) > 3:
        auth = GstRtspServer.RTSPAuth()
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_digest(sys.argv[2], sys.argv[3], token)
        server.set_auth(auth)
    if server.attach(None) == 0:
        print("cannot listen", flush=True)
        sys.exit(1)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
