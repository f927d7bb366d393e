"""An evidence bundle an outsider can verify (issue 21): `sendclock key new --signing`, `sendclock audit bundle` and
`sendclock audit check-bundle`, which needs nothing but the zip: no database, no Temporal, no payload key."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus

from audit import bundle, check_bundle, history
from audit.archive import Archive
from audit.converter import PLAIN_ENCODINGS, payload_encodings
from audit.report import chromium
from security import signing
from starter.client.histories import fetch_run
from statutory.clock import local_date
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade
from store.recorder import event_hash
from tests.audit.conftest import apply_history, history_path
from tests.devserver.conftest import sendclock
from tests.security.keys import entry

REPO = Path(__file__).resolve().parents[2]
SENDCLOCK = str(Path(sys.executable).parent / "sendclock")
# What an outsider sees when every check passes: one sentence a check.
PASSED = [
    "Passed: The signature on manifest.json is valid for the bundle's public key",
    "Passed: Every file's SHA-256 and size match the manifest",
    "Passed: The hash chain segment holds: each of the",
    "has its row in chain.json, unchanged, and chain.json has no row the histories did not write",
    "Passed: timeline.json says what the histories say",
    "found the school's database in agreement with these histories",
    "reproduces every recorded decision",
    "Every check passed.",
]


def outsider_env(var_dir: Path) -> dict[str, str]:
    """An environment with no sendclock settings at all, and an empty var dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDCLOCK_")}
    var_dir.mkdir(parents=True, exist_ok=True)
    return env | {"SENDCLOCK_VAR_DIR": str(var_dir)}


def check_cli(zip_path: Path, cwd: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENDCLOCK, "audit", "check-bundle", str(zip_path), *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def one_byte_changed(data: bytes) -> bytes:
    """`data` with one letter or digit near its middle replaced by another (the file stays well-formed text)."""
    i = len(data) // 2
    while not chr(data[i]).isalnum():
        i += 1
    replacement = {"9": "8", "z": "y", "Z": "Y"}.get(chr(data[i]), chr(data[i] + 1))
    return data[:i] + replacement.encode() + data[i + 1 :]


def tampered_copy(source: Path, part: str, target: Path) -> Path:
    """A copy of the bundle with one byte of `part` changed, every other member as it was."""
    with zipfile.ZipFile(source) as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, one_byte_changed(data) if name == part else data)
    return target


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def failed_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("FAILED: ")]


# --- the signing key -------------------------------------------------------------------------------------------


def test_a_signature_verifies_only_with_its_key_and_only_over_the_exact_bytes():
    key, other = signing.new_signing_key("school"), signing.new_signing_key("someone-else")
    manifest = b'{"case_ref": "EHC-0001", "files": []}\n'
    signature = key.sign(manifest)
    assert signing.verify(key.public_raw, manifest, signature)
    assert not signing.verify(other.public_raw, manifest, signature)  # the wrong key fails
    assert not signing.verify(key.public_raw, manifest.replace(b"0001", b"0002"), signature)  # a changed manifest
    assert not signing.verify(key.public_raw, manifest + b" ", signature)  # even by one byte of white space
    assert not signing.verify(key.public_raw, manifest, signature[:-1])
    # The public key as people exchange it, and its fingerprint as they compare it.
    assert signing.parse_public_key(key.public_b64) == key.public_raw and len(key.public_raw) == 32
    digest = hashlib.sha256(key.public_raw).hexdigest()
    assert key.fingerprint == " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    with pytest.raises(signing.SigningKeyError, match="is not base64"):
        signing.parse_public_key("not a key!")
    with pytest.raises(signing.SigningKeyError, match="16 bytes; an Ed25519 public key is 32"):
        signing.parse_public_key(base64.b64encode(b"x" * 16).decode())


def test_the_key_file_is_private_never_overwritten_and_read_from_the_configured_place(tmp_path: Path, monkeypatch):
    from config.settings import Settings

    monkeypatch.delenv(signing.FILE_ENV, raising=False)
    settings = Settings(var_dir=tmp_path / "var")
    assert signing.load(settings) is None and signing.key_path(settings) == tmp_path / "var" / "signing-key"
    key = signing.new_signing_key("school-1")
    signing.write_new(signing.key_path(settings), key)
    assert stat.S_IMODE(signing.key_path(settings).stat().st_mode) == 0o600
    loaded = signing.load(settings)
    assert loaded.key_id == "school-1" and loaded.public_raw == key.public_raw
    with pytest.raises(FileExistsError):
        signing.write_new(signing.key_path(settings), signing.new_signing_key())
    assert signing.load(settings).public_raw == key.public_raw  # untouched
    # A file a secret store mounts, named by SENDCLOCK_SECURITY__SIGNING_KEY_FILE.
    mounted = tmp_path / "secrets" / "sendclock-signing"
    mounted.parent.mkdir()
    mounted.write_text(signing.new_signing_key("from-the-store").pem())
    monkeypatch.setenv(signing.FILE_ENV, str(mounted))
    assert signing.load(Settings(var_dir=tmp_path / "var")).key_id == "from-the-store"
    mounted.write_text("not a key")
    with pytest.raises(signing.SigningKeyError, match="is not an unencrypted PEM private key"):
        signing.load(Settings(var_dir=tmp_path / "var"))


