"""Hostile input: strategies for hypothesis, each guaranteed invalid for the field it is drawn for (so the property
"rejected, naming the field" can be checked on every example)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from hypothesis import strategies as st

from workflows.models.common import CASE_REF_PATTERN, FIRST_DATE, RULE_ID_PATTERN, STAFF_ID_PATTERN

TODAY = date(2027, 3, 10)  # the dashboard tests' fixed today

INJECTIONS = [
    "'; DROP TABLE process; --",
    '" OR 1=1 --',
    "1; DELETE FROM event",
    "EHC-1' OR '1'='1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "${7*7}",
    "{% for x in range(9) %}x{% endfor %}",
    "#{7*7}",
    "%s%s%s%n",
    "{0.__class__}",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%00",
    "%0d%0aSet-Cookie: x=1",
    "\r\nX-Injected: 1",
    "EHC-1\n",
    "EHC-1\x00",
    "EHC\x001",
    "\x00",
    "\u202eEHC-1",
    "EHC\u200b-1",
    "EHC\ufeff1",
    "\u2028",
    "\u0085",
    "ＥＨＣ－１",
    "ｅｈｃ",
    "İ",
    "ﬁ",
    "e\u0301",
    "👩‍👩‍👧",
    "\U0010ffff",
    "\ue000",
    "' UNION SELECT password_hash FROM account --",
    'workflowId = "x" OR WorkflowId != ""',
    "null",
    "None",
    "NaN",
    "-1",
    "0",
    "1e309",
    "",
    " ",
    "\t",
]
HUGE = ["A" * 10_000, "EHC-" + "9" * 100_000, "\x00" * 5_000, "é" * 50_000, "<" * 20_000]

# Characters no one-line field accepts: control (C0, C1, DEL), format (bidi, zero-width), separators.
BAD_CHARS = st.characters(categories=("Cc", "Cf", "Zl", "Zp"))
any_text = st.text(max_size=60)


def _with_bad_char(text: str, bad: str, at: int) -> str:
    at = at % (len(text) + 1)
    return text[:at] + bad + text[at:]


text_with_bad_char = st.builds(_with_bad_char, any_text, BAD_CHARS, st.integers(0, 60))
hostile_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.sampled_from(HUGE),
    any_text,
    text_with_bad_char,
    st.text(BAD_CHARS, min_size=1, max_size=20),
)
non_string = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _bad(pattern: str):
    return lambda s: not re.fullmatch(pattern, s.strip())


def _strip(s: str) -> str:
    return s.strip()


bad_case_ref = hostile_text.filter(_bad(CASE_REF_PATTERN))
bad_staff_id = hostile_text.filter(_bad(STAFF_ID_PATTERN)) | st.sampled_from(["nobody", "root", "admin", "senco2"])
bad_rule_id = hostile_text.filter(_bad(RULE_ID_PATTERN)) | st.sampled_from(["no-such-rule", "review-report2"])


def _is_bad_la(s: str) -> bool:
    s = s.strip()
    return not s or len(s) > 80 or any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in s)


bad_la = st.one_of(st.sampled_from(HUGE), text_with_bad_char, st.sampled_from(["", "   ", "\t\n", "K" * 81])).filter(
    _is_bad_la
)

not_dates = st.sampled_from(
    [
        "yesterday",
        "2027-02-30",
        "2027-13-01",
        "0000-00-00",
        "27-03-01",
        "+2027-03-01",
        "2027-03-01T00:00:00",
        "2027-03-01T09:00:00Z",
        "1700000000",
        "2027/03/01",
        "01/03/2027",
        "2027-3-1",
        "٢٠٢٧-٠٣-٠١",
        "2027-03-01\x00",
        "2027-03-01; DROP TABLE step",
        "9" * 5000,
        "-2027-03-01",
        "2027-W09-1",
        "20270301",
    ]
)
before_send = st.dates(min_value=date(1, 1, 1), max_value=FIRST_DATE - timedelta(days=1)).map(date.isoformat)
after_today = st.dates(min_value=TODAY + timedelta(days=1), max_value=date(9999, 12, 31)).map(date.isoformat)
bad_past_date = st.one_of(not_dates, before_send, after_today, non_string.filter(lambda v: v is not None))
# A date that may be in the future (a meeting, a transfer) but never outside the SEND era.
after_era = st.dates(min_value=date(2100, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
bad_any_date = st.one_of(not_dates, before_send, after_era, non_string.filter(lambda v: v is not None))
