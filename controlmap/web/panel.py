"""The map's panel, one set of rules for the dashboard (dashboard.py) and the published site (assets/site/site.js):
the figures for the day shown, and which day the change list compares it with.

- Figures: settlements and km² per status over every settlement (km² the sum of their cells, one decimal), and the
  disputed count.
- Changes: "changed since" the day shown before; at first, and after the claimants change, since the day before
  (the first day of the span has no day before: it is compared with itself). The site's `commit` follows the same
  rule; tests/fixtures/panel_cases.json holds the cases both are tested on.
"""

from __future__ import annotations

from dataclasses import dataclass

from controlmap.timeline.engine import ChangeList, Timeline

CHANGES_LISTED = 40  # changed settlements listed by name; the rest are counted


def compared_day(previous: int | None, day: int, first: int) -> int:
    """The day the change list compares `day` with: `previous` (the day shown before, None at first or after a
    change of claimants), else the day before `day` (never before the span's `first` day)."""
    return previous if previous is not None else max(first, day - 1)


@dataclass(frozen=True)
class Panel:
    day: int
    since: int
    counts: dict[str, int]
    areas: dict[str, float]
    disputed: int
    changes: ChangeList


def panel(timeline: Timeline, day: int, previous: int | None, limit: int = CHANGES_LISTED) -> Panel:
    """The panel of `day` (what the map page shows beside the map on every date change: no pandas, measured by
    tests/unit/test_rerun_cost.py)."""
    since = compared_day(previous, day, timeline.span[0])
    state = timeline.state_at(day)
    return Panel(day, since, timeline.count_by_status(state), timeline.area_by_status(state),
                 int(state.disputed.sum()), timeline.change_list(since, day, limit=limit))
