"""The activities at a trust's deployment (issue 25), each run as Temporal runs it (ActivityEnvironment: the workflow
id in activity.info() says whose process it is): the planning and term activities read the process's school's
calendar and terms, and a PEP's annual review at the same school only; the chain-head fingerprint, one for the
deployment, goes to each school's SENCO and auditors; a chase letter goes by its school's e-mail route and SENCO; a
notice of a school the settings do not have fails with a reason, never to another school's staff."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.chain_head import ChainHeadActivities
from activities.channels import Outcome
from activities.chase import ChaseActivities
from activities.notifier import Notifier
from activities.sendclock import SendclockActivities
from config.settings import (
    CalendarSettings,
    ClosureSetting,
    NotificationSettings,
    SchoolSettings,
    Settings,
    StaffMember,
    TermSetting,
    TrustSettings,
)
from statutory.clock import at_local
from store.models import Outbox, PublishedHead
from tests.store.store_rows import add_process, add_step
from workflows.models import ChainHeadInput, ChaseLetter, NoticeContext, NotifyInput, PlanStepInput, TermRequest

WEDNESDAY = date(2027, 1, 13)
ELM_INSET = date(2027, 2, 24)  # a Wednesday elm is closed


def staff(school: str) -> dict[str, StaffMember]:
    name = school.title()
    return {
        "senco": StaffMember(name=f"Sam {name} (SENCO)", role="senco", email=f"senco@{school}.example.org"),
        "auditor": StaffMember(name=f"Ann {name} (governor)", role="auditor", email=f"gov@{school}.example.org"),
        "teacher": StaffMember(name=f"Jo {name}", role="staff", email=f"jo@{school}.example.org"),
    }


@pytest.fixture
def trust(settings: Settings) -> Settings:
    """oak: the trust's calendar (the England pattern of terms), no e-mail route; elm: its own terms, an INSET day,
    an e-mail route and its own From name."""
    return Settings(
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        dashboard_url="https://sendclock.example.org",
        temporal=settings.temporal,
        calendar=CalendarSettings(),  # the trust's: no closures (not the shipped demo's)
        staff={},
        notifications=NotificationSettings(quiet_hours=False),
        trust=TrustSettings(name="Example Learning Trust"),
        schools={
            "oak": SchoolSettings(name="Oak Primary School", staff=staff("oak")),
            "elm": SchoolSettings(
                name="Elm Academy",
                staff=staff("elm"),
                calendar=CalendarSettings(
                    closures=[ClosureSetting(start=ELM_INSET, end=ELM_INSET, label="INSET day")],
                    terms={
                        "2026-27": [
                            TermSetting(name="Term 1", start=date(2026, 9, 2), end=date(2026, 12, 18)),
                            TermSetting(name="Term 2", start=date(2027, 1, 5), end=date(2027, 3, 25)),
                            TermSetting(name="Term 3", start=date(2027, 4, 12), end=date(2027, 7, 21)),
                        ]
                    },
                ),
                notifications=NotificationSettings(
                    quiet_hours=False,
                    smtp_url="mailto://127.0.0.1:25?from=sendclock@example.org&mode=insecure",
                    from_name="Elm Academy SEND",
                ),
            ),
        },
    )


def as_workflow(workflow_id: str) -> ActivityEnvironment:
    """An activity context whose calling workflow is `workflow_id`."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id=workflow_id, is_local=True)
    return env


OAK_PEP = "oak~pep-review-PEP-0001-20260901"
ELM_PEP = "elm~pep-review-PEP-0001-20260901"


def test_planning_and_terms_are_the_processes_schools(trust, sessions):
    activities = SendclockActivities(trust, sessions)
    # The same rule and anchor: the advice's six weeks end on elm's INSET day, a school day at oak; elm's target is
    # the school day before it.
    request = PlanStepInput(rule_id="ehc-advice", anchor=WEDNESDAY, owner="teacher", escalate_to="senco")
    elm = as_workflow("elm~ehc-advice-request-EHC-2001-20270113").run(activities.plan_step, request)
    oak = as_workflow("oak~ehc-advice-request-EHC-2001-20270113").run(activities.plan_step, request)
    assert elm.due == oak.due == ELM_INSET
    assert (oak.target, elm.target) == (ELM_INSET, date(2027, 2, 23))

    # elm's own terms; oak the England pattern (spring term to 31 March)
    elm_term = as_workflow(ELM_PEP).run(activities.school_term, TermRequest(on=WEDNESDAY))
    oak_term = as_workflow(OAK_PEP).run(activities.school_term, TermRequest(on=WEDNESDAY))
    assert (elm_term.term.name, elm_term.term.end) == ("Term 2", date(2027, 3, 25))
    assert (oak_term.term.name, oak_term.term.default) == ("Spring term", True)

    # A PEP's annual review in the same term: the pupil's at the same school only (the reference is oak's case)
    with sessions.begin() as session:
        review = add_process(
            session, "oak~annual-review-PEP-0001", "PEP-0001", kind="annual-review", school="oak", la="Kent"
        )
        add_step(session, review, "annual-review-due", due=date(2027, 3, 1), target=date(2027, 3, 1))
    ask = TermRequest(on=WEDNESDAY, case_ref="PEP-0001")
    assert as_workflow(OAK_PEP).run(activities.school_term, ask).annual_review_due == date(2027, 3, 1)
    assert as_workflow(ELM_PEP).run(activities.school_term, ask).annual_review_due is None


