"""School terms (rule book, "School commitments"): the dates the school's own termly and yearly promises are set by.

A term is named and runs from its first to its last day (both inclusive), inside one school year (1 September to 31
August, named "2026-27"). A SEN support review or a PEP review is due by the last school day of its term; the annual
report to parents by the last school day of the summer term. The school's configured terms decide; for a school year
with none configured, the England default pattern stands in (autumn from 1 September to 31 December, spring to 31
March, summer to 31 July), and the school's closures (its holidays) still make the last school day the last working
day before them, so the default lands where schools end their terms once the holidays are set. The explanation of a
date says which was used.

Pure data and functions: no settings, no wall clock (the planning activity passes the terms in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from pydantic import BaseModel, model_validator

from statutory.clock import fmt


class Term(BaseModel, frozen=True):
    """One school term, both ends inclusive. `default`: the England pattern, not a term the school set."""

    name: str
    start: date
    end: date
    default: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end < self.start:
            raise ValueError(f"the {self.name} ends on {fmt(self.end)}, before it starts on {fmt(self.start)}")
        return self

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    @property
    def school_year(self) -> str:
        return school_year_of(self.start)

    @property
    def title(self) -> str:
        """e.g. "Autumn term 2026-27"."""
        return f"{self.name} {self.school_year}"


def school_year_of(d: date) -> str:
    """The school year a date falls in, e.g. "2026-27" for 1 Sep 2026 to 31 Aug 2027."""
    start = d.year if d.month >= 9 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def school_year_bounds(year: str) -> tuple[date, date]:
    """1 September and 31 August of a school year written "2026-27"; ValueError for anything else."""
    first, dash, second = year.partition("-")
    digits = first.isascii() and first.isdigit() and second.isascii() and second.isdigit()
    if not (digits and dash and len(first) == 4 and len(second) == 2 and (int(first) + 1) % 100 == int(second)):
        raise ValueError(f"{year!r} is not a school year written like 2026-27")
    start = int(first)
    return date(start, 9, 1), date(start + 1, 8, 31)


def england_default_terms(year: str) -> tuple[Term, ...]:
    """The England pattern for a school year with no terms configured (see the module docstring)."""
    first, last = school_year_bounds(year)
    return (
        Term(name="Autumn term", start=first, end=date(first.year, 12, 31), default=True),
        Term(name="Spring term", start=date(last.year, 1, 1), end=date(last.year, 3, 31), default=True),
        Term(name="Summer term", start=date(last.year, 4, 1), end=date(last.year, 7, 31), default=True),
    )


def term_problems(year: str, terms: Sequence[Term]) -> list[str]:
    """What is wrong with one school year's terms, as sentences (none: they are good): the year written like
    2026-27, every term inside it, in order, none overlapping."""
    try:
        first, last = school_year_bounds(year)
    except ValueError as err:
        return [str(err)]
    problems = []
    if not terms:
        problems.append(f"school year {year} has no terms: give its terms, or leave the year out")
    for term in terms:
        if term.start < first or term.end > last:
            problems.append(
                f"the {term.name} of {year} ({fmt(term.start)} to {fmt(term.end)}) is not inside the school year "
                f"({fmt(first)} to {fmt(last)})"
            )
    for before, after in zip(terms, terms[1:], strict=False):
        if after.start <= before.end:
            problems.append(
                f"the {after.name} of {year} starts on {fmt(after.start)}, "
                + ("before" if after.start < before.start else "on or before the last day of")
                + f" the {before.name} ({fmt(before.end)}): terms are listed in order and do not overlap"
            )
    return problems


class SchoolTerms:
    """The school's terms: those configured, and the England pattern for the years with none."""

    __slots__ = ("_by_year",)

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        by_year: dict[str, list[Term]] = {}
        for term in sorted(terms, key=lambda t: t.start):
            by_year.setdefault(term.school_year, []).append(term)
        self._by_year = {year: tuple(ts) for year, ts in by_year.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SchoolTerms) and self._by_year == other._by_year

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._by_year.items())))

    def __repr__(self) -> str:
        return f"SchoolTerms({[t for ts in self._by_year.values() for t in ts]!r})"

    @property
    def configured(self) -> tuple[Term, ...]:
        return tuple(t for year in sorted(self._by_year) for t in self._by_year[year])

    def of_year(self, year: str) -> tuple[Term, ...]:
        """The terms of one school year (configured, or the England pattern)."""
        return self._by_year.get(year) or england_default_terms(year)

    def term_of(self, d: date) -> Term:
        """The term `d` falls in, or the next term to start after it (a day in the holidays belongs to the term
        after them: a review opened in the summer holiday is the autumn term's)."""
        year = school_year_of(d)
        for term in self.of_year(year):
            if d <= term.end:
                return term
        return self.of_year(school_year_of(date(int(year[:4]) + 1, 9, 1)))[0]

    def next_term(self, term: Term) -> Term:
        """The term after `term` (the next school year's first after the last)."""
        terms = self.of_year(term.school_year)
        later = [t for t in terms if t.start > term.start]
        if later:
            return later[0]
        return self.of_year(school_year_of(date(int(term.school_year[:4]) + 1, 9, 1)))[0]

    def last_term_of_year(self, d: date) -> Term:
        """The last term (the summer term) of the school year `d` falls in; for a day after it (the summer holiday),
        the next school year's."""
        last = self.of_year(school_year_of(d))[-1]
        return last if d <= last.end else self.of_year(school_year_of(date(d.year, 9, 1)))[-1]
