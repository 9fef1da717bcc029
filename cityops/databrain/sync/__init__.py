"""Upstream sync of the data brain to the city-level platform: change capture into an outbox
(``capture``), the pusher and its HTTP client (``pusher``, ``client``), the steward's controls
(``services``), the status and the log (``selectors``) and the sync status page (``views``)."""
