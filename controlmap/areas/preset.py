"""A preset: how one publisher's dated control-area maps are read (controlmap/areas/presets/<name>.json, or any JSON
file of that shape): which file names are snapshots of which series and when each was published, and how each
feature is classified into `ru`, `contested`, `ua` or `ignore` (by name and fill colour; the first rule wins).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
CLASSES = ("ru", "contested", "ua")
RULE_STATUSES = (*CLASSES, "ignore")


class PresetError(ValueError):
    """A preset file that cannot be used (the message says why)."""


@dataclass(frozen=True)
class Rule:
    """Features whose fill is one of `fill` (any, if empty) and whose name matches `name` (any, if None)."""

    status: str
    fill: frozenset[str] = frozenset()
    name: re.Pattern | None = None

    def matches(self, name: str, fill: str) -> bool:
        return (not self.fill or fill in self.fill) and (self.name is None or bool(self.name.search(name)))


@dataclass(frozen=True)
class Series:
    """One archive layout: which file names it holds, their times, and how its features are classified."""

    id: str
    file_name: re.Pattern
    source: str
    path: str  # the file's path in its archive, from {file}
    url: str  # from {commit} and {path}; empty: no URL
    snapshot: str  # how a note names a snapshot, from {time}
    layers: dict[str, str]  # status → where the point lies, for the note
    rules: tuple[Rule, ...]
    # False for an archive that draws no grey zone: a point outside its features may be grey or Ukrainian-held
    # ground, so it continues a `contested` state and gives the preset's `outside` status only after another.
    grey_zone: bool = True
    # Seconds added to the time a file's name gives, to get the time of the map it shows (-1: the file of day D
    # shows the map as of the end of D-1).
    time_shift_s: int = 0
    # Snapshots published before this time draw only part of the occupied ground (the series' first weeks): a point
    # outside every feature of one is not seen, neither Ukrainian-held nor anything else (None: no such period).
    coarse_until: datetime | None = None

    def coarse(self, time: datetime) -> bool:
        return self.coarse_until is not None and time < self.coarse_until

    def time_of(self, file_name: str) -> datetime | None:
        """The UTC time of the map a file of this series shows (from its name), or None when the name is not this
        series'."""
        match = self.file_name.match(file_name)
        if match is None:
            return None
        parts = match.groupdict()
        try:
            if parts.get("unix"):
                named = datetime.fromtimestamp(int(parts["unix"]), UTC)
            else:
                named = datetime(int(parts["year"]), int(parts["month"]), int(parts["day"]),
                                 int(parts.get("hour") or 0), int(parts.get("minute") or 0), tzinfo=UTC)
            return named + timedelta(seconds=self.time_shift_s)
        except (KeyError, ValueError, OverflowError, OSError):
            return None

    def classify(self, name: str, fill: str) -> str | None:
        """The status of the first rule matching the feature, or None when no rule does."""
        for rule in self.rules:
            if rule.matches(name, fill):
                return rule.status
        return None


@dataclass(frozen=True)
class Api:
    """Where the publisher's maps can be fetched (controlmap.areas.fetch): the list of published snapshots and one
    snapshot's layers by id, both under a base address (a mirror or a test server with the same layout replaces
    it); fetched snapshots are read as the series `series`."""

    series: str
    base: str
    list_url: str  # from {base}
    snapshot_url: str  # from {base} and {id}
    min_interval_s: float = 1.0
    timeout_s: float = 30.0
    retries: int = 3


@dataclass(frozen=True)
class Preset:
    name: str
    publisher: str
    claimed_by: str
    outside: str  # the status of a settlement inside no classified feature
    precedence: tuple[str, ...]  # where classified features overlap, the first class listed wins
    name_property: str
    fill_property: str
    series: tuple[Series, ...]
    # A snapshot in which more than this share of the placed settlements changes state is refused as implausible
    # (the publisher's format changed, or a broken layer); overridable per run.
    max_change_share: float = 0.25
    api: Api | None = field(default=None, compare=False)
    digest: str = ""  # sha256 of the preset's JSON text: a state saved with another preset is not continued

    @classmethod
    def load(cls, name_or_path: str | Path) -> Preset:
        """A shipped preset by name (`deepstate`) or a preset JSON file by path."""
        path = Path(name_or_path)
        if not path.suffix:
            path = PRESETS_DIR / f"{name_or_path}.json"
        try:
            text = path.read_text("utf-8")
            document = json.loads(text)
        except FileNotFoundError:
            shipped = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.json")))
            raise PresetError(f"no preset '{name_or_path}' (shipped presets: {shipped})") from None
        except (OSError, ValueError) as error:
            raise PresetError(f"cannot read preset {path}: {error}") from None
        return cls.from_dict(document, hashlib.sha256(text.encode("utf-8")).hexdigest())

    @classmethod
    def from_dict(cls, document: dict, digest: str = "") -> Preset:
        try:
            by_id = {s["id"]: s for s in document["series"]}
            series = tuple(_series(s, by_id) for s in document["series"])
            api = document.get("api")
            return cls(document["name"], document["publisher"], document["claimed_by"], document.get("outside", "ua"),
                       tuple(document.get("precedence", CLASSES)), document.get("name_property", "name"),
                       document.get("fill_property", "fill"), series,
                       float(document.get("max_change_share", 0.25)),
                       None if api is None else Api(api["series"], api["base"], api["list"], api["snapshot"],
                                                    float(api.get("min_interval_s", 1.0)),
                                                    float(api.get("timeout_s", 30.0)), int(api.get("retries", 3))),
                       digest)
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise PresetError(f"malformed preset: {error!r}") from None

    def series_by_id(self, series_id: str) -> Series:
        for series in self.series:
            if series.id == series_id:
                return series
        raise PresetError(f"the preset '{self.name}' has no series '{series_id}'")

    def match(self, file_name: str) -> tuple[Series, datetime] | None:
        for series in self.series:
            if (time := series.time_of(file_name)) is not None:
                return series, time
        return None


def _series(document: dict, by_id: dict[str, dict]) -> Series:
    rules = []
    rule_documents = document["rules"] if "rules" in document else by_id[document["rules_from"]]["rules"]
    for rule in rule_documents:
        if rule["status"] not in RULE_STATUSES:
            raise KeyError(f"rule status {rule['status']!r} is not one of {RULE_STATUSES}")
        pattern = re.compile(rule["name"], re.IGNORECASE) if rule.get("name") else None
        rules.append(Rule(rule["status"], frozenset(f.lower() for f in rule.get("fill", ())), pattern))
    layers = {"ru": "in an occupied feature", "contested": "in a contested feature",
              "ua": "outside the occupied and contested features", **document.get("layers", {})}
    return Series(document["id"], re.compile(document["file_name"]), document["source"],
                  document.get("path", "{file}"), document.get("url", ""),
                  document.get("snapshot", "the snapshot of {time:%Y-%m-%d %H:%M} UTC"), layers, tuple(rules),
                  bool(document.get("grey_zone", True)), int(document.get("time_shift_s", 0)),
                  datetime.fromisoformat(document["coarse_until"].replace("Z", "+00:00"))
                  if document.get("coarse_until") else None)
