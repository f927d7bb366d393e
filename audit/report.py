"""`sendclock audit report CASE_REF`: a case report for people who are not engineers (governors, LA officers,
inspectors, tribunal staff), built from the histories (Temporal, or the archive) alone, then checked.

Page one answers "was every statutory deadline met?": a table per process (each step's plain title, statutory date,
target, the day it was done, the verdict in words, and the history event that is its evidence). Then the detail in
sentences: each step's dates and why, the exemptions in the rule book's words, who was told what and how it went
(audit/notices.py), what happened in order, staff's own notes (for the SENCO and auditors only), the replay verdict,
the history-rewritten warnings, what `audit verify` says of the case's processes (audit/verify.compare: their rows
and outbox against their histories) and the head of the audit log's hash chain at report time. Dates in the
project's one format (statutory.clock.fmt), times in Europe/London.

Formats: html (audit/templates/report.html.j2), pdf (the html printed by headless Chromium, when it is installed),
csv (one line per recorded event, for machines).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from audit import render, replay, source
from audit import timeline as timeline_mod
from audit.archive import Archive
from audit.converter import data_converter
from audit.history import RunHistory
from starter.client import Temporal
from statutory.clock import local_date

FORMATS = ("html", "pdf", "csv")
TEMPLATES = Path(__file__).with_name("templates")
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SETTLING = ("completed", "exemption-recorded", "withdrawn", "cancelled")  # records that settle a step's verdict


class NoProcesses(LookupError):
    """Nothing is known of this case (database, archive, Temporal)."""


class PdfUnavailable(RuntimeError):
    """No headless Chromium to print the PDF with."""


@dataclass
class Checked:
    """What `audit verify` says of one process at report time: its rows and outbox against its history."""

    workflow_id: str
    records: int
    notices: int
    findings: list[Any] = field(default_factory=list)  # audit.verify.Finding


@dataclass
class ChainHead:
    """The last entry of the audit log's hash chain when the report was made."""

    event_id: int | None
    hash: str

    @property
    def fingerprint(self) -> str:
        """The first 16 hex digits in groups of four, as the daily fingerprint shows them."""
        return " ".join(self.hash[i : i + 4] for i in range(0, 16, 4))


@dataclass
class CaseReport:
    case_ref: str
    generated_at: datetime
    timelines: list[timeline_mod.Timeline] = field(default_factory=list)
    verdicts: list[replay.Verdict] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    checks: dict[str, Checked] = field(default_factory=dict)  # by workflow ID; a process missing was not checked
    chain_head: ChainHead | None = None
    unchecked: str | None = None  # why the database could not be compared at all


def workflow_ids(settings: Any, case_ref: str, sessions=None) -> list[str]:
    """The case's processes: from the database (every process it ever had) and the archive. At one school: where
    `settings` are a school's view (Settings.for_school, or a single-school install), that school's case only (two
    schools of a trust may use the same reference for two pupils); the whole trust's settings: every school's."""
    from store.db import make_engine, make_sessionmaker
    from store.queries import processes_for_case
    from workflows.registry import school_of

    school = None if getattr(settings, "schools", None) else getattr(settings, "school_id", None)
    ids: list[str] = []
    engine = None if sessions is not None else make_engine(settings.resolved_database_url)
    try:
        if engine is not None:
            sessions = make_sessionmaker(engine)
        with sessions() as session:
            ids = [p.workflow_id for p in processes_for_case(session, case_ref, school=school)]
    except Exception:  # noqa: BLE001 - no database here: the archive may still know the case
        ids = []
    finally:
        if engine is not None:
            engine.dispose()
    archived = [
        wid
        for wid in Archive.for_settings(settings).workflow_ids(case_ref)
        if school is None or school_of(wid) == school
    ]
    return list(dict.fromkeys(ids + archived))


