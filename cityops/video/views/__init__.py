"""Video pages, one module a concept: ``overview`` (home and status wall), ``map``, ``rates``
(online-rate charts and the fault list), ``registry`` (channels, projects, the group tree) and
``imports`` (the upload, its dry run and the commit)."""
