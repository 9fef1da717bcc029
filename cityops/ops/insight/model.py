"""The weekly forecast model and its accuracy, apart from the database so it can be checked by hand.

A linear regression with AR(1) errors (statsmodels' SARIMAX, order (1, 0, 0), with a constant): the
regressors are the working days of each week from the town's holiday calendar (a Spring Festival
week has few) and, with two years of history or more, yearly seasonality as Fourier terms of the
week's day of the year. The accuracy is the MAPE over the last ``HOLDOUT`` complete weeks,
predicted by the same model fitted on the weeks before them only."""

import math
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from cityops.ops.choices.forecast import HOLDOUT, MIN_WEEKS

HORIZON = 8  # weeks forecast ahead
SEASONAL_WEEKS = 104  # two years: enough to see a yearly season twice
FOURIER = 2  # yearly harmonics
ALPHA = 0.05  # a 95 % prediction interval
RECENT = 4  # complete weeks each checked against its one-step-ahead forecast


@dataclass
class Prediction:
    mean: list[float]
    lower: list[float]
    upper: list[float]


@dataclass
class Fit:
    status: str  # ok, short, failed
    method: str = ""
    weeks: int = 0
    holdout: list[float] = field(default_factory=list)  # predictions of the last HOLDOUT weeks
    mape: float | None = None  # per cent
    mape_weeks: int = 0
    last: Prediction | None = None  # the last complete week, forecast from the weeks before it
    recent: Prediction | None = None  # the last RECENT complete weeks, each one step ahead
    future: Prediction | None = None  # the HORIZON weeks after the last complete week


def mape(actual, predicted) -> tuple[float | None, int]:
    """Mean absolute percentage error in per cent over the weeks with cases (a week with none has
    no percentage), and how many weeks it took; None when no week had cases."""
    terms = [abs(a - p) / a for a, p in zip(actual, predicted, strict=True) if a > 0]
    return (100 * sum(terms) / len(terms), len(terms)) if terms else (None, 0)


def regressors(mondays: list[date], working_days, seasonal: bool) -> np.ndarray:
    """One row per week: its working days and, when ``seasonal``, sin/cos of its day of the year."""
    rows = []
    for monday in mondays:
        row = [float(sum(working_days(monday + timedelta(days=d)) for d in range(7)))]
        if seasonal:
            angle = 2 * math.pi * (monday.timetuple().tm_yday / 365.25)
            for k in range(1, FOURIER + 1):
                row += [math.sin(k * angle), math.cos(k * angle)]
        rows.append(row)
    return np.array(rows, dtype=float)


def method_name(seasonal: bool) -> str:
    """The model's stored name (a fixed identifier; ``describe`` gives it in the reader's language)."""
    regs = "working days" + (f", yearly Fourier K={FOURIER}" if seasonal else "")
    return f"SARIMAX(1,0,0) + constant; regressors: {regs}"


FLAT = "constant: the history never changed"


def describe(method: str) -> str:
    """A stored model name in the reader's language (an unknown one as it is)."""
    from django.utils.translation import gettext as _

    if method == FLAT:
        return _("No model: every week of the history had the same count, which is the forecast")
    if method == method_name(False):
        return _("Regression with AR(1) errors and a constant; regressor: the working days of each week")
    if method == method_name(True):
        return _(
            "Regression with AR(1) errors and a constant; regressors: the working days of each week and "
            "the yearly season (Fourier terms, K=%(k)d)"
        ) % {"k": FOURIER}
    return method


