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
from typing import Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.channels import EMAIL_SCHEMES, GRAPH_SCHEMES, email_url_for, mask, problem
from statutory.clock import fmt
from statutory.terms import Term, school_year_bounds, term_problems
from workflows.models.common import DEFAULT_SCHOOL, SCHOOL_ID_PATTERN

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
    # Where the Temporal Web UI listens. With ui_proxy (the default) people never open it directly: the dashboard
    # serves it at <dashboard_url>/temporal/ to signed-in SENCOs and auditors, read-only (dashboard/temporal_proxy.py),
    # so it must serve under the public path /temporal (`sendclock up` binds it to loopback and starts it so).
    # Without ui_proxy (Temporal Cloud, a UI with its own sign-in) the dashboard's links point here instead.
    ui_url: str = "http://127.0.0.1:8233"
    ui_proxy: bool = True
    # Beyond the dev server (security/, starter/client.connect_options): TLS, mTLS, Temporal Cloud API keys.
    tls: bool = False  # TLS with the system's root CAs (on by itself when any setting below is given)
    tls_server_root_ca: Path | None = None  # PEM file of the CA that signed the server's certificate
    tls_client_cert: Path | None = None  # mTLS: this client's certificate (PEM) ...
    tls_client_key: Path | None = None  # ... and its private key (PEM)
    tls_server_name: str | None = None  # the name to check in the server's certificate, if not the address's host
    api_key: SecretStr | None = None  # Temporal Cloud API key (TLS on); SecretStr: never in repr() or logs
    # How often the worker compares the open processes in the database with their workflows in Temporal (a
    # workflow terminated, reset, failed or timed out outside sendclock is found within this many seconds).
    reconcile_seconds: int = Field(default=300, ge=1, le=3600)

    @model_validator(mode="after")
    def _client_cert_and_key(self) -> TemporalSettings:
        if (self.tls_client_cert is None) != (self.tls_client_key is None):
            raise ValueError("temporal.tls_client_cert and temporal.tls_client_key go together (mTLS): set both")
        return self

    @property
    def uses_tls(self) -> bool:
        return bool(self.tls or self.api_key or self.tls_server_root_ca or self.tls_client_cert or self.tls_server_name)


class ClosureSetting(BaseModel):
    """A day or run of days the school is closed (both ends inclusive)."""

    start: date
    end: date
    label: str = "school closed"

    @model_validator(mode="after")
    def _ordered(self) -> ClosureSetting:
        if self.end < self.start:
            raise ValueError(f"closure '{self.label}': end {self.end} is before start {self.start}")
        return self


MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def month_day(value: str, name: str) -> tuple[int, int]:
    """A day of the year written MM-DD ("09-01"), checked to exist (29 February does)."""
    if not isinstance(value, str) or not MONTH_DAY.match(value):
        raise ValueError(f"{name}: {value!r} is not a day of the year written MM-DD, e.g. 09-01 for 1 September")
    month, day = int(value[:2]), int(value[3:])
    try:
        date(2000, month, day)
    except ValueError:
        raise ValueError(f"{name}: {value} is not a day of the year") from None
    return month, day


class TermSetting(BaseModel):
    """One school term of a school year, its first and last day (both inclusive), e.g. name = "Autumn term"."""

    name: str = Field(min_length=1)
    start: date
    end: date

    def term(self) -> Term:
        """The rule book's term (statutory/terms.py); the end is checked not to be before the start first."""
        return Term(name=self.name, start=self.start, end=self.end)


