"""How fresh the data are: the newest map snapshot the data folder has read (sources.json), said the same way on
every page, in the CLI's output and on the published site, and a notice when it is more than a week old."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from controlmap.events.sources import newest_snapshot

STALE_AFTER_DAYS = 7
UPDATE_COMMAND = "python -m controlmap update"
UPDATE_HINT = f"To update the data, run {UPDATE_COMMAND} (docs/deploy.md)."


@dataclass(frozen=True)
class Freshness:
    publisher: str
    time: datetime  # of the newest snapshot read (UTC)
    today: date

    @property
    def day(self) -> date:
        return self.time.date()

    @property
    def age_days(self) -> int:
        return (self.today - self.day).days

    @property
    def stale(self) -> bool:
        return self.age_days > STALE_AFTER_DAYS

    @property
    def as_of(self) -> str:
        """e.g. "as of 21 Aug 2026 (DeepStateMap)"."""
        return f"as of {self.day:%d %b %Y} ({self.publisher})"

    def notice(self) -> str:
        """What a stale map says, and how to update it (empty while it is fresh)."""
        if not self.stale:
            return ""
        return (f"The newest map read is {self.age_days} days old ({self.publisher}'s snapshot of "
                f"{self.day:%d %b %Y}): changes since then are not shown. {UPDATE_HINT}")

    def record(self) -> dict:
        """For JSON output: the snapshot's time (ISO, UTC), its day and publisher."""
        return {"time": self.time.isoformat().replace("+00:00", "Z"), "day": self.day.isoformat(),
                "publisher": self.publisher, "text": self.as_of}


def freshness(sources: dict | None, today: date) -> Freshness | None:
    """The data's freshness from its sources record (None: no map series was read)."""
    newest = newest_snapshot(sources)
    if newest is None:
        return None
    publisher, time = newest
    return Freshness(publisher, time, today)
