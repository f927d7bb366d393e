"""Alembic migrations for store.models (run them with store.migrate, not an alembic.ini)."""
