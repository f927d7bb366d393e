"""One checked row per pupil, or every problem to fix first: the register file read and validated.

Nothing may start from a file with a mistake in it, so the whole file is read and every bad row reported at once,
each with the line an editor shows it on, its field and a plain reason. A value typed into the wrong column (a name in
the key worker's) must never reach a log or a screen: no reason quotes a cell, only what was expected. The value
rules are the project's own (workflows.models.common: case references, staff ids, initials, dates in the SEND era);
what is added here is reading the forms an MIS writes (DD/MM/YYYY, "Y7", "EHC Plan", "Yes") into them.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from register.columns import Header, RegisterRefused, map_header
from statutory.clock import fmt
from workflows.models.common import FIRST_DATE, CaseRef, Initials, SendDate, ShortText, StaffId

__all__ = ["MAX_ROWS", "Register", "RegisterRow", "RowProblem", "SenCode", "read_register"]

SenCode = Literal["K", "E", "N"]  # the school census's SEN provision codes: SEN support, EHC plan, none
MAX_ROWS = 10_000  # pupils in one file: far more than any school's roll, so a runaway file stops early
_T = TypeVar("_T")


class RegisterRow(BaseModel):
    """One pupil of the register, checked. An E row has the LA that maintains the plan and the plan's date; a K or N
    row may have an LA (the pupil's home LA, as many exports give) and never a plan date (the file's is not read)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int = Field(ge=1, description="The line of the file the row starts on, as an editor counts (header: 1)")
    case_ref: CaseRef
    sen_code: SenCode
    la: ShortText | None = None  # None: not given (a K or N row), the caller's default
    plan_date: SendDate | None = None  # the plan's date or its last annual review
    year_group: int | None = Field(default=None, ge=-1, le=14)  # -1 nursery, 0 reception, 1 to 14
    key_worker: StaffId | None = None  # None: the caller's default
    looked_after: bool | None = None  # None: the file has no looked-after column (a blank cell is no)
    initials: Initials | None = None

    @model_validator(mode="after")
    def _plan_fields_describe_a_plan(self) -> Self:
        if self.sen_code == "E" and (self.la is None or self.plan_date is None):
            raise ValueError("an EHC plan (E) needs the LA that maintains it and the plan's date")
        if self.sen_code != "E" and self.plan_date is not None:
            raise ValueError("only an EHC plan (E) has a plan date")
        return self


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row: its line (as an editor counts, the header is line 1), the field, why."""

    line: int
    field: str  # a field of columns.FIELDS, or "row" for the row as a whole
    reason: str  # a whole sentence, quoting no cell
    column: str | None = None  # the field's heading as the file gives it, when it differs from the field

    def __str__(self) -> str:
        where = self.field if self.column in (None, self.field) else f"{self.field} (column '{self.column}')"
        return f"Line {self.line}, {where}: {self.reason}"


@dataclass(frozen=True)
class Register:
    """The file read: the good rows, the problems (nothing may start while there are any), and its columns."""

    rows: tuple[RegisterRow, ...]
    problems: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...]  # headings of the columns not read, as given
    columns: Mapping[str, str]  # field -> its heading as given

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the file ----------------------------------------------------------------------------------------------------

_SAVE_AS = "in Excel, choose File, Save As, 'CSV UTF-8 (Comma delimited)', and import that file."


def _text(data: bytes | str) -> str:
    """The file as text: UTF-8 with or without Excel's byte order mark, UTF-16 with one (Excel's "Unicode Text"),
    else Windows-1252 (Excel's plain "CSV" on Windows)."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith(b"PK\x03\x04"):
        raise RegisterRefused(f"This is an Excel workbook, not a CSV file: {_SAVE_AS}")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise RegisterRefused(f"The file cannot be read as text: {_SAVE_AS}") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise RegisterRefused(f"The file cannot be read as text: {_SAVE_AS}") from None
    if "\x00" in text:
        raise RegisterRefused(f"This is not a CSV text file (is it a spreadsheet?): {_SAVE_AS}")
    return text


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that some exports use, told from the header line alone."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        return ","  # one column only, or no separator the sniffer is sure of


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record that has a value, with the line it starts on as an editor counts them (a quoted value with a
    line break in it spans lines). Blank lines and rows of empty cells (Excel writes ",,,,") are skipped."""
    # strict: a quote left open would otherwise swallow every later row into one cell, silently
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise RegisterRefused(
                f"Line {end + 1} cannot be read as CSV (a quote left open, text after a closing quote, or a value "
                "far too long): correct it, or export the file again, and import again."
            ) from None
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


# --- the values --------------------------------------------------------------------------------------------------


class _Bad(ValueError):
    """One field's problem: `reason` is the sentence the SENCO reads."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _fold(value: str) -> str:
    """A code or word as compared: lower case, letters and digits only ("EHC Plan", "ehc-plan" alike)."""
    return re.sub(r"[^0-9a-z]", "", value.casefold())


_CASE_REF: TypeAdapter[str] = TypeAdapter(CaseRef)
_STAFF_ID: TypeAdapter[str] = TypeAdapter(StaffId)
_INITIALS: TypeAdapter[str] = TypeAdapter(Initials)
_SHORT_TEXT: TypeAdapter[str] = TypeAdapter(ShortText)
_SEND_DATE: TypeAdapter[date] = TypeAdapter(SendDate)


def _valid(adapter: TypeAdapter[_T], value: str, reason: str) -> _T:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        raise _Bad(reason) from None


def _case_ref(value: str) -> str:
    if not value:
        raise _Bad("The case reference is missing: give the school's reference for the pupil (never a name).")
    return _valid(
        _CASE_REF,
        value,
        "This is not a case reference: use 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit "
        "(the school's reference for the pupil, never a name).",
    )


_SEN_CODES: Mapping[str, SenCode] = {
    **dict.fromkeys(("k", "sensupport"), "K"),
    **dict.fromkeys(("e", "ehcp", "ehcplan", "educationhealthandcareplan"), "E"),
    **dict.fromkeys(("n", "none", "nospecialeducationalneed", "nospecialeducationalneeds"), "N"),
}
_BEFORE_2014: Mapping[str, str] = {
    "a": "A (School Action)",
    "schoolaction": "School Action",
    "p": "P (School Action Plus)",
    "schoolactionplus": "School Action Plus",
    "s": "S (a statement)",
    "statement": "a statement",
    "statementofsen": "a statement",
    "statementofspecialeducationalneeds": "a statement",
}
_SAY_KEN = "say K (SEN support), E (EHC plan) or N (none), as the school census writes them."


def _sen_code(value: str) -> SenCode:
    folded = _fold(value)
    if not folded:
        raise _Bad(f"The SEN provision code is missing: {_SAY_KEN}")
    if folded in _BEFORE_2014:
        raise _Bad(
            f"{_BEFORE_2014[folded]} is a code from before 2014: School Action and School Action Plus were replaced by "
            f"K (SEN support), and statements by E (EHC plan), in 2014/15; {_SAY_KEN}"
        )
    if folded not in _SEN_CODES:
        raise _Bad(f"This is not an SEN provision code: {_SAY_KEN}")
    return _SEN_CODES[folded]


def _la(value: str, plan: bool) -> str | None:
    if not value:
        if plan:
            raise _Bad("An EHC plan (E) needs the LA that maintains it: give the local authority, e.g. Kent.")
        return None
    return _valid(_SHORT_TEXT, value, "The LA must be one line of plain text, at most 80 characters, e.g. Kent.")


_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MIDNIGHT = re.compile(r"[ T]00:00(?::00)?$")  # some exports add the time to a date


def _plan_date(value: str, today: date) -> date:
    if not value:
        raise _Bad(
            "An EHC plan (E) needs the date of the plan or of its last annual review: give it as YYYY-MM-DD or "
            "DD/MM/YYYY."
        )
    text = _MIDNIGHT.sub("", value)
    iso, uk = _ISO.fullmatch(text), _UK.fullmatch(text)
    try:
        if iso:
            found = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif uk:
            found = date(int(uk[3]), int(uk[2]), int(uk[1]))
        else:
            raise ValueError
    except ValueError:
        raise _Bad(
            "This is not a date: write it as YYYY-MM-DD (2025-03-11) or DD/MM/YYYY (11/03/2025); sendclock never reads "
            "the American MM/DD/YYYY."
        ) from None
    if found < FIRST_DATE:
        raise _Bad(
            f"The plan date is before {fmt(FIRST_DATE)}, when the SEND Regulations 2014 came into force: give the "
            "date of the plan or of its last annual review since then."
        )
    if found > today:
        raise _Bad(
            f"The plan date is after today ({fmt(today)}): give the date the plan was issued or last reviewed, not "
            "a date to come."
        )
    return _valid(_SEND_DATE, found.isoformat(), "This date is outside the dates sendclock accepts.")


_RECEPTION = frozenset({"r", "yr", "yearr", "rec", "reception"})
_NURSERY = frozenset({"n", "n1", "n2", "yn", "yearn", "nursery", "nursery1", "nursery2"})
_YEAR = re.compile(r"(?:y|yr|year|ncyear)?(-?[0-9]{1,2})")


def _year_group(value: str) -> int | None:
    if not value:
        return None
    folded = re.sub(r"[\s_.]", "", value.casefold())
    if folded in _RECEPTION:
        return 0
    if folded in _NURSERY:
        return -1
    number = _YEAR.fullmatch(folded)
    if number is None:
        raise _Bad("This is not a year group: write 7, Y7 or Year 7, R for Reception or N for Nursery.")
    year = int(number[1])
    if not -1 <= year <= 14:
        raise _Bad("Year groups run from N (Nursery) and R (Reception) to 14 (the sixth form's last).")
    return year


def _key_worker(value: str, staff: Collection[str] | None) -> str | None:
    if not value:
        return None
    found = _valid(
        _STAFF_ID,
        value.lower(),  # staff ids are lower case; an MIS writes staff codes in capitals
        "This is not a staff id: use the key worker's id in the staff directory (1 to 32 lower-case letters, digits, "
        "'_' or '-'), or leave it blank for the default.",
    )
    if staff is not None and found not in staff:
        raise _Bad(
            "This key worker is not in the staff directory (sendclock config): use a staff id from it, or leave it "
            "blank for the default."
        )
    return found


_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})


