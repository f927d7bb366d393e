"""The weekly digest at a trust's deployment (issue 25): each school's leaders get a digest of their school's steps
only, on their school's digest day (a closure at elm on Monday moves elm's to Tuesday, not oak's); the trust's SEND
lead (`trust.staff`) gets one digest of both schools, each school's steps under its name. Through the real Notifier,
to the outbox (no channels): each row carries its school, the trust lead's the trust's (store.outbox.TRUST). Held
notices go out by their own school's calendar."""

from __future__ import annotations

from datetime import date, time
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from activities.housekeeping import HousekeepingActivities
from activities.notifier import Notifier
from config.settings import (
    CalendarSettings,
    ClosureSetting,
    NotificationSettings,
    SchoolSettings,
    Settings,
    StaffMember,
    TrustSettings,
)
from store.models import Outbox
from store.outbox import TRUST, OutboxStatus
from tests.digest.conftest import MONDAY, monday_morning
from tests.store.store_rows import add_process, add_step
from workflows.models import DigestInput

MONDAY_9AM = monday_morning(at=time(9, 0))
TUESDAY = date(2027, 1, 12)
TUESDAY_9AM = monday_morning(TUESDAY, time(9, 0))


def staff(school: str) -> dict[str, StaffMember]:
    """Each school has a SENCO and a head with the same ids and their own names and addresses, and a teacher who is
    not a leader."""
    name = school.title()
    return {
        "senco": StaffMember(name=f"Sam {name} (SENCO)", role="senco", email=f"senco@{school}.example.org"),
        "head": StaffMember(name=f"Priya {name} (Head)", role="head", email=f"head@{school}.example.org"),
        "teacher": StaffMember(name=f"Jo {name}", role="staff", email=f"jo@{school}.example.org"),
    }


@pytest.fixture
def trust(settings: Settings) -> Settings:
    """Two schools, oak and elm; elm closed on Monday 11 January 2027 (an INSET day)."""
    return Settings(
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        dashboard_url=settings.dashboard_url,
        temporal=settings.temporal,
        calendar=CalendarSettings(),  # the trust's: no closures (not the shipped demo's)
        staff={},
        notifications=NotificationSettings(retry_initial_seconds=0.1, retry_max_seconds=0.2),
        trust=TrustSettings(
            name="Example Learning Trust",
            staff={"lead": StaffMember(name="Lee Example (Trust SEND lead)", role="leadership")},
        ),
        schools={
            "oak": SchoolSettings(name="Oak Primary School", staff=staff("oak")),
            "elm": SchoolSettings(
                name="Elm Academy",
                staff=staff("elm"),
                calendar=CalendarSettings(closures=[ClosureSetting(start=MONDAY, end=MONDAY, label="INSET day")]),
            ),
        },
    )


@pytest.fixture
def steps(sessions) -> None:
    """Oak: one overdue step (EHC-OAK1). Elm: one overdue (EHC-ELM1) and one due soon (EHC-ELM2)."""
    with sessions.begin() as session:
        oak = add_process(session, "oak~ehc-advice-request-EHC-OAK1-20261123", "EHC-OAK1", school="oak")
        add_step(session, oak, "ehc-advice", due=date(2027, 1, 4), target=date(2027, 1, 4))
        elm = add_process(session, "elm~ehc-advice-request-EHC-ELM1-20261123", "EHC-ELM1", school="elm")
        add_step(session, elm, "ehc-advice", due=date(2027, 1, 6), target=date(2027, 1, 6))
        soon = add_process(session, "elm~ehc-advice-request-EHC-ELM2-20261214", "EHC-ELM2", school="elm")
        add_step(session, soon, "ehc-advice", due=date(2027, 1, 18), target=date(2027, 1, 15))


def digest_rows(sessions) -> dict[str, Outbox]:
    """The digest rows by key."""
    with sessions() as session:
        return {row.key: row for row in session.scalars(select(Outbox).where(Outbox.kind == "digest"))}


