"""Open311 GeoReport v2 under /open311/v2/: services, requests and tokens in XML and JSON.

Plain Django views (the spec is form-encoded and XML-first). Every report goes through
``cityops.cases.intake.case_intake`` with channel ``open311``; ``docs/open311.md`` describes the API.
"""
