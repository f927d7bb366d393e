"""sendclock's own archive of closed histories, so audits outlive Temporal's retention.

Layout under <var>/archive/ (settings.var_dir):
    <workflow_id>/<run_id>.json.gz   one closed run, gzip of the `temporal workflow show --output json` document
    index.jsonl                      one line per archived run: ids, type, case ref, start/close, events, sha256
    watermark.json                   close time up to which visibility has been read

Files are written atomically (temporary file, fsync, rename). Payloads are stored exactly as Temporal holds them:
once payloads are encrypted by the codec (the security issue), the archive is encrypted the same way.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from audit.history import RunHistory, make_run, ordered

INDEX = "index.jsonl"
WATERMARK = "watermark.json"
ARCHIVE_WORKFLOW_TYPE = "ArchiveClosedRuns"


def archive_dir(settings: Any) -> Path:
    return Path(settings.var_dir).resolve() / "archive"


def _name(part: str) -> str:
    return quote(part, safe="-_.") or "_"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Archived:
    workflow_id: str
    run_id: str
    path: Path
    events: int
    sha256: str
    new: bool


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_settings(cls, settings: Any) -> Archive:
        return cls(archive_dir(settings))

    def path(self, workflow_id: str, run_id: str) -> Path:
        return self.root / _name(workflow_id) / f"{_name(run_id)}.json.gz"

    def has(self, workflow_id: str, run_id: str) -> bool:
        return self.path(workflow_id, run_id).is_file()

    def store(self, run: RunHistory, case_ref: str | None = None) -> Archived:
        """Archive one closed run (idempotent: an archived run is left as it is)."""
        path = self.path(run.workflow_id, run.run_id)
        if path.is_file():
            data = gzip.decompress(path.read_bytes())
            return Archived(run.workflow_id, run.run_id, path, len(run.events), hashlib.sha256(data).hexdigest(), False)
        data = json.dumps(run.document(), separators=(",", ":")).encode()
        digest = hashlib.sha256(data).hexdigest()
        _atomic_write(path, gzip.compress(data, mtime=0))
        self._index(
            {
                "workflow_id": run.workflow_id,
                "run_id": run.run_id,
                "workflow_type": run.workflow_type,
                "case_ref": case_ref,
                "started_at": run.started_at.isoformat(),
                "closed_at": run.closed_at.isoformat() if run.closed_at else None,
                "closed_as": run.closed_as,
                "events": len(run.events),
                "sha256": digest,
                "archived_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        return Archived(run.workflow_id, run.run_id, path, len(run.events), digest, True)

    def _index(self, line: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / INDEX).open("a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(json.dumps(line) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def index(self) -> list[dict[str, Any]]:
        path = self.root / INDEX
        if not path.is_file():
            return []
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                seen.setdefault((entry["workflow_id"], entry["run_id"]), entry)
        return list(seen.values())

    def runs(self, workflow_id: str) -> list[RunHistory]:
        """Every archived run of `workflow_id`, oldest first (checked against the index's sha256)."""
        folder = self.root / _name(workflow_id)
        if not folder.is_dir():
            return []
        digests = {e["run_id"]: e.get("sha256") for e in self.index() if e["workflow_id"] == workflow_id}
        found = []
        for file in sorted(folder.glob("*.json.gz")):
            data = gzip.decompress(file.read_bytes())
            run_id = unquote(file.name.removesuffix(".json.gz"))
            expected = digests.get(run_id)
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise ArchiveTampered(f"archived history {file} does not match its sha256 in {self.root / INDEX}")
            found.append(make_run(workflow_id, json.loads(data)["events"]))
        return ordered(found) if found else []

    def remove(self, workflow_ids: set[str]) -> int:
        """Retention (`sendclock retention purge`): delete the archived runs of `workflow_ids` and their index lines.
        Files first, then the index rewritten in place under its lock (so a concurrent append is never lost);
        returns how many runs' files were removed. Idempotent."""
        import shutil

        removed = 0
        for workflow_id in sorted(workflow_ids):
            folder = self.root / _name(workflow_id)
            if folder.is_dir():
                removed += len(list(folder.glob("*.json.gz")))
                shutil.rmtree(folder)
        path = self.root / INDEX
        if path.is_file():
            with path.open("r+", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                lines = f.read().splitlines(keepends=True)
                kept = [
                    line
                    for line in lines
                    if not line.strip() or json.loads(line).get("workflow_id") not in workflow_ids
                ]
                if len(kept) != len(lines):
                    f.seek(0)
                    f.write("".join(kept))
                    f.truncate()
                    f.flush()
                    os.fsync(f.fileno())
        return removed

    def workflow_ids(self, case_ref: str | None = None) -> list[str]:
        ids = [e["workflow_id"] for e in self.index() if case_ref is None or e.get("case_ref") == case_ref]
        return list(dict.fromkeys(ids))

    def watermark(self) -> datetime | None:
        path = self.root / WATERMARK
        if not path.is_file():
            return None
        return datetime.fromisoformat(json.loads(path.read_text())["closed_before"])

    def set_watermark(self, value: datetime) -> None:
        current = self.watermark()
        if current is None or value > current:
            _atomic_write(self.root / WATERMARK, json.dumps({"closed_before": value.isoformat()}).encode())


class ArchiveTampered(Exception):
    """An archived file does not match the digest recorded when it was written."""


def closed_runs_query(since: datetime | None, overlap: timedelta) -> str:
    """Visibility query for closed runs to archive: closed after the watermark (less an overlap, since visibility
    is eventually consistent; archived runs are skipped), sendclock's own archiving runs left out."""
    query = f'ExecutionStatus != "Running" AND WorkflowType != "{ARCHIVE_WORKFLOW_TYPE}"'
    if since is not None:
        query += f' AND CloseTime > "{(since - overlap).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"'
    return query
