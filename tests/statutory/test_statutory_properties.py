"""Property tests over dates 2015-2040 with random closures."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from statutory import (
    Closure,
    Convention,
    SchoolCalendar,
    compute_deadline,
    escalation_dates,
    get_rule,
    recurring_dates,
    reminder_dates,
    rule_ids,
)
from statutory.conventions import term_for
from statutory.rules import TERM_CONVENTIONS, Holder
from tests.helpers import examples

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def closures(draw):
    start = draw(dates)
    length = draw(st.integers(min_value=0, max_value=60))
    return Closure(
        start=start,
        end=start + timedelta(days=length),
        label=draw(st.sampled_from(["INSET", "Summer holiday", "school closed"])),
    )


@st.composite
def calendars(draw):
    anchor_near = draw(dates)
    near = st.builds(
        lambda offset, length: Closure(
            start=anchor_near + timedelta(days=offset), end=anchor_near + timedelta(days=offset + length)
        ),
        st.integers(min_value=-30, max_value=400),
        st.integers(min_value=0, max_value=45),
    )
    return SchoolCalendar(draw(st.lists(st.one_of(closures(), near), max_size=6)))


FAST = settings(max_examples=examples(150), deadline=None)


@FAST
@given(rule_id=st.sampled_from(rule_ids()), anchor=dates, calendar=calendars())
def test_deadline_properties(rule_id, anchor, calendar):
    bare = compute_deadline(rule_id, anchor)
    deadline = compute_deadline(rule_id, anchor, calendar)
    rule = get_rule(rule_id, on=anchor)
    if rule.convention in TERM_CONVENTIONS:
        # the school's own termly and yearly promises are dated by its terms: the term's last school day
        term = term_for(rule, anchor, calendar)
        assert deadline.due == deadline.target == calendar.last_school_day(term)
        assert calendar.is_working_day(deadline.due) or deadline.due < term.start
        assert term.end >= anchor
        if rule.convention is Convention.T1:
            assert term == calendar.terms.term_of(anchor)
        else:
            assert term == calendar.terms.of_year(term.school_year)[-1]
        text = " ".join(deadline.explanation)
        assert rule.basis in text and rule.convention.value in text and "term dates" in text
        return
    if rule.convention is Convention.W1:
        # the school's own count of working days (a chase's follow-up): the n-th working day after the anchor
        assert deadline.due == deadline.target and calendar.is_working_day(deadline.due)
        between = [anchor + timedelta(days=d) for d in range(1, (deadline.due - anchor).days + 1)]
        assert sum(calendar.is_working_day(d) for d in between) == rule.amount
        assert "W1" in " ".join(deadline.explanation) and "not a time limit in law" in " ".join(deadline.explanation)
        return
    # due never depends on the calendar (but for the school's own counts of its terms and working days, above)
    assert deadline.due == bare.due
    # C6 in the duty-holder's calendar: an LA's own deadline ignores the school's closures
    own = calendar.without_closures() if rule.holder is Holder.LA else calendar
    assert own.is_working_day(deadline.target)
    if rule.convention is Convention.C7:
        assert deadline.target >= deadline.due
    else:
        assert deadline.target <= deadline.due
    # every day strictly between target and due (and due itself, if moved) is not a working day
    step = timedelta(days=1 if deadline.target > deadline.due else -1)
    day = deadline.due
    while day != deadline.target:
        assert not own.is_working_day(day)
        day += step
    text = " ".join(deadline.explanation)
    assert rule.basis in text
    assert rule.convention.value in text
    if rule.guidance:
        assert "guidance for planning, not a time limit in law" in text
    else:
        assert "The law moves no deadline" in text
    assert deadline.basis == rule.basis


@FAST
@given(
    target=dates,
    offsets=st.lists(st.integers(min_value=0, max_value=60), max_size=8),
    calendar=calendars(),
)
def test_reminder_properties(target, offsets, calendar):
    got = reminder_dates(target, offsets, calendar)
    days = [d for _, d in got]
    assert days == sorted(set(days))
    assert all(calendar.is_working_day(d) and d <= target for d in days)
    assert {o for o, _ in got} <= set(offsets)
    assert len(got) <= len(set(offsets))


@FAST
@given(
    due=dates,
    calendar=calendars(),
    every=st.integers(min_value=1, max_value=30),
    count=st.integers(min_value=0, max_value=8),
)
def test_escalation_and_recurring_properties(due, calendar, every, count):
    for got in (escalation_dates(due, calendar, every, count), recurring_dates(due, calendar, every, count)):
        assert len(got) == count
        assert all(a < b for a, b in zip(got, got[1:], strict=False))
        assert all(calendar.is_working_day(d) and d > due for d in got)