class CalendarSettings(BaseModel):
    """The school calendar: closures (holidays, INSET days) on top of weekends and England bank holidays, and the
    school's terms."""

    closures: list[ClosureSetting] = Field(default_factory=list)
    # The autumn term starts on the first working day on or after this day (MM-DD): transfer-year reminders (the
    # latest review meeting before a phase transfer) start then, not in the summer holiday before it.
    autumn_term_starts: str = "09-01"
    # The school's terms by school year, written "2026-27" (1 September to 31 August): TOML
    # [[calendar.terms."2026-27"]] with name, start and end, in order, not overlapping, each inside its year. They
    # date the school's own termly promises (SEN support and PEP reviews by the last school day of the term, the
    # annual report to parents by that of the summer term); closures stay for the days between terms and in half
    # terms. A school year with none: the England default pattern (statutory/terms.py).
    terms: dict[str, list[TermSetting]] = Field(default_factory=dict)
    # Termly reviews (SEN support, PEP) are due this many school weeks before the last school day of the term: the
    # school's setting may bring them earlier than the term's end (0: by the last school day itself).
    termly_review_weeks_before_end: int = Field(default=0, ge=0, le=6)

    @field_validator("autumn_term_starts")
    @classmethod
    def _month_day(cls, value: str) -> str:
        month_day(value, "calendar.autumn_term_starts")
        return value

    @field_validator("terms")
    @classmethod
    def _terms_in_order(cls, value: dict[str, list[TermSetting]]) -> dict[str, list[TermSetting]]:
        """Every problem of every school year, one a line, each naming its setting (calendar.terms.2026-27)."""
        found: list[str] = []
        for year, terms in value.items():
            try:
                school_year_bounds(year)
            except ValueError as err:
                found.append(f"calendar.terms.{year}: {err}")
                continue
            backwards = [
                f"the {t.name} of {year} ends on {fmt(t.end)}, before it starts on {fmt(t.start)}"
                for t in terms
                if t.end < t.start
            ]
            problems = backwards or term_problems(year, [t.term() for t in terms])
            found.extend(f"calendar.terms.{year}: {problem}" for problem in problems)
        if found:
            raise ValueError("\n".join(found))
        return value

    def school_terms(self) -> list[Term]:
        """The configured terms, every school year's, as the rule book's terms."""
        return [t.term() for terms in self.terms.values() for t in terms]


class LawSettings(BaseModel):
    """Where the rule book leaves the school a reading (docs/law.md: C3, known ambiguities); the explanation of every
    date says which reading was used."""

    # C3, "at least two weeks' notice": "clear" days (the safe reading: meeting on the 4th, notice by the 20th of
    # the month before) or "inclusive" (notice by the 21st).
    notice_reading: Literal["clear", "inclusive"] = "clear"
    # The school's promise for advice to the LA: six weeks from "receipt" (reg 8(1): the statutory date) or from the
    # date of the "request" (the seed policy: "within six weeks from the date of the request"), when the request's
    # date is recorded. The statutory date stays as the law says; only the school's target moves earlier.
    advice_promise_from: Literal["receipt", "request"] = "receipt"


