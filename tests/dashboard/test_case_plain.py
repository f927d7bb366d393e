"""The case page speaks a SENCO's language (issue 23): no rule id, Python list, True/False/None, ISO date or
counting-convention code in what the page shows, for a case of each process kind; the legal detail (rule id,
citation, convention, the rule book's explanation) one click away in a <details>. Also: finished processes below
the open ones, a closure explained forwards, a form's error summary naming and linking each field, and the header
without an id."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from dashboard.case_words import forward_runs, listing, plain_dates
from statutory import RULES, compute_deadline, get_rule, rule_ids
from statutory.calendar import Closure, SchoolCalendar
from store.models import Event, Process, Step
from tests.dashboard.conftest import csrf_of
from workflows.registry import PROCESS_KINDS

SUMMER = SchoolCalendar([Closure(start=date(2026, 7, 22), end=date(2026, 9, 1), label="Summer holiday")])
AT = datetime(2026, 7, 16, 9, 30, tzinfo=UTC)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CONVENTION = re.compile(r"\bC[1-9]\b")
PYTHON_WORDS = re.compile(r"\b(?:True|False|None)\b")
RULE_ID = re.compile("|".join(rf"(?<![\w-]){re.escape(r)}(?![\w-])" for r in rule_ids()))


def visible_text(page: str) -> str:
    """What a reader sees without opening anything: the body's text outside <details>, <script> and <style>."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(details|script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


# --- fictional records, as the workflows write them ------------------------------------------------------------


def _process(wid: str, case_ref: str, kind: str, received: date, status: str = "open", outcome: str | None = None):
    return Process(
        workflow_id=wid,
        kind=kind,
        case_ref=case_ref,
        la="Kent",
        owner="senco",
        status=status,
        received_on=received,
        channel="email",
        opened_at=datetime.combine(received, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
        closed_at=None if status == "open" else AT + timedelta(days=30),
        outcome=outcome,
        facts={},
    )


def _step(p: Process, rule_id: str, anchor: date, owner: str = "senco", status: str = "open", **kw) -> Step:
    deadline = compute_deadline(rule_id, anchor, SUMMER)
    return Step(
        process=p,
        rule_id=rule_id,
        instance=kw.pop("instance", 1),
        rule_version=deadline.rule_version,
        basis=deadline.basis,
        anchor=anchor,
        due=deadline.due,
        target=deadline.target,
        explanation=kw.pop("explanation", deadline.explanation),
        owner=owner,
        status=status,
        **kw,
    )


def _event(p: Process, n: int, kind: str, rule_id: str | None = None, actor: str | None = None, /, **data) -> Event:
    suffix = f"{rule_id}/{kind}" if rule_id else kind
    return Event(
        key=f"{p.workflow_id}/{suffix}/{n}",
        process_id=p.workflow_id,
        kind=kind,
        rule_id=rule_id,
        actor=actor,
        occurred_at=AT + timedelta(days=n),
        data=data,
    )


def _opened(p: Process, n: int, rule_id: str, step: Step) -> Event:
    return _event(p, n, "step-opened", rule_id, due=step.due.isoformat(), target=step.target.isoformat())


def _done(p: Process, n: int, rule_id: str, on: date, late: int, by: str = "senco", **data) -> Event:
    return _event(
        p,
        n,
        "completed",
        rule_id,
        by,
        completed_on=on.isoformat(),
        on_time=late == 0,
        days_late=late,
        **data,
    )


def seed_advice(session) -> None:
    """EHC-0601: a request received in the summer (its target before the closure: the old explanation, written
    backwards, as the rule book stored it before issue 23), and an earlier one sent on time: finished."""
    received = date(2026, 7, 16)
    p = _process("ehc-advice-request-EHC-0601-20260716", "EHC-0601", "ehc-advice-request", received)
    done = _process(
        "ehc-advice-request-EHC-0601-20260302",
        "EHC-0601",
        "ehc-advice-request",
        date(2026, 3, 2),
        status="completed",
        outcome="sent on time",
    )
    done.opened_at = p.opened_at - timedelta(days=200)  # opened first: still shown after the open one
    advice = _step(p, "ehc-advice", received)
    advice.explanation = [
        line.replace("Wed 22 Jul 2026 to Thu 27 Aug 2026", "Thu 27 Aug 2026 to Wed 22 Jul 2026")
        for line in advice.explanation
    ]
    old = _step(done, "ehc-advice", date(2026, 3, 2), status="completed", completed_on=date(2026, 4, 10))
    old.on_time, old.days_late = True, 0
    session.add_all([p, done, advice, old])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "request-received", received_on=received.isoformat(), channel="email"),
            _opened(p, 1, "ehc-advice", advice),
            _event(
                p,
                2,
                "reminder-sent",
                "ehc-advice",
                kind="reminder",
                on="2026-07-17",
                recipients=["senco", "head"],
                delivered=True,
            ),
            _event(
                p,
                3,
                "reassigned",
                "ehc-advice",
                "head",
                **{"from": "senco", "to": "senco", "reason": "back to the SENCO", "recorded_by": "web:head"},
            ),
            _event(done, 0, "request-received", received_on="2026-03-02", channel="post"),
            _opened(done, 1, "ehc-advice", old),
            _done(done, 2, "ehc-advice", date(2026, 4, 10), 0, method="email", note="sent to the LA"),
            _event(done, 3, "process-closed", status="completed", outcome="sent on time"),
        ]
    )


