"""`make up` with the two-school demo (config/examples/trust.toml, issue 25) serves both schools: `sendclock up` on a
fresh var/, accounts made with `sendclock user add` at each school and trust-wide, a process started at each school
with `--school`; each school's SENCO sees only their school's case, a case of the other school is not found, and the
trust's SEND lead sees both schools' overdue steps on the trust view. Case references TST-T belong to this file."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.stack_run import PASSWORD, stack_running
from tests.test_stack import REPO

pytestmark = pytest.mark.devserver
TRUST = REPO / "config" / "examples" / "trust.toml"


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it beside the stack, on its settings."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "sendclock"), *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Europe/London")).date()


def test_make_up_with_the_trust_example_serves_both_schools_each_apart(tmp_path: Path) -> None:
    with stack_running(tmp_path / "var", config=TRUST) as stack:
        env = stack.env
        for name, role, school, staff in (
            ("asha", "senco", "oak", "senco"),
            ("ravi", "senco", "elm", "senco"),
            ("morgan", "trust-leadership", None, None),
        ):
            args = ["user", "add", name, "--role", role, "--password-stdin"]
            args += ["--school", school] if school else []
            args += ["--staff", staff] if staff else []
            made = run(env, *args, stdin=PASSWORD)
            assert made.returncode == 0, made.stderr

        received = (today() - timedelta(days=50)).isoformat()  # six weeks have passed: the advice is overdue
        refused = run(
            env, "advice", "start", "--case", "TST-T001", "--la", "Kent", "--received", received, "--owner", "senco"
        )
        assert refused.returncode == 2 and "--school" in refused.stderr  # several schools: never a guess
        for school, case, la in (("oak", "TST-T001", "Kent"), ("elm", "TST-T002", "Surrey")):
            started = run(
                env, "advice", "start", "--school", school, "--case", case, "--la", la, "--received", received,
                "--owner", "senco",
            )  # fmt: skip
            assert started.returncode == 0, started.stderr
            assert f"{school}~ehc-advice-request-{case}-" in started.stdout

        oak_list = run(env, "list", "--school", "oak")
        assert "TST-T001" in oak_list.stdout and "TST-T002" not in oak_list.stdout

        with stack.client("asha") as http:
            assert "Oak Primary School" in http.get("/").text
            overdue = http.get("/overdue").text
            assert "TST-T001" in overdue and "TST-T002" not in overdue
            assert http.get("/cases/TST-T001").status_code == 200
            assert http.get("/cases/TST-T002").status_code == 404  # the other school's case does not exist here
            assert http.get("/trust").status_code == 403
        with stack.client("ravi") as http:
            overdue = http.get("/overdue").text
            assert "TST-T002" in overdue and "TST-T001" not in overdue
            assert http.get("/cases/TST-T001").status_code == 404
        with stack.client("morgan") as http:
            trust = http.get("/trust")
            assert trust.status_code == 200
            assert "Oak Primary School" in trust.text and "Elm Academy" in trust.text
            assert "TST-T001" in trust.text and "TST-T002" in trust.text
        check_pages_in_a_browser(stack.dashboard, "morgan", ["/trust", "/overdue", "/trust?school=elm"])


def check_pages_in_a_browser(url: str, username: str, paths: list[str]) -> None:
    """The trust role's pages (a School column, the trust view) in Debian's Chromium, at 1280 and 390 px: no axe
    violation of WCAG 2.1 A/AA, no sideways scroll (as tests/web/test_accessibility.py checks the one school's)."""
    import os

    from tests.web.axe import report, sideways_scroll, violations
    from tests.web.conftest import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(locale="en-GB", bypass_csp=True)
            page = context.new_page()
            page.goto(f"{url}/login")
            page.get_by_label("User name").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            for path in paths:
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    response = page.goto(url + path)
                    assert response is not None and response.status == 200, path
                    where = f"{username} {path} at {width} px"
                    found, wide = violations(page), sideways_scroll(page)
                    problems += ([report(where, found)] if found else []) + ([f"{where}: {wide}"] if wide else [])
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
