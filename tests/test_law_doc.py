"""docs/law.md and the code's rule book (statutory/) never disagree.

The page is written by hand for a new user; this test holds it to `statutory/rules.py`: one `### id: title` section
per rule in `rule_ids()` order, each with the rule's exact basis, duty-holder and counting, worked examples that
`compute_deadline` reproduces, and a Version line for each older version of the rule. It also checks that nothing
in the repository cites the upstream rule book's file as if it were a project document (it lives outside the
repository, in the shared folder: docs/law.md is the project's document).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from statutory import Convention, Rule, compute_deadline, fmt, get_rule, rule_ids, versions

ROOT = Path(__file__).resolve().parents[1]
LAW = ROOT / "docs" / "law.md"

RULE_HEADING = re.compile(r"^### (?P<id>\S+?): (?P<title>.+)$")
ID_LIKE_HEADING = re.compile(r"^###\s+`?[a-z0-9]+(?:-[a-z0-9]+)+`?\s*:")  # a heading that names a rule id
DATE_TEXT = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
EXAMPLE = re.compile(
    rf"^- \*\*Example:\*\* from (?P<anchor>{DATE_TEXT}) -> due (?P<due>{DATE_TEXT}), "
    rf"target (?P<target>{DATE_TEXT})$"
)
COUNTING = re.compile(r"^- \*\*Counting:\*\* (?P<convention>[CTW]\d), (?P<rest>.+)$")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def parse_date(text: str) -> date:
    """A date as the page writes it ('Mon 16 Mar 2026'), checked to be written exactly as `fmt` writes it, so a
    wrong weekday ('Tue 16 Mar 2026') fails here rather than being ignored by strptime."""
    parsed = datetime.strptime(text, "%a %d %b %Y").date()
    assert fmt(parsed) == text, f"{text!r} is not a real date as sendclock writes it ({fmt(parsed)})"
    return parsed


@pytest.fixture(scope="module")
def lines() -> list[str]:
    assert LAW.is_file(), "docs/law.md is missing"
    return LAW.read_text(encoding="utf-8").splitlines()


def _section(lines: list[str], title: str) -> tuple[int, int]:
    """The line span of the `## title` section (to the next `## ` heading)."""
    starts = [i for i, line in enumerate(lines) if line == f"## {title}"]
    assert len(starts) == 1, f"docs/law.md needs exactly one '## {title}' section, found {len(starts)}"
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


@pytest.fixture(scope="module")
def blocks(lines) -> dict[str, list[str]]:
    """Each rule's section of '## The rules' (its lines after the heading, up to the next heading), by rule id."""
    start, end = _section(lines, "The rules")
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start + 1 : end]:
        if line.startswith("#"):
            match = RULE_HEADING.match(line)
            assert match, f"a heading in '## The rules' that is not '### <rule id>: <title>': {line!r}"
            rule_id = match["id"]
            assert rule_id not in found, f"two sections for {rule_id}"
            found[rule_id] = current = []
        elif current is not None:
            current.append(line)
    return found


def _one(block: list[str], label: str, rule_id: str) -> str:
    prefix = f"- **{label}:** "
    found = [line[len(prefix) :] for line in block if line.startswith(prefix)]
    assert len(found) == 1, f"{rule_id}: needs exactly one '{prefix.strip()}' line, found {len(found)}"
    return found[0]


def _amount(rule: Rule) -> str:
    return f"{rule.amount} {rule.unit[:-1] if rule.amount == 1 else rule.unit}"


def expected_counting(rule: Rule) -> str:
    """What the Counting line must say after the convention: the amount and unit; for C5 the fixed day; for C8 the
    amount and its direction; for C9 the lead and the rule it is derived from."""
    if rule.convention is Convention.C5:
        month, day = rule.fixed_day
        return f"{day} {MONTHS[month - 1]}"
    if rule.convention is Convention.C8:
        return f"{_amount(rule)} {rule.direction}"
    if rule.convention is Convention.C9:
        return f"{_amount(rule)} before {rule.derived_from}"
    if rule.convention is Convention.T1:
        return "the last school day of the term"
    if rule.convention is Convention.T2:
        return "the last school day of the summer term"
    return _amount(rule)


def law_day(rule: Rule) -> str:
    """The day an older version's law names: for C5 the day after the fixed due day ('31 May' for a due date of
    30 May: "before 31 May")."""
    day = date(2001, *rule.fixed_day) + timedelta(days=1)
    return f"{day.day} {MONTHS[day.month - 1]}"


def test_every_rule_has_one_section_in_rule_book_order_with_its_title(lines, blocks):
    unknown = [rule_id for rule_id in blocks if rule_id not in rule_ids()]
    assert not unknown, f"sections for rules the code does not have: {unknown}"
    assert list(blocks) == rule_ids(), "the rule sections must be exactly statutory.rule_ids(), in that order"
    start, end = _section(lines, "The rules")
    headings = [line for line in lines[start + 1 : end] if line.startswith("#")]
    assert headings == [f"### {rule_id}: {get_rule(rule_id).title}" for rule_id in rule_ids()]


