"""`sendclock audit report CASE_REF`: a printable timeline of every process of one case, built from the histories
(Temporal, or the archive), with each process's replay verdict. html (audit/templates/report.html.j2), csv (one line
per recorded event), pdf (the html printed by headless Chromium, when it is installed)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from audit import render, replay, source, timeline as timeline_mod
from audit.archive import Archive
from audit.converter import data_converter

FORMATS = ("html", "pdf", "csv")
TEMPLATES = Path(__file__).with_name("templates")
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


class NoProcesses(LookupError):
    """Nothing is known of this case (database, archive, Temporal)."""


class PdfUnavailable(RuntimeError):
    """No headless Chromium to print the PDF with."""


@dataclass
class CaseReport:
    case_ref: str
    generated_at: datetime
    timelines: list[timeline_mod.Timeline] = field(default_factory=list)
    verdicts: list[replay.Verdict] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)


def workflow_ids(settings: Any, case_ref: str) -> list[str]:
    """The case's processes: from the database (every process it ever had) and the archive."""
    from store.db import make_engine, make_sessionmaker
    from store.queries import processes_for_case

    ids: list[str] = []
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            ids = [p.workflow_id for p in processes_for_case(session, case_ref)]
    except Exception:  # noqa: BLE001 - no database here: the archive may still know the case
        ids = []
    finally:
        engine.dispose()
    return list(dict.fromkeys(ids + Archive.for_settings(settings).workflow_ids(case_ref)))


async def build(settings: Any, case_ref: str, client=None) -> CaseReport:
    ids = workflow_ids(settings, case_ref)
    if not ids:
        raise NoProcesses(f"no process for case {case_ref!r} in the database or the archive")
    converter = data_converter(settings)
    client = source.Temporal(settings, client)  # one connection (or one failure) for every process
    report = CaseReport(case_ref, datetime.now(timezone.utc))
    for workflow_id in ids:
        loaded = await source.decoded(await source.from_workflow(workflow_id, settings, client), settings)
        own = [r for r in loaded.runs if r.workflow_id == workflow_id]
        report.timelines.append(timeline_mod.build(own, converter))
        report.verdicts.append(await replay.verdict(own, converter))
        report.origins.append(loaded.origin)
    return report


def html(report: CaseReport, roles: render.Roles) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    processes = []
    for t, v, origin in zip(report.timelines, report.verdicts, report.origins):
        titles = {s.rule_id: s.title for s in t.steps}
        processes.append({
            "t": t, "verdict": v.text(), "reproduced": v.clean, "origin": origin,
            "name": render.PROCESS_NAMES.get(t.process_kind or "", t.process_kind or t.workflow_type),
            "steps": [{"s": s, "lines": render.step_lines(s, roles)} for s in t.steps],
            "entries": [{"on": render.d(e.on), "at": e.at.strftime("%H:%M UTC"), "kind": e.kind,
                         "text": render.describe(e, roles, titles), "event_id": e.event_id, "rewritten": e.rewritten}
                        for e in t.entries],
            "resets": [r.sentence() for r in t.resets],
        })
    return env.get_template("report.html.j2").render(case_ref=report.case_ref, processes=processes,
                                                      generated=report.generated_at.strftime("%d %b %Y %H:%M UTC"),
                                                      d=render.d)


def csv_text(report: CaseReport, roles: render.Roles) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case_ref", "workflow_id", "date", "time_utc", "kind", "rule_id", "by", "what", "history_event",
                     "replay"])
    for t, v in zip(report.timelines, report.verdicts):
        titles = {s.rule_id: s.title for s in t.steps}
        for e in t.entries:
            writer.writerow([report.case_ref, t.workflow_id, e.on.isoformat(), e.at.strftime("%H:%M:%S"), e.kind,
                             e.rule_id or "", roles(e.actor) if e.actor else "", render.describe(e, roles, titles),
                             e.event_id, "reproduced" if v.reproduced else "diverges"])
    return out.getvalue()


def chromium() -> str | None:
    for candidate in CHROMIUM:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def pdf(report: CaseReport, roles: render.Roles, target: Path) -> None:
    browser = chromium()
    if browser is None:
        raise PdfUnavailable("pdf needs Chromium (/usr/bin/chromium) to print the report; it is not installed "
                             "(use --format html and print it from a browser)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html(report, roles), encoding="utf-8")
        done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                               f"--user-data-dir={tmp}/profile", f"--print-to-pdf={target.resolve()}", page.as_uri()],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not target.is_file():
        raise PdfUnavailable(f"Chromium could not print the PDF (exit {done.returncode}): "
                             f"{(done.stderr or '').strip().splitlines()[-1:]}")


def write(report: CaseReport, format: str, target: Path, roles: render.Roles) -> None:
    if format == "pdf":
        pdf(report, roles, target)
    elif format == "csv":
        target.write_text(csv_text(report, roles), encoding="utf-8", newline="")
    else:
        target.write_text(html(report, roles), encoding="utf-8")