async def build(settings: Any, case_ref: str, client=None) -> CaseReport:
    """The report of `case_ref`: histories from Temporal (through `client`, or a connection of its own) or the
    archive; checked against the database named by `settings`."""
    from store.db import make_engine, make_sessionmaker

    ids = workflow_ids(settings, case_ref)
    if not ids:
        raise NoProcesses(f"no process for case {case_ref!r} in the database or the archive")
    temporal = Temporal(settings, client)  # one connection (or one failure) for every process
    loaded = {}
    for workflow_id in ids:
        loaded[workflow_id] = await source.decoded(
            await source.from_workflow(workflow_id, settings, temporal), settings
        )
    engine = make_engine(settings.resolved_database_url)
    try:
        return await assemble(case_ref, loaded, data_converter(settings), make_sessionmaker(engine))
    finally:
        engine.dispose()


async def assemble(
    case_ref: str, loaded: dict[str, source.Loaded], converter, sessions, workflows: list[type] | None = None
) -> CaseReport:
    """The report from each process's decoded histories (by workflow ID): timelines, replay verdicts (against
    `workflows`, by default the worker's), and the check against the database (`sessions`; None: not checked)."""
    report = CaseReport(case_ref, datetime.now(UTC))
    runs: dict[str, list[RunHistory]] = {}
    for workflow_id, histories in loaded.items():
        own = [r for r in histories.runs if r.workflow_id == workflow_id]
        runs[workflow_id] = own
        report.timelines.append(timeline_mod.build(own, converter))
        report.verdicts.append(await replay.verdict(own, converter, workflows))
        report.origins.append(histories.origin)
    if sessions is None:
        report.unchecked = "no database was given to compare with"
    else:
        check(report, runs, sessions)
    return report


def check(report: CaseReport, runs: dict[str, list[RunHistory]], sessions) -> None:
    """What `audit verify` checks of each process (its rows and outbox against its history: audit.verify.compare),
    and the chain's head now. A database that cannot be read is said, not hidden."""
    from sqlalchemy.exc import SQLAlchemyError

    from audit.verify import compare
    from store.models import Event

    try:
        with sessions() as session:
            for t in report.timelines:
                last = runs[t.workflow_id][-1]
                records, findings = compare(session, t, None if last.closed_as else last.last_task_at)
                report.checks[t.workflow_id] = Checked(
                    t.workflow_id, records, len([n for n in t.notices if n.key]), findings
                )
            head = session.execute(
                select(Event.id, Event.hash).where(Event.hash.is_not(None)).order_by(Event.id.desc()).limit(1)
            ).first()
            report.chain_head = ChainHead(head.id, head.hash) if head else None
    except SQLAlchemyError as err:
        report.unchecked = f"the database could not be read ({type(err).__name__})"


# --- the page ----------------------------------------------------------------------------------------------------


def html(report: CaseReport, roles: render.Roles, viewer: str | None = None, nav: dict[str, str] | None = None) -> str:
    """The report as a page. `viewer`: the reader's role; staff's own notes are shown to render.NOTE_READERS only.
    `nav`: links shown above the report on the dashboard (not printed)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    notes = viewer in render.NOTE_READERS
    today = local_date(report.generated_at)
    processes = [
        _process(t, v, origin, report.checks.get(t.workflow_id), roles, notes, today, report.unchecked)
        for t, v, origin in zip(report.timelines, report.verdicts, report.origins, strict=True)
    ]
    return env.get_template("report.html.j2").render(
        case_ref=report.case_ref,
        processes=processes,
        summary=_summary(processes),
        generated=render.local_moment(report.generated_at),
        notes=notes,
        nav=nav or {},
        unchecked=report.unchecked,
        head=report.chain_head,
        checked_all=not report.unchecked and all(p["check"]["clean"] for p in processes),
    )


def _summary(processes: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer to "was every statutory deadline met?", over every step of every process."""
    rows = [(p, row) for p in processes for row in p["rows"]]
    count = lambda css: len([1 for _, row in rows if row["css"] == css])  # noqa: E731
    missed = [
        f"\u2018{row['title']}\u2019 ({p['name']}): {row['verdict']}"
        for p, row in rows
        if row["css"] in ("late", "overdue")
    ]
    parts = [
        f"{n} {words}"
        for n, words in (
            (count("ok"), "met on time"),
            (count("exempt"), "exempt"),
            (count("open"), "not yet due"),
            (
                count("none"),
                "with no deadline of the school's to meet (withdrawn, cancelled, a period or an earliest date)",
            ),
        )
        if n
    ]
    if not rows:
        return {
            "answer": "Nothing to judge yet",
            "css": "open",
            "text": "No statutory step has been recorded yet.",
            "missed": [],
        }
    if missed:
        return {
            "answer": "No",
            "css": "late",
            "missed": missed,
            "text": f"{len(missed)} of {len(rows)} statutory date{'s' if len(rows) != 1 else ''} "
            f"{'was' if len(missed) == 1 else 'were'} missed" + (f"; {', '.join(parts)}." if parts else "."),
        }
    return {
        "answer": "Yes",
        "css": "ok",
        "missed": [],
        "text": "Every statutory date that has come so far was met: " + ", ".join(parts) + ".",
    }


