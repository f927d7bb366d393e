"""Reading and checking the register file (register/rows.py): every bad row reported with its line, field and a
plain reason that quotes no cell; encodings and separators as Excel and MIS exports write them."""

from __future__ import annotations

import codecs
import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import register.rows
from register import Register, RegisterRefused, RegisterRow, RowProblem, read_register
from register.columns import TEMPLATE_HEADER
from tests.helpers import examples
from tests.register.generate import LAS, fictional_register

TODAY = date(2027, 3, 11)  # a Thursday
STAFF = {"senco", "teacher"}


def read(*rows: str, header: str = TEMPLATE_HEADER, staff_ids=STAFF) -> Register:
    return read_register("\n".join([header, *rows]) + "\n", today=TODAY, staff_ids=staff_ids)


def one_row(row: str, **kwargs) -> RegisterRow:
    register = read(row, **kwargs)
    assert register.problems == ()
    (found,) = register.rows
    return found


def problems(row: str, **kwargs) -> list[tuple[str, str]]:
    register = read(row, **kwargs)
    assert register.rows == ()
    return [(p.field, p.reason) for p in register.problems]


# --- the whole file ----------------------------------------------------------------------------------------------


def test_a_good_row_becomes_a_register_row_with_every_field():
    assert one_row("SUP-0002,E,Kent,2025-03-11,9,senco,yes,AB") == RegisterRow(
        line=2,
        case_ref="SUP-0002",
        sen_code="E",
        la="Kent",
        plan_date=date(2025, 3, 11),
        year_group=9,
        key_worker="senco",
        looked_after=True,
        initials="AB",
    )


def test_a_file_exported_by_an_mis_reads_with_its_own_column_names():
    register = read(
        "1001,SEN Support,,,Year 7,SENCO,N,,7X",
        "1002,EHC Plan,Medway,05/11/2024,Y10,,Yes,CD,10Y",
        header="Adno,SEN Status,Responsible LA,Last Annual Review,NC Year,Key Worker,CLA,Initials,Reg Group",
    )
    assert register.problems == ()
    assert [
        (r.case_ref, r.sen_code, r.la, r.plan_date, r.year_group, r.key_worker, r.looked_after) for r in register.rows
    ] == [
        ("1001", "K", None, None, 7, "senco", False),
        ("1002", "E", "Medway", date(2024, 11, 5), 10, None, True),
    ]
    assert register.ignored_columns == ("Reg Group",)
    assert register.columns["plan_date"] == "Last Annual Review"


def test_absent_optional_columns_are_blank_in_every_row():
    row = one_row("SUP-0001,K", header="case_ref,sen_code")
    assert (row.year_group, row.key_worker, row.initials) == (None, None, None)


def test_without_a_looked_after_column_the_row_says_nothing_about_it():
    assert one_row("SUP-0001,K", header="case_ref,sen_code").looked_after is None
    assert one_row("SUP-0001,K,", header="case_ref,sen_code,looked_after").looked_after is False


def test_the_header_is_line_1_and_a_quoted_line_break_moves_later_rows_down_as_an_editor_counts():
    text = (
        "case_ref,sen_code,House\n"  # line 1
        'SUP-0001,K,"North\nwing"\n'  # lines 2 and 3
        "\n"  # line 4, blank
        "SUP-0002,Q,South\n"  # line 5
        "SUP-0003,K,East\n"  # line 6
        ",,\n"  # line 7: Excel's empty row
        "SUP-0003,K,West\n"  # line 8
    )
    register = read_register(text, today=TODAY)
    assert [row.line for row in register.rows] == [2, 6]
    assert [(p.line, p.field) for p in register.problems] == [(5, "sen_code"), (8, "case_ref")]
    assert register.problems[1].reason == "This case reference is already on line 6: give each pupil one row only."


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings_count_lines_as_an_editor_does(newline):
    text = newline.join(["case_ref,sen_code", "SUP-0001,K", '"SUP-0002",Q', ""])
    assert [p.line for p in read_register(text, today=TODAY).problems] == [3]


