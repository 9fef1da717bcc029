"""Video pages, one module a concept: ``registry`` (channels, projects, the group tree) and
``registry_import`` (the upload, its dry run and the commit)."""
