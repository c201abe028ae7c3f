"""Fetching a publisher's snapshots over HTTP(S): its list of published snapshots and each snapshot's layers, as the
preset's `api` section says (controlmap.areas.preset.Api).

Every answer is treated as hostile: only http and https (redirects too), a timeout on every request, a bound on
every body (read no further than the limit), JSON checked before use. Politeness: a User-Agent that names the project,
at most one request per `min_interval_s`, a few retries with backoff on connection faults, timeouts, 429 and 5xx (a
Retry-After of at most a minute is honoured). A fault the retries do not mend raises FetchError, whose code names it.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.client import HTTPException

from controlmap import limits

USER_AGENT = "controlmap/0.1 (update of a territorial-control dashboard; python -m controlmap update)"
MAX_LIST_BYTES = 20 * 1024 * 1024
MAX_RETRY_AFTER_S = 60.0
# The earliest and latest plausible snapshot times: the full-scale invasion, and a day after the machine's clock.
EARLIEST = datetime(2022, 2, 24, tzinfo=UTC)


class FetchError(Exception):
    """A fetch that failed for good: `code` names the fault (network, dns, timeout, http_status, truncated,
    not_json, bad_list, too_large, bad_url)."""

    def __init__(self, code: str, url: str, message: str, suggestion: str = "") -> None:
        super().__init__(f"{url}: {message}" + (f" ({suggestion})" if suggestion else ""))
        self.code, self.url, self.message, self.suggestion = code, url, message, suggestion


@dataclass(frozen=True)
class Listed:
    """One published snapshot as the list names it: its id (the UTC unix time of publication) and time."""

    id: int
    time: datetime


def check_url(url: str) -> str:
    """`url` when it is an http(s) address with a host; FetchError otherwise (no file:, ftp:, data: …)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_url", url, "only http:// and https:// addresses with a host can be fetched")
    return url


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri") or ""
        check_url(urllib.parse.urljoin(req.full_url, target))
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


@dataclass
class Fetcher:
    """Polite, bounded HTTP GETs. `sleep` and `clock` are injectable so that tests need not wait."""

    timeout_s: float = 30.0
    retries: int = 3
    min_interval_s: float = 1.0
    backoff_s: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    _last: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Only http(s) handlers: no file:, ftp: or data: handler can be reached, whatever a redirect says.
        self._opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _HttpOnlyRedirects(),
                        urllib.request.HTTPErrorProcessor(), urllib.request.HTTPDefaultErrorHandler()):
            self._opener.add_handler(handler)

    def get(self, url: str, max_bytes: int) -> bytes:
        """The body at `url`, at most `max_bytes`; retried on faults that may pass."""
        check_url(url)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._get_once(url, max_bytes)
            except _Retryable as fault:
                if attempt > self.retries:
                    raise fault.error from None
                self.sleep(max(fault.wait_s, self.backoff_s * 2 ** (attempt - 1)))

    def get_json(self, url: str, max_bytes: int) -> object:
        body = self.get(url, max_bytes)
        try:
            return json.loads(body)
        except ValueError as error:
            text = body.strip()
            at = error.pos if isinstance(error, json.JSONDecodeError) else 0
            truncated = text[:1] in (b"{", b"[") and at >= len(text.decode("utf-8", "replace")) - 1
            raise FetchError("truncated" if truncated else "not_json", url,
                             ("the answer ends before its JSON does" if truncated else "the answer is not JSON")
                             + f" ({len(body):,} bytes; {error})", "try again later; if it persists, the publisher "
                             "may have changed its API") from None

    def _wait_turn(self) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.min_interval_s:
            self.sleep(self.min_interval_s - (now - self._last))
        self._last = self.clock()

    def _get_once(self, url: str, max_bytes: int) -> bytes:
        self._wait_turn()
        self.requests += 1
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError("too_large", url, f"the answer is {limits.megabytes(int(declared))}, more "
                                                       f"than the {limits.megabytes(max_bytes)} allowed")
                body = response.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise FetchError("too_large", url, f"the answer is larger than {limits.megabytes(max_bytes)}")
                if declared and declared.isdigit() and len(body) < int(declared):
                    raise _Retryable(FetchError("truncated", url, f"the answer ended after {len(body):,} of "
                                                                  f"{int(declared):,} bytes"))
                return body
        except urllib.error.HTTPError as error:
            retry = error.code == 429 or error.code >= 500
            failure = FetchError("http_status", url, f"the server answered HTTP {error.code} {error.reason}",
                                 "try again later" if retry else "check the address (the publisher may have changed "
                                                                 "its API)")
            if retry:
                raise _Retryable(failure, _retry_after(error.headers)) from None
            raise failure from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, socket.gaierror):
                raise _Retryable(FetchError("dns", url, f"the host name cannot be resolved ({reason.strerror})",
                                            "check the network connection and the address")) from None
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Retryable(_timeout(url, self.timeout_s)) from None
            if isinstance(reason, FetchError):
                raise reason from None
            raise _Retryable(FetchError("network", url, f"no connection ({reason})",
                                        "check the network connection")) from None
        except TimeoutError:
            raise _Retryable(_timeout(url, self.timeout_s)) from None
        except (HTTPException, ConnectionError, OSError) as error:
            raise _Retryable(FetchError("network", url, f"the connection failed ({error!r})",
                                        "check the network connection")) from None


def _timeout(url: str, seconds: float) -> FetchError:
    return FetchError("timeout", url, f"no answer within {seconds:g} s", "try again later")


def _retry_after(headers: Message | None) -> float:
    value = (headers or Message()).get("Retry-After", "")
    return min(float(value), MAX_RETRY_AFTER_S) if value.strip().isdigit() else 0.0


class _Retryable(Exception):
    def __init__(self, error: FetchError, wait_s: float = 0.0) -> None:
        super().__init__(str(error))
        self.error, self.wait_s = error, wait_s


def parse_list(document: object, url: str, now: datetime) -> list[Listed]:
    """The published snapshots of a list answer (a JSON array of records, each with an integer `id`, the UTC unix
    time of publication), oldest first. FetchError("bad_list") when it is not such a list."""
    if not isinstance(document, list):
        raise FetchError("bad_list", url, f"the list is a JSON {type(document).__name__}, not an array of records",
                         "the publisher may have changed its API; see controlmap/areas/presets/README.md")
    out = []
    latest = now.timestamp() + 86_400
    for position, record in enumerate(document):
        identifier = record.get("id") if isinstance(record, dict) else None
        if not isinstance(identifier, int) or isinstance(identifier, bool) or not (
                EARLIEST.timestamp() <= identifier <= latest):
            raise FetchError("bad_list", url, f"record {position + 1} has no id that is a plausible UTC unix time "
                                              f"(got {str(identifier)[:40]!r})",
                             "the publisher may have changed its API; see controlmap/areas/presets/README.md")
        out.append(Listed(identifier, datetime.fromtimestamp(identifier, UTC)))
    return sorted(set(out), key=lambda item: item.id)