def test_a_problem_names_its_line_field_and_column_as_given():
    register = read("1001,Q", header="Adno,sen_code")
    assert [str(p) for p in register.problems] == [
        "Line 2, sen_code: This is not an SEN provision code: say K (SEN support), E (EHC plan) or N (none), as the "
        "school census writes them."
    ]
    assert str(RowProblem(4, "plan_date", "Why.", "EHCP Date")) == "Line 4, plan_date (column 'EHCP Date'): Why."


def test_every_problem_of_every_row_is_reported_not_only_the_first():
    register = read("SUP 1,Q,,,Year 20,Mr Example,perhaps,abc", "SUP-0002,E,,,,,,")
    assert [(p.line, p.field) for p in register.problems] == [
        (2, "case_ref"),
        (2, "sen_code"),
        (2, "year_group"),
        (2, "key_worker"),
        (2, "looked_after"),
        (2, "initials"),
        (3, "la"),
        (3, "plan_date"),
    ]
    assert register.rows == () and not register.ok


def test_a_header_alone_is_an_empty_register():
    register = read()
    assert register.rows == () and register.ok


@pytest.mark.parametrize("text", ["", "\n\n", ",,,\n"])
def test_an_empty_file_is_refused(text):
    with pytest.raises(RegisterRefused, match="The file is empty"):
        read_register(text, today=TODAY)


def test_a_file_without_a_header_is_refused_saying_the_first_line_must_be_the_header():
    with pytest.raises(RegisterRefused, match="the first line must be the header"):
        read_register("SUP-0001,K,,,7,senco,no,AB\n", today=TODAY)


def test_a_row_with_more_values_than_the_header_has_columns_says_to_quote_commas():
    found = problems("SUP-0001,E,Bath, North East Somerset,2025-03-11", header="case_ref,sen_code,la,plan_date")
    assert found[0] == (
        "row",
        "This row has more values than the header has columns: a value with a comma in it must be in quotes.",
    )
    assert [field for field, _ in found] == ["row", "plan_date"]  # " North East Somerset" is no date


def test_a_quoted_value_with_a_comma_is_one_value():
    assert one_row('SUP-0001,E,"Bath, North East Somerset",2025-03-11,,,,').la == "Bath, North East Somerset"


def test_a_quote_left_open_refuses_the_file_at_its_line_rather_than_swallowing_later_rows():
    with pytest.raises(RegisterRefused, match="^Line 3 cannot be read as CSV"):
        read("SUP-0001,K,,,,,,", 'SUP-0002,K,,,,,,"AB', "SUP-0003,K,,,,,,")


def test_a_value_far_too_long_refuses_the_file_at_its_line():
    with pytest.raises(RegisterRefused, match="^Line 2 cannot be read as CSV"):
        read('SUP-0001,K,,,,,,"' + "A" * 200_000 + '"')


def test_a_file_of_more_pupils_than_any_school_has_is_refused(monkeypatch):
    monkeypatch.setattr(register.rows, "MAX_ROWS", 3)
    assert len(read(*(f"SUP-{n},K" for n in range(3)), header="case_ref,sen_code").rows) == 3
    with pytest.raises(RegisterRefused, match="more than 3 pupils"):
        read(*(f"SUP-{n},K" for n in range(4)), header="case_ref,sen_code")


# --- encodings and separators ------------------------------------------------------------------------------------

ROWS = "case_ref,sen_code,la,plan_date,House\nSUP-0001,E,Kent,2025-03-11,Brontë\n"


@pytest.mark.parametrize(
    "data",
    [
        ROWS,
        "\ufeff" + ROWS,
        ROWS.encode("utf-8"),
        codecs.BOM_UTF8 + ROWS.encode("utf-8"),
        ROWS.encode("cp1252"),
        ROWS.replace(",", "\t").encode("utf-16"),  # Excel's "Unicode Text"
    ],
    ids=["text", "text-bom", "utf-8", "utf-8-bom", "cp1252", "utf-16-tab"],
)
def test_utf_8_with_or_without_a_byte_order_mark_windows_1252_and_utf_16_are_read(data):
    register = read_register(data, today=TODAY)
    assert register.problems == ()
    assert register.columns["case_ref"] == "case_ref"  # the byte order mark is not part of the first heading
    assert register.rows[0].plan_date == date(2025, 3, 11)


