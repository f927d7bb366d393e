"""On which day of the week the digest goes: the digest weekday, or the next working day of the same week when it
falls on a bank holiday or a school closure; no digest in a week with no working day left."""

from __future__ import annotations

from datetime import date

import pytest

from activities.digest import digest_day
from activities.housekeeping import HousekeepingActivities
from config.settings import CalendarSettings, ClosureSetting, DigestSettings, NotificationSettings
from statutory import Closure, SchoolCalendar
from tests.digest.conftest import RecordingNotifier, monday_morning
from workflows.models import DigestInput

MONDAY, WEDNESDAY = 0, 2
INSET = Closure(start=date(2027, 1, 4), end=date(2027, 1, 4), label="INSET day")
HALF_TERM = Closure(start=date(2027, 2, 15), end=date(2027, 2, 19), label="February half term")


@pytest.mark.parametrize(
    ("day", "weekday", "expected"),
    [
        (date(2027, 1, 13), MONDAY, date(2027, 1, 11)),  # an ordinary week: its Monday
        (date(2026, 4, 8), MONDAY, date(2026, 4, 7)),  # Easter Monday 2026 is a bank holiday: Tuesday
        (date(2027, 1, 6), MONDAY, date(2027, 1, 5)),  # an INSET day on the Monday: Tuesday
        (date(2027, 2, 17), MONDAY, None),  # half term: no working day that week
        (date(2027, 1, 13), WEDNESDAY, date(2027, 1, 13)),
        (date(2026, 12, 29), MONDAY, None),  # Christmas: 28 Dec is a substitute bank holiday, the rest is closed
    ],
)
def test_digest_day(day, weekday, expected):
    calendar = SchoolCalendar([INSET, HALF_TERM, Closure(start=date(2026, 12, 21), end=date(2027, 1, 1))])
    assert digest_day(calendar, day, weekday) == expected


def test_a_closure_on_a_wednesday_digest_moves_it_to_thursday():
    calendar = SchoolCalendar([Closure(start=date(2027, 1, 13), end=date(2027, 1, 13))])
    assert digest_day(calendar, date(2027, 1, 11), WEDNESDAY) == date(2027, 1, 14)


class TestTheActivityWaitsForTheDay:
    @pytest.fixture
    def calendar(self) -> CalendarSettings:
        return CalendarSettings(closures=[ClosureSetting(start=INSET.start, end=INSET.end, label=INSET.label)])

    @pytest.fixture
    def notifier(self) -> RecordingNotifier:
        return RecordingNotifier()

    @pytest.fixture
    def activities(self, settings, sessions, notifier) -> HousekeepingActivities:
        return HousekeepingActivities(settings, sessions, notifier)

    def test_nothing_goes_on_the_closed_monday_everything_on_tuesday(self, activities, notifier):
        monday = activities.send_digests(DigestInput(now=monday_morning(date(2027, 1, 4))))
        assert (monday.due, monday.week, monday.reason) == (
            False,
            "2027-W01",
            "this week's digest goes on Tue 5 Jan 2027",
        )
        assert notifier.delivered == []

        tuesday = activities.send_digests(DigestInput(now=monday_morning(date(2027, 1, 5))))
        assert tuesday.due and tuesday.on == date(2027, 1, 5)
        assert [d["key"] for d in notifier.delivered] == [
            "digest/deputy/2027-W01",
            "digest/head/2027-W01",
            "digest/senco/2027-W01",
        ]
        assert {d["kind"] for d in notifier.delivered} == {"digest"}

    def test_a_week_with_no_working_day_has_no_digest(self, activities, notifier, settings):
        settings.calendar = CalendarSettings(closures=[ClosureSetting(start=date(2027, 2, 15), end=date(2027, 2, 19))])
        result = activities.send_digests(DigestInput(now=monday_morning(date(2027, 2, 15))))
        assert not result.due and "no working day" in result.reason and notifier.delivered == []

    def test_the_weekday_is_a_setting(self, activities, notifier, settings):
        settings.notifications = NotificationSettings(digest=DigestSettings(weekday="Wednesday"))
        assert not activities.send_digests(DigestInput(now=monday_morning(date(2027, 1, 11)))).due
        assert activities.send_digests(DigestInput(now=monday_morning(date(2027, 1, 13)))).due
