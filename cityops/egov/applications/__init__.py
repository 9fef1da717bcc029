"""Applications (办件): the lifecycle, its working-day clocks, the clerk's and the applicant's
actions, the public tracking lookup and the figures."""
