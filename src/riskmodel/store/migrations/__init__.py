"""Alembic migrations of the service store, run by ``Store.migrate()`` (no alembic.ini needed)."""
