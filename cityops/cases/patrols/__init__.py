"""Patrols: plans, check-in with a GPS track, check-out, and the daily coverage of every grid.

``services`` writes, ``selectors`` reads, ``tracks`` holds the track maths and ``coverage`` the
daily coverage (``docs/patrols.md`` gives every formula). The models are in ``cases.models.patrol``.
"""
