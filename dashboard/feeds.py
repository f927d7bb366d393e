"""ICS calendar feeds: every open step's target date as an all-day event, so deadlines appear in Outlook.

A feed URL carries a secret token (`sendclock feed new --staff ID` or `--school`); only its SHA-256 digest is
stored, and `sendclock feed revoke ID` ends it. A staff feed has that person's open steps; the school feed every
open step (dashboard.scope.feed_scope: a staff feed without a staff id shows none, never every step). Unknown and
revoked tokens get 404 (nothing tells them apart). HEAD answers as GET, without the body
(RFC 9110 9.3.2).

Schools (issue 25): a feed is one school's (feed_school): the school it was made for (`sendclock feed new
--school`; feeds made before schools: the default school's), else its account's school; in a single-school
deployment, the one school. A feed whose school cannot be told (in a deployment of several schools) is empty and its
name says why: never another school's steps, never every school's.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import UnknownSchool
from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.scope import Scope, feed_scope
from dashboard.views import kind_of, title_of
from statutory.actions import SENTENCES, sentence
from statutory.clock import fmt
from store.accounts import AccessToken, Account
from store.accounts_queries import live_token
from store.credentials import token_digest
from store.models import Event as EventRow
from store.models import Process, Step
from store.queries import open_steps

DATE_MOVES = ("step-rescheduled", "step-replanned")  # each one moved the step's dates: SEQUENCE + 1
STEP_EVENTS = ("step-opened", *DATE_MOVES)


@dataclass(frozen=True)
class Revision:
    instance: int
    sequence: int
    last_modified: datetime


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def step_revisions(session: Session, workflow_ids: set[str]) -> dict[tuple[str, str], Revision]:
    """(workflow_id, rule_id) of each open step -> its instance, SEQUENCE and LAST-MODIFIED, from the step rows and
    the event log (a step's events have keys `{workflow_id}/{rule_id}[#n]/...`, n the instance when above 1)."""
    if not workflow_ids:
        return {}
    rows = session.execute(
        select(Step.process_id, Step.rule_id, Step.instance, Process.opened_at)
        .join(Step.process)
        .where(Step.status == "open", Step.process_id.in_(workflow_ids))
    ).all()
    events = session.execute(
        select(EventRow.process_id, EventRow.key, EventRow.kind, EventRow.occurred_at).where(
            EventRow.process_id.in_(workflow_ids), EventRow.kind.in_(STEP_EVENTS)
        )
    ).all()
    by_step: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
    for process_id, key, kind, occurred_at in events:
        step_key = key.removeprefix(f"{process_id}/").partition("/")[0]
        by_step.setdefault((process_id, step_key), []).append((kind, _utc(occurred_at)))
    found: dict[tuple[str, str], Revision] = {}
    for process_id, rule_id, instance, opened_at in rows:
        if (process_id, rule_id) in found and found[(process_id, rule_id)].instance > instance:
            continue
        mine = by_step.get((process_id, rule_id if instance == 1 else f"{rule_id}#{instance}"), [])
        found[(process_id, rule_id)] = Revision(
            instance=instance,
            sequence=sum(1 for kind, _ in mine if kind in DATE_MOVES),
            last_modified=max((at for _, at in mine), default=_utc(opened_at)).replace(microsecond=0),
        )
    return found


router = APIRouter(include_in_schema=False)


def feed_ics(web: Web, scope: Scope | None, name: str) -> bytes:
    """The calendar of the open steps `scope` sees (None: none, a feed whose school cannot be told)."""
    today = web.clock.today()
    with web.sessionmaker() as session:
        steps = [] if scope is None else open_steps(session, today, owner=scope.owner, school=scope.school)
        revisions = step_revisions(session, {s.workflow_id for s in steps})
    cal = Calendar()
    cal.add("prodid", "-//sendclock//statutory SEND deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    base = web.settings.dashboard_url.rstrip("/")
    for s in steps:
        revision = revisions.get((s.workflow_id, s.rule_id)) or Revision(1, 0, stamp)
        event = Event()
        event.add("uid", f"{s.workflow_id}/{s.rule_id}/{revision.instance}@sendclock")
        event.add("dtstamp", stamp)
        event.add("sequence", revision.sequence)
        event.add("last-modified", revision.last_modified)
        event.add("dtstart", s.target)
        event.add("dtend", s.target + timedelta(days=1))
        event.add("summary", feed_summary(s))
        event.add(
            "description",
            f"{title_of(s.rule_id)}. {PROCESS_LABELS.get(s.process_kind, s.process_kind)} from {s.la}. "
            f"Aim for {fmt(s.target)}; the law's date is {fmt(s.due)}. {s.basis}."
            + (" An exemption applies." if s.exempt else ""),
        )
        event.add("url", f"{base}/cases/{s.case_ref}")
        event.add("categories", ["sendclock", s.rule_id])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def feed_summary(step) -> str:
    """The event's title: the step said as a SENCO would (statutory/actions.py), with its date in words, on the day
    the school aims for."""
    said = sentence(step.rule_id, step.case_ref, step.la) if step.rule_id in SENTENCES else title_of(step.rule_id)
    kind = kind_of(step.rule_id)
    when = {
        "duty": f"due {fmt(step.due)}",
        "chase": f"the LA's date, {fmt(step.due)}",
        "window": f"closes after {fmt(step.due)}",
        "prompt": "from this day",
    }[kind]
    return f"{said} ({when})"


UNKNOWN_SCHOOL = "this feed does not say which school it is for: ask for a new one"


def feed_school(web: Web, session: Session, token: AccessToken) -> str | None:
    """The school a feed is for (module docstring): "" in a single-school deployment (every step is the one
    school's), the school's id, or None when it cannot be told."""
    if not web.settings.several_schools:
        return ""
    if token.school:
        return token.school
    account = session.get(Account, token.account_id) if token.account_id is not None else None
    return account.school if account is not None and account.school else None


@router.api_route("/feeds/{token}.ics", methods=["GET", "HEAD"])
def feed(token: str, request: Request, web: Web = Depends(get_web)) -> Response:
    with web.sessionmaker() as session:
        found = live_token(session, token_digest(token), ("feed-staff", "feed-school"))
        kind, staff_id = (found.kind, found.staff_id) if found else (None, None)
        school = feed_school(web, session, found) if found else None
    if kind is None:
        raise HTTPException(status_code=404, detail="no such feed")
    scope: Scope | None = None
    if school is None:  # several schools, and not which one: nothing rather than another school's steps
        name = UNKNOWN_SCHOOL
    else:
        if school:
            with suppress(UnknownSchool):  # a school the settings no longer have: its steps, the deployment's words
                web = web.for_school(school)  # its name, its staff's names
        scope = feed_scope(kind, staff_id, school or None)
        name = web.settings.school_name if kind == "feed-school" else web.staff_name(staff_id)
    body = feed_ics(web, scope, f"sendclock: {name}")
    headers = {"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"}
    if request.method == "HEAD":  # the GET's headers (its length too), no body
        return Response(
            b"", media_type="text/calendar; charset=utf-8", headers=headers | {"Content-Length": str(len(body))}
        )
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