def _process(
    t: timeline_mod.Timeline,
    v: replay.Verdict,
    origin: str,
    checked: Checked | None,
    roles: render.Roles,
    notes: bool,
    today: date,
    unchecked: str | None,
) -> dict[str, Any]:
    name = render.PROCESS_LABELS.get(t.process_kind or "", "Process")
    titles = {s.rule_id: s.title for s in t.steps}
    return {
        "t": t,
        "name": name,
        "workflow_id": t.workflow_id,
        "origin": re.sub(r"\([^();]*/[^();]*; ", "(", origin),
        "heading": name + (f" from {t.la}" if t.la else ""),
        "lower_name": name if name[1:2].isupper() else name[:1].lower() + name[1:],  # "EHC advice request" stays
        "received_label": render.received_words(t.process_kind).capitalize(),
        "received": render.d(t.received_on),
        "state": _state(t),
        "rows": [_row(t, s, today) for s in t.steps],
        "steps": [{"title": _title(s, titles), "sentences": _step_sentences(t, s, roles, today)} for s in t.steps],
        "happened": _happened(t, roles, titles, notes),
        "notices": len(t.notices),
        "replay": _replay(v),
        "resets": [r.sentence() for r in t.resets],
        "rewritten": len(t.rewritten),
        "check": _check(checked, unchecked),
    }


def _title(step: timeline_mod.StepSummary, titles: dict[str, str]) -> str:
    title = render.step_title(step.rule_id, titles)
    return title + (f" (cycle {step.instance})" if step.instance > 1 else "")


def _state(t: timeline_mod.Timeline) -> str:
    if not t.closed:
        return "Still open."
    outcome = f", {render.plain_text(t.outcome)}" if t.outcome else ""
    when = f" on {render.d(local_date(t.closed_at))}" if t.closed_at else ""
    return f"Closed{when}: {render.plain_text(t.status or 'closed')}{outcome}."


def _evidence(t: timeline_mod.Timeline, step: timeline_mod.StepSummary) -> dict[str, str] | None:
    """The record that settled the step's verdict (or opened it, while it is open): its history event and the
    fingerprint the record returned into history."""
    mine = [
        e
        for e in t.entries
        if not e.rewritten
        and e.rule_id == step.rule_id
        and (e.record.step is None or e.record.step.instance == step.instance)
    ]
    settling = [e for e in mine if e.kind in (("exemption-recorded",) if step.exempt else SETTLING)]
    entry = settling[-1] if settling else next((e for e in mine if e.kind == "step-opened"), None)
    if entry is None:
        return None
    run = f"run {t.runs.index(entry.run_id) + 1}, " if len(t.runs) > 1 and entry.run_id in t.runs else ""
    fingerprint = " ".join(entry.hash[i : i + 4] for i in range(0, 8, 4)) if entry.hash else ""
    return {
        "event": f"{run}history event {entry.event_id}",
        "what": render.kind_words(entry.kind).lower(),
        "fingerprint": fingerprint,
    }


def _row(t: timeline_mod.Timeline, step: timeline_mod.StepSummary, today: date) -> dict[str, Any]:
    verdict, css = render.verdict_words(step, today)
    return {
        "title": _title(step, {s.rule_id: s.title for s in t.steps}),
        "due": render.d(step.due),
        "target": render.d(step.target),
        "done": render.d(step.completed_on) if step.completed_on else "\u2014",
        "verdict": verdict,
        "css": css,
        "evidence": _evidence(t, step),
        "backdated": getattr(step, "backdated", None),
    }