def test_sendclock_key_new_signing_writes_it_once_and_key_list_shows_its_fingerprint(tmp_path: Path):
    env = outsider_env(tmp_path / "var")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SENDCLOCK, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)

    made = run("key", "new", "--signing", "--id", "school-2026")
    assert made.returncode == 0, made.stderr
    path = tmp_path / "var" / "signing-key"
    key = signing.load_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"written to {path}" in made.stdout and f"Public key fingerprint: {key.fingerprint}" in made.stdout
    assert "Back the file up" in made.stderr
    again = run("key", "new", "--signing")
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert signing.load_file(path).public_raw == key.public_raw
    listed = run("key", "list")
    assert listed.returncode == 0
    assert (
        listed.stdout.splitlines()[-1] == f"Signing key school-2026 (Ed25519), fingerprint {key.fingerprint}, in {path}"
    )
    # For a secret store: printed, nothing written.
    env["SENDCLOCK_VAR_DIR"] = str(tmp_path / "elsewhere")
    printed = run("key", "new", "--signing", "--print")
    assert printed.returncode == 0 and not (tmp_path / "elsewhere").exists()
    shown = signing.parse_pem(printed.stdout)
    assert f"fingerprint {shown.fingerprint}" in printed.stderr and "Nothing was written" in printed.stderr
    assert run("key", "new", "--signing", "--id", "has space").returncode == 2


# --- a bundle made from the archive (no Temporal), checked in-process ------------------------------------------


@pytest.fixture
def archived_case(settings):
    """Case EHC-H001's history in the archive and its rows in the database; Temporal out of reach."""
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    runs = history.load(history_path("ehc_advice_late"))
    apply_history(make_sessionmaker(engine), runs)
    Archive.for_settings(settings).store(runs[0], case_ref="EHC-H001")
    yield settings, make_sessionmaker(engine)
    engine.dispose()


