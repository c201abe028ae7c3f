"""The server's warm-up lifespan (app/startup.py): the data loads in a thread of its own, and a failure there is
logged, never raised into the server's start."""

import asyncio
import logging
import threading

from app import startup


def run_lifespan() -> None:
    """Enter and leave the lifespan, then wait for the warm-up thread it started."""
    before = set(threading.enumerate())

    async def enter_and_leave() -> None:
        async with startup.warm_up_at_start(None):
            pass

    asyncio.run(enter_and_leave())
    for thread in set(threading.enumerate()) - before:
        thread.join(10)


def test_the_lifespan_warms_up_in_a_thread_of_its_own(monkeypatch):
    ran_in = []
    monkeypatch.setattr(startup, "warm_up", lambda: ran_in.append(threading.current_thread().name))
    run_lifespan()
    assert ["warm-up"] == ran_in


def test_a_failed_warm_up_is_logged_and_leaves_the_server_running(monkeypatch, caplog):
    def warm_up() -> None:
        raise OSError("events.csv: no such file")

    monkeypatch.setattr(startup, "warm_up", warm_up)
    with caplog.at_level(logging.WARNING, logger="app.startup"):
        run_lifespan()
    logged = [r.getMessage() for r in caplog.records]
    assert ["Loading the data at start failed; the first page will load it."] == logged
    assert "events.csv: no such file" in caplog.records[0].exc_text
