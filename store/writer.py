"""How one process writes to a SQLite file: one writer at a time, and the writes that queue up committed together.

SQLite lets one connection write at a time. A writer that finds the file locked sleeps in steps of 1 to 100 ms
before it tries again (busy_timeout): with the worker's eight activity threads writing at once, that sleeping was
most of each record's time. So writers in this process queue on one lock (`write_lock`), and the two writes that
run for every step of every process (the record activity's event and the notifier's outbox rows) go further:
`write(engine, work)` hands `work` to the engine's writer thread, which applies every unit of work waiting for it
in one transaction (group commit), with those that queue while it runs. A lifecycle makes eight of these writes;
under load each used to wait for the seven before it to take the lock, run and commit one by one, each holder
slowed by the other threads' claims on Python's GIL (bench/overhead.py measured 32 ms of wall time for a 1.4 ms
record). Grouped, one commit serves them all.

What each caller sees is unchanged: `write` returns when its work is committed, with the value `work` returned, or
raises what the transaction raised. A unit that raises anything but OperationalError (a unit's own fault: a
duplicate key, a foreign key) rolls back the group, and each unit of it is then applied in its own transaction, so
no unit fails for another's fault. OperationalError (the file locked by another process, the disk) fails the group:
each caller's activity is retried, and its work is idempotent. `work` may run more than once, always inside a
transaction that is rolled back if it does not commit: it must only use the connection it is given.

A caller waits in the queue at most QUEUE_WAIT_S, less than SQLite's own busy_timeout: when the file stays locked
(another process holds it), the group being written fails after busy_timeout, and the units queued behind it within
QUEUE_WAIT_S ("database is locked"), rather than each waiting for all those before it. A unit that gave up is never
applied. Other databases lock rows: `write` runs `work` in the caller's own transaction, and `write_lock` holds
nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar, cast
from weakref import WeakKeyDictionary, ref

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

T = TypeVar("T")
# How long a writer waits in this process's queue. A write takes a few milliseconds and the worker has eight activity
# threads, so a queue that has not moved for this long is stuck behind a writer that is itself waiting for another
# process (busy_timeout, store/db.py): better to fail now and be retried.
QUEUE_WAIT_S = 2
MAX_GROUP = 64  # units in one transaction at most
IDLE_S = 2.0  # the writer thread ends after this long without work (the next write starts another)


def locked() -> OperationalError:
    return OperationalError(
        "(queued behind this process's SQLite writer)", None, sqlite3.OperationalError("database is locked")
    )


class WriterQueue:
    """The lock that writers of one SQLite engine in this process hold in turn; waiting longer than QUEUE_WAIT_S
    raises "database is locked"."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        if not self.lock.acquire(timeout=QUEUE_WAIT_S):
            raise locked()

    def __exit__(self, *exc) -> None:
        self.lock.release()


class _Unit(Generic[T]):
    def __init__(self, work: Callable[[Connection], T]) -> None:
        self.work = work
        self.state = "queued"  # -> taken (by the writer) | abandoned (by its caller); under GroupWriter.changed
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None

    def settle(self, result: T | None = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class GroupWriter:
    """One engine's writer thread: takes every unit waiting, applies them in one transaction, settles them."""

    def __init__(self, engine: Engine, queue: WriterQueue) -> None:
        self.engine = ref(engine)  # not kept alive by its writer (the registry below is keyed by the engine)
        self.queue = queue
        self.waiting: deque[_Unit] = deque()
        self.changed = threading.Condition()
        self.thread: threading.Thread | None = None

    def write(self, work: Callable[[Connection], T]) -> T:
        unit = _Unit(work)
        with self.changed:
            self.waiting.append(unit)
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
                self.thread.start()
            self.changed.notify()
        if not unit.done.wait(QUEUE_WAIT_S):
            with self.changed:
                if unit.state == "queued":  # not begun: withdraw it
                    unit.state = "abandoned"
                    self.waiting.remove(unit)
                    raise locked()
            unit.done.wait()  # begun: its transaction ends within busy_timeout per statement
        if unit.error is not None:
            raise unit.error
        return cast(T, unit.result)  # settled without an error: what `work` returned

    def _run(self) -> None:
        while True:
            with self.changed:
                if not self.waiting:
                    self.changed.wait(IDLE_S)
                if not self.waiting:
                    self.thread = None
                    return
            self._apply(self._take(MAX_GROUP), more=True)

    def _take(self, most: int) -> list[_Unit]:
        with self.changed:
            group = [self.waiting.popleft() for _ in range(min(len(self.waiting), most))]
            for unit in group:
                unit.state = "taken"
        return group

    def _apply(self, group: list[_Unit], more: bool = False) -> None:
        """Apply `group` in one transaction; with `more`, also the units that queued while it ran (before the
        commit, which costs more than a unit: an fsync)."""
        engine = self.engine()
        try:
            if engine is None:
                raise RuntimeError("the engine was disposed of before its writes were applied")
            with self.queue.lock, engine.begin() as connection:
                results: list = []
                while len(results) < len(group):
                    results += [unit.work(connection) for unit in group[len(results) :]]
                    if more and len(group) < MAX_GROUP:
                        group += self._take(MAX_GROUP - len(group))
        except OperationalError as err:  # the database, not a unit: every unit's activity retries
            for unit in group:
                unit.settle(error=err)
        except BaseException as err:  # noqa: BLE001 - settled on the caller's thread, never lost with this one
            if len(group) == 1:
                group[0].settle(error=err)
            else:  # one unit's fault: each on its own
                for unit in group:
                    self._apply([unit])
        else:
            for unit, result in zip(group, results, strict=True):
                unit.settle(result)


_QUEUES: WeakKeyDictionary[Engine, WriterQueue] = WeakKeyDictionary()
_WRITERS: WeakKeyDictionary[Engine, GroupWriter] = WeakKeyDictionary()


def serialise_writes(engine: Engine, grouped: bool = True) -> None:
    """Give a SQLite engine its writer queue and, if `grouped`, its group writer (store.db.make_engine does)."""
    _QUEUES[engine] = queue = WriterQueue()
    if grouped:
        _WRITERS[engine] = GroupWriter(engine, queue)


def write_lock(engine: Engine) -> AbstractContextManager:
    """Hold around a write transaction that does not go through `write` (this process's writers take turns)."""
    return _QUEUES.get(engine) or nullcontext()


def write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work(connection)` in a transaction and return its result once committed: on SQLite, grouped with the
    other writes waiting in this process; elsewhere in a transaction of its own."""
    writer = _WRITERS.get(engine)
    if writer is not None:
        return writer.write(work)
    with write_lock(engine), engine.begin() as connection:
        return work(connection)
