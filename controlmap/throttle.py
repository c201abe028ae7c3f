"""Throttling of wrong editor secrets, per client: guessing the secret gets slower with every wrong try.

After ``free_failures`` wrong tries in a row a client must wait
``base_delay_s * 2**(n - free_failures)`` seconds (n: its wrong tries in a row; at most ``max_delay_s``) before
its next try is even checked.
A right secret clears the client's record; a record older than ``forget_after_s`` is forgotten. Thread-safe:
one throttle serves every session of a server process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOG = logging.getLogger("controlmap.editor")


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0


class SecretThrottle:
    def __init__(self, *, free_failures: int = 3, base_delay_s: float = 2.0, max_delay_s: float = 300.0,
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