def seed_draft(session) -> None:
    """EHC-0602: a draft plan consultation: the school's views open, the parent's 15 days closed by themselves."""
    received = date(2026, 6, 1)
    p = _process("draft-plan-consultation-EHC-0602-20260601", "EHC-0602", "draft-plan-consultation", received)
    naming = _step(p, "naming-consultation", received)
    window = _step(p, "draft-plan-representations", received, status="completed", completed_on=date(2026, 6, 15))
    window.on_time, window.days_late = True, 0
    session.add_all([p, naming, window])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "consultation-received", received_on="2026-06-01", served_on="2026-06-02"),
            _opened(p, 1, "naming-consultation", naming),
            _opened(p, 2, "draft-plan-representations", window),
            _done(p, 3, "draft-plan-representations", date(2026, 6, 15), 0, by="sendclock", closed="the period ended"),
            _event(
                p,
                4,
                "exemption-recorded",
                "naming-consultation",
                "senco",
                ground="reg8-2-a",
                start=None,
                end=None,
                note="",
                claimed_by="senco",
            ),
        ]
    )


def seed_review(session) -> None:
    """EHC-0603: an annual review, plan dated 20 Dec 2025: the meeting set and held, the report done 3 days late by
    the TA, the LA's decision awaited."""
    plan = date(2025, 12, 20)
    meeting = date(2026, 11, 4)
    p = _process("annual-review-EHC-0603", "EHC-0603", "annual-review", plan)
    due = _step(p, "annual-review-due", plan)
    notice = _step(p, "review-notice", meeting, status="completed", completed_on=date(2026, 10, 19))
    notice.on_time, notice.days_late = True, 0
    report = _step(p, "review-report", meeting, owner="ta", status="completed", completed_on=date(2026, 11, 21))
    report.on_time, report.days_late = False, 3
    decision = _step(p, "review-la-decision", meeting)
    session.add_all([p, due, notice, report, decision])
    session.flush()
    invited = ["parents", "pupil", "la-sen-officer", "school-staff"]
    session.add_all(
        [
            _event(p, 0, "review-cycle-opened", cycle=1, invitees=invited, preparing_for_adulthood=False),
            _opened(p, 1, "annual-review-due", due),
            _event(
                p,
                2,
                "meeting-set",
                meeting_on=meeting.isoformat(),
                short_notice=False,
                by="senco",
                note="",
                recorded_by="web:senco",
            ),
            _opened(p, 3, "review-notice", notice),
            _done(p, 4, "review-notice", date(2026, 10, 19), 0, method="email"),
            _event(p, 5, "meeting-held", held_on=meeting.isoformat(), by="senco", attended=invited[:3], note=""),
            _opened(p, 6, "review-report", report),
            _done(p, 7, "review-report", date(2026, 11, 21), 3, by="ta", evidence="report ref 12"),
            _opened(p, 8, "review-la-decision", decision),
            _event(
                p,
                9,
                "escalation-sent",
                "review-la-decision",
                kind="overdue",
                on="2026-12-03",
                recipients=["senco"],
                delivered=False,
            ),
        ]
    )


