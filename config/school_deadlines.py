"""The rule book's dates with this school's settings applied: the C3 reading of notice periods, an LA's own date for
transfer-year review meetings, the school's promise to send advice counted from the LA's request. Pure: the
planning activity (activities/planning.py) and `sendclock deadline` / `GET /api/deadline` (starter/deadline.py)
compute a step's dates with the same function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.settings import Settings, month_day
from statutory import Convention, SchoolCalendar, compute_deadline, get_rule
from statutory.deadline import Deadline, LaMeetingDate

if TYPE_CHECKING:  # only its fields are read: config needs no workflow code at run time
    from workflows.models import PlanStepInput


def deadline_for(settings: Settings, request: PlanStepInput, calendar: SchoolCalendar) -> Deadline:
    """The rule book's dates for a step, with what this school and its LAs have set: the C3 reading, an LA's own
    date for transfer-year review meetings, the school's promise counted from the request, how many school weeks
    before the end of term it wants termly reviews."""
    rule = get_rule(request.rule_id, on=request.anchor)
    la_date = None
    if rule.convention is Convention.C9 and request.la is not None:
        practice = settings.la_practice(request.la)
        if practice is not None and practice.transfer_review_meetings_by:
            month, day = month_day(
                practice.transfer_review_meetings_by, f"las.{request.la}.transfer_review_meetings_by"
            )
            la_date = LaMeetingDate(la=request.la, month=month, day=day)
    promised_from = request.promised_from if settings.law.advice_promise_from == "request" else None
    return compute_deadline(
        request.rule_id,
        request.anchor,
        calendar,
        reading=settings.law.notice_reading,
        derived_from=request.derived_from,
        la_date=la_date,
        promised_from=promised_from if promised_from != request.anchor else None,
        lead_weeks=settings.calendar.termly_review_weeks_before_end if rule.convention is Convention.T1 else 0,
    )
