"""The weekly forecast's fixed sizes, shared by the model that fits it and the stored series that
explain it."""

MIN_WEEKS = 12  # fewer complete weeks: no forecast at all
HOLDOUT = 8  # weeks held out for the MAPE
