"""Abuse limits per client: requests per minute and streams at once on the public endpoints, and a lockout
after repeated wrong passwords.

    limits = ClientLimits(per_minute=20, streams=2)
    with limits.admit("203.0.113.7") as refusal:
        if refusal:                       # "You are sending messages faster than we can answer ..."
            return refusal
        ...                               # answer; the stream slot is held until the block ends

    logins = LoginThrottle(attempts=5, lockout_s=900)
    logins.check("203.0.113.7")           # raises LockedOut (one sentence) while locked
    logins.record("203.0.113.7", ok=False)

Contract: a client is whatever key the caller derives from the request (the address, or the address a
trusted proxy forwarded: `client_key`). A refused request costs nothing: it is not counted against the
minute, reaches no model and is not stored. Times come from `clock` (monotonic seconds), so tests need no
sleeping. Thread-safe: Gradio runs handlers on worker threads.
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence

from service.errors import AssistantError
from service.prompts import in_language

LOCAL = "local"  # the key of calls from this process (CLI, tests): never limited

RATE_LIMITED = {
    "en": "You are sending messages faster than we can answer. Please wait a minute and try again.",
    "zh": "您发送消息的速度过快，请稍等一分钟后再试。",
}
TOO_MANY_STREAMS = {
    "en": "Please wait for the answer you are already getting before asking the next question.",
    "zh": "请等当前的回答完成后再提问。",
}


class LockedOut(AssistantError):
    """Too many wrong passwords from one client."""


class ClientLimits:
    def __init__(self, per_minute: int, streams: int, *, clock: Callable[[], float] = time.monotonic):
        self.per_minute, self.streams, self.clock = per_minute, streams, clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._open: dict[str, int] = defaultdict(int)

    @contextlib.contextmanager
    def admit(self, client: str, language: str = "en") -> Iterator[str | None]:
        """Yields None and holds a stream slot while the block runs, or yields the sentence that refuses."""
        refusal = self._take(client, language)
        try:
            yield refusal
        finally:
            if refusal is None and client != LOCAL:
                with self._lock:
                    self._open[client] -= 1
                    if not self._open[client]:
                        del self._open[client]

    def _take(self, client: str, language: str) -> str | None:
        if client == LOCAL:
            return None
        now = self.clock()
        with self._lock:
            recent = self._recent[client]
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if self._open[client] >= self.streams:
                return in_language(TOO_MANY_STREAMS, language)
            if len(recent) >= self.per_minute:
                return in_language(RATE_LIMITED, language)
            recent.append(now)
            self._open[client] += 1
            if len(self._recent) > 10_000:  # forget idle clients, so memory stays bounded
                for key in [k for k, v in self._recent.items() if not v or v[-1] <= now - 60]:
                    del self._recent[key]
        return None


class LoginThrottle:
    """After `attempts` wrong passwords from a client within `lockout_s`, that client may not try again
    until `lockout_s` after the last wrong one."""

    def __init__(self, attempts: int = 5, lockout_s: float = 900, *, clock: Callable[[], float] = time.monotonic):
        self.attempts, self.lockout_s, self.clock = attempts, lockout_s, clock
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def check(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if t > now - self.lockout_s]
            self._failures[client] = recent
            if len(recent) >= self.attempts:
                minutes = max(1, round((recent[-1] + self.lockout_s - now) / 60))
                raise LockedOut(f"Too many wrong passwords; try again in {minutes} minute{'s' if minutes > 1 else ''}.")

    def record(self, client: str, *, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(client, None)
            else:
                self._failures.setdefault(client, []).append(self.clock())


def client_key(address: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]) -> str:
    """The client a request counts against: its address, or, when it comes from a trusted proxy, the
    nearest address in X-Forwarded-For that is not one of the proxies (the rest of the header is the
    client's to forge)."""
    address = address or "unknown"
    if not forwarded_for or not _in(address, trusted_proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, trusted_proxies):
            return hop
    return address


def _in(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


class RequestLimits:
    """Everything the handlers enforce per request: client limits, the login throttle, and the caps on what
    an API caller may ask for (`max_tokens`, `k`)."""

    def __init__(self, clients: ClientLimits | None = None, logins: LoginThrottle | None = None, *,
                 max_tokens: int = 1024, max_k: int = 10, trusted_proxies: Sequence[str] = ()):
        self.clients, self.logins = clients, logins or LoginThrottle()
        self.max_tokens, self.max_k, self.trusted_proxies = max_tokens, max_k, list(trusted_proxies)

    @classmethod
    def from_settings(cls, settings) -> RequestLimits:
        """From `AppSettings`."""
        return cls(
            ClientLimits(settings.rate_limit_per_minute, settings.streams_per_client),
            LoginThrottle(settings.login_attempts, settings.login_lockout_s),
            max_tokens=settings.max_tokens_limit, max_k=settings.top_k_limit, trusted_proxies=settings.trusted_proxies,
        )

    def admit(self, client: str, language: str = "en"):
        if self.clients is None:
            return contextlib.nullcontext(None)
        return self.clients.admit(client, language)
