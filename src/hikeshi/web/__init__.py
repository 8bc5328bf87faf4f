"""The web: `app` assembles the application; `kit` is what every domain's pages and API use."""
