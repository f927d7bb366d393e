"""The register's header (register/columns.py): the template's names and the MIS spellings, and the refusal of
columns that hold personal data, before any row is read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from register import RegisterRefused, read_register
from register.columns import ALIASES, FIELDS, REQUIRED, TEMPLATE_HEADER, map_header, personal_data, squash

DOC = Path(__file__).resolve().parents[2] / "docs" / "register.md"
TODAY = date(2027, 3, 11)


def test_the_template_header_maps_every_field_to_its_own_column_and_ignores_nothing():
    header = map_header(TEMPLATE_HEADER.split(","))
    assert dict(header.columns) == {field: field for field in FIELDS}
    assert [header.index[field] for field in FIELDS] == list(range(len(FIELDS)))
    assert header.ignored == ()


@pytest.mark.parametrize(("field", "spelling"), [(f, s) for f in FIELDS for s in ALIASES[f]])
def test_every_mis_spelling_of_a_column_is_read_as_its_field(field, spelling):
    others = [f for f in REQUIRED if f != field]
    header = map_header([spelling, *others])
    assert header.columns[field] == spelling
    assert header.index[field] == 0


@pytest.mark.parametrize("heading", ["Case Ref", "case_ref", "CaseRef", " CASE-REF ", "case.ref", "Case  ref"])
def test_a_heading_is_matched_whatever_its_case_spaces_and_punctuation(heading):
    assert map_header([heading, "sen_code"]).columns["case_ref"] == heading.strip()


def test_no_spelling_is_given_to_two_fields():
    spellings = [spelling for f in FIELDS for spelling in {squash(s) for s in (f, *ALIASES[f])}]
    assert len(spellings) == len(set(spellings))


def test_no_accepted_spelling_looks_like_personal_data():
    assert [s for f in FIELDS for s in (f, *ALIASES[f]) if personal_data(s)] == []


def test_unknown_harmless_columns_are_ignored_and_listed_as_given():
    header = map_header(["Reg Group", "Adno", "House", "SEN Status", "Group Number", "Sussex Ward"])
    assert header.ignored == ("Reg Group", "House", "Group Number", "Sussex Ward")
    assert dict(header.columns) == {"case_ref": "Adno", "sen_code": "SEN Status"}


def test_a_blank_heading_is_neither_read_nor_listed():
    header = map_header(["case_ref", "", "sen_code", "  "])
    assert header.ignored == () and header.width == 4


def test_the_optional_columns_may_be_absent():
    header = map_header(["Adno", "SEN Provision"])
    assert set(header.index) == {"case_ref", "sen_code"}


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_missing_required_column_refuses_the_file_and_names_its_spellings(missing):
    with pytest.raises(RegisterRefused) as refused:
        map_header([f for f in FIELDS if f != missing])
    (reason,) = refused.value.reasons
    assert reason.startswith("The file has no ")
    assert all(f"'{s}'" in reason for s in ALIASES[missing])


def test_a_field_given_by_two_columns_refuses_the_file_naming_both():
    with pytest.raises(RegisterRefused) as refused:
        map_header(["Adno", "case_ref", "sen_code"])
    assert refused.value.reasons == (
        "The columns 'Adno' and 'case_ref' both give the case reference: keep one of them and import again.",
    )


def test_a_column_named_like_a_pupils_name_is_refused_with_the_reason():
    with pytest.raises(RegisterRefused) as refused:
        map_header(["case_ref", "sen_code", "Forename"])
    assert refused.value.reason == (
        "sendclock does not read or store pupils' names: remove the column 'Forename' and import again."
    )


def test_a_column_named_like_a_date_of_birth_is_refused_with_the_reason():
    with pytest.raises(RegisterRefused) as refused:
        map_header(["case_ref", "sen_code", "DOB"])
    assert refused.value.reason == (
        "sendclock does not read or store dates of birth: remove the column 'DOB' and import again."
    )


@pytest.mark.parametrize(
    ("heading", "why"),
    [
        ("Forename", "names"),
        ("Surname", "names"),
        ("First Name", "names"),
        ("Last Name", "names"),
        ("Legal Surname", "names"),
        ("Preferred Forename", "names"),
        ("Name", "names"),
        ("Full Name", "names"),
        ("Known As", "names"),
        ("DOB", "dates of birth"),
        ("Pupil DOB", "dates of birth"),
        ("PupilDOB", "dates of birth"),
        ("Date of Birth", "dates of birth"),
        ("Birth Date", "dates of birth"),
        ("UPN", "unique pupil or learner numbers"),
        ("ULN", "unique pupil or learner numbers"),
        ("Former UPN", "unique pupil or learner numbers"),
        ("Unique Pupil Number", "unique pupil or learner numbers"),
        ("Unique Learner Number", "unique pupil or learner numbers"),
        ("Address", "addresses"),
        ("Address Line 1", "addresses"),
        ("Postcode", "addresses"),
        ("Parent Email", "addresses"),
        ("Home Phone", "addresses"),
        ("Gender", "sex or gender"),
        ("Sex", "sex or gender"),
        ("Legal Sex", "sex or gender"),
        ("Ethnicity", "ethnicity"),
        ("Ethnic Group", "ethnicity"),
        ("Primary Need", "needs"),
        ("Secondary Need", "needs"),
        ("SEN Need", "needs"),
        ("Need Type", "needs"),
        ("SEN Primary Need Type", "needs"),
        ("Medical Conditions", "needs"),
        ("Diagnosis", "needs"),
    ],
)
def test_a_column_holding_personal_data_is_refused_with_why(heading, why):
    reason = personal_data(heading)
    assert reason is not None and why in reason
    assert reason.startswith("sendclock does not read or store ")
    assert reason.endswith(f": remove the column '{heading}' and import again.")


def test_every_refusal_of_the_header_is_given_at_once():
    with pytest.raises(RegisterRefused) as refused:
        map_header(["Forename", "DOB", "Adno", "case_ref", "UPN"])
    reasons = refused.value.reasons
    assert len(reasons) == 5  # Forename, DOB, the doubled case reference, UPN, no SEN provision code
    assert refused.value.reason == " ".join(reasons)
    assert isinstance(refused.value, ValueError)


def test_a_personal_data_column_refuses_the_whole_file_before_any_row_is_read():
    text = "case_ref,sen_code,Surname\nnot a ref!,Q,Example\n"
    with pytest.raises(RegisterRefused) as refused:
        read_register(text, today=TODAY)
    assert refused.value.reasons == (
        "sendclock does not read or store pupils' names: remove the column 'Surname' and import again.",
    )


def test_the_documentation_lists_every_accepted_spelling_and_the_template_header():
    doc = DOC.read_text(encoding="utf-8")
    assert TEMPLATE_HEADER in doc
    assert [s for f in FIELDS for s in ALIASES[f] if f"`{s}`" not in doc] == []


def test_the_template_file_has_the_template_header_and_reads_without_a_problem():
    template = DOC.with_name("register-template.csv").read_text(encoding="utf-8")
    assert template.splitlines()[0] == TEMPLATE_HEADER
    register = read_register(template, today=TODAY, staff_ids={"senco", "class-teacher"})
    assert register.ok and len(register.rows) == 3
    assert all(row.case_ref.startswith("SUP-") for row in register.rows)
