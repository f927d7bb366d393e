"""Case references, staff ids and rule ids are refused with a plain reason that names what they should be, and never
repeats what was typed (a pupil's name in the case reference field must not reach a log)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from workflows.models import AdviceRequest
from workflows.models.common import CASE_REF_PATTERN, CaseRef, RuleId, StaffId


@pytest.mark.parametrize(
    "kind, typed, reason",
    [
        (CaseRef, "Jane Smith", "not a case reference: 1 to 40 letters, digits, '.', '_' or '-'"),
        (CaseRef, "-EHC-1", "starting with a letter or digit"),
        (CaseRef, "E" * 41, "not a case reference"),
        (StaffId, "Mrs Jones", "not a staff id: 1 to 32 lower-case letters"),
        (RuleId, "EHC Advice", "not a rule id"),
    ],
)
def test_a_malformed_reference_gets_a_plain_reason_without_the_value(kind, typed, reason) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(typed)
    message = caught.value.errors()[0]["msg"]
    assert reason in message and typed not in message


def test_well_formed_references_pass_trimmed() -> None:
    assert TypeAdapter(CaseRef).validate_python("  EHC-2027.01_a ") == "EHC-2027.01_a"
    assert TypeAdapter(StaffId).validate_python("senco") == "senco"
    assert TypeAdapter(RuleId).validate_python("reg8-2-a") == "reg8-2-a"


def test_the_api_schema_still_states_the_pattern() -> None:
    schema = AdviceRequest.model_json_schema()
    assert schema["properties"]["case_ref"]["pattern"] == CASE_REF_PATTERN
