"""The rating opened the moment an application is concluded: a listener of the applications' hook
(``applications.hooks``), registered in the app's ``ready``. It runs after the conclusion's commit, in
a transaction of its own; if it fails, the sweeper opens the rating within a minute."""

from cityops.egov.models import Application
from cityops.egov.ratings.services import rating_open


def application_concluded(application_id: int, status: str) -> None:
    app = Application.objects.filter(pk=application_id).first()
    if app is not None:
        rating_open(app)


def connect() -> None:
    from cityops.egov.applications import hooks

    hooks.on_concluded(application_concluded)