def test_a_cp1252_character_in_a_read_field_comes_through():
    data = "case_ref,sen_code,la,plan_date\nSUP-0001,E,Southend–on–Sea,2025-03-11\n".encode("cp1252")
    assert read_register(data, today=TODAY).rows[0].la == "Southend–on–Sea"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_separated_file_is_read(delimiter):
    text = f"Case Ref{delimiter}SEN Status{delimiter}LA\nSUP-0001{delimiter}K{delimiter}\n"
    register = read_register(text, today=TODAY)
    assert register.problems == () and register.rows[0].case_ref == "SUP-0001"


def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv():
    with pytest.raises(RegisterRefused, match="Excel workbook.*CSV UTF-8"):
        read_register(b"PK\x03\x04\x14\x00\x06\x00", today=TODAY)


@pytest.mark.parametrize("data", [b"\xd0\xcf\x11\xe0\x00\x00case_ref", b"case_ref,sen_code\n\x81\x8d\n"])
def test_a_file_that_is_not_csv_text_is_refused(data):
    with pytest.raises(RegisterRefused, match="CSV UTF-8"):
        read_register(data, today=TODAY)


# --- the values --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("K", "K"),
        ("k", "K"),
        (" E ", "E"),
        ("n", "N"),
        ("SEN Support", "K"),
        ("EHC Plan", "E"),
        ("EHCP", "E"),
        ("Education, Health and Care Plan", "E"),
        ("None", "N"),
        ("No Special Educational Need", "N"),
    ],
)
def test_an_sen_code_is_read_from_the_census_letter_or_its_words(given, code):
    la, plan_date = ("Kent", "2025-03-11") if code == "E" else ("", "")
    assert one_row(f'SUP-0001,"{given}",{la},{plan_date},,,,').sen_code == code


def test_a_blank_sen_code_is_a_problem_saying_k_e_or_n():
    assert problems("SUP-0001,,,,,,,") == [
        (
            "sen_code",
            "The SEN provision code is missing: say K (SEN support), E (EHC plan) or N (none), as the school census "
            "writes them.",
        )
    ]


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("A", "A (School Action)"),
        ("p", "P (School Action Plus)"),
        ("S", "S (a statement)"),
        ("Statement", "a statement"),
    ],
)
def test_a_code_from_before_2014_is_a_problem_saying_it_was_replaced_by_k_and_e(code, said):
    ((field, reason),) = problems(f"SUP-0001,{code},,,,,,")
    assert field == "sen_code"
    assert reason.startswith(f"{said} is a code from before 2014: School Action and School Action Plus were replaced")
    assert "by K (SEN support), and statements by E (EHC plan), in 2014/15" in reason


@pytest.mark.parametrize(
    ("given", "day"),
    [
        ("2025-03-11", date(2025, 3, 11)),
        ("11/03/2025", date(2025, 3, 11)),
        ("1/9/2024", date(2024, 9, 1)),
        ("11/03/2025 00:00", date(2025, 3, 11)),
        ("11/03/2025 00:00:00", date(2025, 3, 11)),
        ("2014-09-01", date(2014, 9, 1)),
        ("2027-03-11", TODAY),
    ],
)
def test_a_plan_date_is_read_as_yyyy_mm_dd_or_as_uk_exports_write_it(given, day):
    assert one_row(f"SUP-0001,E,Kent,{given},,,,").plan_date == day


@pytest.mark.parametrize("given", ["03/15/2025", "2025-02-30", "31/02/2025", "11/03/25", "11 March 2025", "45727"])
def test_a_plan_date_in_any_other_form_is_a_problem_never_read_as_mm_dd(given):
    assert problems(f"SUP-0001,E,Kent,{given},,,,") == [
        (
            "plan_date",
            "This is not a date: write it as YYYY-MM-DD (2025-03-11) or DD/MM/YYYY (11/03/2025); sendclock never reads "
            "the American MM/DD/YYYY.",
        )
    ]


