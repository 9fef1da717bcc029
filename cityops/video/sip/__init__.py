"""The GB/T 28181 access point: SIP messages (message), digest authentication (digest), MANSCDP
bodies (manscdp), what it writes (devices) and the UDP/TCP server (server). docs/video-sip.md."""