class LaPractice(BaseModel):
    """What one LA asks of schools beyond the law, and how to reach its SEN team. Keyed by the LA's name as processes
    give it (`--la`). An LA practice date is shown beside the statutory date, never instead of it; an LA with no
    profile gets the law alone."""

    model_config = ConfigDict(extra="forbid")

    # The LA's own "reviews for a transfer must be held by" day (MM-DD): replaces the derived planning date of
    # phase-transfer-meeting-by (12 weeks before the reg 18 date) with the last such day before the reg 18 date.
    transfer_review_meetings_by: str | None = None
    # The LA wants the annual review's advice this many weeks before the meeting (the law: two weeks, reg 20(4),
    # review-advice-circulation), and notice of the meeting this many weeks before it (the law: two weeks, reg 20(3),
    # review-notice). Counted as the law's date is (C3, the school's reading); the statutory date never moves, the
    # school's target becomes the earlier of the two.
    review_advice_weeks_before: int | None = None
    review_notice_weeks_before: int | None = None
    # The LA's portal for SEND paperwork (an http or https address), and its SEN team's mailbox (where chase letters
    # go).
    portal_url: str | None = None
    mailbox: EmailStr | None = None
    # After the school sends the LA a chase letter, a follow-up is due this many school working days later.
    chase_follow_up_working_days: int = 10

    @field_validator("transfer_review_meetings_by")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None:
            month_day(value, "las.<name>.transfer_review_meetings_by")
        return value

    @field_validator("review_advice_weeks_before", "review_notice_weeks_before")
    @classmethod
    def _weeks(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 12:
            raise ValueError(f"{value} is not a number of weeks from 1 to 12 (the law asks for two weeks)")
        return value

    @field_validator("portal_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", value):
            raise ValueError(f"{value!r} is not a web address: write it in full, starting https:// (or http://)")
        return value

    @field_validator("chase_follow_up_working_days")
    @classmethod
    def _working_days(cls, value: int) -> int:
        if not 1 <= value <= 60:
            raise ValueError(f"{value} is not a number of school working days from 1 to 60")
        return value


class StaffMember(BaseModel):
    name: str
    role: Literal["senco", "head", "staff", "leadership", "auditor"] = "staff"
    email: EmailStr | None = None
    # How this person is told: apprise URLs (workflows:// for a Teams Workflows webhook, o365:// or azure:// for
    # Microsoft 365 Graph mail, mailto:// or mailtos:// for SMTP), or the word "email": their address through the
    # school's e-mail URL (notifications.smtp_url or notifications.graph_url). None (the default) means "email" when
    # the school has an e-mail URL and this person an address; with neither, notices are kept in the outbox only.
    notify: list[str] | None = None

    def channel_urls(self, email_base: str | None) -> list[str]:
        """This person's apprise URLs, "email" resolved (see config/channels.py)."""
        wanted = self.notify if self.notify is not None else ["email"]
        urls = []
        for entry in wanted:
            if entry == "email":
                if email_base and self.email:
                    urls.append(email_url_for(email_base, self.email))
            else:
                urls.append(entry)
        return list(dict.fromkeys(urls))


class ReminderPolicy(BaseModel):
    """When reminders and escalations go out (times are Europe/London wall-clock, on working days)."""

    days_before_target: list[int] = Field(default_factory=lambda: [14, 7, 2, 0])
    # Rules that need more warning: an annual review needs a meeting arranged with two weeks' notice and advice
    # gathered before it, so the school hears about it months ahead.
    days_before_target_by_rule: dict[str, list[int]] = Field(
        default_factory=lambda: {
            "annual-review-due": [84, 56, 42, 28, 14, 0],
            "phase-transfer-review": [84, 56, 42, 28, 14, 0],
            "post16-transfer-review": [84, 56, 42, 28, 14, 0],
            "post16-move-review": [84, 56, 42, 28, 14, 0],
            # and one on the first day of the autumn term (calendar.autumn_term_starts)
            "phase-transfer-meeting-by": [56, 42, 28, 14, 7, 0],
        }
    )
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


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def known_staff_roles(value: list[str]) -> list[str]:
    """A list of StaffMember.role values, each once; an unknown one is refused, naming the known ones."""
    known = get_args(StaffMember.model_fields["role"].annotation)
    unknown = [role for role in value if role not in known]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(known)}")
    return list(dict.fromkeys(value))


class DigestSettings(BaseModel):
    """The weekly digest: one message per leader listing every open step, overdue first (issue 4).

    It goes on `weekday` at `at` (school time zone); when that day is not a working day (bank holiday, closure) it
    goes on the next working day of the same week, and a week with none gets no digest."""

    roles: list[str] = Field(default_factory=lambda: ["senco", "head", "leadership"])  # StaffMember.role values
    weekday: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] = "Monday"
    at: time = time(7, 30)
    due_within_days: int = Field(default=14, ge=1, le=90)  # "due soon": due in the next N days

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return known_staff_roles(value)

    @property
    def weekday_index(self) -> int:
        """Monday is 0, as date.weekday()."""
        return WEEKDAYS.index(self.weekday)


class ChainHeadSettings(BaseModel):
    """The audit record's fingerprint sent out each working day (issue 21): the hash of the event table's last row,
    its id and the number of rows, to each staff member whose role is in `roles`, at `at` (school time zone), Monday
    to Friday; a bank holiday or closure sends nothing (the next working day's fingerprint covers the record up to
    then). Outside copies of it show a recomputed chain: see docs/auditing.md."""

    roles: list[str] = Field(default_factory=lambda: ["senco", "auditor"])  # StaffMember.role values
    at: time = time(7, 0)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        return known_staff_roles(value)


