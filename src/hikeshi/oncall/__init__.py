"""On call: rotations, schedules, overrides, escalation policies, pages, acknowledgement, calendar feeds."""
