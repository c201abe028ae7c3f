"""The panel beside the map: the date, its figures and changes, the claimant choice, a second front line, the names'
language, a town search, the link and the citation. One panel for the published site (publish.py) and the dashboard's
map page alike: the page script ``assets/site/site.js`` draws it in the browser from the map's public API, with the
rules of ``assets/site/panel.js`` and the URL values of ``assets/site/urlvalues.js`` (checked as urlvalues.py checks
them), so a link copied from one opens the same view on the other.

- Figures: settlements and km² per status over every settlement (km² the sum of their cells), and the disputed count.
- Changes: "changed since" the day shown before; at first, and after the claimants change, since the day before.

This module gives the page script its settings (``panel_settings``) and puts the panel into the dashboard's map
frame (``PanelLayer``); publish.py links the same files from the site's page. It may import the core's timeline,
geo and web modules, never app/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from branca.element import JavascriptLink
from folium.elements import JSCSSMixin
from jinja2 import Template

from controlmap import paths
from controlmap.geo.gazetteer import placement_summary, point_sources
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS, STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER
from controlmap.region import MAPS_ONLY_NOTE
from controlmap.region import current as current_region
from controlmap.timeline import history
from controlmap.timeline.dataset import Dataset
from controlmap.web import script, urlvalues
from controlmap.web.maps import Verbatim, script_json
from controlmap.web.offline import DATA_ATTRIBUTION

ASSETS = script.ASSETS_DIR / "site"
HOSTS = ("site", "dashboard")


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def panel_html(title: str) -> str:
    """The panel's markup, empty until the page script fills it."""
    return asset("panel.html").replace("{{ title }}", html_text(title))


def method_notes(dataset: Dataset) -> list[str]:
    """How the map is drawn, in words: where its points and areas come from, and what shows before a statement."""
    settlements = dataset.gazetteer.settlements
    placed_by = ", else ".join(point_sources(settlements)) or "none"
    baseline = dataset.gazetteer.baseline.describe()
    region = current_region()
    return [
        f"Points: settlements at their own point ({placed_by}). Hollow dashed marks: settlements drawn approximately "
        "around their hromada centre. Lines: hromada boundaries (OpenStreetMap).",
        f"Areas: each settlement's cell, the part of its hromada nearer to it than to any other "
        f"({placement_summary(settlements)}). Before a settlement's first statement it shows the 24 Feb 2022 "
        f"baseline ({baseline})." + (f" {MAPS_ONLY_NOTE}" if region.maps_only else ""),
    ]


def panel_settings(dataset: Dataset, *, title: str, claimants: tuple[str, ...] = CLAIMANTS, events_sha256: str,
                   data_file: str, host: str = "site", view_bounds: list[list[float]] | None = None,
                   uploaded: bool = False, stale_hint: str | None = None,
                   statements_path: str | None = None) -> dict[str, Any]:
    """What the page script needs besides the map's data: words, areas, the data's version, and what the URL's
    values are clamped to (the dashboard's limits, and the map's bounds for its centre).

    ``claimants``: those a reader may choose among; ``host``: "site" (the panel's own page; a clicked settlement's
    statements are fetched from ``statements_path``) or "dashboard" (the panel in the map page's frame: the URL is
    the Streamlit page's, a settlement opens its Town history page); ``uploaded``: the map also shows events
    uploaded in this session, which ``events_sha256`` does not cover; ``stale_hint``: said after the notice that the
    newest map read is more than a week old."""
    if host not in HOSTS:
        raise ValueError(f"host must be one of {HOSTS}, not {host!r}")
    first_map = history.first_derived_date(dataset.events)
    baseline = dataset.gazetteer.baseline
    return {
        "host": host,
        "title": title,
        "claimants": [c for c in CLAIMANTS if c in claimants],
        "claimantLabels": {c: CLAIMANT_LABELS[c] for c in CLAIMANTS},
        "statusOrder": list(STATUS_ORDER),
        "statusLabels": dict(STATUS_LABELS),
        "statusColours": dict(STATUS_COLOURS),
        # Each settlement's cell area in km² (0: no cell), in the wire form's order: the figures' km² per status.
        "areas": [round(float(a), 3) for a in dataset.gazetteer.areas],
        "firstMap": first_map.isoformat() if first_map else None,
        # The baseline's sources, and which one each settlement's names where it is not the first (by index).
        "baselineSources": list(baseline.sources()),
        "baselineSourceOf": {str(i): k for i, c in enumerate(dataset.gazetteer.settlements.katottg)
                             if (k := baseline.source_index(c))},
        "baselineText": baseline.describe(),
        "mapsOnly": current_region().maps_only,
        "dataFile": data_file,
        "eventsSha256": events_sha256,
        "events": len(dataset.events),
        "uploaded": uploaded,
        "notes": method_notes(dataset),
        "attribution": DATA_ATTRIBUTION.replace("&copy;", "©").replace("&middot;", "·"),
        "statementsPath": statements_path,
        "urlLimits": urlvalues.limits(),
        "viewBounds": view_bounds,
        # The newest map snapshot read (the page says the data are "as of" it, and warns when it is old).
        "asOf": fresh.record() if (fresh := dataset.freshness()) else None,
        "staleHint": stale_hint,
    }


def settings_element(settings: dict) -> str:
    """The settings as the page script reads them (a JSON script element)."""
    return f'<script type="application/json" id="cm-site">{script_json(settings)}</script>'


class PanelLayer(JSCSSMixin):
    """The panel in a map's frame (the dashboard's, in streamlit-folium's page): its markup after the map, its style
    and settings in the page's head, and its script loaded from ``static_dir`` before the map's own (streamlit-folium
    loads every element's ``default_js`` first; site.js waits for the map), or inline after it when not installed."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")

    def __init__(self, settings: dict, static_dir: Path | None = paths.STATIC_DIR):
        super().__init__()
        self._name = "PanelLayer"
        self.settings = settings
        url = script.installed_url("panel", static_dir)
        self.default_js = [("controlmap_panel", url)] if url else []
        self.js = "" if url else script.panel_script()

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure: Any = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        head = f"<style>{asset('site.css')}</style>{settings_element(self.settings)}"
        figure.header.add_child(Verbatim(head), name="cm_panel_head")
        figure.html.add_child(Verbatim(panel_html(self.settings["title"])), name="cm_panel")
        figure.script.add_child(Verbatim(self.js), name=self.get_name())
