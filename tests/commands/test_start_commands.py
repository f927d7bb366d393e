"""Each process kind's start is declared once, as a start command (commands/start.py), and every door is built from
it: `sendclock <group> start` (starter/cli/starts.py), the dashboard's start form and the API's body. A fifth kind
gets its command-line start, with a group of its own, from its start command alone."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer
from pydantic import Field
from typer.testing import CliRunner

from commands.start import START_COMMANDS, Flag, StartProcess
from starter.cli import app
from starter.cli.starts import add_start_commands
from workflows.models.common import CaseRef, SendDate, ShortText, StaffId
from workflows.registry import PROCESSES, process_kind


def _command(*path: str):
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def test_every_process_kind_has_one_start_command_in_the_registrys_order() -> None:
    assert list(START_COMMANDS) == [p.kind for p in PROCESSES]
    assert all(model.kind == kind for kind, model in START_COMMANDS.items())
    groups = [model.cli_group for model in START_COMMANDS.values()]
    assert len(set(groups)) == len(groups)


@pytest.mark.parametrize("kind", list(START_COMMANDS))
def test_the_rules_a_start_checks_are_the_rules_its_kind_opens(kind: str) -> None:
    assert {rule for _, rule in START_COMMANDS[kind].planned_from} <= set(process_kind(kind).rules)


@pytest.mark.parametrize("kind", list(START_COMMANDS))
def test_every_start_field_has_a_flag_a_form_label_and_no_flag_in_the_api_schema(kind: str) -> None:
    model = START_COMMANDS[kind]
    for name, field in model.model_fields.items():
        flags = [m for m in field.metadata if isinstance(m, Flag)]
        assert len(flags) == 1 and flags[0].name.startswith("--") and flags[0].help.endswith("."), name
        assert field.title, name
    assert "--" not in str(model.model_json_schema())
    assert model.began_field in model.model_fields
    assert all(field in model.model_fields for field, _ in model.planned_from)


@pytest.mark.parametrize("kind", list(START_COMMANDS))
def test_the_command_line_start_of_each_kind_is_its_start_command(kind: str) -> None:
    model = START_COMMANDS[kind]
    command = _command(model.cli_group, "start")
    assert list(_command(model.cli_group).commands)[0] == "start"  # first in its group, as before
    options = {param.opts[0]: param for param in command.params}
    by_flag = {next(m for m in f.metadata if isinstance(m, Flag)).name: f for f in model.model_fields.values()}
    pupil = {"--initials"} if "case_ref" in model.model_fields else set()  # a school duty has no pupil
    assert set(options) == set(by_flag) | pupil | {"--json", "--school"}  # --school: a trust of several schools
    for flag, field in by_flag.items():
        assert options[flag].required == field.is_required(), flag
    assert command.help == model.cli_help


def test_the_command_line_starts_without_importing_the_workflows() -> None:
    """The CLI builds its start commands at every run: from the start commands alone, not the workflow modules and
    the Temporal SDK they import (a third of a second more on every `sendclock` command here)."""
    import subprocess
    import sys

    heavy = "('temporalio', 'workflows.registry', 'workflows.process')"
    code = f"import sys, starter.cli; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_a_fifth_kind_gets_its_start_command_and_group_from_its_start_command(monkeypatch) -> None:
    import commands.start

    class StartNaming(StartProcess):
        """A naming consultation of its own (a hypothetical fifth kind, for this test)."""

        kind = "naming-consultation"
        began_field = "received_on"
        cli_group = "naming"
        cli_help = "Start a naming consultation."

        case_ref: Annotated[CaseRef, Flag("--case", "The case.")] = Field(title="Case reference")
        la: Annotated[ShortText, Flag("--la", "The LA.")] = Field(title="Local authority")
        received_on: Annotated[SendDate, Flag("--received", "Date received.")] = Field(title="Received")
        owner: Annotated[StaffId, Flag("--owner", "Who owns it.")] = Field(default="senco", title="Owner")

    monkeypatch.setattr(commands.start, "START_COMMANDS", {"naming-consultation": StartNaming})
    root = typer.Typer()
    root.command("rules")(lambda: None)  # a root with a command, as the real one has
    add_start_commands(root, {})
    runner = CliRunner()
    shown = runner.invoke(root, ["naming", "start", "--help"], terminal_width=120)
    assert shown.exit_code == 0 and "Start a naming consultation." in shown.output
    assert all(flag in shown.output for flag in ("--case", "--la", "--received", "--owner", "--initials", "--json"))
    listed = runner.invoke(root, ["naming", "--help"], terminal_width=120)
    assert "A naming consultation of its own" in listed.output
    bad = runner.invoke(root, ["naming", "start", "--case", "EHC-1", "--la", "Kent", "--received", "1 March"])
    assert bad.exit_code == 2 and "--received: '1 March' is not a date (use YYYY-MM-DD)" in bad.output
