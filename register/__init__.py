"""The SEN register import: a school's SEN register, exported from its MIS as one CSV file, read into sendclock at once.

A SENCO starting with sendclock (or catching up after a term) has every pupil on SEN support or with an EHC plan in
the MIS already; typing each one in again is where mistakes come from. This package is the pure part of the import
(docs/register.md): reading and checking the file (columns.py: its header, and the refusal of columns that hold
personal data; rows.py: one checked row per pupil, or the problems to fix first) and working out what the import would
do against the processes already running (plan.py). It reads no clock, opens no file and starts nothing: the command
line and the dashboard pass the bytes, today's date and what is running, and start what the plan says.
"""

from __future__ import annotations

from register.columns import FIELDS, TEMPLATE_HEADER, RegisterRefused
from register.plan import ANNUAL_REVIEW, PEP_REVIEW, SEN_SUPPORT, Action, Running, absent, plan_import
from register.rows import Register, RegisterRow, RowProblem, read_register

__all__ = [
    "ANNUAL_REVIEW",
    "FIELDS",
    "PEP_REVIEW",
    "SEN_SUPPORT",
    "TEMPLATE_HEADER",
    "Action",
    "Register",
    "RegisterRefused",
    "RegisterRow",
    "RowProblem",
    "Running",
    "absent",
    "plan_import",
    "read_register",
]
