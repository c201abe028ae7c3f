"""Fixtures shared by the page tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from app import data


@pytest.fixture
def today_is(monkeypatch) -> Callable[[datetime.date], None]:
    """``today_is(day)``: the app takes ``day`` for today when it judges how fresh the data are."""

    def set_today(day: datetime.date) -> None:
        class Today(datetime.date):
            @classmethod
            def today(cls):
                return day

        monkeypatch.setattr(data, "date", Today)
        data._shipped.clear()

    return set_today
