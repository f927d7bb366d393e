"""The LA scorecard's pages (/las, /las/NAME), its CSV (/las.csv) and their API twins (/api/las, /api/las/{name},
/api/las.csv), and its section on the compliance page: read by the roles that read the compliance figures (the
SENCO, leadership, the auditor), never by staff; in a SENCO's words (each step by its title, dates as the project
writes them, no rule ids in the text); an unknown LA is a 404 that says so; an LA's name is text, never markup.
Fictional case references only."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import quote

import pytest
from markupsafe import escape

from config.settings import LaPractice, Settings
from dashboard.la_scorecard_view import CSV_FIELDS
from statutory.clock import fmt
from store.la_scorecard import LA_RULES
from tests.dashboard.seed import d, process, seed, step

TRICKY = '<b>Tricky</b> & "Co"'  # an LA's name as a process might give it: markup, a slash, quotes
FORMULA = "=HYPERLINK(1)"  # and one a spreadsheet would run
LA_PATHS = ["/las", "/las/Kent", "/las.csv", "/api/las", "/api/las/Kent", "/api/las.csv"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The dashboard tests' settings, with a profile for an LA no process names (yet)."""
    return settings.model_copy(update={"las": {"Bexley": LaPractice()}})


def done(p, rule_id: str, due: date, on: date, **kw):
    late = max(0, (on - due).days)
    return step(
        p, rule_id, due=due, target=due, owner="senco", status="completed", completed_on=on, on_time=late == 0,
        days_late=late, **kw,
    )  # fmt: skip


@pytest.fixture
def las(db):
    """seed() (Kent, Medway, Surrey), and Kent's own deadlines: in 2026-27 one met on time, three answered late (3, 8
    and 30 days; the 30 exempted), one overdue by 5 days, one not yet due and one withdrawn; in 2025-26 one answered
    12 days late. Today is Wed 10 Mar 2027."""
    seed(db)
    with db.begin() as session:
        kent = process("reassessment-EHC-0300", "EHC-0300", "Kent", kind="reassessment")
        older = process("ehc-advice-request-EHC-0301-20260301", "EHC-0301", "Kent")
        tricky = process("ehc-advice-request-EHC-0302-20270111", "EHC-0302", TRICKY)
        formula = process("ehc-advice-request-EHC-0303-20270111", "EHC-0303", FORMULA)
        session.add_all([kent, older, tricky, formula])
        session.add_all(
            [
                done(kent, "review-la-decision", d(-20), d(-25)),
                done(kent, "ehc-assessment-decision", d(-40), d(-32)),
                done(kent, "ehc-final-plan", d(-100), d(-97)),
                done(kent, "ehc-no-plan-notice", d(-60), d(-30), exempt=True, exemption_ground="la-closure"),
                step(kent, "reassessment-decision", due=d(-5), target=d(-5), owner="senco"),
                step(kent, "reassessment-final", due=d(12), target=d(12), owner="senco"),
                step(kent, "amended-plan-final", due=d(-10), target=d(-10), owner="senco", status="withdrawn"),
                step(kent, "ehc-advice", due=d(-3), target=d(-3), owner="senco"),  # the school's: not the LA's
                done(older, "ehc-final-plan", date(2026, 6, 1), date(2026, 6, 13)),
                step(tricky, "ehc-final-plan", due=d(-2), target=d(-2), owner="senco"),
                step(formula, "ehc-final-plan", due=d(-2), target=d(-2), owner="senco"),
            ]
        )
    return db


@pytest.mark.parametrize("username", ["senco", "head", "auditor"])
def test_the_senco_leadership_and_the_auditor_read_the_scorecard(client_as, las, username) -> None:
    client = client_as(username)
    for path in LA_PATHS:
        response = client.get(path)
        assert response.status_code == 200, (username, path, response.text[:200])
    assert client.get("/las").text.count('href="/las"') == 1  # the nav link, on the page it names
    assert 'href="/las" aria-current="page">LA scorecard' in client.get("/las/Kent").text