def rewrite(files: dict[str, bytes], key: signing.SigningKey, target: Path) -> Path:
    """What a forger without the school's key can do: change the parts, write a fresh manifest and sign it with his
    own key."""
    manifest = json.loads(files[bundle.MANIFEST])
    parts = {n: d for n, d in files.items() if n not in (bundle.MANIFEST, bundle.SIGNATURE)}
    parts[bundle.PUBLIC_KEY] = (key.public_b64 + "\n").encode()
    manifest["files"] = [{"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in parts.items()]
    manifest["signing_key"] = {
        "algorithm": "Ed25519",
        "id": key.key_id,
        "fingerprint": key.fingerprint,
        "public_key": key.public_b64,
    }
    signed = bundle.dump(manifest)
    parts |= {bundle.MANIFEST: signed, bundle.SIGNATURE: base64.b64encode(key.sign(signed)) + b"\n"}
    with zipfile.ZipFile(target, "w") as zipped:
        for name, data in parts.items():
            zipped.writestr(name, data)
    return target


async def test_a_forger_who_edits_the_chain_and_signs_with_his_own_key_is_caught(
    archived_case, tmp_path: Path, monkeypatch
):
    settings, sessions = archived_case
    monkeypatch.setattr("audit.report.chromium", lambda: None)  # no Chromium here: the manifest says so
    school = signing.new_signing_key("school")
    made = await bundle.build(settings, "EHC-H001", school, sessions)
    bundle.write(made, tmp_path / "EHC-H001.zip")
    result = await check_bundle.check_async(tmp_path / "EHC-H001.zip", school.public_raw)
    assert result.exit_code == 0, result.lines()
    assert any("signed with the key you gave" in c.text for c in result.checks)
    assert (
        "report.pdf is not in this bundle (Chromium, which prints it, is not installed where the bundle was made; "
        "report.html prints from any browser)." in result.lines()
    )
    assert "report.pdf" not in members(tmp_path / "EHC-H001.zip")

    # An outcome edited in chain.json, the chain recomputed from there on, the manifest re-signed by another key.
    files = members(tmp_path / "EHC-H001.zip")
    chain = json.loads(files[bundle.CHAIN])
    prev = chain["rows"][0]["prev_hash"]
    for row in chain["rows"]:
        if row["kind"] == "completed":
            row["data"]["days_late"] = 0
        row["prev_hash"] = row["before"]["hash"] = prev
        row["hash"] = prev = event_hash(
            prev,
            key=row["key"],
            process_id=row["process_id"],
            kind=row["kind"],
            occurred_at=datetime.fromisoformat(row["occurred_at"]),
            rule_id=row["rule_id"],
            actor=row["actor"],
            data=row["data"],
        )
    chain["head"]["hash"] = prev
    files[bundle.CHAIN] = bundle.dump(chain)
    forger = signing.new_signing_key("forger")
    forged = rewrite(files, forger, tmp_path / "forged.zip")

    unchecked_key = await check_bundle.check_async(forged)
    failed = [c.text for c in unchecked_key.failed]
    assert unchecked_key.exit_code == 3
    # Its own signature holds, and so does its own chain: the histories give it away.
    assert not any(t.startswith("manifest") for t in failed)
    assert any(
        t.startswith("chain.json: event row") and "differs from histories/" in t and "in data" in t for t in failed
    ), failed
    assert f"compare the fingerprint {forger.fingerprint} with the one the school publishes" in "\n".join(
        unchecked_key.lines()
    )
    with_school_key = await check_bundle.check_async(forged, school.public_raw)
    assert (
        f"public-key.txt: the bundle was signed with the key of fingerprint {forger.fingerprint}, not the key you "
        f"gave with --public-key (fingerprint {school.fingerprint})." in [c.text for c in with_school_key.failed]
    )

    # A check that cannot run (here: the workflow code cannot replay) is said, and exits 1, not 3.
    async def cannot_replay(*args, **kwargs):
        raise RuntimeError("the workflow code could not be imported")

    monkeypatch.setattr("audit.replay.verdict", cannot_replay)
    unreplayed = await check_bundle.check_async(tmp_path / "EHC-H001.zip")
    assert unreplayed.exit_code == 1 and not unreplayed.failed
    assert "Not checked: replay, since the workflow code could not be run" in "\n".join(unreplayed.lines())


async def test_a_history_whose_recorded_input_was_rewritten_is_caught_by_replay_in_words(
    archived_case, tmp_path: Path, monkeypatch, caplog
):
    settings, sessions = archived_case
    monkeypatch.setattr("audit.report.chromium", lambda: None)
    bundle.write(await bundle.build(settings, "EHC-H001", signing.new_signing_key(), sessions), tmp_path / "b.zip")
    files = members(tmp_path / "b.zip")
    [name] = [n for n in files if n.startswith("histories/")]
    events = json.loads(files[name])["events"]
    started = events[0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
    started["data"] = base64.b64encode(b'{"case_ref": "EHC-9999"}').decode()  # the request, rewritten
    files[name] = bundle.dump({"events": events})
    result = await check_bundle.check_async(rewrite(files, signing.new_signing_key("forger"), tmp_path / "f.zip"))
    failed = [c.text for c in result.failed]
    assert result.exit_code == 3
    assert any(
        t.startswith(f"{name}: the current workflow code (sendclock ")
        and "does not reproduce the recorded decisions: it diverges at history event" in t
        for t in failed
    ), failed
    # The SDK's own traceback of the failing workflow task is not shown: the sentence says it.
    assert not [r for r in caplog.records if r.name.startswith("temporalio")]


def test_check_bundle_says_plainly_what_it_cannot_open_and_exits_2(tmp_path: Path):
    env = outsider_env(tmp_path / "var")
    missing = check_cli(tmp_path / "nothing.zip", tmp_path, env)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "notes.zip").write_text("not a zip")
    not_zip = check_cli(tmp_path / "notes.zip", tmp_path, env)
    assert not_zip.returncode == 2 and "is not a zip file" in not_zip.stderr and "Traceback" not in not_zip.stderr
    bad_key = check_cli(tmp_path / "notes.zip", tmp_path, env, "--public-key", "abc")
    assert bad_key.returncode == 2 and "--public-key" in bad_key.stderr


# --- on the real dev server, encrypted, checked by an outsider ------------------------------------------------


@pytest.mark.devserver
async def test_a_case_bundled_on_the_dev_server_passes_every_check_and_any_changed_byte_is_named(
    devserver, stack_env, worker_process, tmp_path: Path
):
    payload_key = entry("k2026")
    stack_env["SENDCLOCK_SECURITY__PAYLOAD_KEYS"] = json.dumps([payload_key])  # the worker encrypts histories
    made_key = sendclock(stack_env, "key", "new", "--signing", "--id", "school")
    assert made_key.returncode == 0, made_key.stderr
    key = signing.load_file(tmp_path / "signing-key")

    today = local_date(datetime.now(UTC))
    assert sendclock(stack_env, "db", "upgrade").returncode == 0
    worker_process.start()
    started = sendclock(
        stack_env,
        "advice",
        "start",
        "--case",
        "EHC-0301",
        "--la",
        "Kent",
        "--received",
        (today - timedelta(days=10)).isoformat(),
        "--owner",
        "head",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    workflow_id = json.loads(started.stdout)["workflow_id"]
    done = sendclock(stack_env, "advice", "sent", "--case", "EHC-0301", "--date", today.isoformat(), "--by", "senco")
    assert done.returncode == 0, done.stderr
    handle = devserver.client.get_workflow_handle(workflow_id)
    for _ in range(300):
        if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the process did not complete")
    run = await fetch_run(devserver.client, workflow_id)
    assert "binary/encrypted" in payload_encodings(run.events)  # Temporal holds it encrypted

    target = tmp_path / "EHC-0301.zip"
    made = sendclock(stack_env, "audit", "bundle", "--case", "EHC-0301", "--out", str(target), timeout=180)
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"signed with the key of fingerprint {key.fingerprint}" in made.stdout
    again = sendclock(stack_env, "audit", "bundle", "--case", "EHC-0301", "--out", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr

    files = members(target)
    history_file = bundle.history_name(workflow_id, run.run_id)
    expected = {
        history_file,
        "timeline.json",
        "report.html",
        "chain.json",
        "verification.json",
        "public-key.txt",
        "manifest.json",
        "manifest.sig",
    } | ({"report.pdf"} if chromium() else set())
    assert set(files) == expected
    manifest = json.loads(files["manifest.json"])
    assert manifest["case_ref"] == "EHC-0301" and manifest["signing_key"]["fingerprint"] == key.fingerprint
    assert manifest["report_pdf"] == "included" if chromium() else manifest["report_pdf"].startswith("not included")
    assert {f["path"] for f in manifest["files"]} == expected - {"manifest.json", "manifest.sig"}
    # Decoded: no key is needed to read the histories; and no key material but the public key is in the bundle.
    events = json.loads(files[history_file])["events"]
    assert payload_encodings(events) <= PLAIN_ENCODINGS and "EHC-0301" in json.dumps(events)
    pem_body = [line for line in key.pem().splitlines() if not line.startswith(("#", "-"))]
    secret_parts = [payload_key.split(":")[1], *pem_body]
    assert not any(secret.encode() in data for secret in secret_parts for data in files.values())
    assert files["public-key.txt"].decode().strip() == key.public_b64

    # The outsider: a fresh directory, no sendclock settings, an empty var dir, no Temporal, no key.
    outsider = tmp_path / "outsider"
    env = outsider_env(outsider / "var")
    copy = outsider / "EHC-0301.zip"
    copy.write_bytes(target.read_bytes())
    checked = check_cli(copy, outsider, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for sentence in PASSED:
        assert sentence in checked.stdout, checked.stdout
    assert f"compare the fingerprint {key.fingerprint} with the one the school publishes" in checked.stdout
    assert "Traceback" not in checked.stderr and list((outsider / "var").iterdir()) == []
    assert sorted(p.name for p in outsider.iterdir()) == ["EHC-0301.zip", "var"]  # nothing written beside it

    # Any single changed byte is named; a bundle signed with another key than the school's too.
    parts = [history_file, "timeline.json", "chain.json", "report.html", "manifest.json", "manifest.sig"]
    copies = [tampered_copy(copy, part, outsider / f"changed-{i}.zip") for i, part in enumerate(parts)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda path: check_cli(path, outsider, env), copies))
        given = pool.submit(check_cli, copy, outsider, env, "--public-key", key.public_b64)
        other = pool.submit(check_cli, copy, outsider, env, "--public-key", signing.new_signing_key().public_b64)
    for part, result in zip(parts, results, strict=False):
        assert result.returncode == 3, (part, result.stdout, result.stderr)
        assert any(part in line for line in failed_lines(result)), (part, result.stdout)
        assert "Traceback" not in result.stderr and "problem(s) found" in result.stdout
    assert given.result().returncode == 0 and "signed with the key you gave" in given.result().stdout
    assert other.result().returncode == 3
    assert any(
        line.startswith(
            "FAILED: public-key.txt: the bundle was signed with the key of fingerprint "
            f"{key.fingerprint}, not the key you gave"
        )
        for line in failed_lines(other.result())
    )
