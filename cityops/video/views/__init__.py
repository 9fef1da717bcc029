"""Video pages, one module a concept: ``overview`` (home and status wall), ``map``, ``rates``
(online-rate charts and the fault list), ``registry`` (channels, projects, the group tree),
``imports`` (the upload, its dry run and the commit), ``alerts`` (AI alerts), ``kitchens`` (bright
kitchens) and ``live`` (the live view and the last snapshot)."""
