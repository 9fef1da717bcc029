"""The duty desk (值班值守): the roster, the handover log and the leader's decisions.

``roster`` writes the roster, ``handover`` the handover log, ``decisions`` asks and records the
leader's decisions, ``triggers`` turns events of other apps into decisions, ``roster_file`` reads
and writes the roster as a workbook, and ``selectors`` reads who is on duty.
"""
