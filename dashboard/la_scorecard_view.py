"""The LA scorecard (issue 25): for each LA the school works with, how it meets its own deadlines, per rule and per
school year, all steps and excluding exemptions (store/la_scorecard.py says exactly what counts). The evidence a SENCO
brings when escalating to the LA: the list of LAs at /las, one LA at /las/NAME, every figure as CSV at /las.csv, and
the same as JSON under /api/ (dashboard/api.py); the compliance page links here with a line per LA.

Read by the roles that may read the compliance figures (the SENCO, leadership, the auditor): the LA's figures are the
school's, not a member of staff's own steps."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from dashboard.access import CheckedRoute, all_reader
from dashboard.auth import User
from dashboard.context import Web, get_web
from dashboard.render import render
from dashboard.scope import scope_of
from statutory.rules import get_rule
from statutory.terms import school_year_of
from store.la_scorecard import (
    LA_RULES,
    Days,
    Figures,
    LaCard,
    Line,
    YearCard,
    deadline_years,
    la_known,
    las_in_processes,
    scorecards,
)

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)
ALL_DEADLINES = "All the LA's deadlines"  # a year's total line, where a rule's title would be


def year_label(year: int) -> str:
    """2026 -> "2026-27" (a school year, 1 September to 31 August)."""
    return f"{year}-{(year + 1) % 100:02d}"


def rule_title(rule_id: str | None) -> str:
    return ALL_DEADLINES if rule_id is None else get_rule(rule_id).title


def la_href(name: str) -> str:
    """The LA's own page (its name as the processes give it, every character escaped but none lost)."""
    return "/las/" + quote(name, safe="")


# --- words --------------------------------------------------------------------------------------------------------


def number(value: float) -> str:
    """6.0 -> "6", 6.5 -> "6.5" (a median of an even number of days may fall between two)."""
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def days(n: float) -> str:
    return f"{number(n)} day" if n == 1 else f"{number(n)} days"


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def days_text(d: Days, word: str = "late") -> str:
    """ "median 6 days late, worst 31 days" ("8 days late" for one), or "" when there are none."""
    if d.median is None or d.worst is None:
        return ""
    if d.n == 1:
        return f"{days(d.worst)} {word}"
    return f"median {days(d.median)} {word}, worst {days(d.worst)}"


def percent_text(f: Figures) -> str:
    p = f.percent_on_time
    return "none due yet" if p is None else f"{p:.0f}%"


def year_sentence(la: str, school_year: str, f: Figures, *, opening: bool = True) -> str:
    """The year in whole sentences, e.g. "In 2026-27, 20 of Kent's deadlines have come: 12 were met on time (60%);
    5 were answered late, by a median of 6 days (31 days at worst); and 3 have had no answer yet, overdue by a median
    of 14 days so far (40 days at worst). 2 more are not yet due." `opening` False: without "In 2026-27, " (for a
    sentence that goes on from another)."""
    if not f.total:
        return f"{'No' if opening else 'no'} deadline of {la}'s fell due in {school_year}."
    start = f"In {school_year}, " if opening else ""
    if not f.due_by_today:
        return f"{start}none of {la}'s {plural(f.total, 'deadline', 'deadlines')} has come yet."
    met = "none was" if not f.on_time else f"{f.on_time} {'was' if f.on_time == 1 else 'were'}"
    parts = [f"{met} met on time ({percent_text(f)})"]
    if f.late:
        parts.append(f"{f.late} {'was' if f.late == 1 else 'were'} answered late{_by(f.late_days, '')}")
    if f.overdue:
        said = f"{f.overdue} {'has' if f.overdue == 1 else 'have'} had no answer yet"
        parts.append(said + _by(f.overdue_days, " so far", "overdue "))
    listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    text = f"{start}{f.due_by_today} of {la}'s deadlines {'has' if f.due_by_today == 1 else 'have'} come: {listed}."
    if f.not_yet_due:
        text += f" {f.not_yet_due} more {'is' if f.not_yet_due == 1 else 'are'} not yet due."
    return text


def _by(d: Days, after: str, before: str = "") -> str:
    """ ", by 8 days", ", by a median of 6 days (31 days at worst)"; "" when the days are not known."""
    if d.median is None or d.worst is None:
        return ""
    if d.n == 1:
        return f", {before}by {days(d.worst)}{after}"
    return f", {before}by a median of {days(d.median)}{after} ({days(d.worst)} at worst)"


def summary_line(f: Figures) -> str:
    """One LA's year on one line (the compliance page): "12 of 20 deadlines met on time (60%), 5 answered late,
    3 overdue with no answer yet"."""
    if not f.due_by_today:
        return "no deadline has come yet" if f.total else "no LA deadline fell due"
    text = f"{f.on_time} of {plural(f.due_by_today, 'deadline', 'deadlines')} met on time ({percent_text(f)})"
    if f.late:
        text += f", {f.late} answered late"
    if f.overdue:
        text += f", {f.overdue} overdue with no answer yet"
    return text


