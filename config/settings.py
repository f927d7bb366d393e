"""sendclock's settings: one class, read from SENDCLOCK_* variables and an optional TOML file.

Precedence (highest first): constructor arguments, environment (``SENDCLOCK_``, nested with ``__``, e.g.
``SENDCLOCK_TEMPORAL__ADDRESS``), the TOML file, the defaults below. The TOML file is ``$SENDCLOCK_CONFIG`` if
set, else ``config/sendclock.toml`` shipped with the project (the demo staff directory lives there).

Settings are read in the worker, the CLI and the web app and passed into activities (constructor) and workflows
(input). Workflow code never imports this module.
"""

from __future__ import annotations

import os
import re
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path(__file__).with_name("sendclock.toml")
STAFF_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def config_file() -> Path | None:
    """The TOML file settings are read from, or None when there is none."""
    explicit = os.environ.get("SENDCLOCK_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"SENDCLOCK_CONFIG: no such file: {path}")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


class TemporalSettings(BaseModel):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "sendclock"
    ui_url: str = "http://127.0.0.1:8233"


class ClosureSetting(BaseModel):
    """A day or run of days the school is closed (both ends inclusive)."""

    start: date
    end: date
    label: str = "school closed"

    @model_validator(mode="after")
    def _ordered(self) -> "ClosureSetting":
        if self.end < self.start:
            raise ValueError(f"closure '{self.label}': end {self.end} is before start {self.start}")
        return self


class CalendarSettings(BaseModel):
    """The school calendar: closures (holidays, INSET days) on top of weekends and England bank holidays."""

    closures: list[ClosureSetting] = Field(default_factory=list)


class StaffMember(BaseModel):
    name: str
    role: Literal["senco", "head", "staff", "leadership", "auditor"] = "staff"
    email: EmailStr | None = None


class ReminderPolicy(BaseModel):
    """When reminders and escalations go out (times are Europe/London wall-clock, on working days)."""

    days_before_target: list[int] = Field(default_factory=lambda: [14, 7, 2, 0])
    # Rules that need more warning: an annual review needs a meeting arranged with two weeks' notice and advice
    # gathered before it, so the school hears about it months ahead.
    days_before_target_by_rule: dict[str, list[int]] = Field(
        default_factory=lambda: {"annual-review-due": [84, 56, 42, 28, 14, 0],
                                 "phase-transfer-review": [84, 56, 42, 28, 14, 0],
                                 "post16-transfer-review": [84, 56, 42, 28, 14, 0]})
    send_at: time = time(8, 0)
    escalate_to: str = "senco"
    escalate_every_days: int = Field(default=7, ge=1, le=28)
    # After an exemption the duty is "as soon as practicable": a reminder this often until done.
    asap_every_days: int = Field(default=7, ge=1, le=28)

    @field_validator("days_before_target")
    @classmethod
    def _non_negative(cls, value: list[int]) -> list[int]:
        return _offsets(value)

    @field_validator("days_before_target_by_rule")
    @classmethod
    def _non_negative_by_rule(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        return {rule: _offsets(offsets) for rule, offsets in value.items()}

    def offsets_for(self, rule_id: str) -> list[int]:
        return self.days_before_target_by_rule.get(rule_id, self.days_before_target)


def _offsets(value: list[int]) -> list[int]:
    if any(d < 0 or d > 180 for d in value):
        raise ValueError("reminder offsets must be between 0 and 180 days before the target")
    return sorted(set(value), reverse=True)


class NotificationSettings(BaseModel):
    """Outgoing channels. With no smtp_url, notifications are kept in the outbox table only."""

    # An apprise mailto:// or mailtos:// URL without the recipient, e.g.
    # "mailto://user:pass@smtp.example.org:587?from=sendclock@example.org"; sendclock adds to=<staff e-mail>.
    smtp_url: str | None = None
    # A failing channel is retried with exponential backoff, then the notice is recorded as failed (the step goes on).
    retry_attempts: int = Field(default=6, ge=1, le=20)
    retry_initial_seconds: float = Field(default=10, gt=0, le=3600)
    retry_max_seconds: float = Field(default=600, gt=0, le=86400)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SENDCLOCK_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    school_name: str = "Example Primary School"
    timezone: str = "Europe/London"
    var_dir: Path = Path("var")
    database_url: str | None = None
    dashboard_url: str = "http://127.0.0.1:8000"
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    staff: dict[str, StaffMember] = Field(default_factory=dict)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)

    @field_validator("staff")
    @classmethod
    def _staff_ids(cls, value: dict[str, StaffMember]) -> dict[str, StaffMember]:
        for staff_id in value:
            if not STAFF_ID.match(staff_id):
                raise ValueError(f"staff id {staff_id!r}: use lower-case letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _escalation_target_exists(self) -> "Settings":
        if self.staff and self.reminders.escalate_to not in self.staff:
            raise ValueError(f"reminders.escalate_to: no staff member with id {self.reminders.escalate_to!r}")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'sendclock.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once). Tests build their own Settings instead."""
    return Settings()