def test_a_plan_date_before_the_send_regulations_is_a_problem_giving_the_date_they_began():
    assert problems("SUP-0001,E,Kent,31/08/2014,,,,") == [
        (
            "plan_date",
            "The plan date is before Mon 1 Sep 2014, when the SEND Regulations 2014 came into force: give the date of "
            "the plan or of its last annual review since then.",
        )
    ]


def test_a_plan_date_after_today_is_a_problem_giving_today():
    assert problems("SUP-0001,E,Kent,2027-03-12,,,,") == [
        (
            "plan_date",
            "The plan date is after today (Thu 11 Mar 2027): give the date the plan was issued or last reviewed, not a "
            "date to come.",
        )
    ]


def test_an_ehc_plan_needs_its_la_and_its_plan_date():
    assert [field for field, _ in problems("SUP-0001,E,,,,,,")] == ["la", "plan_date"]
    assert problems("SUP-0001,EHCP,,2025-03-11,,,,") == [
        ("la", "An EHC plan (E) needs the LA that maintains it: give the local authority, e.g. Kent.")
    ]


@pytest.mark.parametrize("code", ["K", "N"])
def test_a_pupil_without_a_plan_keeps_an_la_if_given_and_the_plan_date_is_not_read(code):
    row = one_row(f"SUP-0001,{code},Kent,not a date,,,,")
    assert (row.la, row.plan_date) == ("Kent", None)
    assert one_row(f"SUP-0001,{code},,,,,,").la is None


def test_an_la_must_be_one_line_of_plain_text():
    ((field, reason),) = problems('SUP-0001,E,"Kent\nCounty",2025-03-11,,,,')
    assert (field, reason) == ("la", "The LA must be one line of plain text, at most 80 characters, e.g. Kent.")
    assert problems(f"SUP-0001,E,{'K' * 81},2025-03-11,,,,")[0][0] == "la"


@pytest.mark.parametrize(
    ("given", "year"),
    [
        ("7", 7),
        ("Y7", 7),
        ("y 7", 7),
        ("Year 7", 7),
        ("NC Year 7", 7),
        ("Yr 11", 11),
        ("R", 0),
        ("YR", 0),
        ("Reception", 0),
        ("0", 0),
        ("N", -1),
        ("N1", -1),
        ("N2", -1),
        ("Nursery", -1),
        ("12", 12),
        ("Year 14", 14),
        ("", None),
    ],
)
def test_a_year_group_is_read_as_mis_exports_write_it(given, year):
    assert one_row(f"SUP-0001,K,,,{given},,,").year_group == year


@pytest.mark.parametrize(
    ("given", "why"),
    [("15", "run from N"), ("Year 20", "run from N"), ("Sixth", "not a year group"), ("7B", "not a year group")],
)
def test_a_year_group_out_of_range_or_unreadable_is_a_problem(given, why):
    ((field, reason),) = problems(f"SUP-0001,K,,,{given},,,")
    assert field == "year_group" and why in reason


@pytest.mark.parametrize(
    ("given", "looked_after"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        ("", False),
    ],
)
def test_looked_after_is_yes_or_no_and_blank_is_no(given, looked_after):
    assert one_row(f"SUP-0001,K,,,,,{given},").looked_after is looked_after


def test_looked_after_in_other_words_is_a_problem():
    assert problems("SUP-0001,K,,,,,maybe,") == [("looked_after", "Looked after is yes or no (blank means no).")]


def test_a_key_worker_is_a_staff_id_read_in_lower_case_and_blank_is_the_default():
    assert one_row("SUP-0001,K,,,,SENCO,,").key_worker == "senco"
    assert one_row("SUP-0001,K,,,,,,").key_worker is None
    assert one_row("SUP-0001,K,,,,anyone,,", staff_ids=None).key_worker == "anyone"


def test_a_key_worker_not_in_the_staff_directory_is_a_problem_saying_so():
    assert problems("SUP-0001,K,,,,head,,") == [
        (
            "key_worker",
            "This key worker is not in the staff directory (sendclock config): use a staff id from it, or leave it "
            "blank for the default.",
        )
    ]