# --- the views ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaRow:
    """One LA on the list: its figures for the year shown (None: none fell due that year)."""

    la: str
    year: YearCard | None
    has_deadlines: bool  # any LA deadline recorded, in any year
    configured: bool  # an `las.<name>` profile in the settings

    @property
    def href(self) -> str:
        return la_href(self.la)


@dataclass(frozen=True)
class Overview:
    year: int  # 2026 for 2026-27
    rows: list[LaRow]
    years: list[int]  # school years with LA deadlines (and this one)

    @property
    def label(self) -> str:
        return year_label(self.year)


def configured(web: Web) -> list[str]:
    return list(web.settings.las)


def overview_for(web: Web, year: int | None, school: str | None = None) -> Overview:
    """Every LA the school works with: named by a process, or with a profile in the settings (unless a process names
    it already, in any case), each with its figures for the school year `year` (this one by default). `school`: its
    processes only (None: every school's)."""
    today = web.clock.today()
    year = year if year is not None else int(school_year_of(today)[:4])
    with web.sessionmaker() as session:
        named = las_in_processes(session, school=school)
        with_deadlines = deadline_years(session, named, school=school)
        cards = {c.la: c for c in scorecards(session, today, school_year=year_label(year), school=school)}
    seen = {n.casefold() for n in named}
    profiles = {n.casefold() for n in configured(web)}
    names = named + [n for n in configured(web) if n.casefold() not in seen]
    rows = [
        LaRow(
            la=name,
            year=cards[name].year(year_label(year)) if name in cards else None,
            has_deadlines=name in with_deadlines.las,
            configured=name.casefold() in profiles,
        )
        for name in sorted(names, key=lambda n: (n.casefold(), n))
    ]
    years = {*with_deadlines.years, int(school_year_of(today)[:4])}
    return Overview(year=year, rows=rows, years=sorted(years))


def plain_name(name: str) -> bool:
    """Whether `name` could be an LA's: no control or format characters (which no process's LA can hold, and
    which PostgreSQL refuses to compare)."""
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name)


def compliance_lines(web: Web, year: int, school: str | None = None) -> list[tuple[str, str, str]]:
    """The compliance page's "Local authorities" section: (LA, its page, its school year on one line) for each LA."""
    view = overview_for(web, year, school)
    return [
        (
            row.la,
            row.href,
            summary_line(row.year.total.all)
            if row.year is not None
            else ("no LA deadline fell due" if row.has_deadlines else "no LA deadlines recorded yet"),
        )
        for row in view.rows
    ]


def card_for(web: Web, name: str, school: str | None = None) -> LaCard:
    """One LA's scorecard, every school year; 404 when no process (of `school`) names it and the settings have no
    profile of it."""
    today = web.clock.today()
    with web.sessionmaker() as session:
        if not plain_name(name) or (not la_known(session, name, school=school) and name not in configured(web)):
            raise HTTPException(
                status_code=404,
                detail=f"name: no LA called {name} (no process names it, and the settings have no profile of it)",
            )
        found = scorecards(session, today, la=name, school=school)
    return found[0] if found else LaCard(la=name)


# --- JSON ---------------------------------------------------------------------------------------------------------


def days_json(d: Days) -> dict[str, Any]:
    return {"count": d.n, "median": d.median, "worst": d.worst}


def figures_json(f: Figures) -> dict[str, Any]:
    return {
        "on_time": f.on_time,
        "answered_late": f.late,
        "overdue_no_answer_yet": f.overdue,
        "not_yet_due": f.not_yet_due,
        "due_by_today": f.due_by_today,
        "percent_on_time": f.percent_on_time,
        "days_late": days_json(f.late_days),  # answered late
        "days_overdue_so_far": days_json(f.overdue_days),  # no answer yet
        "days_late_and_overdue_together": days_json(f.all_late_days),
    }


def line_json(line: Line) -> dict[str, Any]:
    return {
        "rule_id": line.rule_id,
        "title": rule_title(line.rule_id),
        "all_steps": figures_json(line.all),
        "excluding_exemptions": figures_json(line.excluding_exemptions),
        "exempted": line.exempted,
    }


def year_json(year: YearCard) -> dict[str, Any]:
    return {
        "school_year": year.school_year,
        "first_day": year.first_day.isoformat(),
        "last_day": year.last_day.isoformat(),
        "total": line_json(year.total),
        "by_rule": [line_json(line) for line in year.rules],
    }


def rules_json() -> list[dict[str, str]]:
    return [{"rule_id": r, "title": rule_title(r)} for r in LA_RULES]


