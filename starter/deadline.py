"""A rule applied to a date, as a SENCO asks it (`sendclock deadline`, `GET /api/deadline`): checked once here, each
refusal a RequestError naming the field ("rule", "from", "post16", "la", "reading"), which the CLI says as its flag
and the API as its query parameter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from config.school_calendar import school_calendar
from config.school_deadlines import deadline_for
from config.settings import Settings
from starter.requests import RequestError
from statutory import Closure, Convention, Deadline, get_rule, rule_ids
from statutory.conventions import READINGS
from statutory.deadline import LA_LEAD_RULES
from workflows.models import PlanStepInput
from workflows.models.common import FIRST_DATE, LAST_DATE


def explain_deadline(
    settings: Settings,
    rule_id: str,
    anchor: date,
    *,
    post16: bool = False,
    la: str | None = None,
    reading: str | None = None,
    closures: Iterable[Closure] = (),
) -> Deadline:
    """The due date, target and explanation of `rule_id` from `anchor`, on the school's calendar (plus `closures`),
    with the school's readings unless `reading` is given. `post16` is for the derived transfer-year meeting date
    (plan back from the post-16 date); `la` for that date too (the LA's own date), and for the steps before a review
    meeting an LA may ask for earlier than the law (its practice date beside the statutory one)."""
    if rule_id not in rule_ids():
        raise RequestError(f"rule: unknown rule {rule_id!r} (see `sendclock rules`)")
    try:
        rule = get_rule(rule_id, on=anchor)
    except ValueError as err:
        raise RequestError(f"from: {err}") from None
    if not FIRST_DATE <= anchor <= LAST_DATE:  # far-future anchors would overflow the date arithmetic
        raise RequestError(
            f"from: {anchor} is outside the dates sendclock accepts: from {FIRST_DATE} (the SEND "
            f"Regulations 2014 came into force) to {LAST_DATE}"
        )
    if rule.convention is not Convention.C9 and post16:
        raise RequestError(
            f"post16: only for a planning date derived from the transfer review (phase-transfer-meeting-by), not "
            f"{rule_id}"
        )
    if rule.convention is not Convention.C9 and la and rule_id not in LA_LEAD_RULES:
        raise RequestError(
            f"la: only for a planning date derived from the transfer review (phase-transfer-meeting-by) or a step "
            f"before a review meeting an LA may ask for earlier ({', '.join(LA_LEAD_RULES)}), not {rule_id}"
        )
    if reading is not None and reading not in READINGS:
        raise RequestError(f"reading: {reading!r} is not a reading; use clear or inclusive")
    if la is not None and settings.la_practice(la) is None:
        known = ", ".join(sorted(settings.las)) or "none"
        raise RequestError(f"la: no LA named {la!r} in the settings (las.<name>; configured: {known})")
    if reading is not None:
        settings = settings.model_copy(update={"law": settings.law.model_copy(update={"notice_reading": reading})})
    request = PlanStepInput(
        rule_id=rule_id,
        anchor=anchor,
        owner="-",
        escalate_to="-",
        la=la,
        derived_from="post16-transfer-review" if post16 else None,
    )
    return deadline_for(settings, request, school_calendar(settings).with_closures(closures))
