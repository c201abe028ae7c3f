"""The vocabulary shared by every layer: statuses, claimants, their words and colours, coordinate qualities.

This module is the one owner of these words: the pages, the core's exports and the map script (through the
wire form, see ``controlmap.web.wire.legend``) take them from here.
"""

from datetime import date

# Displayed statuses; the index is the compact code sent to the browser.
STATUSES = ("unknown", "ua", "ru", "contested")
STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}
# The order in which statuses are listed to people (legend, figures, tables): the sides, then the rest.
STATUS_ORDER = ("ua", "ru", "contested", "unknown")
STATUS_LABELS = {"ua": "Ukrainian-held", "ru": "Russian-held", "contested": "contested", "unknown": "unknown"}
# Colour-blind-safe (Okabe–Ito) fill colours of the statuses, shared by every chart and map.
STATUS_COLOURS = {"ua": "#0072B2", "ru": "#D55E00", "contested": "#F0E442", "unknown": "#999999"}
# The darker outline of each status's symbol on the settlement map.
STATUS_OUTLINES = {"ua": "#00395A", "ru": "#5E2900", "contested": "#222222", "unknown": "#555555"}

# Who made a statement: Ukrainian officials, Russian officials, or independent observers.
CLAIMANTS = ("ua", "ru", "independent")
CLAIMANT_LABELS = {"ua": "Ukrainian officials", "ru": "Russian officials", "independent": "independent observers"}

# How a settlement is placed (data/geo/settlements.csv, coord_quality): its own point, found by its official
# code (exact: an OpenStreetMap node, or GeoNames where OpenStreetMap has none) or by a name unique in its hromada
# (osm_name); else approximately at its hromada centre, or nowhere.
COORD_QUALITIES = ("exact", "osm_name", "hromada_centre", "none")
# A settlement with a point of its own has a cell (its share of its hromada) and counts area.
OWN_POINT_QUALITIES = ("exact", "osm_name")

# The earliest date an event may have (a little before the invasion: statements about the build-up count).
EARLIEST_DATE = date(2022, 1, 1)
# On the first day of the full-scale invasion every settlement of the oblast was Ukrainian-held.
# The engine uses this as the baseline of every timeline instead of 1,751 generated rows.
BASELINE_DATE = date(2022, 2, 24)
BASELINE_STATUS = "ua"
BASELINE_SOURCE = "Baseline: the whole oblast was under Ukrainian control on 2022-02-24"


def colour_key(statuses: tuple[str, ...] = STATUS_ORDER) -> str:
    """The statuses' colours in words, for a caption: "ua #0072B2 (Ukrainian-held), …"."""
    return ", ".join(f"{s} {STATUS_COLOURS[s]} ({STATUS_LABELS[s]})" for s in statuses)


# A row derived from a dated control-area map (python -m controlmap import-areas) says so at the start of its note.
DERIVED_NOTE_PREFIX = "derived: "
