"""One loaded dataset: gazetteer, resolver, validated events, what the map series read (sources.json) and the
timelines."""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd

from controlmap import paths
from controlmap.events import sources as sources_record
from controlmap.events.validation import ValidationResult, Validator
from controlmap.geo.gazetteer import Gazetteer
from controlmap.geo.resolve import Resolver
from controlmap.model import CLAIMANTS
from controlmap.timeline.engine import DEFAULT_WINDOW_DAYS, StatementTable, Timeline
from controlmap.timeline.freshness import Freshness, freshness

T = TypeVar("T")


@dataclass
class Dataset:
    gazetteer: Gazetteer
    validator: Validator
    validation: ValidationResult
    window_days: int = DEFAULT_WINDOW_DAYS
    # What the data folder's map series have read (sources.json beside the events; None without one).
    sources: dict | None = None
    _derived: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, events_path: Path = paths.EVENTS_CSV, geo_dir: Path = paths.GEO_DIR,
             today: date | None = None) -> "Dataset":
        """The data folder's events, with its sources.json when there is one (SourcesError when it is unusable)."""
        gazetteer = Gazetteer.load(geo_dir)
        validator = Validator(gazetteer)
        record = sources_record.read_sources(sources_record.sources_path(events_path))
        return cls(gazetteer, validator, validator.validate_path(events_path, today), sources=record)

    @classmethod
    def from_parts(cls, gazetteer: Gazetteer, events: bytes, today: date | None = None,
                   sources: dict | None = None) -> "Dataset":
        validator = Validator(gazetteer)
        return cls(gazetteer, validator, validator.validate(events, today), sources=sources)

    @property
    def coverages(self) -> list[sources_record.Coverage]:
        return self.derived("coverages", lambda: sources_record.coverages(self.sources))

    def freshness(self, today: date | None = None) -> Freshness | None:
        """How fresh the data are: the newest map snapshot read (None: no map series was read)."""
        return freshness(self.sources, today or date.today())

    @property
    def resolver(self) -> Resolver:
        return self.validator.resolver

    @property
    def events(self) -> pd.DataFrame:
        return self.validation.events

    def derived_count(self) -> int:
        """How many values were derived so far (the cache writes an entry again when warming added one)."""
        return len(self._derived)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from this dataset once, then kept with it (and in the dataset cache, if it
        was computed before the dataset was cached: see ``controlmap.timeline.cache.load_dataset``)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @property
    def statements(self) -> StatementTable:
        return self.derived("statements", lambda: StatementTable.from_events(
            self.events, self.gazetteer, self.coverages, self.window_days))

    def timeline(self, claimants: Sequence[str] = CLAIMANTS, baseline: bool = True) -> Timeline:
        return self.derived(("timeline", tuple(sorted(claimants)), baseline), lambda: Timeline(
            self.gazetteer, self.statements, claimants, self.window_days, baseline))

    def with_events(self, extra: pd.DataFrame) -> "Dataset":
        """This dataset plus already-validated extra events (a session's upload); nothing is written."""
        combined = pd.concat([self.events, extra], ignore_index=True)
        combined = combined.drop_duplicates(subset=[c for c in combined.columns if c != "line"])
        validation = ValidationResult(self.validation.problems, combined, self.validation.encoding,
                                      self.validation.delimiter, len(combined))
        return Dataset(self.gazetteer, self.validator, validation, self.window_days, self.sources)