def seed_reassessment(session) -> None:
    """EHC-0604: a re-assessment, finished: the final plan issued late."""
    changed = date(2026, 2, 2)
    p = _process(
        "reassessment-EHC-0604-20260202",
        "EHC-0604",
        "reassessment",
        changed,
        status="completed",
        outcome="final plan issued 3 day(s) late",
    )
    earliest = _step(p, "reassessment-earliest", date(2025, 9, 1), status="completed", completed_on=date(2026, 3, 2))
    decided = _step(p, "reassessment-decision", date(2026, 3, 2), status="completed", completed_on=date(2026, 3, 16))
    decided.on_time, decided.days_late = True, 0
    final = _step(p, "reassessment-final", date(2026, 3, 16), status="completed", completed_on=date(2026, 6, 25))
    final.on_time, final.days_late = False, 3
    session.add_all([p, earliest, decided, final])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "needs-changed", needs_changed_on="2026-02-02", last_assessment_on="2025-09-01"),
            _opened(p, 1, "reassessment-earliest", earliest),
            _event(p, 2, "request-sent", sent_on="2026-03-02", sent_before_earliest=False, earliest="2026-03-02"),
            _event(p, 3, "la-decided", decision="reassess", decided_on="2026-03-16", by="senco", evidence=""),
            _done(p, 4, "reassessment-final", date(2026, 6, 25), 3),
            _event(p, 5, "process-closed", status="completed", outcome="final plan issued 3 day(s) late"),
        ]
    )


def seed_support(session) -> None:
    """SUP-0605: SEN support reviews: the autumn review held without the parents (and why), the spring one open."""
    placed = date(2026, 9, 7)
    p = _process("sen-support-SUP-0605-20260907", "SUP-0605", "sen-support", placed)
    p.la, p.facts = "none", {"term": "Spring term 2026-27", "last_review_on": "2026-11-20", "reviews_held": 1}
    autumn = _step(p, "sen-support-review", placed, status="completed", completed_on=date(2026, 11, 20))
    autumn.on_time, autumn.days_late = True, 0
    spring = _step(p, "sen-support-review", date(2027, 1, 4), instance=2)
    session.add_all([p, autumn, spring])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "began", began_on="2026-09-07"),
            _opened(p, 1, "sen-support-review", autumn),
            _done(
                p,
                2,
                "sen-support-review",
                date(2026, 11, 20),
                0,
                with_parents=False,
                why_not="parent unwell; notes sent home",
                with_annual_review=False,
                evidence="",
                next_review_on="2027-02-05",
            ),
        ]
    )


def seed_pep(session) -> None:
    """PEP-0606: PEP reviews, with an annual review due in the same term."""
    began = date(2026, 9, 7)
    p = _process("pep-review-PEP-0606-20260907", "PEP-0606", "pep-review", began)
    p.facts = {"term": "Autumn term 2026-27", "annual_review_this_term": "2026-12-11"}
    review = _step(p, "pep-review", began)
    session.add_all([p, review])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "began", began_on="2026-09-07"),
            _event(p, 1, "annual-review-this-term", term="Autumn term 2026-27", annual_review_due="2026-12-11"),
            _opened(p, 2, "pep-review", review),
        ]
    )


def seed_duty(session) -> None:
    """SEN-INFORMATION-REPORT: the school duty, last year's report published, this year's open."""
    last = date(2025, 10, 1)
    p = _process("school-duty-SEN-INFORMATION-REPORT", "SEN-INFORMATION-REPORT", "school-duty", last)
    p.la = "none"
    year = _step(p, "sen-information-report", date(2026, 9, 25), instance=2)
    session.add_all([p, year])
    session.flush()
    session.add_all(
        [
            _event(p, 0, "duty-set", last_done_on="2025-10-01"),
            _opened(p, 1, "sen-information-report", year),
        ]
    )


CASES = {
    "ehc-advice-request": ("EHC-0601", seed_advice),
    "draft-plan-consultation": ("EHC-0602", seed_draft),
    "annual-review": ("EHC-0603", seed_review),
    "reassessment": ("EHC-0604", seed_reassessment),
    "sen-support": ("SUP-0605", seed_support),
    "pep-review": ("PEP-0606", seed_pep),
    "school-duty": ("SEN-INFORMATION-REPORT", seed_duty),
}