class WorkingHours(BaseModel):
    """When notices may go out (Europe/London wall-clock), on working days: not weekends, England bank holidays or
    school closures. A notice asked for outside them is held in the outbox until the next window opens."""

    start: time = time(8, 0)
    end: time = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError(f"working hours: end {self.end} is not after start {self.start}")
        return self


class DigestOnly(BaseModel):
    """Notices not worth a message each: they are kept in the outbox (channel "digest") and the weekly digest covers
    them. `completed`: "done" confirmations; `assigned_after_days`: "assigned" notices for steps whose target is
    more than this many days away (None: every assignment is sent)."""

    completed: bool = True
    assigned_after_days: int | None = Field(default=60, ge=0, le=3650)


class NotificationSettings(BaseModel):
    """Outgoing channels. With no channel at all, notifications are kept in the outbox table only (the dashboard
    shows them)."""

    # The school's e-mail URL, without the recipient; sendclock adds each person's address. Either SMTP, an apprise
    # mailto:// or mailtos:// URL, e.g. "mailtos://user:pass@smtp.example.org:587?from=sendclock@example.org", or
    # Microsoft 365 Graph (for tenants that block SMTP basic auth), an o365:// or azure:// URL without a target,
    # e.g. "o365://sendclock@school.example.org/TENANT_ID/CLIENT_ID/CLIENT_SECRET/".
    smtp_url: str | None = None
    graph_url: str | None = None
    # Quiet hours: nothing is sent outside working hours or on non-working days (held until the next window).
    quiet_hours: bool = True
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    # Privacy: a message names a case by its reference; the pupil's initials are added only if this is on.
    include_initials: bool = False
    # A failing channel is retried with exponential backoff, then the notice goes to the SENCO's e-mail (fallback);
    # if that fails too it is recorded as failed. The step goes on either way.
    retry_attempts: int = Field(default=6, ge=1, le=20)
    retry_initial_seconds: float = Field(default=10, gt=0, le=3600)
    retry_max_seconds: float = Field(default=600, gt=0, le=86400)
    # What staff read (issue 19). A subject leads with the case reference, the action and a date, in 60 characters
    # or fewer; set a prefix (e.g. "[sendclock]") to have one. E-mail From shows `from_name` (unset: "<school_name>
    # (sendclock)"); replies go to `reply_to` (unset: the e-mail address of reminders.escalate_to, the SENCO).
    subject_prefix: str | None = Field(default=None, max_length=20)
    from_name: str | None = Field(default=None, max_length=100)
    reply_to: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    # Notices that go in the weekly digest instead of a message each (kept in the outbox, channel "digest").
    digest_only: DigestOnly = Field(default_factory=lambda: DigestOnly())

    @model_validator(mode="after")
    def _one_email_route(self) -> NotificationSettings:
        if self.smtp_url and self.graph_url:
            raise ValueError("notifications: set smtp_url or graph_url, not both (one e-mail route per school)")
        return self

    @property
    def email_url(self) -> str | None:
        """The school's e-mail URL (SMTP or Graph), without a recipient."""
        return self.graph_url or self.smtp_url

    # The weekly digest to leaders (see DigestSettings).
    digest: DigestSettings = Field(default_factory=DigestSettings)
    # The audit record's fingerprint, each working day, to the SENCO and auditors (see ChainHeadSettings).
    chain_head: ChainHeadSettings = Field(default_factory=ChainHeadSettings)


class WebSettings(BaseModel):
    """The dashboard, API and feeds (issue 5). Env: SENDCLOCK_WEB__DUE_SOON_DAYS=21 and so on."""

    # Signs session cookies and CSRF tokens. Unset: a random secret kept in <var_dir>/web-secret (mode 0600).
    session_secret: str | None = Field(default=None, min_length=32)
    due_soon_days: int = Field(default=14, ge=1, le=365)  # the "Due soon" window
    secure_cookies: bool = False  # always mark cookies Secure (otherwise only when the request came over HTTPS)
    session_hours: float = Field(default=8, gt=0, le=24 * 30)  # how long a sign-in lasts at most (absolute)
    # Signed out after this long without a request (shared staff-room machines). SECURITY.md, "Sign-in and sessions".
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Sign-in throttle, per account and per (account, address) or (account, device), never per address alone: this
    # many failures cost nothing, then each attempt waits sign_in_delay_seconds after the latest failure, doubled
    # with each further failure up to sign_in_max_delay_seconds; failures are forgotten after a success, or
    # sign_in_window_seconds after the latest one.
    sign_in_attempts: int = Field(default=5, ge=1, le=100)
    sign_in_delay_seconds: int = Field(default=30, ge=1, le=3600)
    sign_in_max_delay_seconds: int = Field(default=900, ge=1, le=86400)
    sign_in_window_seconds: int = Field(default=86400, ge=1, le=7 * 86400)


