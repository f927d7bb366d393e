"""var/ is private to the account that runs sendclock: directories 0700, files 0600.

It holds the case data (sendclock.db and its WAL, temporal.db, the history archive), the payload keys, the web
secret and the logs, which name case references. `private_umask()` makes everything a process creates from then on
private (its children inherit the umask: `sendclock up` sets it before it starts Temporal, the worker and the
dashboard); `secure_var_dir()` tightens what an older version or another tool left readable.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_umask() -> int:
    """Set the umask to 0o077 (new files 0600, new directories 0700); the previous umask."""
    return os.umask(PRIVATE_UMASK)


def _tighten(path: Path, mode: int, changed: list[Path]) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return
    os.chmod(path, mode)
    changed.append(path)


def sqlite_files(database_url: str | None) -> list[Path]:
    """The files of a SQLite database URL (the database, its WAL, shared memory and journal); none for others."""
    if not database_url:
        return []
    url = make_url(database_url)
    if (
        url.get_backend_name() != "sqlite"
        or not url.database
        or url.database == ":memory:"
        or url.database.startswith("file:")
    ):
        return []
    database = Path(url.database).expanduser()
    return [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_SIDE_FILES)]


def secure_var_dir(var_dir: Path, database_url: str | None = None) -> list[Path]:
    """Create `var_dir` if missing and make it, and every directory under it, 0700 and every file 0600 (symbolic
    links are left alone); also the files of a SQLite `database_url` kept elsewhere. The paths changed."""
    var_dir = Path(var_dir)
    var_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    changed: list[Path] = []
    _tighten(var_dir, DIR_MODE, changed)
    for root, dirs, files in os.walk(var_dir):
        for name in dirs:
            _tighten(Path(root) / name, DIR_MODE, changed)
        for name in files:
            _tighten(Path(root) / name, FILE_MODE, changed)
    for path in sqlite_files(database_url):
        _tighten(path, FILE_MODE, changed)
    return changed
