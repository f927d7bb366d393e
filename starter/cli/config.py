"""`sendclock config check`: load the configuration as the worker would, and say what is wrong with it.

Every apprise URL (the school's e-mail URL, each staff member's channels) is checked when settings load; this
command reports each bad one on its own line, named by where it is configured (`staff <id>: <url>: why`), with
passwords, client secrets and webhook signatures masked, and exits 2; so are bad school terms (out of order,
overlapping, outside their school year: `calendar.terms.<year>: why`). A good configuration prints a summary of who
is told how and the school's terms with their last school days, warns of a term that starts or ends on a closed day or
a closure of two weeks or more inside a term (probably a mistyped date), and exits 0. A channel configured while
`dashboard_url` points at this machine (127.0.0.0/8, ::1, localhost) is a problem too (exit 2, the setting named),
unless `--allow-loopback-links`: every link in a message would open the reader's own computer. A trust's deployment
(several `schools.<id>`) lists its schools: each one's id, name, staff and the LAs it works with.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

from starter.cli.common import EXIT_BAD_INPUT, clock

if TYPE_CHECKING:
    from config.settings import LaPractice, Settings

config_app = typer.Typer(
    help="The sendclock configuration (config/sendclock.toml or $SENDCLOCK_CONFIG).", no_args_is_help=True
)


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def problems(err: ValidationError) -> list[str]:
    """One line per problem: a channel problem names the staff id and the masked URL already."""
    lines: list[str] = []
    for error in err.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        head, *rest = message.splitlines()
        if rest and head == "notification channels:":
            lines.extend(line.strip() for line in rest if line.strip())
            continue
        for line in filter(None, (part.strip() for part in message.splitlines())):
            named = not where or line.startswith((f"{where}:", f"{where}."))  # e.g. calendar.terms.2026-27: ...
            lines.append(line if named else f"{where}: {line}")
    return lines


def term_lines(settings: Settings, today: date) -> list[str]:
    """The school's terms, one line each, with the last school day of each: every configured school year, and this
    school year, the next and any between the configured ones when they have none (the England default pattern)."""
    from config.school_calendar import school_calendar
    from statutory.clock import fmt
    from statutory.terms import school_year_of

    calendar = school_calendar(settings)
    first_years = {int(year[:4]) for year in settings.calendar.terms}
    this = int(school_year_of(today)[:4])
    wanted = {this, this + 1} | first_years
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(min(wanted), max(wanted) + 1)]
    weeks = settings.calendar.termly_review_weeks_before_end
    lines = [
        "school terms (SEN support and PEP reviews due "
        + (f"{weeks} school week{'s' if weeks != 1 else ''} before" if weeks else "by")
        + " the last school day of the term):"
    ]
    for year in years:
        terms = calendar.terms.of_year(year)
        if terms and not terms[0].default:
            lines.extend(
                f"  {term.title}: {fmt(term.start)} to {fmt(term.end)}, last school day "
                f"{fmt(calendar.last_school_day(term))}"
                for term in terms
            )
        else:
            lines.append(
                f"  {year}: England default pattern, no terms configured (last school days "
                + ", ".join(f"{term.name} {fmt(calendar.last_school_day(term))}" for term in terms)
                + ")"
            )
    return lines


def la_lines(la: str, practice: LaPractice) -> list[str]:
    """What one LA's profile sets, one line each: its practice dates (beside the law's, never instead of them), its
    portal and mailbox, and the school's follow-up of a chase letter."""
    lines = []
    if practice.transfer_review_meetings_by:
        month, day = (int(part) for part in practice.transfer_review_meetings_by.split("-"))
        lines.append(f"{la}: transfer-year review meetings by {day} {_MONTHS[month - 1]}")
    for weeks, what in (
        (practice.review_advice_weeks_before, "annual review advice"),
        (practice.review_notice_weeks_before, "notice of the annual review meeting"),
    ):
        if weeks is not None:
            lines.append(
                f"{la}: {what} {weeks} week{'s' if weeks != 1 else ''} before the meeting (the LA's practice; the "
                f"law: two weeks, still shown as the statutory date)"
            )
    if practice.portal_url is not None:
        lines.append(f"{la}: portal {practice.portal_url}")
    if practice.mailbox is not None:
        lines.append(f"{la}: SEN team mailbox {practice.mailbox}")
    days = practice.chase_follow_up_working_days
    lines.append(f"{la}: a chase letter is followed up after {days} school working day{'s' if days != 1 else ''}")
    return lines