@pytest.fixture
def today() -> date:
    return date(2026, 12, 10)


@pytest.fixture
def cases(db):
    with db.begin() as session:
        for _, seed in CASES.values():
            seed(session)
    return db


def test_every_process_kind_has_a_case_here() -> None:
    assert set(CASES) == set(PROCESS_KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("username", ["senco", "head", "ta"])
def test_the_case_page_shows_no_code(client_as, cases, kind, username) -> None:
    """What the page shows, outside <details>: no list as Python writes it, no True/False/None, no ISO date, no
    counting-convention code and no rule id, for every kind of process and as each role sees it."""
    ref, _ = CASES[kind]
    response = client_as(username).get(f"/cases/{ref}")
    if username == "ta" and kind != "annual-review":
        assert response.status_code == 404  # none of the case is the TA's
        return
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "['" not in text and '["' not in text and "{'" not in text
    assert not PYTHON_WORDS.search(text), PYTHON_WORDS.search(text)
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    assert not CONVENTION.search(text), CONVENTION.search(text)
    assert not RULE_ID.search(text), RULE_ID.search(text)
    assert "How this date is counted" in response.text  # the detail is still there, one click away


def test_the_advice_case_in_plain_words(client: TestClient, cases) -> None:
    page = client.get("/cases/EHC-0601").text
    text = visible_text(page)
    # Each step by its title; the plain sentence first, the rule id, citation and convention in the <details>.
    assert "Advice to the LA for an EHC needs assessment" in text
    summary = get_rule("ehc-advice").summary
    assert summary == "Six weeks from the day you received the LA's request for advice, not counting that day."
    cell = page.split(str(escape(summary)), 1)[1].split("</td>", 1)[0]
    assert cell.index("Counted from Thu 16 Jul 2026.") < cell.index("<details><summary>How this date is counted")
    detail = cell.split("<details>", 1)[1]
    for said in ("<code>ehc-advice</code>", "counting convention C1", "SEND Regulations 2014 reg 8(1)", "Target (C6)"):
        assert said in detail, said
    # A closure stored backwards by the old rule book reads forwards.
    assert "Wed 22 Jul 2026 to Thu 27 Aug 2026 are not working days" in detail
    assert "Thu 27 Aug 2026 to Wed 22 Jul 2026" not in page
    # The heading in the kind's own words; staff by name; dates as fmt writes them; events as sentences.
    assert "EHC advice request from Kent, request received Thu 16 Jul 2026" in text
    assert "Owner: Alex Example (SENCO)." in text and "Owner: senco" not in text
    assert "The LA's request was received on Thu 16 Jul 2026 by e-mail." in text
    assert "sent to Alex Example (SENCO) and Jo Example (Head)." in text
    assert "handed from Alex Example (SENCO) to Alex Example (SENCO) by Jo Example (Head): back to the SENCO." in text
    assert "Entered in the dashboard by the account head." in text  # which account told sendclock
    assert "recorded by Alex Example (SENCO): on time." in text and "on time: " not in text
    assert "Note: \u201csent to the LA\u201d." in text
    assert "Fri 17 Jul 2026 10:30" in text  # 09:30 UTC: fmt and the time in the school's zone (BST)


def test_finished_processes_come_after_the_open_ones(client: TestClient, cases) -> None:
    page = client.get("/cases/EHC-0601").text
    text = visible_text(page)
    opened = text.index("EHC advice request from Kent, request received Thu 16 Jul 2026")
    finished = text.index("Finished EHC advice request from Kent, request received Mon 2 Mar 2026")
    assert opened < finished  # the finished one was opened first, and still comes second
    assert "Status: Finished: completed (sent on time)" in text and "Status: Open" in text
    assert "Steps of the EHC advice request (finished)" in text
    api = client.get("/api/cases/EHC-0601").json()["processes"]
    assert [p["status"] for p in api] == ["open", "completed"]  # the API in the page's order
    reassessment = visible_text(client.get("/cases/EHC-0604").text)  # a case with only a finished process
    assert "Status: Finished: completed (final plan issued 3 days late)" in reassessment
    assert "Re-assessment from Kent, needs changed Mon 2 Feb 2026" in reassessment


def test_the_review_case_in_plain_words(client_as, cases) -> None:
    text = visible_text(client_as("senco").get("/cases/EHC-0603").text)
    assert "Annual review from Kent, plan dated Sat 20 Dec 2025" in text
    assert "Invited: the parents, the pupil, the LA's SEN officer and school staff." in text
    assert "Attended: the parents, the pupil and the LA's SEN officer." in text
    assert "The review meeting was set for Wed 4 Nov 2026, recorded by Alex Example (SENCO)." in text
    assert "recorded by Sam Example (TA): 3 days late." in text and "Completed 3 days late" in text
    assert "Escalation" in text and "It could not be delivered." in text
    assert get_rule("review-report").summary in text and "Counted back from the meeting on Wed 4 Nov 2026." in text
    staff = visible_text(client_as("ta").get("/cases/EHC-0603").text)
    assert "Annual review report to everyone invited" in staff and "Notice of the annual review meeting" not in staff
    assert "Owner: " not in staff  # a staff member does not see the process's owner


def test_the_draft_and_reassessment_cases_in_plain_words(client: TestClient, cases) -> None:
    draft = visible_text(client.get("/cases/EHC-0602").text)
    assert "Draft plan consultation from Kent, draft plan received Mon 1 Jun 2026" in draft
    assert "the draft was served on the parent on Tue 2 Jun 2026" in draft
    assert "closed on Mon 15 Jun 2026: the period ended." in draft
    assert "Alex Example (SENCO) recorded an exemption" in draft and "(reg 8(2)(a))" in draft
    reassessment = visible_text(client.get("/cases/EHC-0604").text)
    assert "The LA decided on Mon 16 Mar 2026 to re-assess, recorded by Alex Example (SENCO)." in reassessment
    assert "the last EHC needs assessment was on Mon 1 Sep 2025" in reassessment


def test_every_rule_has_a_plain_summary() -> None:
    """Rule.summary, the sentence the case page shows first: one for every version of every rule, in words only."""
    for rule in RULES:
        assert rule.summary.strip() and rule.summary.endswith("."), rule.id
        assert rule.summary[0].isupper() or rule.summary[0].isdigit(), rule.id
        assert not CONVENTION.search(rule.summary) and not RULE_ID.search(rule.summary), rule.id
        assert "reg " not in rule.summary and "s4" not in rule.summary, rule.id  # citations stay in the detail


def test_a_closure_is_explained_from_its_first_day_to_its_last() -> None:
    """Walking back from a due date in the holiday, the closure is named earlier day first (it was "Thu 27 Aug 2026
    to Wed 22 Jul 2026")."""
    deadline = compute_deadline("ehc-advice", date(2026, 7, 16), SUMMER)
    assert deadline.target == date(2026, 7, 21)
    assert (
        "Wed 22 Jul 2026 to Thu 27 Aug 2026 are not working days (school closed (Summer holiday))"
        in (deadline.explanation[3])
    )
    for anchor in (date(2026, 7, 9), date(2026, 7, 20), date(2026, 12, 1), date(2027, 2, 1)):
        for rule_id in ("ehc-advice", "review-report", "reassessment-earliest"):
            text = "\n".join(compute_deadline(rule_id, anchor, SUMMER).explanation)
            for first, last in re.findall(r"(\w{3} \d+ \w{3} \d{4}) to (\w{3} \d+ \w{3} \d{4}) are not", text):
                assert datetime.strptime(first, "%a %d %b %Y") < datetime.strptime(last, "%a %d %b %Y"), text
    assert forward_runs("Thu 27 Aug 2026 to Wed 22 Jul 2026 are not working days") == (
        "Wed 22 Jul 2026 to Thu 27 Aug 2026 are not working days"
    )
    assert forward_runs("Wed 22 Jul 2026 to Thu 27 Aug 2026 are not working days (x)").endswith("(x)")


def test_a_target_brought_forward_by_the_schools_promise_says_so() -> None:
    deadline = compute_deadline("ehc-advice", date(2027, 1, 14), promised_from=date(2027, 1, 11))
    assert deadline.target < deadline.due
    step = SimpleNamespace(
        rule_id="ehc-advice",
        anchor=deadline.anchor,
        due=deadline.due,
        target=deadline.target,
        explanation=deadline.explanation,
    )
    assert plain_dates(step)[-1] == (
        "Your school's policy promises this sooner, counted from the date on the LA's letter: the target is "
        "Mon 22 Feb 2027; the legal limit stays Thu 25 Feb 2027."
    )


def test_lists_are_written_as_sentences() -> None:
    assert listing([]) == "" and listing(["the parents"]) == "the parents"
    assert listing(["the parents", "the pupil"]) == "the parents and the pupil"
    assert listing(["a", "b", "c"]) == "a, b and c"


def _post(client: TestClient, path: str, data: dict):
    token = csrf_of(client.get(path).text)
    return client.post(path, data=data | {"csrf_token": token}, follow_redirects=False)


def _summary(page: str) -> list[str]:
    box = page.split('<div class="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", box, flags=re.S)


def test_the_error_summary_names_and_links_each_field(client: TestClient) -> None:
    page = _post(client, "/start/ehc-advice-request", {"case_ref": "EHC-0042", "owner": "senco"}).text
    items = _summary(page)
    assert '<a href="#f-received_on">Date the LA&#39;s request was received: enter a date</a>' in items
    assert '<a href="#f-la">Local authority: fill this in</a>' in items
    assert not [i for i in items if "Field required" in i]
    for href in re.findall(r'href="#([^"]+)"', "".join(items)):
        assert f'id="{href}"' in page  # each link lands on its field's input
    data = {"case_ref": "EHC-0042", "la": "Kent", "received_on": "2027-03-01", "owner": "nobody"}
    bad = _post(client, "/start/ehc-advice-request", data).text
    assert any(i.startswith('<a href="#f-owner">Owner: ') and "nobody" in i for i in _summary(bad))


def test_the_error_summary_links_a_multiple_choice_to_its_first_box(client: TestClient, db) -> None:
    from dashboard.forms import FieldSpec, error_summary

    multi = FieldSpec("attended", "Who attended (roles)", "multi", choices=[("parents", "parents")])
    day = FieldSpec("held_on", "Date the meeting was held", "date", required=True)
    items = error_summary({"held_on": "Field required", "attended": "not a role", "form": "Try again."}, [multi, day])
    assert [(i.href, i.text) for i in items] == [
        ("#f-held_on", "Date the meeting was held: enter a date"),
        ("#f-attended-1", "Who attended (roles): not a role"),
        ("", "Try again."),
    ]


def test_the_header_names_the_user_without_an_id(client_as) -> None:
    page = client_as("senco").get("/overdue").text
    assert "<span>Signed in as Alex Example (SENCO)</span>" in page
    assert "Signed in as Alex Example (SENCO) (senco)" not in page
    assert "<span>Signed in as auditor (auditor)</span>" in client_as("auditor").get("/overdue").text


def test_a_case_with_several_processes_has_them_in_one_timeline_oldest_first(client_as, cases) -> None:
    """EHC-0601 has two advice requests: every event of both, in one list by time, each named by its process."""
    page = client_as("senco").get("/cases/EHC-0601").text
    assert "All of EHC-0601's processes in one timeline" in page
    merged = page.split('id="timeline"', 1)[1]
    stamps = re.findall(r'<li><time datetime="([^"]+)">', merged)
    assert len(stamps) == 8 and stamps == sorted(stamps)  # 4 events of each request
    assert merged.count("<strong>EHC advice request</strong>:") == 8
    single = client_as("senco").get("/cases/EHC-0602").text
    assert 'id="timeline"' not in single  # one process: its own events are the timeline


def test_a_termly_review_is_numbered_by_term_and_a_duty_by_year(client_as, cases) -> None:
    assert "SEN support review with parents (term 2)" in visible_text(client_as("senco").get("/cases/SUP-0605").text)
    duty = visible_text(client_as("senco").get("/cases/SEN-INFORMATION-REPORT").text)
    assert "SEN information report published on the school's website (year 2)" in duty


def test_the_exemption_form_names_each_ground_in_words_with_its_regulation(client_as, cases) -> None:
    page = client_as("senco").get("/processes/ehc-advice-request-EHC-0601-20260716/exemption").text
    assert '<option value="reg8-2-a"' in page and "Exceptional personal circumstances affect" in page
    assert "(reg 8(2)(a))" in page and "(reg 5(4)(a))" in page
    assert "reg8-2-a" not in visible_text(page)  # the id is the value sent, not what the SENCO reads
