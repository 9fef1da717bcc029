"""Emergency command (应急指挥): incidents, response plans, tasks, the timeline and resources.

Emergencies run on the clock, not on office hours: a plan's task deadline is a number of minutes
after the plan is activated, counted round the clock, weekends and holidays included.
"""
