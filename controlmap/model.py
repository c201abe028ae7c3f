"""The vocabulary shared by every layer: statuses, claimants, coordinate qualities."""

from datetime import date

# Displayed statuses; the index is the compact code sent to the browser.
STATUSES = ("unknown", "ua", "ru", "contested")
STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}

# Who made a statement: Ukrainian officials, Russian officials, or independent observers.
CLAIMANTS = ("ua", "ru", "independent")

# How a settlement is placed (data/geo/settlements.csv, coord_quality): its own point, found by its official
# code (exact: an OpenStreetMap node, or GeoNames where OpenStreetMap has none) or by a name unique in its hromada
# (osm_name); else approximately at its hromada centre, or nowhere.
COORD_QUALITIES = ("exact", "osm_name", "hromada_centre", "none")
# A settlement with a point of its own has a cell (its share of its hromada) and counts area.
OWN_POINT_QUALITIES = ("exact", "osm_name")

# On the first day of the full-scale invasion every settlement of the oblast was Ukrainian-held.
# The engine uses this as the baseline of every timeline instead of 1,751 generated rows.
BASELINE_DATE = date(2022, 2, 24)
BASELINE_STATUS = "ua"
BASELINE_SOURCE = "Baseline: the whole oblast was under Ukrainian control on 2022-02-24"
