"""Wrong editor secrets are throttled per client (controlmap.events.throttle), on a hand-driven clock."""

import logging

import pytest

from controlmap.events.editor import check_secret
from controlmap.events.throttle import SecretCheck, SecretThrottle, check_secret_throttled, client_key


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle_on(clock: Clock) -> SecretThrottle:
    return SecretThrottle(free_failures=3, base_delay_s=2.0, max_delay_s=60.0, forget_after_s=3600.0, clock=clock)


def test_the_first_wrong_tries_cost_nothing_then_the_wait_doubles():
    clock = Clock()
    throttle = throttle_on(clock)
    waits = []
    for _ in range(6):
        throttle.failed("10.0.0.1")
        waits.append(throttle.wait_s("10.0.0.1"))
    assert [0.0, 0.0, 2.0, 4.0, 8.0, 16.0] == waits
    for _ in range(4):
        throttle.failed("10.0.0.1")
    assert 60.0 == throttle.wait_s("10.0.0.1"), "capped"
    assert 0.0 == throttle.wait_s("10.0.0.2"), "per client"


def test_waiting_out_or_a_right_secret_or_an_hour_clears_the_way():
    clock = Clock()
    throttle = throttle_on(clock)
    for _ in range(4):
        throttle.failed("a")
    clock.now += 3.0
    assert 1.0 == throttle.wait_s("a")
    clock.now += 1.0
    assert 0.0 == throttle.wait_s("a")
    throttle.succeeded("a")
    throttle.failed("a")
    assert 0.0 == throttle.wait_s("a"), "a right secret started the count again"
    for _ in range(5):
        throttle.failed("b")
    clock.now += 3601.0
    assert 0.0 == throttle.wait_s("b")


def test_a_throttled_try_is_not_checked_and_nothing_logs_the_secret(caplog):
    clock = Clock()
    throttle = throttle_on(clock)
    checked = []

    def check(given, expected):
        checked.append(given)
        return check_secret(given, expected)

    with caplog.at_level(logging.WARNING, logger="controlmap.editor"):
        results = [check_secret_throttled(f"guess-{i}", "s3cret", "10.0.0.9", throttle, check) for i in range(4)]
        right_but_throttled = check_secret_throttled("s3cret", "s3cret", "10.0.0.9", throttle, check)
    assert [SecretCheck(False)] * 3 + [SecretCheck(False, 2.0)] == results
    assert SecretCheck(False, 2.0) == right_but_throttled
    assert ["guess-0", "guess-1", "guess-2"] == checked
    assert ["wrong editor secret from client 10.0.0.9 (1 wrong tries in a row)",
            "wrong editor secret from client 10.0.0.9 (2 wrong tries in a row)",
            "wrong editor secret from client 10.0.0.9 (3 wrong tries in a row)",
            "editor secret try from client 10.0.0.9 refused: 2 s of its wait left",
            "editor secret try from client 10.0.0.9 refused: 2 s of its wait left"] == caplog.messages
    assert not any("s3cret" in m or "guess" in m for m in caplog.messages)
    clock.now += 2.0
    assert SecretCheck(True) == check_secret_throttled("s3cret", "s3cret", "10.0.0.9", throttle, check)


def test_the_default_gives_two_free_tries_as_the_readme_says():
    clock = Clock()
    throttle = SecretThrottle(clock=clock)
    throttle.failed("a")
    assert 0.0 == throttle.wait_s("a")
    throttle.failed("a")
    assert 2.0 == throttle.wait_s("a")


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.7", "address:203.0.113.7"),
    ("2001:db8::1", "address:2001:db8::1"),
    ("::ffff:203.0.113.7", "address:203.0.113.7"),
    (None, "session:abc"),  # Streamlit gives no address for a loopback connection
    ("127.0.0.1", "session:abc"),
    ("::1", "session:abc"),
    ("", "session:abc"),
    ("not an address", "session:abc"),
])
def test_clients_on_this_machine_are_told_apart_by_session(address, key):
    assert key == client_key(address, "abc")
    assert client_key(None, "abc") != client_key(None, "def")
