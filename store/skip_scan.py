"""The distinct values of an indexed column without reading every row: a skip scan, written as a recursive query
(neither SQLite's planner nor PostgreSQL 15's does one for DISTINCT): the smallest value, then the smallest above it,
and so on, one index seek per value, however many rows hold each. For columns with few values (schools, statuses,
LAs) at the front of an index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session


def distinct_values(session: Session, column: Any, *where: ColumnElement[bool], above: Any = None) -> list[Any]:
    """Every value of `column` in the rows meeting `where` (greater than `above`, when given), smallest first."""
    start = [column > above] if above is not None else []
    first = select(func.min(column)).where(*where, *start).scalar_subquery()
    found = select(first.label("value")).cte("skip_scan", recursive=True)
    following = select(func.min(column)).where(*where, column > found.c.value).scalar_subquery().label("value")
    found = found.union_all(select(following).where(found.c.value.is_not(None)))
    return list(session.scalars(select(found.c.value).where(found.c.value.is_not(None))))
