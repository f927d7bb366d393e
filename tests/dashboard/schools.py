"""A trust of two schools in one deployment, for the isolation and trust view tests (issue 25): the settings (schools
oak and elm, fictional staff at example.org; each school has a `senco` and a `ta`, so a staff id never tells a school),
an account of each kind, and processes, steps, events and notices of both seeded directly in the database, an overdue
step at each. Every text that belongs to one school only is in OAK or ELM (what the other school must never see)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import SchoolSettings, Settings, StaffMember, TrustSettings
from store.accounts import Account
from store.models import Event, Outbox
from tests.dashboard.conftest import _HASH
from tests.dashboard.seed import OPENED, d, process, step

OAK_ADVICE = "oak~ehc-advice-request-OAK-0001-20270111"  # the oak SENCO's overdue advice (Oakshire)
OAK_REVIEW = "oak~annual-review-EHC-0042"  # oak's TA's review report, due soon
ELM_ADVICE = "elm~ehc-advice-request-ELM-0001-20270111"  # the elm SENCO's overdue advice (Elmshire)
ELM_REVIEW = "elm~annual-review-EHC-0042"  # elm's TA's review report (the same staff id and case reference as oak's)
ELM_DONE = "elm~ehc-advice-request-ELM-0002-20260901"  # elm's advice sent on time, the LA's decision late
UNKNOWN = "oak~ehc-advice-request-OAK-9999-20270111"
SHARED_REF = "EHC-0042"  # a case reference both schools use, each for its own pupil

# What only one school may see: its case references, LA, staff names, school name, notices and notes, workflow ids.
OAK = ("OAK-0001", "Oakshire", "Asha Oakley", "Ben Oakley", "Oak Primary School", "OAK-NOTICE", "OAK-NOTE", "oak~")
ELM = ("ELM-0001", "ELM-0002", "Elmshire", "Cara Elmwood", "Eve Elmwood", "Dev Elmwood", "Elm Academy", "ELM-NOTICE")
ELM += ("ELM-NOTE", "elm~")
MARKERS = {"oak": OAK, "elm": ELM}
OTHER = {"oak": "elm", "elm": "oak"}

# username: (role, school, staff id)
ACCOUNTS = {
    "oak-senco": ("senco", "oak", "senco"),
    "oak-ta": ("staff", "oak", "ta"),
    "elm-senco": ("senco", "elm", "senco"),
    "elm-head": ("leadership", "elm", "head"),
    "elm-auditor": ("auditor", "elm", None),
    "trust-lead": ("trust-leadership", None, None),
    "trust-auditor": ("trust-auditor", None, None),
}
SCHOOL_USERS = [u for u, (_, school, _) in ACCOUNTS.items() if school]
TRUST_USERS = [u for u, (_, school, _) in ACCOUNTS.items() if not school]
# Each school's objects, as the routes' path parameters name them.
EXAMPLES = {
    "oak": {"workflow_id": OAK_ADVICE, "case_ref": "OAK-0001", "la": "Oakshire", "review": OAK_REVIEW},
    "elm": {"workflow_id": ELM_ADVICE, "case_ref": "ELM-0001", "la": "Elmshire", "review": ELM_REVIEW},
    "unknown": {"workflow_id": UNKNOWN, "case_ref": "OAK-9999", "la": "Nowhereshire", "review": UNKNOWN},
}


def trust_settings(tmp_path: Path, database_url: str | None = None) -> Settings:
    def staff(name: str, role: str = "staff") -> StaffMember:
        return StaffMember(name=name, role=role, email=f"{name.split()[0].lower()}@example.org")

    return Settings(
        var_dir=tmp_path,
        database_url=database_url or f"sqlite:///{tmp_path}/t.db",
        trust=TrustSettings(name="Example Learning Trust"),
        schools={
            "oak": SchoolSettings(
                name="Oak Primary School",
                staff={"senco": staff("Asha Oakley (SENCO)", "senco"), "ta": staff("Ben Oakley (TA)")},
            ),
            "elm": SchoolSettings(
                name="Elm Academy",
                staff={
                    "senco": staff("Cara Elmwood (SENCO)", "senco"),
                    "head": staff("Dev Elmwood (Head)", "head"),
                    "ta": staff("Eve Elmwood (TA)"),
                },
            ),
        },
        temporal={"ui_url": "http://127.0.0.1:9/", "namespace": "trust-ns"},  # nothing listens: never reached
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The trust's settings, in place of tests/dashboard/conftest.py's one school (on SQLite, and on PostgreSQL too
    for a test marked `databases`: tests/db.py)."""
    return trust_settings(tmp_path, database_url)


