"""The core's pages: the background jobs page and the error pages every app shares."""

from cityops.core.views.errors import csrf_failure, page_not_found, permission_denied, server_error
from cityops.core.views.jobs import jobs, jobs_export

__all__ = ["csrf_failure", "jobs", "jobs_export", "page_not_found", "permission_denied", "server_error"]