class SecuritySettings(BaseModel):
    """Payload encryption (security/). Keys never live in the repository: each is "KEYID:base64 of 32 random bytes"
    (`sendclock key new` prints one), newest last; the newest encrypts, all decrypt. Env:
    SENDCLOCK_SECURITY__PAYLOAD_KEYS='["k2026:..."]' or SENDCLOCK_SECURITY__KEY_FILE=/etc/sendclock/payload-keys."""

    payload_keys: list[SecretStr] = Field(default_factory=list)  # SecretStr: never shown by repr() or in logs
    # A file with one key a line (newest last; '#' comments). Unset: <var_dir>/payload-keys when it exists (the
    # embedded stack, `sendclock up`, creates it on first start). No keys at all: payloads are not encrypted.
    key_file: Path | None = None
    # The school's Ed25519 key that signs audit evidence bundles (`sendclock key new --signing`; security/signing.py).
    # Unset: <var_dir>/signing-key when it exists.
    signing_key_file: Path | None = None

    @field_validator("payload_keys")
    @classmethod
    def _well_formed(cls, value: list[SecretStr]) -> list[SecretStr]:
        from security.keys import parse_key  # its messages name the key id, never the key

        for entry in value:
            parse_key(entry.get_secret_value())
        return value

    @field_validator("key_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        from security.keys import read_key_file

        if value is not None:
            try:
                read_key_file(value)
            except OSError as err:
                raise ValueError(f"cannot read {value} ({err.strerror})") from None
        return value


class RetentionSettings(BaseModel):
    """How long the records of a closed process are kept (`sendclock retention purge`): its rows, events, outbox,
    archived history and Temporal history. Env: SENDCLOCK_RETENTION__KEEP_CLOSED_YEARS=30.

    The school's SEND policy (section 16) defers to its Records Management Policy; the IRMS Toolkit for Schools keeps
    SEN files and EHC plan records until the pupil's date of birth + 31 years (the Limitation Act's six years after a
    claimant with SEN turns 25). sendclock knows no dates of birth, only when a process closed, and a pupil of a
    school (nursery class included) is at least 3 when a process about them closes, so DOB + 31 is at most close +
    28 years: the default never purges earlier than the toolkit's period. Set the school's own period here."""

    keep_closed_years: int = Field(default=28, ge=1, le=100)


class AuditSettings(BaseModel):
    """Evidence policy (docs/auditing.md). A completion recorded more than `backdating_working_days` school working
    days after the date it gives is flagged as backdated (audit/backdating.py), as is one dated before an overdue
    notice sent before it was recorded. Env: SENDCLOCK_AUDIT__BACKDATING_WORKING_DAYS=3."""

    backdating_working_days: int = Field(default=5, ge=0, le=60)


class LoggingSettings(BaseModel):
    """What the worker and the dashboard write to their logs (config/logging.py; under `sendclock up`, var/log/).
    Env: SENDCLOCK_LOGGING__LEVEL=DEBUG, SENDCLOCK_LOGGING__JSON=true."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # One JSON object a line (time in UTC, level, logger, message and the line's fields) for a log shipper, instead
    # of text lines. Named `json` in the TOML file and the environment (`json_lines` here: pydantic's own `json`).
    json_lines: bool = Field(default=False, alias="json")

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SenRegisterSettings(BaseModel):
    """Who owns what the SEN register does not name (commands/register.py, docs/register.md)."""

    # The designated teacher for looked-after pupils: owns their PEP reviews (unset: the SENCO, reminders.escalate_to).
    designated_teacher: str | None = None


# A school's id in a trust's deployment (settings `schools.<id>`): short and opaque; it is in workflow ids, the
# SendclockSchool search attribute and the database, so never a name that identifies a pupil. The school configured
# at the top level (a single-school install) is DEFAULT_SCHOOL: its workflow ids have no prefix, so a school that
# grows into a trust keeps its processes as they are by keeping that id (`schools.default`).
SCHOOL_ID = re.compile(SCHOOL_ID_PATTERN)


class SchoolSettings(BaseModel):
    """One school of a trust (`schools.<id>`): what differs from school to school. A setting left out is the
    trust's, the top-level setting of the same name (one policy for all its schools)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    staff: dict[str, StaffMember] = Field(default_factory=dict)
    calendar: CalendarSettings | None = None
    law: LawSettings | None = None
    # The LAs the school works with, each with its profile (an empty table: the law only). Unset: the trust's.
    las: dict[str, LaPractice] | None = None
    reminders: ReminderPolicy | None = None
    notifications: NotificationSettings | None = None
    sen_register: SenRegisterSettings | None = None
    # The school's own reworded notice templates: a folder laid out as config/templates/ (unset: the trust's).
    templates: Path | None = None


class TrustSettings(BaseModel):
    """A trust of several schools in one deployment (`[trust]`): its name, and the people who hear about all its
    schools (the trust's SEND lead: the trust digest, overdue steps across schools)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=120)
    staff: dict[str, StaffMember] = Field(default_factory=dict)


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
    law: LawSettings = Field(default_factory=LawSettings)
    las: dict[str, LaPractice] = Field(default_factory=dict)
    staff: dict[str, StaffMember] = Field(default_factory=dict)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    # not "register": a class attribute of BaseSettings (ABCMeta.register) by that name would be shadowed
    sen_register: SenRegisterSettings = Field(default_factory=SenRegisterSettings)
    # The school's notice templates (a folder laid out as config/templates/); unset: the shipped ones.
    templates: Path | None = None
    # A trust of several schools in one deployment (issue 25): `schools.<id>` each with its own name, staff, calendar,
    # LAs, notifications and templates (what it leaves out is the top-level setting). None configured: one school,
    # the top-level settings, whose id is DEFAULT_SCHOOL. `school_id` is which school a view is (for_school).
    schools: dict[str, SchoolSettings] = Field(default_factory=dict)
    trust: TrustSettings = Field(default_factory=TrustSettings)
    school_id: str = DEFAULT_SCHOOL

    @field_validator("staff")
    @classmethod
    def _staff_ids(cls, value: dict[str, StaffMember]) -> dict[str, StaffMember]:
        for staff_id in value:
            if not STAFF_ID.match(staff_id):
                raise ValueError(f"staff id {staff_id!r}: use lower-case letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _escalation_target_exists(self) -> Settings:
        if self.staff and self.reminders.escalate_to not in self.staff:
            raise ValueError(f"reminders.escalate_to: no staff member with id {self.reminders.escalate_to!r}")
        teacher = self.sen_register.designated_teacher
        if self.staff and teacher is not None and teacher not in self.staff:
            raise ValueError(f"sen_register.designated_teacher: no staff member with id {teacher!r}")
        return self

    @model_validator(mode="after")
    def _channels_usable(self) -> Settings:
        """Every apprise URL is checked now, so a typo fails the worker, the CLI and `sendclock config check` at
        once instead of silently losing a statutory reminder later. All problems are listed, one a line."""
        problems = channel_problems(self)
        if problems:
            raise ValueError("notification channels:\n" + "\n".join(f"  {p}" for p in problems))
        return self

    @field_validator("schools")
    @classmethod
    def _school_ids(cls, value: dict[str, SchoolSettings]) -> dict[str, SchoolSettings]:
        for school_id in value:
            if not SCHOOL_ID.match(school_id):
                raise ValueError(
                    f"school id {school_id!r}: use lower-case letters, digits and '-', at most 24 (an opaque id, "
                    "e.g. oak or st-marys: it is in workflow ids)"
                )
        return value

    @model_validator(mode="after")
    def _each_school_usable(self) -> Settings:
        """Every school's view passes the checks the top level does (its escalation target and designated teacher are
        in its staff directory, its channels work), each problem named by the school: schools.<id>."""
        if not self.schools:
            return self
        problems = []
        for school_id in self.schools:
            view = self.for_school(school_id)
            if not view.staff:
                problems.append(f"schools.{school_id}.staff: the school has no staff directory")
                continue
            if view.reminders.escalate_to not in view.staff:
                problems.append(
                    f"schools.{school_id}.reminders.escalate_to: no staff member with id {view.reminders.escalate_to!r}"
                )
            teacher = view.sen_register.designated_teacher
            if teacher is not None and teacher not in view.staff:
                problems.append(f"schools.{school_id}.sen_register.designated_teacher: no staff member {teacher!r}")
            problems.extend(f"schools.{school_id}: {p}" for p in channel_problems(view))
        if problems:
            raise ValueError("schools:\n" + "\n".join(f"  {p}" for p in problems))
        return self

    # --- the schools of a deployment -----------------------------------------------------------------------------

    @property
    def school_ids(self) -> list[str]:
        """Every school of the deployment, in the settings' order: the configured schools, or the one school."""
        return list(self.schools) if self.schools else [self.school_id]

    @property
    def several_schools(self) -> bool:
        """More than one school: commands must be told which (`--school`), and never guess."""
        return len(self.school_ids) > 1

    def for_school(self, school_id: str) -> Settings:
        """The settings as one school sees them: its name, staff, calendar, LAs, reminders, notifications, register
        and templates over the trust's, `school_id` set and no other school in it. A single-school deployment is its
        own view. An unknown id: UnknownSchool, naming the known ones."""
        if not self.schools:
            if school_id != self.school_id:
                raise UnknownSchool(school_id, self.school_ids)
            return self
        school = self.schools.get(school_id)
        if school is None:
            raise UnknownSchool(school_id, self.school_ids)
        own = {
            name: getattr(school, name)
            for name in ("calendar", "law", "las", "reminders", "notifications", "sen_register", "templates")
            if getattr(school, name) is not None
        }
        return self.model_copy(
            update={**own, "school_name": school.name, "staff": school.staff, "schools": {}, "school_id": school_id}
        )

    def school_views(self) -> list[Settings]:
        """Each school's view (for_school), in order."""
        return [self.for_school(school_id) for school_id in self.school_ids]

    def la_practice(self, la: str) -> LaPractice | None:
        """The practice configured for an LA, its name matched without regard to case (an environment variable
        writes SENDCLOCK_LAS__KENT__..., a process says Kent)."""
        wanted = la.casefold()
        return next((practice for name, practice in self.las.items() if name.casefold() == wanted), None)

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


