"""The vocabulary shared by every layer: statuses, claimants, coordinate qualities."""

from datetime import date

# Displayed statuses; the index is the compact code sent to the browser.
STATUSES = ("unknown", "ua", "ru", "contested")
STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}

# Who made a statement: Ukrainian officials, Russian officials, or independent observers.
CLAIMANTS = ("ua", "ru", "independent")

COORD_QUALITIES = ("exact", "hromada_centre", "none")

# On the first day of the full-scale invasion every settlement of the oblast was Ukrainian-held.
# The engine uses this as the baseline of every timeline instead of 1,751 generated rows.
BASELINE_DATE = date(2022, 2, 24)
BASELINE_STATUS = "ua"
BASELINE_SOURCE = "Baseline: the whole oblast was under Ukrainian control on 2022-02-24"
