"""The hot writes, compiled once and run on the driver's cursor.

Every step of every process writes its event (store/recorder.py) and its notices' outbox rows
(activities/notifier.py): four short statements a write on average. SQLite runs each in about 20 microseconds;
SQLAlchemy's execution around it (an execution context, a result object, parameters processed through the
compiled statement) took four times as long again, on the worker's GIL (bench/overhead.py). A `Prepared` statement
is the same SQLAlchemy Core statement, compiled by SQLAlchemy once per dialect and set of parameter names, with the
bind processors of its column types (JSON, dates, `UTCDateTime`) and the Python-side column defaults of the table
it inserts into; `execute` and `first` hand the SQL and the processed values to the DB-API cursor of the
connection's own transaction, and raise a driver error as SQLAlchemy would (`IntegrityError`, `OperationalError`;
without the parameters, which may hold notes typed by staff). Not done for these statements: SQLAlchemy's cursor
events and echo, and result-type processing (they read ids and hashes only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Connection, Insert
from sqlalchemy.engine.interfaces import DBAPICursor, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect, names: list[str]) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=names))  # Core: an SQLCompiler
        self.sql = compiled.string
        binds = compiled.binds
        order: Iterable[str] = binds
        if compiled.positional:
            assert compiled.positiontup is not None  # a positional compile lists its binds in order
            order = compiled.positiontup
        # What SQLAlchemy's own execution applies, by bind name (a sequence of processors only for a tuple-typed
        # bind, an IN of tuples, which none of these statements has).
        processors = cast(Mapping[str, Callable[[Any], Any]], compiled._bind_processors)
        self.processors: list[tuple[str, Callable[[Any], Any] | None]] = [
            (name, processors.get(name)) for name in order
        ]
        # Values written in the statement itself (a LIMIT, a literal compared with): taken as compiled.
        self.fixed = {name: bind.effective_value for name, bind in binds.items() if name not in names}
        self.positional = compiled.positional

    def parameters(self, values: Mapping[str, Any]) -> Any:
        if self.fixed:
            values = {**self.fixed, **values}
        processed = [
            (name, values[name] if process is None else process(values[name])) for name, process in self.processors
        ]
        if self.positional:
            return [value for _, value in processed]
        return dict(processed)


class Prepared:
    """A Core statement (SELECT, INSERT, UPDATE) to run with a dict of parameters on a Connection in a transaction."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self.defaults: dict[str, Any] = {}
        if isinstance(statement, Insert):  # Python-side defaults, which SQLAlchemy's execution would fill in
            self.defaults = {
                column.key: column.default
                for column in statement.table.columns
                if column.default is not None and not column.default.is_sequence
            }
        self._compiled: dict[tuple[type, str, frozenset[str]], _Compiled] = {}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> int:
        """Run the statement; the number of rows it changed (for an INSERT or UPDATE)."""
        cursor = self._run(connection, values)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def first(self, connection: Connection, values: Mapping[str, Any]) -> tuple | None:
        """Run the query; its first row as a tuple (values as the driver returns them), or None."""
        cursor = self._run(connection, values)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    def _run(self, connection: Connection, values: Mapping[str, Any]) -> DBAPICursor:
        missing = [key for key in self.defaults if key not in values]
        if missing:
            values = {**values, **{key: _default(self.defaults[key]) for key in missing}}
        names = frozenset(values)
        dialect = connection.dialect
        key = (type(dialect), dialect.paramstyle, names)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self.statement, dialect, sorted(names))
        raw = connection.connection
        cursor = raw.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(values))
        except dialect.loaded_dbapi.Error as err:  # as SQLAlchemy raises it (IntegrityError, OperationalError, ...)
            cursor.close()
            lost = dialect.is_disconnect(err, raw, cursor)
            if lost:
                connection.invalidate(err)
            raise DBAPIError.instance(
                compiled.sql,
                None,
                err,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from None
        return cursor


def _default(default: Any) -> Any:
    return default.arg(None) if default.is_callable else default.arg