def channel_problems(settings: Settings) -> list[str]:
    """Each unusable channel, named by where it is configured, its secrets masked."""
    found: list[str] = []
    note = settings.notifications
    for name, url, schemes in (
        ("smtp_url", note.smtp_url, EMAIL_SCHEMES),
        ("graph_url", note.graph_url, GRAPH_SCHEMES),
    ):
        if url:
            why = problem(email_url_for(url, "check@example.org"), expect=schemes)
            if why:
                found.append(f"notifications.{name}: {mask(url)}: {why}")
    for staff_id, member in settings.staff.items():
        for entry in member.notify or []:
            if entry == "email":
                if not member.email:
                    found.append(f'staff {staff_id}: "email": this person has no e-mail address')
                elif not note.email_url:
                    found.append(f'staff {staff_id}: "email": set notifications.smtp_url or graph_url')
                continue
            why = problem(entry)
            if why:
                found.append(f"staff {staff_id}: {mask(entry)}: {why}")
    return found


class UnknownSchool(ValueError):
    """A school id the settings do not have."""

    def __init__(self, school_id: str, known: list[str]) -> None:
        self.school_id, self.known = school_id, known
        super().__init__(f"no school {school_id!r} in the settings (schools: {', '.join(known)})")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once). Tests build their own Settings instead."""
    return Settings()
