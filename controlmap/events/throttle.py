"""Throttling of wrong editor secrets, per client: guessing the secret gets slower with every wrong try.

After ``free_failures`` wrong tries in a row (two) a client must wait
``base_delay_s * 2**(n - free_failures)`` seconds (n: its wrong tries in a row; at most ``max_delay_s``) before
its next try is even checked.
A right secret clears the client's record; a record older than ``forget_after_s`` is forgotten. Thread-safe:
one throttle serves every session of a server process.

Who the client is (`client_key`) must not be shared by accident, or one visitor's wrong tries would lock out the
editor: it is the address the connection comes from, or, when that address is a trusted reverse proxy, the
address the proxy forwards for (the web server, uvicorn, reads ``X-Forwarded-For`` only from the addresses in
``FORWARDED_ALLOW_IPS``: by default this machine). A client on this machine (loopback, where Streamlit gives no
address) is keyed by its browser session: every such client would otherwise share one record.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOG = logging.getLogger("controlmap.editor")
FREE_FAILURES = 2


def client_key(address: str | None, session_id: str) -> str:
    """The throttle's key for one browser session: ``address:<ip>`` for a client with an address, ``session:<id>``
    for one on this machine (Streamlit gives no address for a loopback connection, and every such client would
    otherwise share one record). ``address`` is the connection's peer, or, where the peer is a trusted reverse
    proxy (the server's ``FORWARDED_ALLOW_IPS``, by default this machine), the client it forwards for."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return f"session:{session_id}"
    mapped = getattr(parsed, "ipv4_mapped", None) or parsed
    return f"session:{session_id}" if mapped.is_loopback else f"address:{mapped}"


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0


class SecretThrottle:
    def __init__(self, *, free_failures: int = FREE_FAILURES, base_delay_s: float = 2.0, max_delay_s: float = 300.0,
                 forget_after_s: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.forget_after_s = forget_after_s
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def _delay(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay_s, self.base_delay_s * 2 ** (failures - self.free_failures))

    def wait_s(self, client: str) -> float:
        """Seconds ``client`` must still wait before a try is checked (0: it may try now)."""
        with self._lock:
            record = self._records.get(client)
            if record is None:
                return 0.0
            now = self._clock()
            if now - record.last_failure > self.forget_after_s:
                del self._records[client]
                return 0.0
            return max(0.0, record.last_failure + self._delay(record.failures) - now)

    def failed(self, client: str) -> int:
        """Record a wrong try; returns the client's wrong tries in a row."""
        with self._lock:
            record = self._records.setdefault(client, _Record())
            record.failures += 1
            record.last_failure = self._clock()
            return record.failures

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)


@dataclass(frozen=True)
class SecretCheck:
    ok: bool
    wait_s: float = 0.0  # > 0: the try was not checked, the client must wait this long


def check_secret_throttled(given: str | None, expected: str | None, client: str, throttle: SecretThrottle,
                           check: Callable[[str | None, str | None], bool], log: logging.Logger = LOG) -> SecretCheck:
    """``check(given, expected)``, unless ``client`` must wait; wrong tries are counted and logged (never the
    secret itself)."""
    wait = throttle.wait_s(client)
    if wait > 0:
        log.warning("editor secret try from client %s refused: %.0f s of its wait left", client, wait)
        return SecretCheck(False, wait)
    if check(given, expected):
        throttle.succeeded(client)
        return SecretCheck(True)
    failures = throttle.failed(client)
    log.warning("wrong editor secret from client %s (%d wrong tries in a row)", client, failures)
    return SecretCheck(False)
