"""The README's five-minute walkthrough, run as written: every `.venv/bin/sendclock` command in it, in order, against
`sendclock up` on a fresh var/ (tests/stack_run.py), and what each step says a new user will see, checked: the start
and its repeat, the account, Today after signing in, finding the case, the explanations, recording it done, and the
finished request still shown."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from statutory.clock import fmt
from tests.stack_run import sign_in, stack_running

pytestmark = pytest.mark.devserver

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "walkthrough password 1"


def walkthrough_commands() -> list[str]:
    """Every sendclock command of the README's walkthrough, in the order the text gives them."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Five-minute walkthrough", 1)[1].split("\n## ", 1)[0]
    steps = section.split("`tests/test_readme_walkthrough.py`", 1)[0]  # the commands before this test's mention
    found = re.findall(r"^\s*(\.venv/bin/sendclock [^\n`]+)$|`(\.venv/bin/sendclock [^`]+)`", steps, flags=re.M)
    return [block or inline for block, inline in found]


def test_the_readme_lists_the_walkthroughs_commands() -> None:
    commands = walkthrough_commands()
    assert [c.split()[1:3] for c in commands] == [
        ["advice", "start"],
        ["user", "add"],
        ["advice", "show"],
        ["deadline", "ehc-advice"],
        ["rules"],
        ["advice", "sent"],
        ["list"],
        ["advice", "show"],
        ["import", "register"],
        ["import", "register"],
        ["support", "held"],
    ]


def test_the_walkthrough_as_a_new_user_follows_it(tmp_path: Path) -> None:
    commands = walkthrough_commands()
    with stack_running(tmp_path / "var") as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
        env.update(
            SENDCLOCK_VAR_DIR=str(stack.var),
            SENDCLOCK_TEMPORAL__ADDRESS=stack.temporal,
            SENDCLOCK_TEMPORAL__UI_URL=stack.ui,
            SENDCLOCK_DASHBOARD_URL=stack.dashboard,
        )

        def run(command: str, stdin: str = "") -> str:
            done = subprocess.run(
                ["bash", "-c", command], cwd=REPO, env=env, input=stdin, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
            return done.stdout

        start, account, show, deadline, rules, sent, listing, finished, dry_run, imported, held = commands
        received = date.fromisoformat(run("date -d '40 days ago' +%F").strip())
        # 1. Started, with its due date (six weeks on: two days from now) and target; again: nothing new.
        first = run(start)
        assert "Started: ehc-advice-request-EHC-0042-" in first
        assert fmt(received + timedelta(weeks=6)) in first and "target" in first
        assert "Already exists (nothing new started)" in run(start)
        # 2. The account (the password typed twice), then Today after signing in, and the case found.
        assert "Account sam (senco, staff id senco) created." in run(account, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        with stack.client() as http:
            assert sign_in(http, "sam", PASSWORD).headers["location"] == "/today"  # the SENCO lands on Today
            today = http.get("/today").text
            assert "Send your advice for EHC-0042 to Kent" in today and "Record the advice as sent" in today
            assert 'id="this-week"' in today or 'id="overdue"' in today
            found = http.get("/search", params={"q": "EHC-00"}, follow_redirects=False)
            assert found.status_code == 303 and found.headers["location"] == "/cases/EHC-0042"
            assert "Kent" in http.get("/cases/EHC-0042").text
            assert "assigned" in http.get("/outbox").text.lower()
        # 3. Why: the dates with their legal basis; a deadline worked out; the rules.
        shown = run(show)
        assert "EHC-0042" in shown and f"due     {fmt(received + timedelta(weeks=6))}" in shown and "target" in shown
        worked_out = run(deadline)
        assert "SEND Regulations 2014" in worked_out and fmt(date(2026, 7, 16)) in worked_out
        assert "ehc-advice" in run(rules)
        # 4. Done on time: off the list and Today; the finished request still shows.
        assert "on time" in run(sent).lower()
        assert "EHC-0042" not in run(listing)
        with stack.client() as http:
            sign_in(http, "sam", PASSWORD)
            assert "EHC-0042" not in http.get("/today").text
        assert "EHC-0042" in run(finished)
        # 5. The register: what it would do, then done; again: nothing new; This term shows it; a review held.
        would = run(dry_run)
        assert would.splitlines()[0].startswith("3 pupils read: 1 on SEN support (K), 2 with an EHC plan (E)")
        assert "Would start 4 processes and end nothing." in would
        assert "Started 4 processes; 0 already running; nothing ended." in run(imported)
        assert "Nothing to start or end" in run(imported)
        with stack.client() as http:
            sign_in(http, "sam", PASSWORD)
            this_term = http.get("/this-term").text
            assert all(ref in this_term for ref in ("SUP-0001", "SUP-0003"))
        recorded = run(held)
        assert "Review held on" in recorded and "with the parents for SUP-0001" in recorded
