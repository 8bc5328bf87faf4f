"""People and access: users and roles, teams, contact methods, sign-in sessions, API tokens."""
