"""Alerts: integrations and their keys, payload normalizers, alerts and alert groups, routing, maintenance
windows and heartbeats."""
