"""Storage: the engine and session factory, the declarative base, Alembic migrations."""
