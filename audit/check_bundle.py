"""`sendclock audit check-bundle FILE.zip`: check an evidence bundle (audit/bundle.py) with nothing but the zip: no
database, no Temporal, no payload key, no settings.

1. The signature: manifest.json's exact bytes against manifest.sig, with the bundle's own public key (and, given
   --public-key, that it is that key). A valid signature proves the bundle is unchanged since whoever holds that key
   signed it; that the key is the school's is for people to settle, by comparing its fingerprint with the one the
   school publishes.
2. The files: each one's SHA-256 and size against the manifest; none missing, none added.
3. The chain segment: each row of chain.json hashed again (store.recorder.event_hash) from its prev_hash and
   content, and linked to the row before it in the whole chain.
4. The records: the timeline rebuilt from the decoded histories, each record against its row in chain.json by key
   (audit.verify.compare on plain data); timeline.json against the rebuilt timeline; what `audit verify` said when
   the bundle was made (verification.json).
5. Replay: the histories against the current workflow code (audit/replay.py).

Each check is one sentence; a failure names the part. Exit codes, as every `sendclock audit` command: 0 every check
passed; 3 a check failed; 2 a wrong argument (no such file, not a zip, a malformed --public-key); 1 a check could
not be run at all (e.g. the workflow code could not be loaded to replay with).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from temporalio.contrib.pydantic import pydantic_data_converter

from audit import bundle as b
from audit import history, replay
from audit import timeline as timeline_mod
from security import signing
from statutory.clock import fmt
from store.reconcile import OUTSIDE_KINDS
from store.recorder import event_hash

EXIT_OK, EXIT_CANNOT_RUN, EXIT_BAD_INPUT, EXIT_FAILED = 0, 1, 2, 3
REQUIRED = (b.TIMELINE, b.REPORT_HTML, b.CHAIN, b.VERIFICATION, b.PUBLIC_KEY)
_WHEN = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC")  # audit/replay.py's instants, in the product's format
MEANING = (
    "A valid signature proves only that the bundle is unchanged since it was signed by whoever holds that key: "
    "compare the fingerprint {fingerprint} with the one the school publishes."
)


class NotABundle(ValueError):
    """The file cannot be opened as a zip at all (a wrong argument, not a failed check)."""


@dataclass
class Check:
    passed: bool
    text: str


@dataclass
class Result:
    about: list[str] = field(default_factory=list)  # what the bundle is, in words
    checks: list[Check] = field(default_factory=list)
    cannot_run: list[str] = field(default_factory=list)
    signed: bool = False  # the manifest's signature is valid

    def ok(self, text: str) -> None:
        self.checks.append(Check(True, text))

    def fail(self, text: str) -> None:
        self.checks.append(Check(False, text))

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed else EXIT_CANNOT_RUN if self.cannot_run else EXIT_OK

    def lines(self) -> list[str]:
        out = list(self.about)
        out += [f"{'Passed' if c.passed else 'FAILED'}: {c.text}" for c in self.checks]
        out += [f"Not checked: {reason}" for reason in self.cannot_run]
        if self.failed:
            out.append(f"{len(self.failed)} problem(s) found: do not rely on this bundle as it stands.")
        elif self.cannot_run:
            out.append("Every check that could run passed, but not everything could be checked.")
        else:
            out.append("Every check passed.")
        return out


@dataclass
class Opened:
    """The zip's members as read: their bytes, the ones that could not be read, and names held twice."""

    files: dict[str, bytes]
    damaged: dict[str, str]
    twice: list[str]


def open_bundle(path: Path) -> Opened:
    if path.is_dir():
        raise NotABundle(f"{path} is a folder; give the bundle's zip file")
    if not path.is_file():
        raise NotABundle(f"no such file: {path}")
    try:
        zipped = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise NotABundle(
            f"{path} is not a zip file" + (f" ({err.strerror})" if isinstance(err, OSError) else "")
        ) from None
    files, damaged = {}, {}
    with zipped:
        names = [info.filename for info in zipped.infolist() if not info.is_dir()]
        for info in zipped.infolist():
            if info.is_dir() or info.filename in files or info.filename in damaged:
                continue
            try:
                files[info.filename] = zipped.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as err:
                damaged[info.filename] = (
                    "its checksum in the zip does not match"
                    if "CRC" in str(err)
                    else str(err).replace(f" for file '{info.filename}'", "")
                )
    return Opened(files, damaged, sorted(name for name, n in Counter(names).items() if n > 1))


def check(path: Path, public_key: bytes | None = None) -> Result:
    """Every check of the bundle at `path`. Raises NotABundle."""
    return asyncio.run(check_async(path, public_key))