def test_no_rule_heading_outside_the_rules_section(lines):
    start, end = _section(lines, "The rules")
    stray = [line for i, line in enumerate(lines) if not start < i < end and ID_LIKE_HEADING.match(line)]
    assert not stray, f"headings naming a rule outside '## The rules': {stray}"


@pytest.mark.parametrize("rule_id", rule_ids())
def test_basis_duty_holder_and_counting_are_the_codes(blocks, rule_id):
    rule = get_rule(rule_id)
    block = blocks[rule_id]
    assert _one(block, "Basis", rule_id) == rule.basis
    assert _one(block, "Duty-holder", rule_id) == rule.duty_holder
    counting = COUNTING.match(f"- **Counting:** {_one(block, 'Counting', rule_id)}")
    assert counting, f"{rule_id}: the Counting line must read '<convention>, <counting>'"
    assert counting["convention"] == rule.convention.value, f"{rule_id}: convention"
    rest, expected = counting["rest"], expected_counting(rule)
    assert rest.startswith(expected) and not rest[len(expected) :][:1].isalnum(), (
        f"{rule_id}: the Counting line says {rest!r}, the code counts {expected!r}"
    )


@pytest.mark.parametrize("rule_id", rule_ids())
def test_every_example_recomputes(blocks, rule_id):
    examples = [line for line in blocks[rule_id] if line.startswith("- **Example:**")]
    assert examples, f"{rule_id}: needs at least one '- **Example:** from ... -> due ..., target ...' line"
    for line in examples:
        match = EXAMPLE.match(line)
        assert match, f"{rule_id}: not an example line of the expected form: {line!r}"
        deadline = compute_deadline(rule_id, parse_date(match["anchor"]))
        assert (fmt(deadline.due), fmt(deadline.target)) == (match["due"], match["target"]), line


def test_examples_only_in_rule_sections(lines, blocks):
    everywhere = sum(1 for line in lines if "**Example:**" in line)
    in_rules = sum(1 for block in blocks.values() for line in block if line.startswith("- **Example:**"))
    assert everywhere == in_rules, "an Example line outside a rule's section cannot be checked"


@pytest.mark.parametrize("rule_id", rule_ids())
def test_every_older_version_has_a_version_line(blocks, rule_id):
    *older, _current = versions(rule_id)
    lines_ = [line for line in blocks[rule_id] if line.startswith("- **Version:**")]
    assert len(lines_) == len(older), f"{rule_id}: one Version line per older version ({len(older)})"
    for rule in older:
        keys = [fmt(rule.effective_from), fmt(rule.effective_to)]
        if rule.convention is Convention.C5:
            keys.append(law_day(rule))
        assert any(all(key in line for key in keys) for line in lines_), (
            f"{rule_id}: no Version line mentions {', '.join(keys)}"
        )


def test_every_date_on_the_page_is_a_real_date(lines):
    text = " ".join(line.strip() for line in lines)  # a date may be wrapped across two lines
    found = re.findall(DATE_TEXT, text)
    assert len(found) > 50
    for written in found:
        parse_date(written)


def test_every_counting_convention_has_a_subsection(lines):
    start, end = _section(lines, "Counting conventions")
    headings = [line for line in lines[start:end] if line.startswith("### ")]
    for n in range(1, 10):
        assert sum(h.startswith(f"### C{n}:") for h in headings) == 1, f"one '### C{n}: ...' subsection"
    assert sum(h.startswith("### T1 and T2:") for h in headings) == 1, "one '### T1 and T2: ...' subsection"
    assert sum(h.startswith("### W1:") for h in headings) == 1, "one '### W1: ...' subsection"


# The upstream rule book's file name, written so that this file does not match itself.
RULE_BOOK = re.compile(r"statutory-timescales\.md")
# A path into the shared folder, where the upstream rule book is ("../shared/...", or built as "shared" / "...").
SHARED_PREFIX = re.compile(r"""shared(?:/|["']\s*/\s*["'])$""")
SKIP_DIRS = {".venv", ".git"}
EXTENSIONS = (".py", ".md", ".html", ".toml")


def test_nothing_cites_the_rule_book_file_as_a_project_document():
    offending = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            if not name.endswith(EXTENSIONS):
                continue
            path = Path(folder, name)
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in RULE_BOOK.finditer(text):
                if not SHARED_PREFIX.search(text[max(0, match.start() - 20) : match.start()]):
                    line = text.count("\n", 0, match.start()) + 1
                    offending.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offending, f"cite docs/law.md instead: {offending}"
