"""Incidents: declaring, lifecycle, impact, tasks, timeline, recovery actions, internal announcements."""