async def check_async(path: Path, public_key: bytes | None = None) -> Result:
    opened = open_bundle(path)
    result = Result()
    manifest = _signature(opened, public_key, result)
    if manifest is None:
        return result
    _files(opened, manifest, result)
    runs = _histories(opened, manifest, result)
    rows = _chain(opened, manifest, result)
    timelines = _records(runs, rows, result)
    _timeline_file(opened, manifest, timelines, result)
    _verification(opened, result)
    await _replay(runs, result)
    return result


# --- 1. the signature ------------------------------------------------------------------------------------------


def _signature(opened: Opened, public_key: bytes | None, result: Result) -> dict[str, Any] | None:
    """Check the signature; the manifest (None when there is nothing to check the files against)."""
    files = opened.files
    for part in (b.MANIFEST, b.SIGNATURE, b.PUBLIC_KEY):
        if part not in files:
            result.fail(
                f"{part}: "
                + (
                    opened.damaged[part] + ": the zip cannot read it"
                    if part in opened.damaged
                    else "missing from the bundle"
                )
                + "; without it nothing can be checked."
            )
            return None
    try:
        key = signing.parse_public_key(files[b.PUBLIC_KEY].decode("ascii", "replace"), b.PUBLIC_KEY)
    except signing.SigningKeyError as err:
        result.fail(f"{b.PUBLIC_KEY}: {err}; without the key the signature cannot be checked.")
        return None
    print_ = signing.fingerprint(key)
    try:
        signature = base64.b64decode(files[b.SIGNATURE].strip(), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    manifest_bytes = files[b.MANIFEST]
    try:
        manifest = json.loads(manifest_bytes)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise ValueError("it has no list of files")
    except ValueError as err:
        manifest = None
        unreadable = str(err)
    result.about += _about(manifest, print_)
    if len(signature) != signing.SIGNATURE_BYTES:
        result.fail(f"{b.SIGNATURE}: it is not an Ed25519 signature (base64 of {signing.SIGNATURE_BYTES} bytes).")
    elif signing.verify(key, manifest_bytes, signature):
        result.signed = True
        result.ok(f"The signature on {b.MANIFEST} is valid for the bundle's public key (fingerprint {print_}).")
    else:
        result.fail(
            f"{b.MANIFEST}, {b.SIGNATURE} or {b.PUBLIC_KEY}: the signature does not match {b.MANIFEST} under "
            f"the key in {b.PUBLIC_KEY} (fingerprint {print_}): one of them was changed after the bundle was "
            "signed."
        )
    if manifest is None:
        result.fail(f"{b.MANIFEST}: it is not a readable manifest ({unreadable}), so the files cannot be checked.")
        return None
    named = (manifest.get("signing_key") or {}).get("public_key")
    if named != files[b.PUBLIC_KEY].decode("ascii", "replace").strip():
        result.fail(f"{b.PUBLIC_KEY}: it is not the key {b.MANIFEST} names.")
    if public_key is not None:
        if public_key == key:
            result.ok(f"The bundle was signed with the key you gave with --public-key (fingerprint {print_}).")
        else:
            result.fail(
                f"{b.PUBLIC_KEY}: the bundle was signed with the key of fingerprint {print_}, not the key you "
                f"gave with --public-key (fingerprint {signing.fingerprint(public_key)})."
            )
    return manifest


def _about(manifest: dict[str, Any] | None, print_: str) -> list[str]:
    lines = []
    if manifest is not None:
        made = ""
        try:
            at = datetime.fromisoformat(str(manifest.get("created_at")))
            made = f", made on {fmt(at.date())} at {at:%H:%M} UTC"
        except ValueError:
            pass
        lines.append(
            f"Evidence bundle of case {manifest.get('case_ref')}{made} by sendclock "
            f"{manifest.get('sendclock_version')}, signed with the key of fingerprint {print_}."
        )
        pdf = manifest.get("report_pdf")
        if pdf and pdf != "included":
            lines.append(f"{b.REPORT_PDF} is not in this bundle ({pdf.removeprefix('not included: ')}).")
    lines.append(MEANING.format(fingerprint=print_))
    return lines


# --- 2. the files ----------------------------------------------------------------------------------------------


def _files(opened: Opened, manifest: dict[str, Any], result: Result) -> None:
    problems = []
    listed: dict[str, dict[str, Any]] = {}
    for entry in manifest["files"]:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in listed or name in (b.MANIFEST, b.SIGNATURE):
            problems.append(f"{b.MANIFEST}: it lists {name!s} more than once or in a form it cannot have.")
            continue
        listed[name] = entry
    for name, entry in listed.items():
        if name in opened.damaged:
            problems.append(f"{name}: the zip cannot read it ({opened.damaged[name]}): it was damaged or changed.")
        elif name not in opened.files:
            problems.append(f"{name}: the manifest lists it, but it is missing from the bundle.")
        elif hashlib.sha256(opened.files[name]).hexdigest() != entry.get("sha256") or len(
            opened.files[name]
        ) != entry.get("size"):
            changed = "it" if result.signed else f"it (or {b.MANIFEST})"
            problems.append(
                f"{name}: its SHA-256 does not match the manifest: {changed} was changed after the bundle was made."
            )
    for name in sorted(set(opened.files) | set(opened.damaged)):
        if name not in listed and name not in (b.MANIFEST, b.SIGNATURE):
            problems.append(
                f"{name}: it is in the bundle but not in the manifest: it was added after the bundle was made."
            )
    problems += [f"{name}: the bundle holds two files of this name." for name in opened.twice]
    problems += [
        f"{part}: the manifest does not list it; every bundle has one." for part in REQUIRED if part not in listed
    ]
    for problem in problems:
        result.fail(problem)
    if not problems:
        result.ok(
            f"Every file's SHA-256 and size match the manifest ({len(listed)} files), and no file is missing or added."
        )


# --- 3. the chain segment --------------------------------------------------------------------------------------


def _json_part(opened: Opened, name: str, result: Result) -> Any:
    try:
        return json.loads(opened.files[name])
    except KeyError:
        return None  # said by the file check
    except ValueError as err:
        result.fail(f"{name}: it is not readable JSON ({err}).")
        return None


def _chain(opened: Opened, manifest: dict[str, Any], result: Result) -> list[dict[str, Any]] | None:
    """Check chain.json's rows; the rows (None when unreadable)."""
    document = _json_part(opened, b.CHAIN, result)
    if document is None:
        return None
    try:
        rows = list(document["rows"])
        head = document["head"]
        processes = set(manifest.get("processes") or [])
        problems = []
        previous: dict[str, Any] | None = None
        for row in rows:
            where = f"{b.CHAIN}: event row {row['id']} ({row['kind']})"
            before = row.get("before") or {}
            if previous is not None and row["id"] <= previous["id"]:
                problems.append(f"{where} is out of chain order.")
            if row["process_id"] not in processes:
                problems.append(f"{where} belongs to a process the bundle does not hold.")
            if row["hash"] is None:
                problems.append(f"{where} has no hash: it was written outside the recorder.")
            else:
                expected = event_hash(
                    row["prev_hash"] or b.GENESIS,
                    key=row["key"],
                    process_id=row["process_id"],
                    kind=row["kind"],
                    occurred_at=datetime.fromisoformat(row["occurred_at"]),
                    rule_id=row["rule_id"],
                    actor=row["actor"],
                    data=row["data"],
                )
                if expected != row["hash"]:
                    problems.append(f"{where} does not match its hash: its content was changed.")
                if row["prev_hash"] != before.get("hash"):
                    problems.append(f"{where} does not link to the row before it in the chain.")
                if before.get("id") is None and before.get("hash") != b.GENESIS:
                    problems.append(f"{where} claims to be the first row of the chain but does not link to its start.")
                if (
                    previous is not None
                    and before.get("id") == previous["id"]
                    and before.get("hash") != previous["hash"]
                ):
                    problems.append(f"{where} does not link to event row {previous['id']}, the row before it.")
            previous = row
        if previous is not None and head.get("id") is not None:
            if head["id"] < previous["id"]:
                problems.append(f"{b.CHAIN}: the chain head it records is older than its last row.")
            elif head["id"] == previous["id"] and head.get("hash") != previous["hash"]:
                problems.append(f"{b.CHAIN}: the chain head it records is not its last row's hash.")
    except (KeyError, TypeError, ValueError, AttributeError):
        result.fail(f"{b.CHAIN}: it is not a chain segment as sendclock writes one.")
        return None
    for problem in problems:
        result.fail(problem)
    if not problems:
        head_text = f"row {head['id']}, hash {str(head.get('hash'))[:12]}…" if head.get("id") else "empty"
        result.ok(
            f"The hash chain segment holds: each of the {len(rows)} event rows of the case hashes to its "
            f"recorded value and links to the row before it (the chain's head when the bundle was made: "
            f"{head_text})."
        )
    return rows


# --- 4. the records ---------------------------------------------------------------------------------------------


@dataclass
class Histories:
    by_workflow: dict[str, list[history.RunHistory]]
    unreadable: list[str]
    files: dict[tuple[str, str], str]  # (workflow id, run id) -> its file in the bundle


def _histories(opened: Opened, manifest: dict[str, Any], result: Result) -> Histories:
    found = Histories({}, [], {})
    for name in sorted(opened.files):
        if not name.startswith(b.HISTORIES):
            continue
        parts = name.removeprefix(b.HISTORIES).split("/")
        if len(parts) != 2 or not parts[1].endswith(".json"):
            result.fail(f"{name}: not where a history belongs (histories/<workflow id>/<run id>.json).")
            found.unreadable.append(name)
            continue
        workflow_id, run_id = unquote(parts[0]), unquote(parts[1].removesuffix(".json"))
        try:
            [run] = history.from_document(json.loads(opened.files[name]), workflow_id)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            result.fail(f"{name}: it is not a readable history ({err}).")
            found.unreadable.append(name)
            continue
        if run.run_id != run_id:
            result.fail(f"{name}: it holds run {run.run_id}, not run {run_id}.")
        found.by_workflow.setdefault(workflow_id, []).append(run)
        found.files[(workflow_id, run.run_id)] = name
    found.by_workflow = {wid: history.ordered(runs) for wid, runs in found.by_workflow.items()}
    missing = [wid for wid in manifest.get("processes") or [] if wid not in found.by_workflow]
    for wid in missing:
        result.fail(f"{b.HISTORIES}{wid}/: the manifest names this process, but the bundle holds no history of it.")
    found.unreadable += missing
    for wid in found.by_workflow:
        if wid not in (manifest.get("processes") or []):
            result.fail(f"{b.HISTORIES}{wid}/: the bundle holds histories of a process the manifest does not name.")
    return found


def _records(
    runs: Histories, rows: list[dict[str, Any]] | None, result: Result
) -> dict[str, timeline_mod.Timeline] | None:
    """Each record in the histories against its row in chain.json; the rebuilt timelines (None if they could not
    all be rebuilt)."""
    timelines: dict[str, timeline_mod.Timeline] = {}
    for workflow_id, own in runs.by_workflow.items():
        try:
            timelines[workflow_id] = timeline_mod.build(own, pydantic_data_converter)
        except Exception:  # noqa: BLE001 - any payload that does not decode: the history was changed
            first = runs.files.get((workflow_id, own[0].run_id), workflow_id)
            result.fail(f"{first}: its records cannot be read: the history was changed or damaged.")
    if runs.unreadable or len(timelines) != len(runs.by_workflow):
        result.cannot_run.append(
            f"comparing the histories' records with {b.CHAIN}, since not every history is readable."
        )
        return None
    if rows is None:
        return timelines
    problems, compared, outside = [], 0, 0
    by_key = {row["key"]: row for row in rows}
    wanted: set[str] = set()
    for workflow_id, t in timelines.items():
        for key, entry in t.records().items():
            wanted.add(key)
            compared += 1
            source_file = runs.files.get((workflow_id, entry.run_id), workflow_id)
            row = by_key.get(key)
            if row is None or row["process_id"] != workflow_id:
                problems.append(
                    f"{b.CHAIN}: the {entry.kind} record of {fmt(entry.on)} (history event "
                    f"{entry.event_id} of {source_file}) has no row."
                )
                continue
            have = {
                "kind": row["kind"],
                "rule_id": row["rule_id"],
                "actor": row["actor"],
                "data": row["data"],
                "occurred_at": row["occurred_at"],
            }
            want = b.plain(
                {
                    "kind": entry.kind,
                    "rule_id": entry.rule_id,
                    "actor": entry.actor,
                    "data": entry.data,
                    "occurred_at": entry.at,
                }
            )
            differ = [name for name in have if have[name] != want[name]]
            if differ:
                problems.append(
                    f"{b.CHAIN}: event row {row['id']} ({entry.kind}) differs from {source_file} in "
                    f"{' and '.join(differ)}."
                )
            returned = getattr(entry, "hash", None)  # the row's hash, as the record returned it into history
            if returned is not None and row["hash"] != returned:
                problems.append(
                    f"{b.CHAIN}: event row {row['id']} ({entry.kind}) has the hash "
                    f"{str(row['hash'])[:12]}…, but {source_file} recorded {returned[:12]}… when it was "
                    "written: the chain was recomputed after rows before it were changed."
                )
    for row in rows:
        if row["key"] not in wanted:
            if row["kind"] in OUTSIDE_KINDS:  # written by sendclock about the workflow, never by a history
                outside += 1
            else:
                problems.append(
                    f"{b.CHAIN}: event row {row['id']} ({row['kind']}) is in no history: it was written "
                    "behind the engine's back."
                )
    for problem in problems:
        result.fail(problem)
    if not problems:
        extra = (
            (
                f"; {outside} row(s) that sendclock wrote about a workflow stopped or resumed outside it need no "
                "history entry"
            )
            if outside
            else ""
        )
        result.ok(
            f"Each of the {compared} records in the histories has its row in {b.CHAIN}, unchanged, and "
            f"{b.CHAIN} has no row the histories did not write{extra}."
        )
    return timelines


def _timeline_file(
    opened: Opened, manifest: dict[str, Any], timelines: dict[str, timeline_mod.Timeline] | None, result: Result
) -> None:
    document = _json_part(opened, b.TIMELINE, result)
    if document is None:
        return
    if timelines is None:
        result.cannot_run.append(f"comparing {b.TIMELINE} with the histories, since not every history is readable.")
        return
    rebuilt = json.loads(b.dump(b.timelines_document(manifest.get("case_ref"), list(timelines.values()))))
    if document == rebuilt:
        result.ok(f"{b.TIMELINE} says what the histories say, process by process.")
        return
    listed = document.get("processes") if isinstance(document, dict) else None
    theirs = {p.get("workflow_id"): p for p in listed if isinstance(p, dict)} if isinstance(listed, list) else {}
    differences = []
    for ours in rebuilt["processes"]:
        other = theirs.pop(ours["workflow_id"], None)
        if other is None:
            differences.append(f"it has no timeline of {ours['workflow_id']}.")
        elif other != ours:
            fields = " and ".join(name for name in ours if ours[name] != other.get(name))
            differences.append(
                f"its timeline of {ours['workflow_id']} differs from the one the histories give (in "
                f"{fields or 'its form'})."
            )
    differences += [f"it holds a timeline of {wid}, a process the bundle has no history of." for wid in theirs]
    for difference in differences or ["it does not match the timeline rebuilt from the histories."]:
        result.fail(f"{b.TIMELINE}: {difference}")


def _verification(opened: Opened, result: Result) -> None:
    document = _json_part(opened, b.VERIFICATION, result)
    if document is None:
        return
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        result.fail(f"{b.VERIFICATION}: it is not a verification sendclock writes.")
    elif document.get("clean"):
        result.ok(
            "When the bundle was made, `sendclock audit verify` found the school's database in agreement with "
            "these histories, and its hash chain intact."
        )
    else:
        result.fail(
            f"{b.VERIFICATION}: when the bundle was made, `sendclock audit verify` found "
            f"{len(document['findings'])} difference(s) between the school's database and the histories "
            "(listed in it)."
        )


# --- 5. replay --------------------------------------------------------------------------------------------------


async def _replay(runs: Histories, result: Result) -> None:
    if not runs.by_workflow:
        return
    if runs.unreadable:
        result.cannot_run.append("replay, since not every history in the bundle is readable.")
        return
    sdk = logging.getLogger("temporalio")  # its traceback of a failing workflow task is ours to say in words
    was = sdk.level
    sdk.setLevel(logging.CRITICAL + 1)
    try:
        verdicts = [await replay.verdict(own, pydantic_data_converter) for own in runs.by_workflow.values()]
    except Exception as err:  # noqa: BLE001 - the replayer itself could not run: said, not a failed check
        result.cannot_run.append(f"replay, since the workflow code could not be run ({err}).")
        return
    finally:
        sdk.setLevel(was)
    diverged = [v for v in verdicts if not v.reproduced]
    for v in diverged:
        for d in v.divergences:
            detail = _WHEN.sub(lambda m: f"{fmt(date.fromisoformat(m[1]))} at {m[2]} UTC", d.detail or "")
            where = (
                f"at history event {d.event_id} ({d.event_type}{', ' + detail if detail else ''})"
                if d.event_id
                else "(the event could not be located)"
            )
            result.fail(
                f"{runs.files.get((d.workflow_id, d.run_id), d.workflow_id)}: the current workflow code "
                f"(sendclock {b.sendclock_version()}) does not reproduce the recorded decisions: it diverges "
                f"{where}."
            )
    if not diverged:
        result.ok(
            f"The current workflow code (sendclock {b.sendclock_version()}) reproduces every recorded "
            f"decision of the {len(verdicts)} process(es) ({sum(v.runs for v in verdicts)} run(s), "
            f"{sum(v.events for v in verdicts)} history events)."
        )
