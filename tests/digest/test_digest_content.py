"""What the weekly digest lists: counts, then overdue steps (most overdue first), then steps due soon (by target),
from a real SQLite store; case references only."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from pydantic import ValidationError

from activities.digest import build_digest, digest_recipients, iso_week
from config.settings import DigestSettings, NotificationSettings
from tests.digest.conftest import MONDAY
from tests.digest.digest_rows import PUPIL_NAME, add_school


def test_overdue_first_then_due_soon_with_counts(settings, sessions):
    add_school(sessions)
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)

    assert (digest.open_count, len(digest.overdue), len(digest.due_soon), digest.later) == (5, 2, 2, 1)
    assert [(i.case_ref, i.rule_id, i.days) for i in digest.overdue] == [
        ("EHC-0042", "ehc-advice", 7),
        ("EHC-0043", "naming-consultation", 3),
    ]
    assert [(i.case_ref, i.rule_id, i.days) for i in digest.due_soon] == [
        ("EHC-0045", "ehc-final-plan", 0),
        ("EHC-0044", "review-report", 7),
    ]
    advice = digest.overdue[0]
    assert advice.rule_title == "Advice to the LA for an EHC needs assessment"
    assert (advice.la, advice.owner, advice.due) == ("Kent", "Sam Example (SENCO)", date(2027, 1, 4))
    assert digest.overdue[1].exempt and not advice.exempt
    assert digest.due_soon[0].owner == "ghost"  # an unknown staff id is shown as it is
    assert digest.due_soon[1].owner == "Jo Example"
    assert (digest.completed.done, digest.completed.late) == (2, 1)  # 7 and 8 Jan; not 1 Dec
    assert (digest.week, digest.dashboard_url) == ("2027-W02", "https://sendclock.example.org")


def test_the_window_for_due_soon_is_a_setting(settings, sessions):
    add_school(sessions)
    settings.notifications = NotificationSettings(digest=DigestSettings(due_within_days=3))
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    assert [i.case_ref for i in digest.due_soon] == ["EHC-0045"] and digest.later == 2


def test_an_empty_store_gives_an_empty_digest(settings, sessions):
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    assert (digest.open_count, digest.overdue, digest.due_soon, digest.completed.done) == (0, [], [], 0)


def test_no_pupil_data_reaches_the_digest(settings, sessions):
    add_school(sessions)
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    assert PUPIL_NAME not in repr(asdict(digest)) and "2015" not in repr(asdict(digest))


def test_recipients_are_the_staff_in_the_digest_roles(settings):
    assert digest_recipients(settings) == ["deputy", "head", "senco"]
    settings.notifications = NotificationSettings(digest=DigestSettings(roles=["senco"]))
    assert digest_recipients(settings) == ["senco"]


def test_roles_must_be_staff_roles():
    with pytest.raises(ValidationError, match="unknown role"):
        DigestSettings(roles=["senco", "caretaker"])


def test_iso_week_names_the_week_across_a_new_year():
    assert iso_week(date(2027, 1, 11)) == "2027-W02"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"  # a Friday in the last ISO week of 2026
    assert iso_week(date(2025, 12, 29)) == "2026-W01"