def _looked_after(value: str) -> bool:
    folded = _fold(value)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise _Bad("Looked after is yes or no (blank means no).")


def _initials(value: str) -> str | None:
    if not value:
        return None
    return _valid(
        _INITIALS, value, "Initials are one to three capital letters, e.g. AB, or blank: never a name or a nickname."
    )


# --- a row -------------------------------------------------------------------------------------------------------


class _Row:
    """One record being read: its cells by field, and the problems found so far."""

    def __init__(self, line: int, cells: list[str], header: Header) -> None:
        self.line, self.cells, self.header = line, cells, header
        self.problems: list[RowProblem] = []

    def cell(self, field: str) -> str:
        position = self.header.index.get(field)
        return self.cells[position].strip() if position is not None and position < len(self.cells) else ""

    def problem(self, field: str, reason: str) -> None:
        self.problems.append(RowProblem(self.line, field, reason, self.header.columns.get(field)))

    def take(self, field: str, read: Callable[[str], _T]) -> _T | None:
        try:
            return read(self.cell(field))
        except _Bad as bad:
            self.problem(field, bad.reason)
            return None


def _read_row(row: _Row, *, today: date, staff: Collection[str] | None, seen: dict[str, int]) -> RegisterRow | None:
    if any(cell.strip() for cell in row.cells[row.header.width :]):
        row.problem(
            "row",
            "This row has more values than the header has columns: a value with a comma in it must be in quotes.",
        )
    ref = row.take("case_ref", _case_ref)
    if ref is not None:
        if ref in seen:
            row.problem(
                "case_ref",
                f"This case reference is already on line {seen[ref]}: give each pupil one row only.",
            )
        else:
            seen[ref] = row.line
    code = row.take("sen_code", _sen_code)
    plan = code == "E"  # an EHC plan needs its LA and its date; the plan date is read for a plan only
    authority = row.take("la", lambda v: _la(v, plan))
    dated = row.take("plan_date", lambda v: _plan_date(v, today)) if plan else None
    year = row.take("year_group", _year_group)
    worker = row.take("key_worker", lambda v: _key_worker(v, staff))
    # Without a looked-after column the file says nothing about it (None), rather than "no" for every pupil: the
    # plan then neither starts nor ends PEP reviews.
    cared = row.take("looked_after", _looked_after) if "looked_after" in row.header.index else None
    letters = row.take("initials", _initials)
    if row.problems or ref is None or code is None:
        return None
    return RegisterRow(
        line=row.line,
        case_ref=ref,
        sen_code=code,
        la=authority,
        plan_date=dated,
        year_group=year,
        key_worker=worker,
        looked_after=cared,
        initials=letters,
    )


def read_register(data: bytes | str, *, today: date, staff_ids: Collection[str] | None = None) -> Register:
    """The register file read and checked against `today` (no plan date after it) and, when given, the staff
    directory's ids (each key worker one of them). RegisterRefused if the file as a whole cannot be imported (its
    header, before any row is read); otherwise every row is read, and each bad one is a problem in the result."""
    records = _records(_text(data))
    first = next(records, None)
    if first is None:
        raise RegisterRefused(
            "The file is empty: export the SEN register with a header line "
            "(docs/register-template.csv) and a row for each pupil."
        )
    header = map_header(first[1])
    staff = None if staff_ids is None else frozenset(staff_ids)
    rows: list[RegisterRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            raise RegisterRefused(
                f"The file has more than {MAX_ROWS} pupils: import the SEN register only (pupils on SEN support, with "
                "an EHC plan or looked after)."
            )
        row = _Row(line, cells, header)
        found = _read_row(row, today=today, staff=staff, seen=seen)
        problems.extend(row.problems)
        if found is not None:
            rows.append(found)
    return Register(tuple(rows), tuple(problems), header.ignored, header.columns)
