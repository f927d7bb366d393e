"""Rule book §6: every worked example, due and target."""

from datetime import date

import pytest

from statutory import Closure, SchoolCalendar, compute_deadline, fmt

SUMMER_2026 = SchoolCalendar([Closure(start=date(2026, 7, 22), end=date(2026, 9, 1), label="Summer holiday")])

EXAMPLES = [
    ("ehc-advice", date(2026, 2, 2), None, date(2026, 3, 16), date(2026, 3, 16)),
    ("ehc-advice", date(2026, 4, 2), None, date(2026, 5, 14), date(2026, 5, 14)),
    ("ehc-advice", date(2026, 7, 16), SUMMER_2026, date(2026, 8, 27), date(2026, 7, 21)),
    ("draft-plan-representations", date(2026, 3, 10), None, date(2026, 3, 24), date(2026, 3, 24)),
    # C3 is counted in clear days since the rule book's December 2026 revision (was 21 Oct).
    ("review-notice", date(2026, 11, 4), None, date(2026, 10, 20), date(2026, 10, 20)),
    ("review-advice-circulation", date(2026, 11, 4), None, date(2026, 10, 20), date(2026, 10, 20)),
    ("review-report", date(2026, 11, 4), None, date(2026, 11, 18), date(2026, 11, 18)),
    ("review-la-decision", date(2026, 11, 4), None, date(2026, 12, 2), date(2026, 12, 2)),
    ("annual-review-due", date(2026, 3, 10), None, date(2027, 3, 9), date(2027, 3, 9)),
    ("phase-transfer-review", date(2027, 9, 1), None, date(2027, 2, 14), date(2027, 2, 12)),
    ("phase-transfer-meeting-by", date(2027, 9, 1), None, date(2026, 11, 22), date(2026, 11, 20)),
    ("post16-move-review", date(2027, 9, 1), None, date(2027, 4, 1), date(2027, 4, 1)),
    ("ehc-final-plan", date(2026, 4, 1), SUMMER_2026, date(2026, 8, 19), date(2026, 8, 19)),  # the LA does not close
    ("reassessment-earliest", date(2025, 8, 30), None, date(2026, 3, 1), date(2026, 3, 2)),
    ("ehc-final-plan", date(2026, 1, 14), None, date(2026, 6, 3), date(2026, 6, 3)),
]


@pytest.mark.parametrize(("rule_id", "anchor", "calendar", "due", "target"), EXAMPLES)
def test_worked_example(rule_id, anchor, calendar, due, target):
    deadline = compute_deadline(rule_id, anchor, calendar)
    assert (deadline.due, deadline.target) == (due, target)
    assert deadline.rule_id == rule_id
    assert deadline.anchor == anchor
    assert deadline.rule_version == date(2014, 9, 1)


def test_the_worked_examples_are_the_rule_books():
    """Every row of §6 of ../shared/statutory-timescales.md, read from the file itself where it is there."""
    import re
    from pathlib import Path

    book = Path(__file__).resolve().parents[3] / "shared" / "statutory-timescales.md"
    if not book.is_file():
        pytest.skip("the rule book is not beside the project")
    section = book.read_text().split("## 6. Worked examples")[1].split("## Sources")[0]
    rows = [r for r in section.splitlines() if r.startswith("| ") and not r.startswith("| rule") and "---" not in r]
    assert len(rows) == 14
    matched = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for rule_id in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", cells[0]):
            hits = [
                i
                for i, (rid, anchor, _cal, due, target) in enumerate(EXAMPLES)
                if rid == rule_id
                and fmt(anchor).split(" ", 1)[1] in cells[1]
                and (fmt(due), fmt(target)) == (cells[2], cells[3])
            ]
            assert hits, f"no worked example in this test for {row}"
            matched.update(hits)
    assert matched == set(range(len(EXAMPLES)))


def test_summer_closure_explanation_names_the_skipped_days():
    deadline = compute_deadline("ehc-advice", date(2026, 7, 16), SUMMER_2026)
    text = "\n".join(deadline.explanation)
    assert "SEND Regulations 2014 reg 8(1)" in text
    assert "C1" in text and "Thu 16 Jul 2026" in text and "Thu 27 Aug 2026" in text
    assert "Wed 22 Jul 2026 to Thu 27 Aug 2026 are not working days (school closed (Summer holiday))" in text
    assert "Tue 21 Jul 2026" in text
    assert "The law moves no deadline for weekends, bank holidays or school closures" in text
    assert "A school closure is not a ground under reg 8(2)" in text
    assert all(line.endswith(".") for line in deadline.explanation)


def test_weekend_explanation():
    deadline = compute_deadline("phase-transfer-review", date(2027, 9, 1))
    text = "\n".join(deadline.explanation)
    assert "Sun 14 Feb 2027 is not a working day (Sunday)" in text
    assert "Sat 13 Feb 2027 is not a working day (Saturday)" in text
    assert "C5" in text


def test_c7_explanation_moves_forward():
    deadline = compute_deadline("reassessment-earliest", date(2025, 8, 30))
    text = "\n".join(deadline.explanation)
    assert "Sun 1 Mar 2026 is not a working day (Sunday)" in text
    assert "first working day on or after" in text
    assert "February 2026 has no 30th" in text


def test_bank_holiday_explanation():
    # 6 weeks from Mon 23 Feb 2026 is Mon 6 Apr 2026, Easter Monday; Good Friday 3 Apr too.
    deadline = compute_deadline("ehc-advice", date(2026, 2, 23))
    assert deadline.due == date(2026, 4, 6)
    assert deadline.target == date(2026, 4, 2)
    text = "\n".join(deadline.explanation)
    assert "Mon 6 Apr 2026 is not a working day (bank holiday (Easter Monday))" in text
    assert "Fri 3 Apr 2026 is not a working day (bank holiday (Good Friday))" in text


def test_long_skips_are_summarised():
    # Alternating one-day closures and weekends make many runs; the sentence stays bounded.
    closures = [Closure(start=date(2026, 6, d), end=date(2026, 6, d), label=f"INSET {d}") for d in range(1, 31)]
    deadline = compute_deadline("ehc-advice", date(2026, 5, 19), SchoolCalendar(closures))
    assert deadline.due == date(2026, 6, 30)
    assert deadline.target == date(2026, 5, 29)
    assert "more days up to the target are not working days either" in deadline.explanation[3]