def test_a_notice_of_a_school_the_settings_do_not_have_fails_and_tells_nobody(trust, sessions):
    activities = SendclockActivities(trust, sessions)
    notice = NotifyInput(
        key="ash~ehc-advice-request-EHC-2002-20270113/ehc-advice/assigned",
        kind="assigned",
        recipients=["senco"],
        scheduled_for=datetime(2027, 1, 13, 9, 0, tzinfo=UTC),
        context=NoticeContext(
            workflow_id="ash~ehc-advice-request-EHC-2002-20270113",
            case_ref="EHC-2002",
            la="Kent",
            rule_id="ehc-advice",
            process_kind="ehc-advice-request",
            rule_title="Advice to the LA",
            basis="reg 8(1)",
            due=date(2027, 2, 24),
            target=date(2027, 2, 24),
            on=WEDNESDAY,
            owner="senco",
        ),
    )
    with pytest.raises(ApplicationError, match="no school 'ash'") as raised:
        as_workflow(notice.context.workflow_id).run(activities.notify, notice)
    assert raised.value.type == "UnknownSchool"
    with sessions() as session:
        assert session.scalars(select(Outbox)).all() == []


def test_the_fingerprint_goes_to_each_open_schools_senco_and_auditor(trust, sessions):
    urls: list[str] = []

    def sender(url, **message):
        urls.append(unquote(url))
        return Outcome("sent")

    sent = ChainHeadActivities(trust, sessions, Notifier(trust, sessions, sender=sender))
    result = sent.publish_chain_head(ChainHeadInput(now=at_local(WEDNESDAY, time(7, 0))))
    assert result.published
    assert sorted(d.recipient for d in result.deliveries) == ["auditor", "auditor", "senco", "senco"]
    with sessions() as session:
        rows = {row.key: row for row in session.scalars(select(Outbox).where(Outbox.kind == "chain-head"))}
        published = session.scalars(select(PublishedHead)).one()
    assert sorted(published.recipients) == ["elm~auditor", "elm~senco", "oak~auditor", "oak~senco"]
    assert {(row.school, row.recipient) for row in rows.values()} == {
        ("oak", "senco"),
        ("oak", "auditor"),
        ("elm", "senco"),
        ("elm", "auditor"),
    }
    oak_senco = rows["chain-head/oak~senco/2027-01-13/outbox"]  # oak has no e-mail route: kept in the outbox
    assert "Dear Sam Oak (SENCO)" in oak_senco.body
    assert "fingerprint of Example Learning Trust's audit record" in oak_senco.body
    assert rows["chain-head/elm~senco/2027-01-13/email"].status == "sent"  # elm's by its route, to elm's SENCO
    assert sorted(url.partition("&to=")[2].partition("&")[0] for url in urls) == [
        "gov@elm.example.org",
        "senco@elm.example.org",
    ]

    # elm's INSET day: the fingerprint goes to oak's only (elm's next working day covers the record up to then)
    inset = sent.publish_chain_head(ChainHeadInput(now=at_local(ELM_INSET, time(7, 0))))
    with sessions() as session:
        day = session.scalars(select(PublishedHead).where(PublishedHead.published_on == ELM_INSET)).one()
    assert inset.published and sorted(day.recipients) == ["oak~auditor", "oak~senco"]


def letter(workflow_id: str, key: str) -> ChaseLetter:
    return ChaseLetter(
        key=key,
        workflow_id=workflow_id,
        rule_id="ehc-final-plan",
        la="Kent",
        to="sen.team@kent.example.org",
        subject="EHC-2003: the final plan is overdue",
        body="Dear SEN team, ...",
        by="senco",
        sent_at=datetime(2027, 1, 13, 10, 0, tzinfo=UTC),
    )


def test_a_chase_letter_goes_by_its_schools_route_from_its_name_copying_its_senco(trust, sessions):
    chase = ChaseActivities(trust, sessions)
    elm = letter("elm~ehc-advice-request-EHC-2003-20260801", "elm~ehc-advice-request-EHC-2003-20260801/la-chase/1")
    oak = letter("oak~ehc-advice-request-EHC-2003-20260801", "oak~ehc-advice-request-EHC-2003-20260801/la-chase/1")
    url = unquote(chase.url("sen.team@kent.example.org", chase.school(elm)))
    assert "name=Elm Academy SEND" in url and "cc=senco@elm.example.org" in url and "reply=senco@elm" in url
    assert chase.kept_reason(elm) is None
    assert "no e-mail route" in (chase.kept_reason(oak) or "")  # oak has none: the SENCO sends it by hand

    with sessions.begin() as session:
        add_process(session, oak.workflow_id, "EHC-2003", school="oak")
    kept = as_workflow(oak.workflow_id).run(chase.send_la_chase, oak)
    assert kept.status == "kept"
    with sessions() as session:
        row = session.scalars(select(Outbox).where(Outbox.key == oak.key)).one()
    assert (row.school, row.channel) == ("oak", "by-hand")
