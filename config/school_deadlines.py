"""The rule book's dates with this school's settings applied: the C3 reading of notice periods, an LA's own date for
transfer-year review meetings and its own lead times before a review meeting (las.<name>), the school's promise to
send advice counted from the LA's request. Pure: the planning activity (activities/planning.py) and `sendclock
deadline` / `GET /api/deadline` (starter/deadline.py) compute a step's dates with the same function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.settings import LaPractice, Settings, month_day
from statutory import Convention, SchoolCalendar, compute_deadline, get_rule
from statutory.deadline import Deadline, LaLead, LaMeetingDate

if TYPE_CHECKING:  # only its fields are read: config needs no workflow code at run time
    from workflows.models import PlanStepInput


# The LA profile's lead time for each step before a review meeting it may ask for earlier than the law does
# (statutory/deadline.py LA_LEAD_RULES).
LA_LEAD_SETTINGS = {
    "review-advice-circulation": "review_advice_weeks_before",
    "review-notice": "review_notice_weeks_before",
}


def la_lead_for(practice: LaPractice | None, la: str, rule_id: str) -> LaLead | None:
    """The LA's own lead time for `rule_id` (None: it has no profile, or sets none for this step)."""
    setting = LA_LEAD_SETTINGS.get(rule_id)
    weeks = getattr(practice, setting) if practice is not None and setting is not None else None
    return LaLead(la=la, weeks=weeks) if weeks is not None else None


def deadline_for(settings: Settings, request: PlanStepInput, calendar: SchoolCalendar) -> Deadline:
    """The rule book's dates for a step, with what this school and its LAs have set: the C3 reading, an LA's own
    date for transfer-year review meetings, an LA's own lead time before a review meeting (its date beside the
    statutory one), the school's promise counted from the request, how many school weeks before the end of term it
    wants termly reviews."""
    rule = get_rule(request.rule_id, on=request.anchor)
    la_date: LaMeetingDate | None = None
    la_lead: LaLead | None = None
    practice = settings.la_practice(request.la) if request.la is not None else None
    if request.la is not None and rule.convention is Convention.C3:
        la_lead = la_lead_for(practice, request.la, rule.id)
    if (
        rule.convention is Convention.C9
        and request.la is not None
        and practice
        and practice.transfer_review_meetings_by
    ):
        month, day = month_day(practice.transfer_review_meetings_by, f"las.{request.la}.transfer_review_meetings_by")
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
        la_lead=la_lead,
        working_days=_chase_days(settings, request) if rule.convention is Convention.W1 else None,
    )


def _chase_days(settings: Settings, request: PlanStepInput) -> int | None:
    """The LA's own time to answer a chase letter (las.<name>.chase_follow_up_working_days); None: the rule's."""
    practice = settings.la_practice(request.la) if request.la is not None else None
    return practice.chase_follow_up_working_days if practice is not None else None
