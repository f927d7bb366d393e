"""The notifier's log (issue 22): one INFO line per outbox row sent, held or failed, saying which process (its
workflow id: the opaque case reference and a date, as Temporal's own logs already show it), what and how (the
notice's kind, the rule, the channel's kind, the outcome, the attempt, whether it was the fallback, the row's id),
never to whom or what about: no address, URL, name, subject or text, not even when the channel's error names them.
Real SMTP on loopback, real SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from activities.notifier import DeliveryError
from activities.sendclock import SendclockActivities
from config.logging import JsonFormatter, TextFormatter, setup_logging
from tests.helpers import free_port
from tests.notifications.conftest import WORKFLOW_ID, attempt, notice, rows, staff

pytestmark = [
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
    pytest.mark.databases,
]  # SQLite and PostgreSQL (tests/db.py)

SATURDAY_NIGHT = datetime(2026, 3, 7, 22, 0, tzinfo=UTC)
MONDAY_0800 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # GMT: 08:00 in London
# What the notice is about and whom it is for: none of it may be in a log line.
PERSONAL = (
    "example.org",
    "jo.teacher",
    "senco@",
    "Jo Example",
    "Sam Example",
    "Brighton",
    "Advice to the LA",
    "mailto",
    "127.0.0.1",
    "sendclock.example.org",
)


def lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "activities.notifier"]


def fields(record: logging.LogRecord) -> tuple:
    return record.kind, record.rule_id, record.channel, record.outcome, record.attempt, record.fallback


def assert_nothing_personal(records: list[logging.LogRecord]) -> None:
    for record in records:
        for text in (JsonFormatter().format(record), TextFormatter().format(record)):
            assert [p for p in PERSONAL if p in text] == [], text


@pytest.fixture
def notifier_log(caplog) -> Iterator[None]:
    caplog.set_level(logging.INFO, logger="activities.notifier")
    yield


def test_a_sent_notice_logs_its_fields_and_no_address(make_notifier, smtp, smtp_url, caplog, notifier_log):
    notifier = make_notifier(smtp_url=smtp_url)
    reminder = notice("reminder", ("teacher",), days_to_target=0, initials="JS")
    assert [d.status for d in notifier.notify(reminder).deliveries] == ["sent"]

    [line] = lines(caplog)
    [row] = rows(notifier)
    assert line.levelno == logging.INFO and line.getMessage() == "reminder notice sent via email"
    assert fields(line) == ("reminder", "ehc-advice", "email", "sent", 1, False) and line.outbox_id == row.id
    assert line.workflow_id == WORKFLOW_ID  # which process: the "workflow id", never a name
    assert_nothing_personal([line])

    caplog.clear()
    notifier.notify(reminder)  # a rerun sends nothing, and says nothing
    assert lines(caplog) == []


def test_a_held_notice_logs_held_and_then_sent(make_notifier, smtp, smtp_url, teams, teams_url, caplog, notifier_log):
    notifier = make_notifier(
        smtp_url=smtp_url, quiet_hours=True, staff_directory=staff(teacher_notify=["email", teams_url])
    )
    assert (
        notifier.notify(notice("overdue", ("teacher",), at=SATURDAY_NIGHT, days_to_target=None, days_overdue=3))
        .deliveries[0]
        .status
        == "held"
    )
    assert notifier.dispatch_held(MONDAY_0800) == 2

    assert [fields(line) for line in lines(caplog)] == [
        ("overdue", "ehc-advice", "email", "held", 0, False),
        ("overdue", "ehc-advice", "teams", "held", 0, False),
        ("overdue", "ehc-advice", "email", "sent", 1, False),
        ("overdue", "ehc-advice", "teams", "accepted", 1, False),
    ]
    assert_nothing_personal(lines(caplog))


def test_failures_and_the_fallback_log_their_outcome_never_the_error(
    make_notifier, smtp, smtp_url, caplog, notifier_log
):
    dead = f"mailto://127.0.0.1:{free_port()}?from=sendclock@example.org&mode=insecure&to=jo.teacher@example.org"
    notifier = make_notifier(smtp_url=smtp_url, staff_directory=staff(teacher_notify=[dead]))
    activities = SendclockActivities(notifier.settings, notifier.sessions, notifier)
    reminder = notice("reminder", ("teacher",), days_to_target=2)

    with pytest.raises(DeliveryError):
        attempt(1, of=2).run(activities.notify, reminder)
    assert [d.status for d in attempt(2, of=2).run(activities.notify, reminder).deliveries] == ["fallback"]

    assert [fields(line) for line in lines(caplog)] == [
        ("reminder", "ehc-advice", "email", "failed", 1, False),
        ("reminder", "ehc-advice", "email", "failed", 2, False),
        ("reminder", "ehc-advice", "email", "sent", 1, True),
    ]  # the SENCO's e-mail
    failed, fallback = rows(notifier)
    assert [line.outbox_id for line in lines(caplog)] == [failed.id, failed.id, fallback.id]
    assert failed.error  # apprise's words stay in the outbox row ...
    assert_nothing_personal(lines(caplog))  # ... and out of the log


@pytest.fixture
def process_log() -> Iterator[None]:
    """setup_logging changes the process's root logger: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("apprise", "httpx", "httpcore", "urllib3")}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def test_the_process_log_has_the_line_and_nothing_of_apprise_s(make_notifier, smtp, smtp_url, capsys, process_log):
    """As the worker writes it (setup_logging), even at DEBUG: apprise names each recipient ("Sent Email to ...")."""
    setup_logging("DEBUG")
    notifier = make_notifier(smtp_url=smtp_url)
    notifier.notify(notice("reminder", ("teacher",)))

    # sendclock's lines: the test's SMTP peer (aiosmtpd, logger "mail.log") runs in this process and logs it all
    ours = "\n".join(line for line in capsys.readouterr().err.splitlines() if " mail.log: " not in line)
    assert "activities.notifier: reminder notice sent via email workflow_id=" in ours and " outbox_id=" in ours
    assert " kind=reminder " in ours and " outcome=sent " in ours
    assert "apprise" not in ours and [p for p in PERSONAL if p in ours] == [], ours
