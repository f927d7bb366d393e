"""Which account recorded a change (issue 21, finding 3): one scheme for the dashboard, the API and the command line
(workflows/models/common.py, RecordedBy), a sign-in name after the door it came through, never free text."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from dashboard.auth import User
from dashboard.commands import recorded_by_of
from starter import recorded_by
from workflows.models import AdviceSent, Exemption, StepDone
from workflows.models.common import RecordedBy


@pytest.mark.parametrize(
    "value", ["web:alice", "api:alice", "cli:as:alice.smith@school", "cli:os:jsmith", "cli:os:uid1000"]
)
def test_the_scheme_accepts_each_door(value) -> None:
    assert TypeAdapter(RecordedBy).validate_python(value) == value


@pytest.mark.parametrize("value", ["alice", "cli:alice", "web:", "web:Jane Smith", "senco:alice", "cli:as:-x"])
def test_anything_else_is_refused_without_repeating_it(value) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(RecordedBy).validate_python(value)
    assert caught.value.errors()[0]["msg"] == (
        "Value error, not an account: web:, api:, cli:as: or cli:os: and a "
        "sign-in name (letters, digits, '.', '_', '@', '-')"
    )  # not the value


def test_it_is_optional_on_the_changes_and_kept_apart_from_by() -> None:
    assert StepDone(rule_id="ehc-advice", done_on="2026-03-02", by="senco").recorded_by is None
    sent = AdviceSent(sent_on="2026-03-02", by="teacher", recorded_by="web:alice")
    assert (sent.by, sent.recorded_by) == ("teacher", "web:alice")
    assert Exemption(ground="reg8-2-a", claimed_by="senco", recorded_by="cli:as:alice").recorded_by == "cli:as:alice"


def test_the_dashboard_records_the_signed_in_account_by_the_door_it_came_through() -> None:
    alice = User(id=1, username="alice", role="senco", staff_id="senco")
    assert recorded_by_of(alice, "web") == "web:alice" and recorded_by_of(alice, "api") == "api:alice"
    assert recorded_by_of(alice) == "web:alice"
    assert recorded_by_of(User(id=1, username="alice", role="senco", staff_id="senco", via_api_key=True)) == "api:alice"


def test_the_command_line_says_as_or_the_operating_system_user(monkeypatch) -> None:
    assert recorded_by.as_account("alice") == "cli:as:alice"
    with pytest.raises(ValueError, match="is not a user name"):
        recorded_by.as_account("Alice Smith")
    monkeypatch.setattr(recorded_by.getpass, "getuser", lambda: "jsmith")
    assert recorded_by.os_account() == "cli:os:jsmith"
    monkeypatch.setattr(recorded_by.getpass, "getuser", lambda: "SCHOOL\\j smith")
    assert recorded_by.os_account() == "cli:os:SCHOOL_j_smith"
    monkeypatch.setattr(recorded_by.getpass, "getuser", lambda: "_svc")
    assert recorded_by.os_account() == "cli:os:u_svc"

    def nobody():
        raise OSError("no login name")

    monkeypatch.setattr(recorded_by.getpass, "getuser", nobody)
    assert recorded_by.os_account().startswith("cli:os:uid")
    for value in ("cli:os:jsmith", recorded_by.os_account()):
        TypeAdapter(RecordedBy).validate_python(value)
