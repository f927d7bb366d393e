"""On-time rates for an academic year, per rule and per LA, counted with and without exempted steps.

A step counts in the academic year its statutory due date falls in (1 September to 31 August). It is *decided* when
it was completed (on time or late) or is still open past its due date (late so far); steps withdrawn or cancelled,
and open steps not yet due, are not counted. "All steps" counts every decided step; "excluding exemptions" leaves
out steps where an exemption (e.g. reg 8(2)) was recorded, since the statutory time limit did not bind them.

Annual reviews have two figures (docs/law.md, annual-review-due): "meeting within 12 months", the school's part
(the review meeting held on or before `annual-review-due`'s due date), and "review concluded within 12 months", the
LA's part (the step's completion: the LA's decision after the meeting, on or before that date). A review whose meeting
was on time and whose decision was late is "late (LA)". For steps completed by the meeting, before issue 18, the
completion date is the meeting date, and the only date there is for both figures.

A completion counts by its date given (the law's date), even when it was recorded after the fact: a step flagged as
backdated (audit/backdating.py; StepFact.backdated, set by the caller with the school calendar) still counts on time or
late by that date, and is counted again apart ("recorded late (backdated)", and how many of those count on time), so
an auditor sees how many on-time figures rest on a date given after the fact.

A trust of several schools (issue 25) counts each school apart (compliance_by_school) from the same steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from statutory import get_rule
from statutory.actions import step_kind
from store.web_queries import REVIEW_DUE, StepFact

MEETING_KEY = "meeting within 12 months"  # the school's part of an annual review
CONCLUDED_KEY = "review concluded within 12 months"  # the LA's part: its decision after the meeting


def academic_year_of(day: date) -> int:
    """The academic year a date falls in, named by the year it starts (2026 for 1 Sep 2026 - 31 Aug 2027)."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 9, 1), date(year + 1, 8, 31)


def judged(rule_id: str) -> bool:
    """Whether a step of the rule can be on time or late: a duty, the school's or the LA's. An earliest date (from
    which a request may be made) and a window the parent holds (which closes by itself) are never late, and are not
    counted (statutory/actions.py)."""
    try:
        return step_kind(get_rule(rule_id)) in ("duty", "chase")
    except ValueError:
        return True


def outcome(step: StepFact, today: date) -> bool | None:
    """True on time, False late (or open past due), None not counted (not yet known, or a step that is never late)."""
    if not judged(step.rule_id):
        return None
    if step.status == "completed":
        return (
            step.on_time
            if step.on_time is not None
            else (step.completed_on is not None and step.completed_on <= step.due)
        )
    if step.status == "open" and step.due < today:
        return False
    return None


def meeting_outcome(step: StepFact, today: date) -> bool | None:
    """For an annual-review-due step, whether the review meeting was held on or before the due date (the school's
    part): True, False (held late, or none held and the date has passed), None (not yet known, or not counted)."""
    if step.rule_id != REVIEW_DUE or step.status not in ("open", "completed"):
        return None
    if step.meeting_on is not None:
        return step.meeting_on <= step.due
    if step.status == "open" and step.due < today:
        return False
    return None


def result_text(step: StepFact, today: date) -> str:
    """ "on time", "late", or "late (LA)" for an annual review whose meeting was on time and whose conclusion (the
    LA's decision) was not; "" when the step is not counted (yet)."""
    ok = outcome(step, today)
    if ok is None:
        return ""
    if ok:
        return "on time"
    return "late (LA)" if meeting_outcome(step, today) else "late"


@dataclass(frozen=True)
class Rate:
    key: str
    on_time: int
    counted: int
    on_time_excl: int  # excluding exempted steps
    counted_excl: int
    exempt: int
    backdated: int = 0  # counted steps whose completion is flagged as backdated
    backdated_on_time: int = 0  # ... of which counted on time (by the date given)

    @property
    def percent(self) -> float | None:
        return 100 * self.on_time / self.counted if self.counted else None

    @property
    def percent_excl(self) -> float | None:
        return 100 * self.on_time_excl / self.counted_excl if self.counted_excl else None


@dataclass(frozen=True)
class Compliance:
    year: int
    total: Rate
    by_rule: list[Rate]
    by_la: list[Rate]
    # Annual reviews: MEETING_KEY (the school's part) and CONCLUDED_KEY (the LA's), in that order.
    reviews: list[Rate] = field(default_factory=list)

    def review(self, key: str) -> Rate:
        return next((r for r in self.reviews if r.key == key), Rate(key, 0, 0, 0, 0, 0))


def _rates(groups: dict[str, list[tuple[StepFact, bool]]]) -> list[Rate]:
    rates = []
    for key in sorted(groups):
        decided = groups[key]
        plain = [ok for s, ok in decided if not s.exempt]
        flagged = [ok for s, ok in decided if s.backdated]
        rates.append(
            Rate(
                key=key,
                on_time=sum(ok for _, ok in decided),
                counted=len(decided),
                on_time_excl=sum(plain),
                counted_excl=len(plain),
                exempt=len(decided) - len(plain),
                backdated=len(flagged),
                backdated_on_time=sum(flagged),
            )
        )
    return rates


def compliance(steps: Iterable[StepFact], year: int, today: date) -> Compliance:
    start, end = academic_year_bounds(year)
    by_rule: dict[str, list] = {}
    by_la: dict[str, list] = {}
    everything: list = []
    reviews: dict[str, list] = {MEETING_KEY: [], CONCLUDED_KEY: []}
    for step in steps:
        if not start <= step.due <= end:
            continue
        if step.rule_id == REVIEW_DUE:
            met = meeting_outcome(step, today)
            if met is not None:  # the meeting's own record is not the step's completion: not judged here
                reviews[MEETING_KEY].append((replace(step, backdated=None), met))
        ok = outcome(step, today)
        if ok is None:
            continue
        by_rule.setdefault(step.rule_id, []).append((step, ok))
        by_la.setdefault(step.la, []).append((step, ok))
        everything.append((step, ok))
        if step.rule_id == REVIEW_DUE:
            reviews[CONCLUDED_KEY].append((step, ok))
    total = _rates({"all": everything})[0] if everything else Rate("all", 0, 0, 0, 0, 0)
    review_rates = {r.key: r for r in _rates(reviews)}
    return Compliance(
        year=year,
        total=total,
        by_rule=_rates(by_rule),
        by_la=_rates(by_la),
        reviews=[review_rates[MEETING_KEY], review_rates[CONCLUDED_KEY]],
    )


def compliance_by_school(steps: Iterable[StepFact], year: int, today: date) -> dict[str, Compliance]:
    """The figures above for each school apart (StepFact.school; issue 25: a trust's schools side by side, each
    counted exactly as its own compliance page counts it), by school id."""
    groups: dict[str, list[StepFact]] = {}
    for step in steps:
        groups.setdefault(step.school, []).append(step)
    return {school: compliance(group, year, today) for school, group in groups.items()}
