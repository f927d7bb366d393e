"""The compliance figures for a page, the API and the CSV export: on-time rates per rule and per LA for an academic
year (see store.compliance for how steps are counted), and a server-rendered SVG bar chart. Each completion is judged
for backdating here (audit/backdating.py, with the school calendar and audit.backdating_working_days): counted by its
date given, and counted again apart when it was recorded after the fact.

Nothing here loads every step (issue 26): the figures are counted in the database over the year's steps, only the
completions that could be backdated read and judged here (store/compliance_sql.py); the CSV export is streamed, a
batch of steps at a time (steps_csv_chunks).

Every figure is of the reader's school (`school`, dashboard/scope.py: Scope.school), or of every school for a trust
role (None), each step judged by its own school's calendar; the trust's CSV names each step's school."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from html import escape
from itertools import chain
from typing import Any, TypeVar

from fastapi.responses import Response, StreamingResponse

from audit.backdating import SYSTEM_ACTOR, completion_flag
from config.school_calendar import school_calendar
from config.settings import Settings
from dashboard.context import Web
from dashboard.views import school_web, title_of
from statutory.calendar import SchoolCalendar
from store.compliance import (
    CONCLUDED_KEY,
    MEETING_KEY,
    Compliance,
    Rate,
    academic_year_of,
    meeting_outcome,
    result_text,
)
from store.compliance_sql import Backdating, never_late_rules, year_compliance, years_with_steps
from store.term_queries import PEP_REVIEW, SEN_SUPPORT_REVIEW, TermlyReviews, termly_reviews, year_totals
from store.web_queries import StepFact, steps_after

T = TypeVar("T")


@dataclass(frozen=True)
class TermlyRow:
    """One term's termly reviews (or the school year's, `term` None), SEN support and PEP side by side."""

    label: str  # "Autumn term 2026-27", or "The whole year"
    first: date | None  # the term's first and last day (None for the year)
    last: date | None
    default: bool  # the England pattern, no terms set for the year
    sen_support: TermlyReviews
    pep: TermlyReviews


@dataclass(frozen=True)
class ComplianceView:
    figures: Compliance
    years: list[int]
    # SEN support and PEP reviews per term of the year, then the year (store/term_queries.py).
    termly: list[TermlyRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        rate = rate_json
        f = self.figures
        return {
            "academic_year": f"{f.year}-{(f.year + 1) % 100:02d}",
            "year": f.year,
            "total": rate(f.total),
            "by_rule": [rate(r) for r in f.by_rule],
            "by_la": [rate(r) for r in f.by_la],
            "annual_reviews": {
                "meeting_within_12_months": rate(f.review(MEETING_KEY)),
                "review_concluded_within_12_months": rate(f.review(CONCLUDED_KEY)),
            },
            "years_with_steps": self.years,
            "termly_reviews": [
                {
                    "term": row.label,
                    "first_day": row.first.isoformat() if row.first else None,
                    "last_day": row.last.isoformat() if row.last else None,
                    "england_pattern": row.default,
                    "sen_support": termly_json(row.sen_support),
                    "pep": termly_json(row.pep),
                }
                for row in self.termly
            ],
        }


def rate_json(r: Rate) -> dict[str, Any]:
    """One on-time rate (store.compliance.Rate) as the API gives it."""
    return {
        "key": r.key,
        "on_time": r.on_time,
        "counted": r.counted,
        "percent": r.percent,
        "on_time_excluding_exemptions": r.on_time_excl,
        "counted_excluding_exemptions": r.counted_excl,
        "percent_excluding_exemptions": r.percent_excl,
        "exempt": r.exempt,
        "recorded_late_backdated": r.backdated,
        "backdated_counted_on_time": r.backdated_on_time,
    }


def termly_json(f: TermlyReviews) -> dict[str, int]:
    """held + missed + to_come = due; with_parents and held_on_time are of those held."""
    return {
        "due": f.due,
        "held": f.held,
        "held_on_time": f.held_on_time,
        "with_parents": f.with_parents,
        "missed": f.missed,
        "to_come": f.to_come,
    }


def school_year_label(year: int) -> str:
    """2026 -> "2026-27" (statutory/terms.py's way of writing a school year)."""
    return f"{year}-{(year + 1) % 100:02d}"


def termly_rows(figures: list[TermlyReviews]) -> list[TermlyRow]:
    """One row a term, SEN support and PEP reviews side by side, and the year's total last."""
    rows = []
    terms = list(dict.fromkeys(f.term for f in figures if f.term is not None))
    for term in terms:
        of = {f.rule_id: f for f in figures if f.term == term}
        rows.append(TermlyRow(term.title, term.start, term.end, term.default, of[SEN_SUPPORT_REVIEW], of[PEP_REVIEW]))
    totals = year_totals(figures)
    if terms:
        rows.append(
            TermlyRow("The whole year", None, None, terms[0].default, totals[SEN_SUPPORT_REVIEW], totals[PEP_REVIEW])
        )
    return rows


def judged_by_school(web: Web, steps: list[StepFact]) -> list[StepFact]:
    """judged(), each step by its own school's settings (a trust-wide list holds several schools' steps)."""
    return _by_school(web, steps, judged)


def flagged_by_school(web: Web, steps: list[StepFact]) -> list[bool]:
    """Whether judged_by_school would flag each step as backdated, without making the judged copies (the figures
    count the flags of thousands of completions: store/compliance_sql.py)."""
    return _by_school(web, steps, flagged)


def _by_school(web: Web, steps: list[StepFact], each: Callable[[list[StepFact], Settings], list[T]]) -> list[T]:
    """`each` of the steps of each school, by that school's settings, in the steps' order."""
    if not web.several_schools:
        return each(steps, web.settings)
    out: list[T | None] = [None] * len(steps)
    for school in dict.fromkeys(s.school for s in steps):
        at = [i for i, s in enumerate(steps) if s.school == school]
        for i, found in zip(at, each([steps[i] for i in at], school_web(web, school).settings), strict=True):
            out[i] = found
    return [x for x in out if x is not None]


def _flag(step: StepFact, calendar: SchoolCalendar, limit: int, timezone: str) -> str | None:
    if step.recorded_at is None:
        return None
    return completion_flag(
        given=step.completed_on,
        recorded_at=step.recorded_at,
        actor=step.recorded_actor,
        escalations=step.escalations,
        calendar=calendar,
        working_days=limit,
        tz=timezone,
    )


def judged(steps: list[StepFact], settings: Settings) -> list[StepFact]:
    """The steps with each completion judged for backdating (StepFact.backdated), by the school's calendar."""
    calendar, limit = school_calendar(settings), settings.audit.backdating_working_days
    out = []
    for s in steps:
        flag = _flag(s, calendar, limit, settings.timezone)
        out.append(replace(s, backdated=flag) if flag else s)
    return out


def flagged(steps: list[StepFact], settings: Settings) -> list[bool]:
    """Whether judged() flags each step."""
    calendar, limit = school_calendar(settings), settings.audit.backdating_working_days
    return [_flag(s, calendar, limit, settings.timezone) is not None for s in steps]


def backdating_of(web: Web) -> Backdating:
    """How the figures judge backdating (judged_by_school), and what the database may leave out before they do
    (store/compliance_sql.py): the time zones, and the smallest limit, of the schools whose steps `web` may read."""
    settings = [web.settings]
    if web.several_schools:
        settings += [school_web(web, school).settings for school in web.root.settings.school_ids]
    return Backdating(
        judge=lambda steps: flagged_by_school(web, steps),
        zones=tuple(sorted({s.timezone for s in settings})),
        working_days=min(s.audit.backdating_working_days for s in settings),
        system_actor=SYSTEM_ACTOR,
    )


def compliance_for(web: Web, year: int | None, school: str | None = None) -> ComplianceView:
    """The figures of `school` (None: every school the deployment has, a trust role's), counted in the database over
    the year's steps (store/compliance_sql.py: the same figures as store.compliance over every step)."""
    today = web.clock.today()
    year = year if year is not None else academic_year_of(today)
    with web.sessionmaker() as session:
        figures = year_compliance(
            session, year, today, never_late=never_late_rules(), school=school, backdating=backdating_of(web)
        )
        years = sorted({*years_with_steps(session, school=school), academic_year_of(today)})
    return ComplianceView(figures=figures, years=years, termly=termly_for(web, year, school))


def termly_for(web: Web, year: int, school: str | None = None) -> list[TermlyRow]:
    """The termly reviews of the academic year `year` (2026: 2026-27) by the school's terms (`web`'s: the school's
    view, or the trust's terms for every school), counted in the database."""
    terms = school_calendar(web.settings).terms
    with web.sessionmaker() as session:
        found = termly_reviews(session, terms, school_year_label(year), web.clock.today(), school=school)
    return termly_rows(found)


def percent_text(value: float | None) -> str:
    return "no steps counted" if value is None else f"{value:.0f}%"


def bar_chart(rates: list[Rate], title: str, chart_id: str, names: dict[str, str] | None = None) -> str:
    """A horizontal bar chart as inline SVG: two bars per row (all steps; excluding exemptions), each labelled with
    its figure in text, so nothing depends on colour. `names`: each row's words (a rule's plain title), shortened to
    fit with the whole of it in the label's tooltip."""
    row_h, label_w, bar_w = 46, 220, 360
    height = 30 + row_h * max(len(rates), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t" '
        f'viewBox="0 0 {label_w + bar_w + 190} {height}" width="100%" style="max-width:48rem">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        '<text x="0" y="16" font-size="13">Solid: all steps. Hatched: excluding exemptions.</text>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1d4f91" stroke-width="3"/></pattern></defs>',
    ]
    for i, r in enumerate(rates):
        y = 30 + i * row_h
        name = (names or {}).get(r.key, r.key)
        short = name if len(name) <= 28 else name[:27].rstrip() + "…"
        parts.append(f'<text x="0" y="{y + 22}" font-size="14"><title>{escape(name)}</title>{escape(short)}</text>')
        for j, (value, fill) in enumerate(((r.percent, "#1d4f91"), (r.percent_excl, "url(#hatch)"))):
            w = 0 if value is None else bar_w * value / 100
            by = y + 4 + j * 19
            parts.append(f'<rect x="{label_w}" y="{by}" width="{bar_w}" height="16" fill="#fff" stroke="#505a5f"/>')
            parts.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="16" fill="{fill}" stroke="#1d4f91"/>')
            parts.append(
                f'<text x="{label_w + bar_w + 8}" y="{by + 13}" font-size="13">'
                f"{'all' if j == 0 else 'excl.'} {escape(percent_text(value))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


# meeting_held_on, meeting_on_time: an annual review's meeting (the school's part; empty for other rules);
# result: "on time", "late", "late (LA)" (the meeting on time, the LA's decision that concludes the review not), or
# empty while the step is not counted (always by the date given, completed_on);
# recorded_at (UTC), done_by (the staff id given), recorded_by (the account: web:NAME, api:NAME, cli:as:NAME,
# cli:os:USER; empty for records from before it was kept): the completion's record;
# backdated: why the completion looks recorded after the fact (a sentence), or empty.
CSV_FIELDS = [
    "case_ref",
    "process_kind",
    "workflow_id",
    "la",
    "rule_id",
    "step",
    "instance",
    "basis",
    "anchor",
    "due",
    "target",
    "owner",
    "status",
    "exempt",
    "exemption_ground",
    "completed_on",
    "on_time",
    "days_late",
    "meeting_held_on",
    "meeting_on_time",
    "result",
    "recorded_at",
    "done_by",
    "recorded_by",
    "backdated",
]


def steps_csv(steps: list[StepFact], today: date, school_names: dict[str, str] | None = None) -> str:
    """Every step as CSV (CSV_FIELDS); with `school_names` (a trust's export: each school's name by id), a first
    column "school" naming each step's school."""
    return steps_csv_header(school_names) + steps_csv_rows(steps, today, school_names)


def steps_csv_header(school_names: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow((["school"] if school_names is not None else []) + CSV_FIELDS)
    return out.getvalue()


def steps_csv_rows(steps: list[StepFact], today: date, school_names: dict[str, str] | None = None) -> str:
    """The rows of steps_csv, without its header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for s in steps:
        derived = {
            "meeting_held_on": s.meeting_on,
            "meeting_on_time": meeting_outcome(s, today),
            "result": result_text(s, today),
            "done_by": s.recorded_actor,
            "step": title_of(s.rule_id),  # the rule's plain title beside its id
        }
        row = []
        for name in CSV_FIELDS:
            value = derived[name] if name in derived else getattr(s, name)
            text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
            if text[:1] in ("=", "+", "-", "@", "\t", "\r"):  # no formula injection when opened in a spreadsheet
                text = "'" + text
            row.append(text)
        if school_names is not None:
            row.insert(0, _cell(school_names.get(s.school, s.school)))
        writer.writerow(row)
    return out.getvalue()


def _cell(text: str) -> str:
    """A cell as a spreadsheet cannot run it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


TERMLY_CSV_FIELDS = [
    "school_year",
    "term",
    "first_day",
    "last_day",
    "england_pattern",
    "review",
    "due",
    "held",
    "held_on_time",
    "held_with_parents",
    "missed",
    "still_to_come",
]


def termly_csv(year: int, rows: list[TermlyRow]) -> str:
    """The termly review figures of the page, a row per term and kind of review, then the year's ("The whole
    year"). Every value is a number, a date, a term's name or one of the two reviews' titles: nothing a spreadsheet
    could run."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TERMLY_CSV_FIELDS)
    for row in rows:
        for f in (row.sen_support, row.pep):
            writer.writerow(
                [
                    school_year_label(year),
                    row.label,
                    row.first.isoformat() if row.first else "",
                    row.last.isoformat() if row.last else "",
                    "yes" if row.default else "no",
                    title_of(f.rule_id),
                    f.due,
                    f.held,
                    f.held_on_time,
                    f.with_parents,
                    f.missed,
                    f.to_come,
                ]
            )
    return out.getvalue()


def termly_csv_response(web: Web, year: int | None, school: str | None = None) -> Response:
    """The termly review figures of an academic year (this one by default) as CSV: /compliance/termly.csv."""
    year = year if year is not None else academic_year_of(web.clock.today())
    name = f"sendclock-termly-reviews-{school_year_label(year)}.csv"
    return Response(
        termly_csv(year, termly_for(web, year, school)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


CSV_BATCH = 1000  # steps read, judged and sent at a time
CSV_FIRST_BATCH = 250  # the first batch, smaller: the file starts sooner


def steps_csv_chunks(
    web: Web,
    school: str | None,
    today: date,
    school_names: dict[str, str] | None = None,
    batch: int = CSV_BATCH,
    first: int = CSV_FIRST_BATCH,
) -> Iterator[str]:
    """steps_csv of every step (of `school`), a piece at a time: the header, then `first` steps, then `batch` steps at a
    time, each batch read after the last (keyset paging in all_steps' order: store.web_queries.steps_after) in a short
    session of its own, with its overdue notices, and judged for backdating. Never the whole table in memory."""
    yield steps_csv_header(school_names)
    after, limit = None, min(first, batch)
    while True:
        with web.sessionmaker() as session:
            steps, after = steps_after(session, after, limit=limit, school=school)
        if steps:
            yield steps_csv_rows(judged_by_school(web, steps), today, school_names)
        if len(steps) < limit:
            return
        limit = batch


def steps_csv_response(web: Web, school: str | None = None, name_schools: bool = False) -> Response:
    """The export of every step (of `school`; None: every school), for the page /steps.csv and its API twin
    /api/steps.csv; `name_schools` (a trust role's): with each step's school. Streamed (steps_csv_chunks); the
    first batch is read before the response starts, so a database that does not answer is an error page, not a
    cut-off file."""
    names = {s: web.school_name(s) for s in web.root.settings.school_ids} if name_schools else None
    chunks = steps_csv_chunks(web, school, web.clock.today(), names)
    first = [next(chunks), next(chunks, "")]  # the header, and the first batch
    return StreamingResponse(
        chain(first, chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sendclock-steps.csv"'},
    )
