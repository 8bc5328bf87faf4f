"""Customer communications: notices, status page, in-app feed, email campaigns, call lists, partners."""
