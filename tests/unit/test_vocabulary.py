"""One vocabulary: the statuses' and claimants' words, their order, the colours and the earliest date live in
controlmap.model only; pages, exports and the map script (through the wire form) take them from there."""

import re
from pathlib import Path

from controlmap import model
from controlmap.web.wire import legend

ROOT = Path(__file__).resolve().parents[2]
# Where the app's words and colours could be typed again: the pages, the glue, the core, the map script.
ASSETS = ROOT / "controlmap" / "web" / "assets"
SOURCES = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "app").rglob("*.py"),
           *(ROOT / "app").rglob("*.js"), *(ROOT / "controlmap").rglob("*.py"),
           *(path for suffix in ("js", "css", "html") for path in ASSETS.rglob(f"*.{suffix}"))]


def test_the_guard_reads_the_styles_and_pages_too():
    names = {path.name for path in SOURCES}
    assert {"timeline_layer.css", "site.css", "panel.html", "site.js", "date_control.js"} <= names


def test_every_status_and_claimant_has_a_label_and_every_status_a_colour():
    assert sorted(model.STATUS_ORDER) == sorted(model.STATUSES)
    assert set(model.STATUSES) == set(model.STATUS_LABELS) == set(model.STATUS_COLOURS) == set(model.STATUS_OUTLINES)
    assert set(model.CLAIMANTS) == set(model.CLAIMANT_LABELS)
    for colour in [*model.STATUS_COLOURS.values(), *model.STATUS_OUTLINES.values()]:
        assert re.fullmatch(r"#[0-9A-F]{6}", colour), colour


def test_the_map_script_gets_the_words_colours_and_order_through_the_wire_form():
    assert {"order": list(model.STATUS_ORDER), "labels": model.STATUS_LABELS, "fill": model.STATUS_COLOURS,
            "line": model.STATUS_OUTLINES} == legend()


def test_no_other_file_types_the_status_colours_or_labels_again():
    """The fill colours anywhere, and the labels (today's and the old wordings) as string literals. The validator
    (events/fields.py) is left out: it reads what people type, wordings of every kind, into statuses."""
    copies = []
    labels = [model.STATUS_LABELS["ua"], model.STATUS_LABELS["ru"], "Ukrainian control", "Russian control",
              *model.CLAIMANT_LABELS.values()]
    words = [*model.STATUS_COLOURS.values(), *(f'"{label}"' for label in labels)]
    for path in SOURCES:
        if path.relative_to(ROOT).as_posix() in ("controlmap/model.py", "controlmap/events/fields.py"):
            continue
        text = path.read_text(encoding="utf-8").lower()
        copies += [f"{path.relative_to(ROOT)}: {word}" for word in words if word.lower() in text]
    assert [] == copies


def test_the_earliest_date_is_defined_in_the_vocabulary_only():
    """The validator and the pages import model.EARLIEST_DATE; no other file assigns a copy of its own."""
    copies = [str(path.relative_to(ROOT)) for path in SOURCES if path.suffix == ".py" and path.name != "model.py"
              and re.search(r"^\s*EARLIEST_DATE\s*(:[^=]*)?=(?!=)", path.read_text(encoding="utf-8"), re.MULTILINE)]
    assert [] == copies


def test_colour_key_names_each_status_in_the_display_order():
    assert ("ua #0072B2 (Ukrainian-held), ru #D55E00 (Russian-held), contested #F0E442 (contested), "
            "unknown #999999 (unknown)") == model.colour_key()