def school_lines(settings: Settings) -> list[str]:
    """A trust's schools, one line each: id (what --school takes), name, how many staff, the LAs it works with (its
    own `las`, else the trust's). Nothing for a deployment of one school."""
    if not settings.several_schools:
        return []
    lines = [
        f"schools ({len(settings.school_ids)}; commands that start, change or list processes take --school ID)"
        + (f" of {settings.trust.name}:" if settings.trust.name else ":")
    ]
    for view in settings.school_views():
        staff = len(view.staff)
        las = ", ".join(sorted(view.las)) or "none configured (any LA, by the law alone)"
        lines.append(
            f"  {view.school_id}: {view.school_name}, {staff} staff member{'s' if staff != 1 else ''}; LAs: {las}"
        )
    return lines


def loopback_host(url: str) -> str | None:
    """The host of `url` if it is this machine only (127.0.0.0/8, ::1, localhost, 0.0.0.0), else None."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return host if address.is_loopback or address.is_unspecified else None


@config_app.command("check")
def check(
    allow_loopback_links: bool = typer.Option(
        False,
        "--allow-loopback-links",
        help="Accept a dashboard_url on this machine (127.0.0.1, localhost) while a channel is configured: for a "
        "test setup whose readers sit at the same machine.",
    ),
) -> None:
    """Load the configuration and check every notification channel URL with apprise; warn (exit 2) when a channel
    is configured but dashboard_url, the address every link in a message uses, points at this machine."""
    from config.channels import mask
    from config.school_calendar import school_calendar, term_warnings
    from config.settings import Settings, config_file

    try:
        settings = Settings()
    except ValidationError as err:
        for line in problems(err):
            typer.echo(f"sendclock: configuration: {line}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (FileNotFoundError, ValueError) as err:
        typer.echo(f"sendclock: configuration: {err}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    note = settings.notifications
    typer.echo(f"configuration: {config_file() or '(defaults and environment only)'}")
    for line in school_lines(settings):
        typer.echo(line)
    typer.echo(f"e-mail route: {mask(note.email_url) if note.email_url else 'none (notices are kept in the outbox)'}")
    hours = note.working_hours
    typer.echo(
        f"quiet hours: {'on' if note.quiet_hours else 'off'}, working hours {hours.start:%H:%M}-{hours.end:%H:%M} "
        f"{settings.timezone} on working days"
    )
    law = settings.law
    typer.echo(
        "review notice and advice: "
        + (
            "14 clear days before the meeting (the safe reading)"
            if law.notice_reading == "clear"
            else "two weeks before the meeting, counted inclusively (the school's choice; clear days are safer)"
        )
    )
    typer.echo(
        "advice to the LA: the school aims for six weeks from "
        + (
            "the date of the LA's request where it is recorded (the statutory date counts from receipt)"
            if law.advice_promise_from == "request"
            else "receipt, as reg 8(1) counts"
        )
    )
    # A trust's schools each have their LAs, staff and terms: said school by school, each line led by its id.
    several = settings.several_schools
    channels = False
    views = settings.school_views() if several else [settings]
    for view in views:
        at = f"{view.school_id}: " if several else ""
        for la, practice in sorted(view.las.items()):
            for line in la_lines(la, practice):
                typer.echo(f"  {at}{line}")
        for staff_id, member in view.staff.items():
            urls = member.channel_urls(view.notifications.email_url)
            channels = channels or bool(urls)
            typer.echo(f"  {at}{staff_id}: {', '.join(mask(u) for u in urls) if urls else 'outbox only'}")
    typer.echo(f"links in messages: {settings.dashboard_url}")
    for view in views:
        head, *terms = term_lines(view, clock(view).today())
        for line in (f"{view.school_id}: {head}" if several else head, *terms):
            typer.echo(line)
        for warning in term_warnings(school_calendar(view)):
            typer.echo(f"warning: {view.school_id}: {warning}" if several else f"warning: {warning}", err=True)
    host = loopback_host(settings.dashboard_url)
    if channels and host:
        warning = (
            f"dashboard_url is {settings.dashboard_url}, on this machine ({host}), but notices are sent: every "
            f"link in an e-mail or Teams card would open the reader's own computer. Set dashboard_url "
            f"(SENDCLOCK_DASHBOARD_URL) to the dashboard's address as staff reach it"
        )
        if not allow_loopback_links:
            typer.echo(f"sendclock: configuration: {warning}, or pass --allow-loopback-links.", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        typer.echo(f"warning: {warning} (allowed by --allow-loopback-links).", err=True)
    typer.echo("ok")
