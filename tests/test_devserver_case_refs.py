"""The tests of one process share one Temporal dev server (tests/conftest.py `devserver`): two test files that start
a process for the same case reference could meet the other's workflow (the same id, when the dates agree too) and fail
by the order they ran in. So each case reference a dev-server test writes belongs to one file. (EHC-H... are the
recorded histories of tests/histories, read from files, never started.)"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
USES_THE_SHARED_SERVER = re.compile(r"\b(devserver|stack_env|worker_process)\b")
CASE_REF = re.compile(r"\"((?:EHC|FLT|CASE|RA|DR|AR|REG[A-Z]*|TRM|SUP|PEP)-[A-Za-z0-9.-]+)\"")


def test_each_case_reference_on_the_shared_dev_server_belongs_to_one_file():
    files = defaultdict(set)
    for path in TESTS.rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != Path(__file__).name and USES_THE_SHARED_SERVER.search(text):
            for ref in set(CASE_REF.findall(text)) - {r for r in CASE_REF.findall(text) if r.startswith("EHC-H")}:
                files[ref].add(path.relative_to(TESTS).as_posix())
    assert {ref: sorted(where) for ref, where in files.items() if len(where) > 1} == {}
