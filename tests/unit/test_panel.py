"""The map's panel rules (controlmap.web.panel), shared with the published site (assets/site/panel.js): the day the
change list compares with is tested on the same cases in both (tests/fixtures/panel_cases.json)."""

import json
from pathlib import Path

import pytest

from controlmap.web.panel import compared_day

CASES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "panel_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES["compared_day"], ids=[c["why"] for c in CASES["compared_day"]])
def test_the_change_list_compares_with_the_day_shown_before_or_at_first_the_day_before(case):
    assert case["since"] == compared_day(case["previous"], case["day"], 0)


def test_the_rule_counts_from_the_spans_first_day():
    assert 19047 == compared_day(None, 19047, 19047)
    assert 19047 == compared_day(None, 19048, 19047)