def _fitted(y: list[float], x: np.ndarray):
    """The model fitted on ``y``; a regressor constant over the fitted weeks says nothing and is left
    out (it would be collinear with the constant)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    keep = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0]
    exog = x[:, keep] if keep else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the MAPE beside it tells the quality
        result = SARIMAX(np.asarray(y, dtype=float), exog=exog, order=(1, 0, 0), trend="c").fit(disp=False)
    return result, keep


def _prediction(mean, bounds) -> Prediction:
    mean, bounds = np.asarray(mean, dtype=float), np.asarray(bounds, dtype=float)
    if not np.all(np.isfinite(mean)) or not np.all(np.isfinite(bounds)):
        raise ArithmeticError("the model gave no finite forecast")
    # a count is never below zero
    return Prediction(
        mean=[max(0.0, float(v)) for v in mean],
        lower=[max(0.0, float(v)) for v in bounds[:, 0]],
        upper=[max(0.0, float(v)) for v in bounds[:, 1]],
    )


def predict(y: list[float], x: np.ndarray, x_ahead: np.ndarray) -> Prediction:
    """Fit on ``y`` with regressors ``x`` and forecast the rows of ``x_ahead`` with a 95 % interval."""
    result, keep = _fitted(y, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ahead = result.get_forecast(steps=len(x_ahead), exog=x_ahead[:, keep] if keep else None)
    return _prediction(ahead.predicted_mean, ahead.conf_int(alpha=ALPHA))


def predict_recent(y: list[float], x: np.ndarray, weeks: int) -> Prediction:
    """The last ``weeks`` weeks of ``y``, each forecast one step ahead with a 95 % interval by the
    model fitted on every week before the last: the last week out of sample, the weeks before it by
    the model's one-step predictions (each from the weeks before it; the model's parameters are
    those of the one fit)."""
    n = len(y)
    result, keep = _fitted(y[:-1], x[: n - 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ahead = result.get_forecast(steps=1, exog=x[n - 1 : n, keep] if keep else None)
        mean, bounds = [ahead.predicted_mean], [ahead.conf_int(alpha=ALPHA)]
        if weeks > 1:
            inside = result.get_prediction(start=n - weeks, end=n - 2)
            mean.insert(0, inside.predicted_mean)
            bounds.insert(0, inside.conf_int(alpha=ALPHA))
    return _prediction(np.concatenate(mean), np.concatenate(bounds))


def fit_series(y: list[int], mondays: list[date], working_days) -> Fit:
    """Forecast, held-out accuracy and last-week check of one weekly series (oldest week first;
    ``mondays`` also holds the HORIZON weeks ahead)."""
    n = len(y)
    if n < MIN_WEEKS:
        return Fit("short", weeks=n)
    if min(y) == max(y):
        return _flat_fit(y, len(mondays) - n)
    seasonal = n >= SEASONAL_WEEKS
    x = regressors(mondays, working_days, seasonal)
    fit = Fit("ok", method=method_name(seasonal), weeks=n)
    fit.future = predict(y, x[:n], x[n:])
    if n - 1 >= MIN_WEEKS:
        recent = predict_recent(y, x[:n], min(RECENT, n - MIN_WEEKS))
        fit.recent = recent
        fit.last = Prediction(mean=recent.mean[-1:], lower=recent.lower[-1:], upper=recent.upper[-1:])
    if n - HOLDOUT >= MIN_WEEKS:
        train = n - HOLDOUT
        xs = regressors(mondays[:n], working_days, train >= SEASONAL_WEEKS)
        held = predict(y[:train], xs[:train], xs[train:n])
        fit.holdout = held.mean
        fit.mape, fit.mape_weeks = mape(y[train:], held.mean)
    return fit


def _flat_fit(y: list[int], horizon: int) -> Fit:
    """The fit of a series that never changed (most often: no case in any week, as in a new village
    or a rare item group). Its value is the forecast, with no spread: the regression would find the
    same after seconds of searching a likelihood that is flat (or fail to converge), and a first
    week off the value is then outside the interval, which is what a sudden change should be."""
    n, value = len(y), float(y[0])

    def flat(k: int) -> Prediction:
        return Prediction(mean=[value] * k, lower=[value] * k, upper=[value] * k)

    fit = Fit("ok", method=FLAT, weeks=n, future=flat(horizon))
    if n - 1 >= MIN_WEEKS:
        fit.recent = flat(min(RECENT, n - MIN_WEEKS))
        fit.last = flat(1)
    if n - HOLDOUT >= MIN_WEEKS:
        fit.holdout = [value] * HOLDOUT
        fit.mape, fit.mape_weeks = mape(y[-HOLDOUT:], fit.holdout)
    return fit
