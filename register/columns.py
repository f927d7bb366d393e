"""The register's header: which column holds which field, and the refusal of columns that hold personal data.

MIS exports name their columns in their own words ("Adno", "SEN Provision", "NC Year"), so a heading is matched
without regard to case, spaces or punctuation, against the template's field names and the common MIS spellings
(ALIASES; the table in docs/register.md is this one). sendclock keeps no pupil's name, date of birth, national number,
contact details, sex, ethnicity or needs: a column that looks like one refuses the whole file, before any row is read,
with the reason, so the SENCO removes it from the export rather than trusting sendclock to skip it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ALIASES",
    "FIELDS",
    "FIELD_LABELS",
    "PERSONAL",
    "REQUIRED",
    "TEMPLATE_HEADER",
    "Header",
    "Personal",
    "RegisterRefused",
    "map_header",
    "personal_data",
    "squash",
]

FIELDS: tuple[str, ...] = (
    "case_ref",
    "sen_code",
    "la",
    "plan_date",
    "year_group",
    "key_worker",
    "looked_after",
    "initials",
)
TEMPLATE_HEADER = ",".join(FIELDS)  # docs/register-template.csv's first line
REQUIRED: tuple[str, ...] = ("case_ref", "sen_code")  # the others, when absent, are blank in every row

# Each field in a SENCO's words (the reasons of rows.py and the refusals here).
FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "case_ref": "case reference",
        "sen_code": "SEN provision code",
        "la": "LA",
        "plan_date": "plan date",
        "year_group": "year group",
        "key_worker": "key worker",
        "looked_after": "looked after",
        "initials": "initials",
    }
)

# Every heading accepted for a field besides its own name, as MIS exports (SIMS, Arbor, Bromcom, ...) spell them.
ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "case_ref": (
            "Case Ref",
            "Case Reference",
            "Adno",
            "Admission No",
            "Admission Number",
            "Pupil Reference",
            "Pupil Ref",
            "Reference",
        ),
        "sen_code": ("SEN Code", "SEN Provision", "SEN Provision Code", "SEN Status", "SEN Stage"),
        "la": ("LA", "Local Authority", "Home LA", "EHCP LA", "Responsible LA"),
        "plan_date": (
            "Plan Date",
            "EHCP Date",
            "EHC Plan Date",
            "EHCP Start Date",
            "Last Annual Review",
            "Last Review Date",
        ),
        "year_group": ("Year", "Year Group", "NC Year", "National Curriculum Year", "Curriculum Year"),
        "key_worker": ("Key Worker", "Keyworker", "Key Adult", "Staff Id"),
        "looked_after": ("Looked After", "Looked After Child", "Child Looked After", "In Care", "CLA", "LAC"),
        "initials": ("Initials", "Pupil Initials"),
    }
)


def squash(heading: str) -> str:
    """A heading as it is compared: lower case, letters and digits only ("Case Ref", "case_ref", "CaseRef" alike)."""
    return re.sub(r"[^0-9a-z]", "", heading.casefold())


def _words(heading: str) -> frozenset[str]:
    """The words of a heading, camel case split too ("PupilDOB": pupil, dob), in lower case."""
    return frozenset(w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", heading))


_BY_SQUASHED: Mapping[str, str] = MappingProxyType(
    {squash(spelling): field for field in FIELDS for spelling in (field, *ALIASES[field])}
)


@dataclass(frozen=True)
class Personal:
    """One kind of personal data sendclock refuses: why, and the headings that look like it (a word of the heading,
    or a part of the squashed heading)."""

    why: str
    words: frozenset[str]
    parts: tuple[str, ...]

    def matches(self, heading: str) -> bool:
        squashed = squash(heading)
        return bool(self.words & _words(heading)) or any(part in squashed for part in self.parts)


PERSONAL: tuple[Personal, ...] = (
    Personal("sendclock does not read or store pupils' names", frozenset(), ("name", "knownas")),
    Personal("sendclock does not read or store dates of birth", frozenset({"dob", "birthday"}), ("birth",)),
    Personal(
        "sendclock does not read or store unique pupil or learner numbers (a UPN or ULN identifies a child "
        "nationally; the school's own case reference is enough)",
        frozenset({"upn", "uln", "uci"}),
        ("uniquepupil", "uniquelearner", "uniquecandidate"),
    ),
    Personal(
        "sendclock does not read or store addresses or contact details",
        frozenset({"phone", "mobile", "tel"}),
        ("address", "postcode", "postalcode", "zipcode", "email", "telephone"),
    ),
    Personal("sendclock does not read or store pupils' sex or gender", frozenset({"sex"}), ("gender",)),
    Personal(
        "sendclock does not read or store ethnicity, religion or nationality",
        frozenset(),
        ("ethnic", "religio", "nationality"),
    ),
    Personal(
        "sendclock does not read or store pupils' needs, diagnoses or medical information (the SEN code K, E or N "
        "is all it needs)",
        frozenset(),
        ("need", "medical", "diagnos", "disabilit"),
    ),
)


def personal_data(heading: str) -> str | None:
    """Why the column `heading` is refused, as a sentence naming it; None if it holds no personal data."""
    for kind in PERSONAL:
        if kind.matches(heading):
            return f"{kind.why}: remove the column '{heading.strip()}' and import again."
    return None


class RegisterRefused(ValueError):
    """The whole file is refused (a personal-data column, no header, a missing or doubled column, not readable as
    CSV text): nothing in it is imported. `reasons` are whole sentences for the SENCO; they quote column headings,
    never a pupil's value."""

    def __init__(self, *reasons: str) -> None:
        self.reasons: tuple[str, ...] = reasons
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


@dataclass(frozen=True)
class Header:
    """Where each field is in the file's rows."""

    index: Mapping[str, int]  # field -> position of its column
    columns: Mapping[str, str]  # field -> its heading as the file gives it
    ignored: tuple[str, ...]  # headings of the columns sendclock does not read, as given
    width: int  # how many columns the header has


def _spellings(field: str) -> str:
    return ", ".join(f"'{s}'" for s in (field, *ALIASES[field]))


def map_header(headings: Sequence[str]) -> Header:
    """The header read from the file's first line; RegisterRefused with every reason at once if the file cannot be
    imported as it is (a column holding personal data, a field given by two columns, a required one missing)."""
    refusals: list[str] = []
    index: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw in enumerate(headings):
        heading = raw.strip()
        if not heading:
            continue  # a blank heading (a trailing comma): nothing to read
        why = personal_data(heading)
        if why is not None:
            refusals.append(why)
            continue
        field = _BY_SQUASHED.get(squash(heading))
        if field is None:
            ignored.append(heading)
        elif field in index:
            refusals.append(
                f"The columns '{columns[field]}' and '{heading}' both give the {FIELD_LABELS[field]}: keep one of "
                "them and import again."
            )
        else:
            index[field], columns[field] = position, heading
    refusals.extend(
        f"The file has no {FIELD_LABELS[field]} column: the first line must be the header, with a column headed "
        f"{_spellings(field)}."
        for field in REQUIRED
        if field not in index
    )
    if refusals:
        raise RegisterRefused(*refusals)
    return Header(MappingProxyType(index), MappingProxyType(columns), tuple(ignored), len(headings))
