"""The weekly forecast: its MAPE by hand and on held-out weeks only, too little history said (no
curve), the warning on a planted surge and not otherwise, the job (weekly and on request), scope."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone, translation

from cityops.core.screen import TOWN, Unit, figures
from cityops.geo.models import Grid, Village
from cityops.ops import tasks
from cityops.ops.insight import model
from cityops.ops.insight.forecast import forecast_all, forecast_request, last_complete_week
from cityops.ops.models import ForecastPoint, ForecastSeries
from tests.ops.insight_data import stat

pytestmark = pytest.mark.django_db


def test_mape_by_hand():
    # |10-12|/10 = 0.2, |20-15|/20 = 0.25, a week without cases has no percentage, 40 exact: 0
    assert model.mape([10, 20, 0, 40], [12, 15, 5, 40]) == (pytest.approx(15.0), 3)
    assert model.mape([0, 0], [1, 2]) == (None, 0)


def _weeks(n):
    return [timezone.localdate() - timedelta(weeks=n - k) for k in range(n + model.HORIZON)]


def _steady(n, level=50):
    return [level + (k * 7) % 11 - 5 for k in range(n)]


def test_the_mape_is_of_held_out_weeks_predicted_from_the_weeks_before_only():
    n = 30
    y, mondays = _steady(n), _weeks(n)
    fit = model.fit_series(y, mondays, lambda d: d.weekday() < 5)
    assert fit.status == "ok" and len(fit.holdout) == model.HOLDOUT
    assert (fit.mape, fit.mape_weeks) == model.mape(y[-model.HOLDOUT :], fit.holdout)
    # the held-out weeks themselves do not move their predictions
    changed = y[: n - model.HOLDOUT] + [v * 3 for v in y[n - model.HOLDOUT :]]
    again = model.fit_series(changed, mondays, lambda d: d.weekday() < 5)
    assert np.allclose(again.holdout, fit.holdout)
    assert again.mape > 60
    assert again.mape == pytest.approx(model.mape(changed[-model.HOLDOUT :], fit.holdout)[0])


@pytest.mark.parametrize("value", [0, 7])
def test_a_history_that_never_changed_is_its_own_forecast_without_spread(value):
    n = 30
    fit = model.fit_series([value] * n, _weeks(n), lambda d: d.weekday() < 5)
    assert fit.status == "ok" and fit.method == model.FLAT and fit.weeks == n
    assert fit.future.mean == fit.future.lower == fit.future.upper == [value] * model.HORIZON
    assert fit.last.upper == [value] and len(fit.recent.mean) == model.RECENT
    assert fit.holdout == [value] * model.HOLDOUT
    assert fit.mape == (0.0 if value else None)
    with translation.override("zh-hans"):
        assert "No model" not in model.describe(fit.method)
    # one week off the value is outside the interval: a sudden change is seen at once
    moved = model.fit_series([value] * (n - 1) + [value + 5], _weeks(n), lambda d: d.weekday() < 5)
    assert moved.method != model.FLAT and moved.last.upper[0] < value + 5


def test_a_short_history_gives_no_forecast_but_a_reason(town):
    last = last_complete_week(timezone.localdate())
    g1 = Grid.objects.get(code="G1")
    for k in range(10):
        stat(last - timedelta(weeks=k), g1, 40)
    forecast_all()
    town_series = ForecastSeries.objects.get(key="town")
    assert town_series.status == "short"
    assert (
        town_series.message == "Too little history for a forecast: 10 complete weeks, at least 12 are needed"
    )
    with translation.override("zh-hans"):  # said in the reader's language, whatever the job's was
        assert "12" in town_series.message and "Too little" not in town_series.message
    assert not ForecastPoint.objects.filter(forecast__isnull=False).exists()
    assert not ForecastSeries.objects.filter(warning=True).exists()


def _history(surge: int | None, weeks=30):
    last = last_complete_week(timezone.localdate())
    g1, g7 = Grid.objects.get(code="G1"), Grid.objects.get(code="G7")
    for k, n in enumerate(_steady(weeks)):
        monday = last - timedelta(weeks=weeks - 1 - k)
        stat(monday, g1, surge if surge is not None and monday == last else n)
        stat(monday, g7, n)


def test_a_planted_surge_raises_the_warning_there_only(town, users):
    _history(surge=200)
    state = forecast_all()
    v1 = ForecastSeries.objects.get(key="village:V1")
    assert v1.status == "ok" and v1.weeks == 30 and v1.last_actual == 200
    assert v1.warning and v1.last_upper < 200
    assert v1.mape is not None and v1.mape_weeks == model.HOLDOUT
    warned = set(ForecastSeries.objects.filter(warning=True).values_list("key", flat=True))
    assert warned == {"town", "group:E01", "area:A1", "village:V1"}
    assert v1.points.filter(forecast__isnull=False, week__gt=state.last_week).count() == model.HORIZON
    # on the big screen: the town's officer sees it; V4's dispatcher does not
    panel = [p for p in figures(users["officer"], TOWN) if p["key"] == "ops.forecast_warning"][0]
    assert panel["data"]["warnings"] == 4
    v4 = Village.objects.get(code="V4")
    unit = Unit("village", v4.pk, v4.code, v4.name)
    assert not [p for p in figures(users["dispatcher_v4"], unit) if p["key"] == "ops.forecast_warning"]


def test_no_surge_no_warning(town, users):
    _history(surge=None)
    forecast_all()
    assert ForecastSeries.objects.filter(status="ok").count() == ForecastSeries.objects.count()
    assert not ForecastSeries.objects.filter(warning=True).exists()
    assert not [p for p in figures(users["officer"], TOWN) if p["key"] == "ops.forecast_warning"]


def test_the_job_runs_once_a_week_and_on_request(town, users):
    _history(surge=None, weeks=14)
    assert tasks.forecast().startswith("forecast to week")
    assert tasks.forecast() == ""  # nothing new
    forecast_request(by=users["officer"])
    assert tasks.forecast().startswith("forecast to week")
    assert tasks.forecast() == ""


def test_a_village_dispatcher_sees_their_village_only(client, town, users):
    _history(surge=200)
    forecast_all()
    client.force_login(users["dispatcher_v1"])
    page = client.get("/ops/insight/forecast/")
    assert page.status_code == 200
    assert [s.key for s in page.context["series"]] == ["village:V1"]
    assert b"forecast-chart" in page.content and b"Above forecast" in page.content
    assert client.get("/ops/insight/forecast/?series=village:V4").status_code == 404
    assert client.get("/ops/insight/forecast/?series=town").status_code == 404
    client.force_login(users["officer"])
    keys = [s.key for s in client.get("/ops/insight/forecast/").context["series"]]
    assert keys[0] == "town" and "village:V4" in keys and "area:A1" in keys


def test_two_years_bring_the_yearly_season():
    import math

    n = 120
    mondays = _weeks(n)
    y = [
        round(100 + 30 * math.sin(2 * math.pi * m.timetuple().tm_yday / 365.25) + (k * 7) % 5)
        for k, m in enumerate(mondays[:n])
    ]
    fit = model.fit_series(y, mondays, lambda d: d.weekday() < 5)
    assert "yearly Fourier" in fit.method
    assert fit.mape < 10
    shorter = model.fit_series(y[-60:], mondays[n - 60 :], lambda d: d.weekday() < 5)
    assert "yearly" not in shorter.method


def _this_week():
    """The Monday after the last complete week and its Thursday (three complete days: Mon–Wed)."""
    monday = last_complete_week(timezone.localdate()) + timedelta(weeks=1)
    return monday, monday + timedelta(days=3)


def test_the_current_week_is_checked_pro_rata(town, users):
    from cityops.ops.insight.current import day_weights, week_share
    from cityops.ops.insight.selectors import current_week

    _history(surge=None)
    monday, thursday = _this_week()
    forecast_all(today=thursday)
    g1 = Grid.objects.get(code="G1")
    for k in range(3):
        stat(monday + timedelta(days=k), g1, 50)  # 150 in three days: three weeks' worth
    stat(thursday, g1, 500)  # today is not over: not counted yet
    rows = {p.series.key: p for p in current_week(user=users["officer"], today=thursday)}
    v1, v4 = rows["village:V1"], rows["village:V4"]
    share = week_share(monday, thursday - timedelta(days=1), day_weights(monday))
    assert (v1.days, v1.actual, v1.share) == (3, 150, pytest.approx(share))
    assert 0 < share < 1
    # the week's spread scaled to the share, and the binomial split of a week's cases on its days
    sigma = (v1.upper - v1.forecast) / 1.959964
    spread = (share * sigma) ** 2 + share * (1 - share) * v1.forecast
    assert v1.limit == pytest.approx(v1.forecast * share + 1.959964 * spread**0.5)
    assert v1.upper * share < v1.limit < v1.upper
    assert v1.warning and not v4.warning and v4.actual == 0
    assert {k for k, p in rows.items() if p.warning} == {"town", "group:E01", "area:A1", "village:V1"}
    # V1's dispatcher sees their village only; the screen's panel tells the running week
    assert [p.series.key for p in current_week(user=users["dispatcher_v1"], today=thursday)] == ["village:V1"]
    # on Monday no day of the week has ended yet: nothing is said
    assert current_week(user=users["officer"], today=monday) == []


def test_a_quiet_current_week_and_the_screen(town, users, monkeypatch):
    from cityops.ops.insight.selectors import current_week

    _history(surge=None)
    monday, thursday = _this_week()
    forecast_all(today=thursday)
    g1 = Grid.objects.get(code="G1")
    for k in range(3):
        stat(monday + timedelta(days=k), g1, 8)
    assert not [p for p in current_week(user=users["officer"], today=thursday) if p.warning]
    stat(monday, g1, 200)
    monkeypatch.setattr(timezone, "localdate", lambda *a: thursday)
    panel = [p for p in figures(users["officer"], TOWN) if p["key"] == "ops.forecast_warning"][0]["data"]
    assert panel["warnings"] == 0 and panel["this_week"] == 4
    assert panel["items"][0]["label"] == "Whole town · this week, 3 days"


def test_too_little_history_gives_no_current_warning_and_says_so(client, town, users):
    from cityops.ops.insight.selectors import current_week

    last = last_complete_week(timezone.localdate())
    g1 = Grid.objects.get(code="G1")
    for k in range(10):
        stat(last - timedelta(weeks=k), g1, 40)
    monday, thursday = _this_week()
    forecast_all(today=thursday)
    stat(monday, g1, 400)
    assert current_week(user=users["officer"], today=thursday) == []
    client.force_login(users["officer"])
    page = client.get("/ops/insight/").content.decode()
    assert 'data-testid="insight-short"' in page and "have too little history for a forecast" in page


def test_the_model_is_described_in_the_readers_language(client, town, users):
    from django.utils import translation

    _history(surge=None)
    forecast_all()
    client.force_login(users["officer"])
    page = client.get("/ops/insight/forecast/?series=town").content.decode()
    assert "Regression with AR(1) errors and a constant; regressor: the working days of each week" in page
    assert "SARIMAX" not in page
    with translation.override("zh-hans"):
        assert model.describe(model.method_name(False)).startswith("带 AR(1) 误差")
    assert model.describe("something else") == "something else"


def test_the_recent_weeks_are_each_checked_one_step_ahead(client, town, users):
    from cityops.ops.insight.selectors import recent_warnings

    _history(surge=None)
    last = last_complete_week(timezone.localdate())
    g1 = Grid.objects.get(code="G1")
    stat(last - timedelta(weeks=2), g1, 200)  # a surge two weeks before the last complete one
    state = forecast_all()
    v1 = ForecastSeries.objects.get(key="village:V1")
    assert not v1.warning  # the last complete week was an ordinary one
    checked = v1.points.filter(week__lte=state.last_week, upper__isnull=False).order_by("week")
    assert [p.week for p in checked] == [last - timedelta(weeks=k) for k in range(model.RECENT - 1, -1, -1)]
    warned = recent_warnings(user=users["officer"])
    assert {(p.series.key, p.week) for p in warned} == {
        (k, last - timedelta(weeks=2)) for k in ("town", "group:E01", "area:A1", "village:V1")
    }
    assert recent_warnings(user=users["dispatcher_v4"]) == []
    client.force_login(users["officer"])
    page = client.get("/ops/insight/")
    assert len(page.context["earlier"]) == 4
    assert f"the week of {last - timedelta(weeks=2):%Y-%m-%d} brought" in page.content.decode()


def test_the_last_week_is_forecast_as_before():
    n = 30
    y, mondays = _steady(n), _weeks(n)
    fit = model.fit_series(y, mondays, lambda d: d.weekday() < 5)
    x = model.regressors(mondays, lambda d: d.weekday() < 5, False)
    alone = model.predict(y[:-1], x[: n - 1], x[n - 1 : n])
    assert np.allclose([fit.last.mean[0], fit.last.upper[0]], [alone.mean[0], alone.upper[0]])
    assert len(fit.recent.mean) == model.RECENT and fit.recent.mean[-1] == fit.last.mean[0]
