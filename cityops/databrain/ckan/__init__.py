"""A subset of the CKAN Action API (``/ckan/api/3/action/<name>``) over the data brain's catalogue and
record tables, so that CKAN clients (ckanapi, open-data portals' harvesters, notebooks) read it as
they read a CKAN site. Read-only: every action here is one of CKAN's ``get`` actions."""