def _step_sentences(
    t: timeline_mod.Timeline, step: timeline_mod.StepSummary, roles: render.Roles, today: date
) -> list[str]:
    rule = render.rule_of(step.rule_id, step.anchor)
    counted_from = rule.anchor if rule else "counted from"
    explained = render.plain_explanation(step.explanation, step.rule_id, step.title)
    sentences = [] if any(line.startswith("Legal basis:") for line in explained) else [f"Legal basis: {step.basis}."]
    sentences.append(
        f"{counted_from[0].upper()}{counted_from[1:]}: {render.d(step.anchor)}. Statutory date: "
        f"{render.d(step.due)}; the school's target: {render.d(step.target)}."
    )
    sentences += [line[0].upper() + line[1:] for line in explained if line]
    sentences.append(f"Whose step: {roles(step.owner)}.")
    sent = [n for n in t.notices if n.rule_id == step.rule_id and n.kind in ("reminder", "overdue", "asap", "prompt")]
    if sent:
        escalations = len([n for n in sent if n.kind == "overdue"])
        counts = [
            f"{n} {word}{'s' if n != 1 else ''}"
            for n, word in ((len(sent) - escalations, "reminder"), (escalations, "escalation"))
            if n
        ]
        sentences.append(
            f"{' and '.join(counts).capitalize()} {'was' if len(sent) == 1 else 'were'} sent (listed "
            "below, with how each went)."
        )
    if step.exempt:
        sentences.append(
            f"An exemption applies: {render.ground_words(step.exemption_ground)}. The time limit no "
            "longer binds; the duty is to act as soon as practicable."
        )
    verdict, _ = render.verdict_words(step, today)
    if step.status == "completed" and step.exempt:
        after = (step.completed_on - step.due).days if step.completed_on else 0
        sentences.append(
            f"Done on {render.d(step.completed_on)}"
            + (
                f", {after} day{'s' if after != 1 else ''} after the statutory date, which the exemption set aside."
                if after > 0
                else ", by the statutory date."
            )
        )
    elif step.status == "completed":
        sentences.append(f"Done on {render.d(step.completed_on)}: {render.lateness(step.on_time, step.days_late)}.")
    else:
        sentences.append(f"Outcome: {verdict}.")
    backdated = getattr(step, "backdated", None)
    if backdated:
        sentences.append(f"Warning, possibly backdated: {backdated}")
    return sentences


def _happened(
    t: timeline_mod.Timeline, roles: render.Roles, titles: dict[str, str], notes: bool
) -> list[dict[str, Any]]:
    """Records and notices in order, in words. A reminder's record is shown as its notice, which says how it went."""
    noticed = {n.key for n in t.notices if n.key}
    items = [
        (
            e.at,
            0,
            {
                "on": render.d(e.on),
                "time": render.local_time(e.at),
                "notice": False,
                "text": render.describe(e, roles, titles, plain=True, notes=notes),
                "event": e.event_id,
                "rewritten": e.rewritten,
            },
        )
        for e in t.entries
        if not (e.kind in ("reminder-sent", "escalation-sent") and e.key in noticed) and e.kind != "notification-failed"
    ]
    items += [
        (
            n.at,
            1,
            {
                "on": render.d(n.on),
                "time": render.local_time(n.at),
                "notice": True,
                "text": render.notice_sentence(n, roles, titles),
                "event": n.event_id,
                "rewritten": n.rewritten,
            },
        )
        for n in t.notices
    ]
    return [item for _, _, item in sorted(items, key=lambda x: (x[0], x[1]))]


