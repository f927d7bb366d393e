"""The dashboard tests' fixtures (a migrated SQLite file, accounts of each role, a signed-in client)."""

from tests.dashboard.conftest import client, client_as, db, make_client, settings, today  # noqa: F401  (fixtures)