def test_each_schools_leaders_get_their_schools_steps_and_the_trust_lead_both_grouped_by_school(trust, sessions, steps):
    activities = HousekeepingActivities(trust, sessions)
    monday = activities.send_digests(DigestInput(now=MONDAY_9AM))
    rows = digest_rows(sessions)
    # Monday: oak's leaders and the trust lead; elm is closed, its digest waits for its next working day.
    assert {(row.school, row.recipient) for row in rows.values()} == {
        ("oak", "head"),
        ("oak", "senco"),
        (TRUST, "lead"),
    }
    assert set(rows) == {
        "digest/oak~head/2027-W02/outbox",
        "digest/oak~senco/2027-W02/outbox",
        "digest/trust/lead/2027-W02/outbox",
    }
    oak = rows["digest/oak~senco/2027-W02/outbox"].body
    assert "Dear Sam Oak (SENCO)" in oak and "Oak Primary School" in oak and "EHC-OAK1" in oak
    assert "EHC-ELM" not in oak and "Elm" not in oak
    assert (monday.due, monday.open, monday.overdue) == (True, 1, 1)  # oak's

    lead = rows["digest/trust/lead/2027-W02/outbox"]
    assert lead.subject == "[sendclock] Trust digest, Mon 11 Jan 2027: 2 overdue, 1 due soon across 2 schools"
    text = lead.body
    assert "Dear Lee Example (Trust SEND lead)" in text and "Example Learning Trust" in text
    # grouped by school, in the settings' order: oak's section holds oak's case, elm's elm's
    assert text.index("== Oak Primary School ==") < text.index("EHC-OAK1") < text.index("== Elm Academy ==")
    assert text.index("== Elm Academy ==") < text.index("EHC-ELM1") and text.index("EHC-ELM2") > text.index("EHC-OAK1")

    tuesday = activities.send_digests(DigestInput(now=TUESDAY_9AM))
    rows = digest_rows(sessions)
    elm = {key: row for key, row in rows.items() if row.school == "elm"}
    assert set(elm) == {"digest/elm~head/2027-W02/outbox", "digest/elm~senco/2027-W02/outbox"}
    body = elm["digest/elm~head/2027-W02/outbox"].body
    assert "Dear Priya Elm (Head)" in body and "EHC-ELM1" in body and "EHC-ELM2" in body and "EHC-OAK1" not in body
    assert len(rows) == 5  # oak's and the trust lead's were not sent again
    # both schools' digests are due by Tuesday (oak's found delivered): the counts are both schools'
    assert (tuesday.open, tuesday.overdue, tuesday.due_soon) == (3, 2, 1)
    assert {(d.recipient, d.status) for d in tuesday.deliveries if d.status == "skipped"} == {
        ("head", "skipped"),
        ("senco", "skipped"),
        ("lead", "skipped"),
    }


def test_a_single_school_install_has_no_trust_digest_and_its_keys_are_unchanged(settings, sessions, steps):
    HousekeepingActivities(settings, sessions).send_digests(DigestInput(now=MONDAY_9AM))
    rows = digest_rows(sessions)
    assert {row.school for row in rows.values()} == {"default"}
    assert sorted(rows) == [f"digest/{r}/2027-W02/outbox" for r in ("deputy", "head", "senco")]
    # its steps are the default school's only: the schools' rows above are not its
    assert all("EHC-OAK1" not in row.body and "EHC-ELM1" not in row.body for row in rows.values())


def test_a_held_notice_goes_out_in_its_own_schools_hours(trust, sessions):
    """A notice held for each school on Sunday night: on Monday at 09:00 oak's goes, elm's (closed) waits for
    Tuesday; each school's by its own notifier."""
    sent: list[str] = []

    def sender(url, **message):
        from activities.channels import Outcome

        sent.append(url)
        return Outcome("sent")

    trust_with_email = trust.model_copy(
        update={
            "notifications": trust.notifications.model_copy(
                update={"smtp_url": "mailto://127.0.0.1:25?from=sendclock@example.org&mode=insecure"}
            )
        }
    )
    notifier = Notifier(trust_with_email, sessions, sender=sender)
    sunday_night = monday_morning(date(2027, 1, 10), time(21, 0))
    for school in ("oak", "elm"):
        delivery = notifier.deliver(
            key=f"test/{school}/senco",
            recipient="senco",
            school=school,
            kind="reminder",
            subject="EHC-0001: a reminder",
            text="text",
            now=sunday_night,
        )
        assert delivery.status == "held"
    with sessions() as session:
        held = {row.school: row for row in session.scalars(select(Outbox).where(Outbox.kind == "reminder"))}
    assert {school: row.status for school, row in held.items()} == {"oak": OutboxStatus.HELD, "elm": OutboxStatus.HELD}
    assert held["oak"].not_before == monday_morning(MONDAY, time(8, 0))  # the next window: oak opens on Monday
    assert held["elm"].not_before == monday_morning(TUESDAY, time(8, 0))  # elm's INSET day: Tuesday

    assert notifier.dispatch_held(MONDAY_9AM) == 1
    assert [unquote(url) for url in sent] == [unquote(sent[0])] and "senco@oak.example.org" in unquote(sent[0])
    assert "name=Oak Primary School (sendclock)" in unquote(sent[0])
    assert notifier.dispatch_held(TUESDAY_9AM) == 1
    assert "senco@elm.example.org" in unquote(sent[1]) and "name=Elm Academy (sendclock)" in unquote(sent[1])