def _replay(v: replay.Verdict) -> dict[str, Any]:
    """The replay verdict in words."""
    scope = f"{v.runs} run{'s' if v.runs != 1 else ''}, {v.events} events"
    if v.problem:
        return {"css": "bad", "text": f"The history could not be replayed: {v.problem}", "details": []}
    if v.reproduced:
        text = (
            f"Replayed against today's code, the history reproduces every recorded decision ({scope}): the "
            "software in use today would have decided exactly as recorded."
        )
        if v.resets:
            text += " But the history was rewritten (a reset in Temporal): see the warning below."
        return {"css": "bad" if v.resets else "ok", "text": text, "details": []}
    details = [
        f"Run {d.run_id} would decide differently "
        + (
            f"at history event {d.event_id} ({d.detail or d.event_type})."
            if d.event_id
            else "(the event could not be located)."
        )
        for d in v.divergences
    ]
    return {
        "css": "bad",
        "details": details,
        "text": f"Replayed against today's code, the history is NOT reproduced ({scope}). The record itself "
        "stands: it is what happened. The software has changed since in a way that would decide "
        "differently; that is a finding for whoever maintains it.",
    }


def _check(checked: Checked | None, unchecked: str | None) -> dict[str, Any]:
    if checked is None:
        return {
            "clean": False,
            "css": "bad",
            "findings": [],
            "text": f"Not compared with the school's database in this report ({unchecked or 'not asked for'}).",
        }
    scope = (
        f"{checked.records} recorded event{'s' if checked.records != 1 else ''} and {checked.notices} "
        f"notice{'s' if checked.notices != 1 else ''}"
    )
    if not checked.findings:
        return {
            "clean": True,
            "css": "ok",
            "findings": [],
            "text": f"The school's database matches this history: {scope} checked (the event log, the step "
            "and process rows, and the outbox of notices), no differences.",
        }
    return {
        "clean": False,
        "css": "bad",
        "findings": [_finding_words(f.detail) for f in checked.findings],
        "text": f"The school's database differs from this history in {len(checked.findings)} "
        f"place{'s' if len(checked.findings) != 1 else ''} ({scope} checked):",
    }


def _finding_words(detail: str) -> str:
    """A finding of audit/verify.py as the report says it: values in words, dates in the project's format."""
    text = re.sub(r"\b([a-z]+(?:_[a-z]+)+)\b", lambda m: m[1].replace("_", " "), detail)  # completed_on
    text = re.sub(r"\bTrue\b", "yes", re.sub(r"\bFalse\b", "no", re.sub(r"\bNone\b", "nothing", text)))
    return render.plain_text(text)


# --- other formats -------------------------------------------------------------------------------------------------


def csv_text(report: CaseReport, roles: render.Roles) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["case_ref", "workflow_id", "date", "time_utc", "kind", "rule_id", "by", "what", "history_event", "replay"]
    )
    for t, v in zip(report.timelines, report.verdicts, strict=True):
        titles = {s.rule_id: s.title for s in t.steps}
        for e in t.entries:
            writer.writerow(
                [
                    report.case_ref,
                    t.workflow_id,
                    e.on.isoformat(),
                    e.at.strftime("%H:%M:%S"),
                    e.kind,
                    e.rule_id or "",
                    roles(e.actor) if e.actor else "",
                    render.describe(e, roles, titles),
                    e.event_id,
                    "reproduced" if v.reproduced else "diverges",
                ]
            )
    return out.getvalue()


def chromium() -> str | None:
    for candidate in CHROMIUM:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def pdf(report: CaseReport, roles: render.Roles, target: Path, viewer: str | None = None) -> None:
    browser = chromium()
    if browser is None:
        raise PdfUnavailable(
            "pdf needs Chromium (/usr/bin/chromium) to print the report; it is not installed "
            "(use --format html and print it from a browser)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html(report, roles, viewer), encoding="utf-8")
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={target.resolve()}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0 or not target.is_file():
        raise PdfUnavailable(
            f"Chromium could not print the PDF (exit {done.returncode}): "
            f"{(done.stderr or '').strip().splitlines()[-1:]}"
        )


def write(report: CaseReport, format: str, target: Path, roles: render.Roles, viewer: str | None = None) -> None:
    if format == "pdf":
        pdf(report, roles, target, viewer)
    elif format == "csv":
        target.write_text(csv_text(report, roles), encoding="utf-8", newline="")
    else:
        target.write_text(html(report, roles, viewer), encoding="utf-8")