def overview_json(view: Overview, today: date) -> dict[str, Any]:
    return {
        "school_year": view.label,
        "year": view.year,
        "today": today.isoformat(),
        "years_with_deadlines": view.years,
        "rules": rules_json(),
        "las": [
            {
                "la": row.la,
                "has_deadlines": row.has_deadlines,
                "profile_in_settings": row.configured,
                "year": year_json(row.year) if row.year is not None else None,
            }
            for row in view.rows
        ],
    }


def card_json(card: LaCard, web: Web) -> dict[str, Any]:
    return {
        "la": card.la,
        "today": web.clock.today().isoformat(),
        "profile_in_settings": web.settings.la_practice(card.la) is not None,
        "rules": rules_json(),
        "years": [year_json(y) for y in card.years],
    }


# --- CSV ----------------------------------------------------------------------------------------------------------

_FIGURE_FIELDS = [
    "on_time",
    "answered_late",
    "days_late_median",
    "days_late_worst",
    "overdue_no_answer_yet",
    "days_overdue_median",
    "days_overdue_worst",
    "days_late_and_overdue_median",
    "days_late_and_overdue_worst",
    "not_yet_due",
    "percent_on_time",
]
# A row per LA, school year and rule, then the year's total (rule_id empty, step "All the LA's deadlines"). Every
# figure twice: all steps, then excluding exemptions (the steps where an exemption was recorded left out);
# days_overdue: the days overdue so far, today, of the deadlines with no answer yet.
CSV_FIELDS = [
    "la",
    "school_year",
    "rule_id",
    "step",
    *_FIGURE_FIELDS,
    *(f"{name}_excluding_exemptions" for name in _FIGURE_FIELDS),
    "exempted",
]


def _figure_values(f: Figures) -> list[Any]:
    def value(x: float | None) -> str:
        return "" if x is None else number(x)

    return [
        f.on_time,
        f.late,
        value(f.late_days.median),
        value(f.late_days.worst),
        f.overdue,
        value(f.overdue_days.median),
        value(f.overdue_days.worst),
        value(f.all_late_days.median),
        value(f.all_late_days.worst),
        f.not_yet_due,
        "" if f.percent_on_time is None else f"{f.percent_on_time:.1f}",
    ]


def _cell(value: Any) -> str:
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):  # no formula injection when opened in a spreadsheet
        text = "'" + text
    return text


def las_csv(cards: list[LaCard]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for card in cards:
        for year in card.years:
            for line in [*year.rules, year.total]:
                row = [card.la, year.school_year, line.rule_id or "", rule_title(line.rule_id)]
                row += _figure_values(line.all) + _figure_values(line.excluding_exemptions) + [line.exempted]
                writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def las_csv_response(web: Web, year: int | None = None, la: str | None = None, school: str | None = None) -> Response:
    """Every LA's scorecard as CSV (one school year with `year`, one LA with `la`, `school`'s processes when given):
    /las.csv and /api/las.csv."""
    today = web.clock.today()
    with web.sessionmaker() as session:
        school_year = year_label(year) if year is not None else None
        cards = (
            []
            if la and not plain_name(la)
            else scorecards(session, today, la=la or None, school_year=school_year, school=school)
        )
    name = "sendclock-la-scorecard" + (f"-{year_label(year)}" if year is not None else "") + ".csv"
    return Response(
        las_csv(cards),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the pages ----------------------------------------------------------------------------------------------------

YEAR = Query(None, ge=2014, le=2100, description="A school year by the year it starts: 2026 for 2026-27")


def _words() -> dict[str, Any]:
    return {
        "days_text": days_text,
        "percent_text": percent_text,
        "rule_title": rule_title,
        "basis_of": lambda rule_id: get_rule(rule_id).basis,
        "la_href": la_href,
        "year_sentence": year_sentence,
        "la_rule_titles": [rule_title(r) for r in LA_RULES],
    }


@router.get("/las", response_class=HTMLResponse)
def las_page(
    request: Request, year: int | None = YEAR, web: Web = Depends(get_web), user: User = Depends(all_reader)
) -> HTMLResponse:
    view = overview_for(web, year, scope_of(user).school)
    return render(request, "las.html", {"view": view, "today": web.clock.today(), **_words()})


@router.get("/las.csv")
def las_export(
    year: int | None = YEAR,
    la: str | None = Query(None, max_length=80),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> Response:
    return las_csv_response(web, year, la, scope_of(user).school)


@router.get("/las/{name:path}", response_class=HTMLResponse)
def la_page(
    request: Request,
    name: str = Path(min_length=1, max_length=80),
    web: Web = Depends(get_web),
    user: User = Depends(all_reader),
) -> HTMLResponse:
    card = card_for(web, name, scope_of(user).school)
    return render(
        request,
        "la.html",
        {
            "card": card,
            "today": web.clock.today(),
            "profile": web.settings.la_practice(card.la) is not None,
            **_words(),
        },
    )
