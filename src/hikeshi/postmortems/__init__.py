"""Postmortems, action items, publishing to the knowledge base, the weekly report and response metrics."""