def test_staff_may_not_read_it_and_no_one_signed_out(client_as, make_client, las) -> None:
    ta = client_as("ta")
    for path in LA_PATHS:
        assert ta.get(path).status_code == 403, path
    assert "LA scorecard" not in ta.get("/today").text  # no link to what they may not open
    anonymous = make_client()
    for path in LA_PATHS:
        response = anonymous.get(path, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path


def test_the_list_has_every_la_with_its_year(client, las) -> None:
    html = client.get("/las").text
    assert "How each LA meets its deadlines, school year 2026-27" in html
    for name in ("Bexley", "Kent", "Medway", "Surrey"):
        assert f'<a href="/las/{name}">{name}</a>' in html
    kent = html.split('href="/las/Kent"')[1].split("</tr>")[0]
    assert ">1 of 5<" in kent and "(median 8 days late, worst 30 days)" in kent and "(5 days overdue so far)" in kent
    assert ">20%<" in kent and "25%" in kent and "(1 exempted)" in kent
    bexley = html.split('href="/las/Bexley"')[1].split("</tr>")[0]  # a profile, no process: said so
    medway = html.split('href="/las/Medway"')[1].split("</tr>")[0]  # processes, none of the LA's deadlines
    assert "No LA deadlines recorded yet." in bexley and "No LA deadlines recorded yet." in medway
    last_year = client.get("/las?year=2025").text
    assert "school year 2025-26" in last_year and "12 days late" in last_year
    assert "No deadline of this LA's fell due in 2025-26." in last_year.split('href="/las/Surrey"')[1]


def test_one_la_in_a_senco_s_words(client, las) -> None:
    html = client.get("/las/Kent").text
    assert "How Kent meets its deadlines" in html
    assert (
        "In 2026-27, 5 of Kent&#39;s deadlines have come: 1 was met on time (20%); 3 were answered late, by a median "
        "of 8 days (30 days at worst); and 1 has had no answer yet, overdue by 5 days so far. 1 more is not yet due."
    ) in html
    assert (
        "Without them, 4 of Kent&#39;s deadlines have come: 1 was met on time (25%); 2 were answered late, by a "
        "median of 5.5 days (8 days at worst); and 1 has had no answer yet, overdue by 5 days so far."
    ) in html
    assert f'School year 2026-27 <span class="hint">({fmt(date(2026, 9, 1))} to {fmt(date(2027, 8, 31))})' in html
    assert f"as it stands today, {fmt(date(2027, 3, 10))}" in html
    assert html.index("School year 2026-27") < html.index("School year 2025-26")  # newest first
    said = (
        "In 2025-26, 1 of Kent&#39;s deadlines has come: none was met on time (0%); and 1 was answered late, by 12 days"
    )
    assert said in html
    assert "No exemption was recorded for a deadline due in 2025-26" in html
    for title in ("Final EHC plan", "LA decision whether to carry out an EHC needs assessment"):
        assert title in html
    assert "Final amended plan after an amendment notice</abbr>" not in html  # withdrawn: not counted, no row
    assert "Advice to the LA" not in html  # the school's own step
    assert not [r for r in (*LA_RULES, "ehc-advice") if r in html], "no rule ids on the page"
    assert 'href="/overdue?la=Kent"' in html and 'href="/las.csv?la=Kent"' in html


def test_an_la_with_only_a_profile(client, las) -> None:
    html = client.get("/las/Bexley").text
    assert "No LA deadlines recorded yet for Bexley." in html
    body = client.get("/api/las/Bexley").json()
    assert body["years"] == [] and body["profile_in_settings"] is True


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_an_unknown_la_is_not_found_and_says_so(client, las, prefix) -> None:
    response = client.get(f"{prefix}/las/Nowhere")
    assert response.status_code == 404
    said = "no LA called Nowhere (no process names it, and the settings have no profile of it)"
    if prefix:
        assert response.json() == {"detail": f"name: {said}"}
    else:
        assert said in response.text and "<h1>Not found</h1>" in response.text
    assert client.get(f"{prefix}/las/kent").status_code == 404  # the name as the processes give it
    assert client.get(f"{prefix}/las/none").status_code == 404  # the word for "no LA", never an LA


def test_the_la_s_name_is_text_never_markup(client, las) -> None:
    listing = client.get("/las").text
    assert TRICKY not in listing and str(escape(TRICKY)) in listing
    href = "/las/" + quote(TRICKY, safe="")
    assert f'href="{href}"' in listing
    page = client.get(href)
    assert page.status_code == 200 and "<b>Tricky</b>" not in page.text and str(escape(TRICKY)) in page.text
    assert client.get("/api/las/" + quote(TRICKY, safe="")).json()["la"] == TRICKY
    unknown = client.get("/las/" + quote("<script>alert(1)</script>", safe=""))
    assert unknown.status_code == 404 and "<script>alert(1)" not in unknown.text
    assert client.get("/las/Ken%00t").status_code == 404 and client.get("/api/las/Ken%00t").status_code == 404
    compliance = client.get("/compliance?year=2026").text
    assert TRICKY not in compliance and str(escape(TRICKY)) in compliance


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_the_csv_has_a_row_per_la_year_and_step_and_the_year_s_total(client, las, prefix) -> None:
    response = client.get(f"{prefix}/las.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="sendclock-la-scorecard.csv"' in response.headers["content-disposition"]
    assert next(csv.reader(io.StringIO(response.text))) == CSV_FIELDS
    found = rows(response.text)
    kent = {(r["school_year"], r["rule_id"]): r for r in found if r["la"] == "Kent"}
    assert set(kent) == {
        ("2026-27", "review-la-decision"),
        ("2026-27", "reassessment-decision"),
        ("2026-27", "reassessment-final"),
        ("2026-27", "ehc-assessment-decision"),
        ("2026-27", "ehc-no-plan-notice"),
        ("2026-27", "ehc-final-plan"),
        ("2026-27", ""),
        ("2025-26", "ehc-final-plan"),
        ("2025-26", ""),
    }
    total = kent[("2026-27", "")]
    assert total["step"] == "All the LA's deadlines"
    assert {k: v for k, v in total.items() if k not in ("la", "school_year", "rule_id", "step")} == {
        "on_time": "1",
        "answered_late": "3",
        "days_late_median": "8",
        "days_late_worst": "30",
        "overdue_no_answer_yet": "1",
        "days_overdue_median": "5",
        "days_overdue_worst": "5",
        "days_late_and_overdue_median": "6.5",
        "days_late_and_overdue_worst": "30",
        "not_yet_due": "1",
        "percent_on_time": "20.0",
        "on_time_excluding_exemptions": "1",
        "answered_late_excluding_exemptions": "2",
        "days_late_median_excluding_exemptions": "5.5",
        "days_late_worst_excluding_exemptions": "8",
        "overdue_no_answer_yet_excluding_exemptions": "1",
        "days_overdue_median_excluding_exemptions": "5",
        "days_overdue_worst_excluding_exemptions": "5",
        "days_late_and_overdue_median_excluding_exemptions": "5",
        "days_late_and_overdue_worst_excluding_exemptions": "8",
        "not_yet_due_excluding_exemptions": "1",
        "percent_on_time_excluding_exemptions": "25.0",
        "exempted": "1",
    }
    assert kent[("2026-27", "ehc-final-plan")]["step"] == "Final EHC plan"
    assert {r["la"] for r in found} == {"Kent", "Surrey", TRICKY, "'" + FORMULA}  # never a formula
    one = rows(client.get(f"{prefix}/las.csv?year=2025&la=Kent").text)
    assert [(r["la"], r["school_year"], r["rule_id"]) for r in one] == [
        ("Kent", "2025-26", "ehc-final-plan"),
        ("Kent", "2025-26", ""),
    ]
    assert rows(client.get(f"{prefix}/las.csv?la=Nowhere").text) == []


def test_the_api_mirrors_the_pages(client, las) -> None:
    body = client.get("/api/las?year=2026").json()
    assert body["school_year"] == "2026-27" and body["year"] == 2026 and body["today"] == "2027-03-10"
    assert body["years_with_deadlines"] == [2025, 2026]
    assert [r["rule_id"] for r in body["rules"]] == list(LA_RULES)
    by_la = {row["la"]: row for row in body["las"]}
    assert list(by_la) == [TRICKY, FORMULA, "Bexley", "Kent", "Medway", "Surrey"]  # by name
    assert by_la["Bexley"] == {"la": "Bexley", "has_deadlines": False, "profile_in_settings": True, "year": None}
    total = by_la["Kent"]["year"]["total"]
    assert total["title"] == "All the LA's deadlines" and total["rule_id"] is None and total["exempted"] == 1
    assert total["all_steps"] == {
        "on_time": 1,
        "answered_late": 3,
        "overdue_no_answer_yet": 1,
        "not_yet_due": 1,
        "due_by_today": 5,
        "percent_on_time": 20.0,
        "days_late": {"count": 3, "median": 8, "worst": 30},
        "days_overdue_so_far": {"count": 1, "median": 5, "worst": 5},
        "days_late_and_overdue_together": {"count": 4, "median": 6.5, "worst": 30},
    }
    assert total["excluding_exemptions"]["percent_on_time"] == 25.0
    kent = client.get("/api/las/Kent").json()
    assert kent["la"] == "Kent" and kent["profile_in_settings"] is False
    assert [y["school_year"] for y in kent["years"]] == ["2026-27", "2025-26"]
    this_year = kent["years"][0]
    assert this_year["first_day"] == "2026-09-01" and this_year["last_day"] == "2027-08-31"
    assert this_year["total"] == total
    assert [r["rule_id"] for r in this_year["by_rule"]] == [
        "review-la-decision",
        "reassessment-decision",
        "reassessment-final",
        "ehc-assessment-decision",
        "ehc-no-plan-notice",
        "ehc-final-plan",
    ]
    assert client.get("/api/las?year=1999").status_code == 422


def test_the_compliance_page_has_a_line_per_la(client, las) -> None:
    html = client.get("/compliance?year=2026").text
    section = html.split('id="h-las"')[1]
    assert 'href="/las?year=2026"' in section
    assert (
        '<li><a href="/las/Kent">Kent</a>: 1 of 5 deadlines met on time (20%), 3 answered late, 1 overdue with no '
        "answer yet.</li>"
    ) in section
    assert '<li><a href="/las/Bexley">Bexley</a>: no LA deadlines recorded yet.</li>' in section


def test_a_year_in_sentences() -> None:
    from dashboard.la_scorecard_view import year_sentence
    from store.la_scorecard import Days, Figures

    assert year_sentence("Kent", "2026-27", Figures()) == "No deadline of Kent's fell due in 2026-27."
    assert (
        year_sentence("Kent", "2026-27", Figures(not_yet_due=2))
        == "In 2026-27, none of Kent's 2 deadlines has come yet."
    )
    two = Figures(on_time=3, overdue=2, overdue_days=Days(((4, 1), (40, 1))))
    assert year_sentence("Kent", "2026-27", two, opening=False) == (
        "5 of Kent's deadlines have come: 3 were met on time (60%); and 2 have had no answer yet, overdue by a median "
        "of 22 days so far (40 days at worst)."
    )