@pytest.mark.parametrize("given", ["AB", "A", "XYZ", " CD "])
def test_initials_are_one_to_three_capital_letters(given):
    assert one_row(f"SUP-0001,K,,,,,,{given}").initials == given.strip()


@pytest.mark.parametrize("given", ["ab", "Bob", "ABCD", "A.B.", "A B"])
def test_initials_that_are_not_capitals_are_a_problem_and_never_upper_cased_into_initials(given):
    assert problems(f"SUP-0001,K,,,,,,{given}") == [
        ("initials", "Initials are one to three capital letters, e.g. AB, or blank: never a name or a nickname.")
    ]


@pytest.mark.parametrize("given", ["SUP 0001", "-SUP", "SUP/0001", "x" * 41])
def test_a_case_reference_out_of_shape_is_a_problem(given):
    ((field, reason),) = problems(f"{given},K,,,,,,")
    assert field == "case_ref" and reason.startswith("This is not a case reference:")


def test_a_missing_case_reference_is_a_problem():
    assert problems(",K,,,,,,") == [
        ("case_ref", "The case reference is missing: give the school's reference for the pupil (never a name).")
    ]


def test_a_duplicate_case_reference_is_a_problem_on_the_later_line_naming_the_earlier():
    register = read("SUP-0001,K,,,,,,", "SUP-0002,K,,,,,,", "SUP-0001,N,,,,,,")
    assert [row.line for row in register.rows] == [2, 3]
    assert [str(p) for p in register.problems] == [
        "Line 4, case_ref: This case reference is already on line 2: give each pupil one row only."
    ]


# --- privacy -----------------------------------------------------------------------------------------------------

NAME = "Zephyrine Example"


@pytest.mark.parametrize("position", [0, 1, 3, 4, 5, 6, 7])  # the LA is free text: a name there is not caught
def test_a_name_typed_into_a_column_is_never_quoted_in_a_problem(position):
    cells = ["SUP-0001", "E", "Kent", "2025-03-11", "7", "senco", "no", "AB"]
    cells[position] = NAME
    register = read(",".join(cells))
    assert register.problems
    assert not any("Zephyrine" in str(p) for p in register.problems)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
        min_size=8,
        max_size=9,
    )
)
def test_no_cell_of_any_row_ever_reaches_a_problem(cells):
    marked = ['"Qz' + cell.replace('"', '""') + '"' for cell in cells]
    register = read(",".join(marked))
    for problem in register.problems:
        assert "Qz" not in str(problem)


@settings(max_examples=examples(100), deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_register_or_a_refusal_and_nothing_else(data):
    with contextlib.suppress(RegisterRefused):
        read_register(
            b"case_ref,sen_code,la,plan_date,year_group,key_worker,looked_after,initials\n" + data, today=TODAY
        )


def test_a_register_row_made_directly_keeps_the_plan_fields_to_plans():
    with pytest.raises(ValidationError, match="needs the LA"):
        RegisterRow(line=2, case_ref="SUP-0001", sen_code="E", la="Kent")
    with pytest.raises(ValidationError, match="only an EHC plan"):
        RegisterRow(line=2, case_ref="SUP-0001", sen_code="K", plan_date=date(2025, 3, 11))
    assert RegisterRow(line=2, case_ref="SUP-0001", sen_code="K", la="Kent").la == "Kent"


# --- the fictional registers of the tests ------------------------------------------------------------------------


def test_a_fictional_register_reads_without_a_problem_and_is_the_same_for_the_same_seed():
    text = fictional_register(200, today=TODAY, seed=3)
    assert text == fictional_register(200, today=TODAY, seed=3) != fictional_register(200, today=TODAY, seed=4)
    register = read_register(text, today=TODAY, staff_ids=STAFF)
    assert register.ok and len(register.rows) == 200
    assert {row.sen_code for row in register.rows} == {"K", "E", "N"}
    plans = [row for row in register.rows if row.sen_code == "E"]
    assert {row.la for row in plans} == set(LAS)
    assert all(0 <= (TODAY - row.plan_date).days <= 334 for row in plans if row.plan_date)
    assert any(row.looked_after for row in register.rows)
    assert {row.key_worker for row in register.rows} == STAFF | {None}