def seed_trust(db) -> None:
    """Both schools' processes, steps, events and notices, and an account of each kind (ACCOUNTS)."""
    at = OPENED + timedelta(days=1)
    with db.begin() as session:
        for username, (role, school, staff_id) in ACCOUNTS.items():
            session.add(
                Account(
                    username=username,
                    password_hash=_HASH,
                    role=role,
                    school=school,
                    staff_id=staff_id,
                    active=True,
                    created_at=OPENED,
                )
            )
        made = {
            OAK_ADVICE: process(OAK_ADVICE, "OAK-0001", "Oakshire"),
            OAK_REVIEW: process(OAK_REVIEW, SHARED_REF, "Oakshire", owner="ta", kind="annual-review"),
            ELM_ADVICE: process(ELM_ADVICE, "ELM-0001", "Elmshire"),
            ELM_REVIEW: process(ELM_REVIEW, SHARED_REF, "Elmshire", owner="ta", kind="annual-review"),
            ELM_DONE: process(ELM_DONE, "ELM-0002", "Elmshire", status="completed"),
        }
        for workflow_id, p in made.items():
            p.school = workflow_id.partition("~")[0]
        session.add_all(made.values())
        session.add_all(
            [
                step(made[OAK_ADVICE], "ehc-advice", due=d(-3), target=d(-6), owner="senco"),  # overdue at oak
                step(made[OAK_REVIEW], "review-report", due=d(5), target=d(4), owner="ta"),  # due soon, oak's TA
                step(made[ELM_ADVICE], "ehc-advice", due=d(-4), target=d(-7), owner="senco"),  # overdue at elm
                step(made[ELM_REVIEW], "review-report", due=d(6), target=d(5), owner="ta"),  # due soon, elm's TA
                step(
                    made[ELM_DONE],
                    "ehc-advice",
                    due=d(-150),
                    target=d(-152),
                    owner="senco",
                    status="completed",
                    completed_on=d(-155),
                    on_time=True,
                    days_late=0,
                ),
                step(  # Elmshire decided whether to assess 10 days late: on elm's LA scorecard, never oak's
                    made[ELM_DONE],
                    "ehc-assessment-decision",
                    due=d(-160),
                    target=d(-160),
                    owner="senco",
                    status="completed",
                    completed_on=d(-150),
                    on_time=False,
                    days_late=10,
                ),
            ]
        )
        session.flush()
        for workflow_id in made:
            school = workflow_id.partition("~")[0].upper()
            session.add(
                Event(
                    key=f"{workflow_id}/opened",
                    process_id=workflow_id,
                    kind="process-opened",
                    occurred_at=OPENED,
                    data={},
                )
            )
            session.add(
                Event(
                    key=f"{workflow_id}/note",
                    process_id=workflow_id,
                    kind="reassigned",
                    occurred_at=at,
                    actor="senco",
                    data={"note": f"{school}-NOTE"},
                )
            )
        t = datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
        notices = [
            ("oak", "senco", OAK_ADVICE, "OAK-0001 OAK-NOTICE to the SENCO"),
            ("oak", "ta", OAK_REVIEW, "EHC-0042 OAK-NOTICE to the TA"),
            ("elm", "senco", ELM_ADVICE, "ELM-0001 ELM-NOTICE to the SENCO"),
            ("elm", "ta", ELM_REVIEW, "EHC-0042 ELM-NOTICE to the TA"),  # the same staff id as oak's TA
        ]
        for i, (school, recipient, workflow_id, subject) in enumerate(notices):
            session.add(
                Outbox(
                    key=f"n{i}",
                    school=school,
                    kind="reminder",
                    recipient=recipient,
                    channel="outbox",
                    subject=subject,
                    body="fictional",
                    status="kept",
                    attempts=0,
                    scheduled_for=t,
                    created_at=t + timedelta(minutes=i),
                    process_id=workflow_id,
                    rule_id="ehc-advice",
                )
            )


@pytest.fixture
def trust(db):
    seed_trust(db)
    return db


def leaked(text: str, school: str) -> list[str]:
    """The texts of `school` found in `text`."""
    return [marker for marker in MARKERS[school] if marker in text]
