"""The digest as words: a one-line subject, plain text as written, HTML escaped; every item with the dashboard
link; never a pupil's name."""

from __future__ import annotations

import pytest

from activities.digest import build_digest
from activities.digest_render import DigestRenderer
from tests.digest.conftest import MONDAY
from tests.digest.digest_rows import PUPIL_NAME, add_school


@pytest.fixture
def rendered(settings, sessions):
    add_school(sessions)
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    return DigestRenderer().render(digest, "Sam Example (SENCO)")


def test_subject_is_one_line_with_the_counts(rendered):
    assert rendered.subject == "[sendclock] Weekly digest, Mon 11 Jan 2027: 2 overdue, 2 due in 14 days"


def test_plain_text_lists_counts_then_overdue_then_due_soon(rendered):
    text = rendered.text
    assert text.startswith("Dear Sam Example (SENCO),\n")
    counts = [
        "Open: 5",
        "Overdue: 2",
        "Due in the next 14 days: 2",
        "Later: 1",
        "Done in the last 7 days: 2 (1 after the statutory date)",
    ]
    positions = [
        text.index(s)
        for s in [*counts, "OVERDUE\n", "EHC-0042", "EHC-0043", "DUE IN THE NEXT 14 DAYS", "EHC-0045", "EHC-0044"]
    ]
    assert positions == sorted(positions)
    # (was "... assessment [ehc-advice]": issue 19, no rule ids in what staff read)
    assert (
        "- EHC-0042 (Kent): Advice to the LA for an EHC needs assessment\n"
        "  Owner: Sam Example (SENCO). Due Mon 4 Jan 2027. 7 days late.\n"
        "  https://sendclock.example.org\n"
    ) in text
    assert "- EHC-0043 (Brighton & Hove <East>):" in text and "An exemption applies" in text  # unescaped
    assert "Due Mon 18 Jan 2027 (target Fri 15 Jan 2027). 7 days left." in text
    assert "Due Mon 11 Jan 2027. Due today." in text
    assert text.count("https://sendclock.example.org") == 5  # each of the four items, and the footer


def test_html_is_escaped_and_links_every_item(rendered):
    html = rendered.html
    assert "Brighton &amp; Hove &lt;East&gt;" in html and "<East>" not in html
    assert html.count('<a href="https://sendclock.example.org">') == 5
    assert "<strong>7 days late</strong>" in html and "<h2>Due in the next 14 days</h2>" in html
    assert html.index("EHC-0042") < html.index("EHC-0043") < html.index("EHC-0045") < html.index("EHC-0044")


def test_no_pupil_data_in_any_part(rendered):
    for part in (rendered.subject, rendered.text, rendered.html):
        assert PUPIL_NAME not in part and "2015" not in part


def test_an_empty_week_says_so(settings, sessions):
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    rendered = DigestRenderer().render(digest, "Priya")
    assert "Nothing is overdue." in rendered.text and "Nothing is due in the next 14 days." in rendered.text
    assert "<p>Nothing is overdue.</p>" in rendered.html
    assert rendered.subject.endswith(": 0 overdue, 0 due in 14 days")


def test_a_school_can_reword_the_templates(tmp_path, settings, sessions):
    for name in ("digest.txt.j2", "digest.html.j2"):
        (tmp_path / name).write_text("{{ digest.overdue | length }} late, {{ recipient_name }}")
    (tmp_path / "digest_subject.txt.j2").write_text("Deadlines for {{ digest.school_name }}")
    with sessions() as session:
        digest = build_digest(session, settings, MONDAY)
    rendered = DigestRenderer(tmp_path).render(digest, "<Sam>")
    assert rendered.subject == "Deadlines for Example Primary School"
    assert (rendered.text, rendered.html) == ("0 late, <Sam>\n", "0 late, &lt;Sam&gt;\n")
