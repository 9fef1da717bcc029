"""Builders of the ratings' tests: the people of 好差评 and concluded applications at a given moment."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cityops.egov.applications.intake import apply
from cityops.egov.applications.services import ActionIn, application_act
from cityops.egov.ratings import listen
from cityops.egov.ratings.services import RatingIn, rating_give, rating_open
from tests.egov.conftest import draft

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(app, action, by, now, **data):
    return application_act(application=app, action=action, by=by, data=ActionIn(**data), now=now)


def concluded(clerk, now, *, code="SCJG-2", outcome="approve", channel="window", **applicant):
    """An application of an item done on the spot, received, checked and decided at ``now``."""
    app, _made = apply(
        data=draft(code, **applicant), channel=channel, by=None if channel == "kiosk" else clerk, now=now
    )
    app = act(app, "take", clerk, now)
    for m in app.materials.order_by("position"):
        app = act(app, "check", clerk, now, material=m.position, finding="ok")
    extra = {"reason_code": "not_eligible", "note": "不符合条件"} if outcome == "deny" else {}
    return act(app, "decide_on_the_spot", clerk, now, outcome=outcome, **extra)


def opened(clerk, now, now_open=None, **kw):
    """A concluded application's rating, opened at ``now`` (or later, at ``now_open``)."""
    rating, _made = rating_open(concluded(clerk, now, **kw), now=now_open or now)
    return rating


def rate(rating, level, now, source="online", problems=None, by=None, comment=""):
    if problems is None:
        problems = ["efficiency"] if level <= 2 and source != "window" else []
    return rating_give(
        rating=rating,
        data=RatingIn(level=level, problems=problems, comment=comment),
        source=source,
        by=by,
        now=now,
    )


@pytest.fixture(autouse=True)
def _listening():
    listen.connect()  # another module's test may have emptied the hook's listeners
