"""Security helpers of the web side: signed session and device cookies, CSRF tokens, sign-in throttling. No framework
code here, so each piece is testable alone. Password hashes and secret tokens are store/credentials.py's (the CLI
makes them too)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer


@dataclass
class SessionCodec:
    """Session cookie contents, signed and timestamped: {"sid": random} (plus a one-off "notice" after a session
    ended). Whether the sid is signed in is the server's record (store.accounts.WebSession), found by its digest."""

    secret: str
    max_age_seconds: int

    def __post_init__(self) -> None:
        self._serializer = URLSafeTimedSerializer(self.secret, salt="sendclock-session")

    def dumps(self, data: dict) -> str:
        return self._serializer.dumps(data)

    def loads(self, value: str | None) -> dict | None:
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("sid"), str) else None

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self.secret.encode(), f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        if not token or not token.isascii():  # the token is hex; compare_digest raises on a non-ASCII str
            return False
        return hmac.compare_digest(self.csrf_token(sid), token)


@dataclass
class DeviceCookie:
    """OWASP's device cookie: after a successful sign-in the browser gets a long-lived, signed proof that this
    account signed in from it. Its value: up to MAX_ACCOUNTS entries [account id, random nonce, issued at (epoch
    seconds)], newest first (a staff-room machine is shared). An attempt that shows a valid entry for the account it
    names is throttled per (account, device) only, so a guesser elsewhere cannot lock the owner out of their own
    machine."""

    MAX_ACCOUNTS = 8

    secret: str
    max_age_seconds: int

    def __post_init__(self) -> None:
        self._serializer = URLSafeSerializer(self.secret, salt="sendclock-device")

    def loads(self, value: str | None, now: float) -> dict[int, tuple[str, float]]:
        """{account id: (nonce, issued at)} of the entries still valid at `now` (nothing for a forged cookie)."""
        if not value:
            return {}
        try:
            data = self._serializer.loads(value)
        except BadSignature:
            return {}
        found: dict[int, tuple[str, float]] = {}
        for entry in data if isinstance(data, list) else []:
            if (
                isinstance(entry, list)
                and len(entry) == 3
                and isinstance(entry[0], int)
                and isinstance(entry[1], str)
                and isinstance(entry[2], (int, float))
                and 0 <= now - entry[2] < self.max_age_seconds
                and entry[0] not in found
            ):
                found[entry[0]] = (entry[1], float(entry[2]))
        return found

    def dumps(self, entries: dict[int, tuple[str, float]]) -> str:
        newest = sorted(entries.items(), key=lambda item: item[1][1], reverse=True)[: self.MAX_ACCOUNTS]
        return self._serializer.dumps([[aid, nonce, issued] for aid, (nonce, issued) in newest])


class SignInThrottle:
    """Growing delays after failed sign-ins, per key: a key is an account, an (account, address) or an (account,
    device), each with the number of failures it allows for free (dashboard.auth chooses them; never an address
    alone, as a school behind one NAT address shares it).

    Once a key has had its free failures, the next attempt must wait `first_delay` seconds after the latest failure,
    and each further failure doubles the wait, up to `max_delay`. A key's failures are forgotten after a success on
    it, or `forget_after` seconds after its latest failure once no wait is running. An attempt is counted as failed
    when it is let through (`attempt`) and forgiven on success (`succeeded`), so parallel guesses cannot slip past
    while a password is being checked.

    The counts live in this web process's memory (a restart forgets them; several processes count apart); `clock`
    (seconds) is injectable, so tests move time instead of sleeping."""

    def __init__(
        self,
        first_delay: float,
        max_delay: float,
        forget_after: float,
        clock: Callable[[], float] = time.time,
        max_keys: int = 50_000,
    ) -> None:
        self.first_delay, self.max_delay, self.forget_after = first_delay, max_delay, forget_after
        self.clock, self.max_keys = clock, max_keys
        self._failures: dict[str, tuple[int, float, int]] = {}  # key: (failures, time of the latest, free)
        self._lock = threading.Lock()

    def delay(self, failures: int, free: int) -> float:
        """The wait after the latest of `failures` failures on a key that allows `free`."""
        if failures < free:
            return 0.0
        return float(min(self.max_delay, self.first_delay * 2 ** min(failures - free, 40)))

    def _wait(self, key: str, now: float) -> float:
        entry = self._failures.get(key)
        if entry is None:
            return 0.0
        failures, latest, free = entry
        until = latest + self.delay(failures, free)
        if now >= until and now - latest >= self.forget_after:
            del self._failures[key]
            return 0.0
        return max(0.0, until - now)

    def wait(self, keys: Mapping[str, int]) -> float:
        """Seconds before an attempt on these keys may be made (0: now)."""
        with self._lock:
            now = self.clock()
            return max((self._wait(k, now) for k in keys), default=0.0)

    def attempt(self, keys: Mapping[str, int]) -> float:
        """0, and the attempt counted as a failure on every key (until `succeeded`); or the seconds still to wait,
        and nothing counted. `keys`: each key with the failures it allows for free."""
        with self._lock:
            now = self.clock()
            wait = max((self._wait(k, now) for k in keys), default=0.0)
            if wait > 0:
                return wait
            for key, free in keys.items():
                failures = self._failures.get(key, (0, now, free))[0]
                self._failures[key] = (failures + 1, now, free)
            if len(self._failures) > self.max_keys:
                self._prune(now)
            return 0.0

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _prune(self, now: float) -> None:
        """Forget what may be forgotten; still too many keys, the oldest go (a flood of made-up names)."""
        for key in list(self._failures):
            self._wait(key, now)
        if len(self._failures) > self.max_keys:
            oldest = sorted(self._failures, key=lambda k: self._failures[k][1])
            for key in oldest[: len(self._failures) - self.max_keys]:
                del self._failures[key]


RateLimiter = SignInThrottle  # the name dashboard.context's Web.limiter is annotated with
