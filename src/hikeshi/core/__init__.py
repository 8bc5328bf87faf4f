"""Things every domain needs and that need nothing: clock, ids, errors, time zones, i18n, settings."""
