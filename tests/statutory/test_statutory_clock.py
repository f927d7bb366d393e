"""Time-zone helpers across the BST changes (Sun 29 Mar 2026, Sun 25 Oct 2026)."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from statutory import LONDON, at_local, fmt, local_date


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 3, 27), datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),  # GMT
        (date(2026, 3, 28), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
        (date(2026, 3, 29), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # BST from 01:00 UTC
        (date(2026, 3, 30), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        (date(2026, 10, 24), datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),
        (date(2026, 10, 25), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # GMT again
        (date(2026, 10, 26), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    ],
)
def test_at_local_0800(day, utc):
    instant = at_local(day, time(8, 0))
    assert instant == utc
    assert instant.utcoffset() == timedelta(0)
    assert local_date(instant) == day


def test_at_local_other_zone():
    assert at_local(date(2026, 7, 1), time(9, 0), "America/New_York") == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert LONDON == "Europe/London"


def test_at_local_rejects_aware_time():
    with pytest.raises(ValueError):
        at_local(date(2026, 3, 30), time(8, 0, tzinfo=UTC))


def test_local_date_around_midnight():
    # 23:30 UTC on 29 Mar 2026 is 00:30 BST on 30 Mar.
    assert local_date(datetime(2026, 3, 29, 23, 30, tzinfo=UTC)) == date(2026, 3, 30)
    # 23:30 UTC on 25 Oct 2026 is 23:30 GMT, still 25 Oct.
    assert local_date(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_date(datetime(2026, 6, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))) == date(2026, 5, 31)


def test_local_date_rejects_naive():
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 3, 30, 8, 0))


def test_fmt():
    assert fmt(date(2026, 3, 16)) == "Mon 16 Mar 2026"
    assert fmt(date(2027, 2, 14)) == "Sun 14 Feb 2027"
    assert fmt(date(2026, 1, 1)) == "Thu 1 Jan 2026"
