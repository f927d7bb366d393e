"""`sendclock import register` on the real dev server, as a SENCO runs it (issue 24): a generated register of 150
fictional pupils (K, E, looked after) starts the right processes; the same file again starts nothing; a file in which
pupils moved on (K to E, K to N, no longer looked after) ends their processes with the reason and starts the annual
review; a file with three bad rows starts nothing and names the three lines; a column named like personal data is
refused. Case references REG-, REGM-, REGB- and REGX- belong to this file (tests/test_devserver_case_refs.py)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from register import read_register
from statutory.clock import local_date
from store.db import make_engine, make_sessionmaker
from store.models import Event, Process
from tests.devserver.conftest import sendclock
from tests.register.generate import fictional_register

pytestmark = pytest.mark.devserver
STAFF = ("senco", "head")  # the shipped demo staff directory (config/sendclock.toml)


def processes(env: dict[str, str], prefix: str) -> list[Process]:
    engine = make_engine(env["SENDCLOCK_DATABASE_URL"])
    try:
        with make_sessionmaker(engine)() as session:
            return list(session.scalars(select(Process).where(Process.case_ref.startswith(f"{prefix}-"))))
    finally:
        engine.dispose()


def open_kinds(env: dict[str, str], prefix: str) -> set[tuple[str, str]]:
    return {(p.case_ref, p.kind) for p in processes(env, prefix) if p.status == "open"}


def expected(text: str, today) -> set[tuple[str, str]]:
    """What a register file should leave open, from its rows alone (docs/register.md, "What the import does")."""
    rows = read_register(text, today=today, staff_ids=STAFF).rows
    found = {(r.case_ref, {"K": "sen-support", "E": "annual-review"}[r.sen_code]) for r in rows if r.sen_code != "N"}
    return found | {(r.case_ref, "pep-review") for r in rows if r.looked_after}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_a_register_of_150_pupils_starts_their_processes_and_the_same_file_again_starts_nothing(
    devserver, stack_env, worker_process, tmp_path
):
    env = stack_env
    today = local_date(datetime.now(UTC))
    assert sendclock(env, "db", "upgrade").returncode == 0
    worker_process.start()
    text = fictional_register(150, today=today, key_workers=STAFF, prefix="REG")
    register = write(tmp_path, "register.csv", text)
    want = expected(text, today)
    codes = Counter(line.split(",")[1] for line in text.splitlines()[1:])

    dry = sendclock(env, "import", "register", register, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == (
        f"150 pupils read: {codes['K']} on SEN support (K), {codes['E']} with an EHC plan (E), {codes['N']} with no "
        f"SEN (N); {sum(1 for ref, kind in want if kind == 'pep-review')} looked after."
    )
    assert f"Would start {len(want)} processes and end nothing." in dry.stdout
    assert processes(env, "REG") == []

    began = time.monotonic()
    first = sendclock(env, "import", "register", register, "--json", timeout=600)
    took = time.monotonic() - began
    assert first.returncode == 0, first.stderr
    done = json.loads(first.stdout)
    assert done["done"] == f"Started {len(want)} processes; 0 already running; nothing ended."
    assert {a["result"] for a in done["actions"]} == {"done"}
    assert open_kinds(env, "REG") == want
    print(f"150 pupils, {len(want)} processes started in {took:.1f} s")  # docs/performance.md

    again = sendclock(env, "import", "register", register)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == (
        "Nothing to start or end: every pupil in the file has the processes the register says."
    )
    assert open_kinds(env, "REG") == want and len(processes(env, "REG")) == len(want)


def test_a_file_with_three_bad_rows_starts_nothing_and_names_the_three_lines(devserver, stack_env, tmp_path):
    env = stack_env
    today = local_date(datetime.now(UTC))
    assert sendclock(env, "db", "upgrade").returncode == 0
    lines = fictional_register(10, today=today, key_workers=STAFF, prefix="REGB").splitlines()
    lines[3] = lines[3].split(",", 1)[0] + ",S,,,7,,no,"  # a statement: a code from before 2014
    lines[6] = lines[6].split(",", 1)[0] + ",E,,,7,,no,"  # an EHC plan with no LA and no date
    lines[9] = lines[9].split(",", 1)[0] + ",K,,,7,nobody,maybe,"  # a key worker not on the staff, looked after?
    bad = sendclock(env, "import", "register", write(tmp_path, "bad.csv", "\n".join(lines) + "\n"))
    assert bad.returncode == 1
    named = {line.split(",")[0] for line in bad.stderr.splitlines() if line.startswith("Line ")}
    assert named == {"Line 4", "Line 7", "Line 10"}, bad.stderr
    assert "3 rows have problems (lines 4, 7 and 10): nothing is imported." in bad.stdout
    assert "nobody" not in bad.stdout + bad.stderr and "maybe" not in bad.stdout + bad.stderr  # no cell quoted
    assert processes(env, "REGB") == []

    named_column = "Forename,case_ref,sen_code\nAlex,REGX-0001,K\n"
    refused = sendclock(env, "import", "register", write(tmp_path, "names.csv", named_column))
    assert refused.returncode == 2
    assert "sendclock does not read or store pupils' names: remove the column 'Forename'" in refused.stderr
    assert "Alex" not in refused.stdout + refused.stderr
    assert processes(env, "REGX") == []


async def test_pupils_who_moved_on_have_their_processes_ended_with_the_reason_and_their_review_started(
    devserver, stack_env, worker_process, tmp_path
):
    env = stack_env
    today = local_date(datetime.now(UTC))
    assert sendclock(env, "db", "upgrade").returncode == 0
    worker_process.start()
    lines = fictional_register(12, today=today, key_workers=STAFF, prefix="REGM").splitlines()
    first = sendclock(env, "import", "register", write(tmp_path, "register.csv", "\n".join(lines) + "\n"))
    assert first.returncode == 0, first.stderr

    # Pupils move on: the first K to E (its plan made), the second K to N (needs met), a looked-after one no longer.
    support = [n for n, line in enumerate(lines) if ",K," in line]
    to_e, to_n = support[0], support[1]
    cared = next(n for n, line in enumerate(lines[1:], 1) if n not in (to_e, to_n) and line.split(",")[6] == "yes")
    cells = lines[to_e].split(",")
    cells[1:4] = ["E", "Kent", today.replace(day=1).isoformat()]
    lines[to_e] = ",".join(cells)
    lines[to_n] = lines[to_n].replace(",K,", ",N,")
    cells = lines[cared].split(",")
    cells[6] = "no"
    lines[cared] = ",".join(cells)
    moved = sendclock(env, "import", "register", write(tmp_path, "moved.csv", "\n".join(lines) + "\n"), "--json")
    assert moved.returncode == 0, moved.stderr
    acted = {(a["case"], a["do"], a["reason"], a["result"]) for a in json.loads(moved.stdout)["actions"]}
    ref = {n: lines[n].split(",")[0] for n in (to_e, to_n, cared)}
    assert acted == {
        (ref[to_e], "end-support", "ehc-plan", "done"),
        (ref[to_e], "start-review", None, "done"),
        (ref[to_n], "end-support", "needs-met", "done"),
        (ref[cared], "end-pep", "no-longer-looked-after", "done"),
    }
    now_open = open_kinds(env, "REGM")
    assert (ref[to_e], "annual-review") in now_open and (ref[to_e], "sen-support") not in now_open
    assert (ref[to_n], "sen-support") not in now_open and (ref[cared], "pep-review") not in now_open
    ended = {p.case_ref: p for p in processes(env, "REGM") if p.status != "open"}
    assert set(ended) == {ref[to_e], ref[to_n], ref[cared]}
    engine = make_engine(env["SENDCLOCK_DATABASE_URL"])
    with make_sessionmaker(engine)() as session:
        [event] = session.scalars(
            select(Event).where(Event.process_id == ended[ref[to_e]].workflow_id, Event.kind == "process-ended")
        )
    engine.dispose()
    assert event.data["reason"] == "ehc-plan" and event.data["by"] == "senco"
    assert event.data["recorded_by"].startswith("cli:os:")
