"""ICS calendar feeds: every open step's target date as an all-day event, so deadlines appear in Outlook.

A feed URL carries a secret token (`sendclock feed new --staff ID` or `--school`); only its SHA-256 digest is
stored, and `sendclock feed revoke ID` ends it. A staff feed has that person's open steps; the school feed every
open step. Unknown and revoked tokens get 404 (nothing tells them apart).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from icalendar import Calendar, Event

from dashboard.context import PROCESS_LABELS, Web, get_web
from dashboard.security import token_digest
from store.accounts_queries import live_token
from store.queries import open_steps

router = APIRouter(include_in_schema=False)


def feed_ics(web: Web, staff_id: str | None, name: str) -> bytes:
    today = web.clock()
    with web.sessionmaker() as session:
        steps = open_steps(session, today, owner=staff_id)
    cal = Calendar()
    cal.add("prodid", "-//sendclock//statutory SEND deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    base = web.settings.dashboard_url.rstrip("/")
    for s in steps:
        event = Event()
        event.add("uid", f"{s.workflow_id}/{s.rule_id}@sendclock")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.target)
        event.add("dtend", s.target + timedelta(days=1))
        event.add("summary", f"{s.case_ref}: {s.rule_id} target (due {s.due:%-d %b %Y})")
        event.add("description", f"{PROCESS_LABELS.get(s.process_kind, s.process_kind)} from {s.la}. "
                                 f"Target {s.target:%-d %b %Y}, statutory due date {s.due:%-d %b %Y}. {s.basis}."
                                 + (" An exemption applies." if s.exempt else ""))
        event.add("url", f"{base}/cases/{s.case_ref}")
        event.add("categories", ["sendclock", s.rule_id])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


@router.get("/feeds/{token}.ics")
def feed(token: str, web: Web = Depends(get_web)) -> Response:
    with web.sessionmaker() as session:
        found = live_token(session, token_digest(token), ("feed-staff", "feed-school"))
        kind, staff_id = (found.kind, found.staff_id) if found else (None, None)
    if kind is None:
        raise HTTPException(status_code=404, detail="no such feed")
    if kind == "feed-staff":
        body = feed_ics(web, staff_id, f"sendclock: {web.staff_name(staff_id)}")
    else:
        body = feed_ics(web, None, f"sendclock: {web.settings.school_name}")
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"})
