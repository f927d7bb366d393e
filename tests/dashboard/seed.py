"""Fictional rows for the dashboard tests (case references only; no names)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from store.models import Event, Outbox, Process, Step

TODAY = date(2027, 3, 10)
OPENED = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)


def d(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def process(
    workflow_id: str,
    case_ref: str,
    la: str,
    owner: str = "senco",
    status: str = "open",
    kind: str = "ehc-advice-request",
) -> Process:
    return Process(
        workflow_id=workflow_id,
        kind=kind,
        case_ref=case_ref,
        la=la,
        owner=owner,
        status=status,
        received_on=date(2027, 1, 11),
        channel="email",
        opened_at=OPENED,
    )


def step(p: Process, rule_id: str, due: date, target: date, owner: str, status: str = "open", **kw) -> Step:
    return Step(
        process=p,
        rule_id=rule_id,
        rule_version=date(2014, 9, 1),
        basis=f"SEND Regulations 2014 ({rule_id})",
        anchor=date(2027, 1, 11),
        due=due,
        target=target,
        explanation=[f"why {rule_id}"],
        owner=owner,
        status=status,
        **kw,
    )


def seed(db) -> None:
    """Open steps for senco and ta in Kent and Medway, one completed late, one completed on time, events, outbox."""
    with db.begin() as session:
        kent = process("ehc-advice-request-EHC-0042-20270111", "EHC-0042", "Kent")
        medway = process("annual-review-EHC-0007", "EHC-0007", "Medway", owner="ta", kind="annual-review")
        surrey = process("ehc-advice-request-EHC-0100-20270111", "EHC-0100", "Surrey", status="completed")
        session.add_all([kent, medway, surrey])
        session.add_all(
            [
                step(kent, "ehc-advice", due=d(-2), target=d(-5), owner="senco"),  # 2 days overdue
                step(medway, "review-report", due=d(4), target=d(3), owner="ta"),  # due soon, the TA's
                step(medway, "review-notice", due=d(30), target=d(28), owner="senco"),  # later
                step(
                    surrey,
                    "ehc-advice",
                    due=d(-20),
                    target=d(-22),
                    owner="senco",
                    status="completed",
                    completed_on=d(-18),
                    on_time=False,
                    days_late=2,
                ),
                step(
                    surrey,
                    "ehc-final-plan",
                    due=d(-10),
                    target=d(-10),
                    owner="senco",
                    status="completed",
                    completed_on=d(-12),
                    on_time=True,
                    days_late=0,
                    exempt=True,
                    exemption_ground="reg8-2-a",
                ),
            ]
        )
        session.flush()
        session.add_all(
            [
                Event(key="k1", process_id=kent.workflow_id, kind="process-opened", occurred_at=OPENED, data={}),
                Event(
                    key="k2",
                    process_id=kent.workflow_id,
                    kind="step-opened",
                    rule_id="ehc-advice",
                    occurred_at=OPENED,
                    data={"due": d(-2).isoformat()},
                ),
                Event(
                    key="k3",
                    process_id=kent.workflow_id,
                    kind="reminder-sent",
                    rule_id="ehc-advice",
                    occurred_at=OPENED + timedelta(days=20),
                    data={"days_to_target": 7},
                ),
                Event(
                    key="k4",
                    process_id=medway.workflow_id,
                    kind="step-opened",
                    rule_id="review-report",
                    occurred_at=OPENED,
                    data={},
                ),
            ]
        )
        t = datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
        for i, (status, recipient) in enumerate([("kept", "senco"), ("failed", "ta"), ("sent", "head")]):
            session.add(
                Outbox(
                    key=f"o{i}",
                    kind="reminder",
                    recipient=recipient,
                    channel="outbox",
                    subject=f"EHC-0042 reminder {i}",
                    body="fictional",
                    status=status,
                    attempts=i,
                    scheduled_for=t,
                    created_at=t + timedelta(hours=i),
                )
            )
