"""Chinese number formats: Django's zh_Hans groups nothing (no thousands separator); Chinese statistics
and government reports write 1,017 and 12,345.6, so numbers are grouped by three with a comma.
Everything else (dates, inputs) stays Django's."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
