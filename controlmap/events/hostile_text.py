"""Hostile text in an event file's fields, dealt with once for every caller (see controlmap.events.validation):

- Invisible characters (`INVISIBLE_RE`: control characters, zero-width characters, bidi embeddings,
  overrides and isolates, soft hyphens, BOMs) are removed from names (settlement, hint), with a warning:
  a name is matched against the gazetteer, and "Iz\u200bium" means Izium. In the text fields that are stored
  and shown as given (source, quote, note, url) they are refused (an error): a right-to-left override shows
  "ISW" as "WSI" and can make one source or address look like another, a zero-width space makes two
  equal-looking sources differ (duplicates and contradictions are found by comparing sources), and removing
  them silently would change a quote that must stay verbatim. No text in this dataset needs them.
- A text field beginning with = + - or @ is refused (`formula_like`): data/events.csv is meant to be opened in
  spreadsheets, which run such a cell as a formula. Refusing keeps the stored text exactly what the user
  sent (neutralising it with a leading ' would change a verbatim quote and show the ' on every page);
  rewording is always possible ("DeepState (@DeepStateUA)"). Numbers (lat, lon) are not text fields.
- A field longer than `limits.MAX_FIELD_CHARS` is an error on its line, not a failure of the whole file.

Each check adds its problems and returns the rows it refuses.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from controlmap import limits
from controlmap.events.fields import EVENT_COLUMNS, FORMULA_COLUMNS, FORMULA_STARTS, NAME_COLUMNS, TEXT_COLUMNS
from controlmap.events.problems import Problem
from controlmap.events.reading import INVISIBLE_RE, shown


def check_field_sizes(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Fields over MAX_FIELD_CHARS: an error each, and the field cut short so later messages stay short."""
    bad = pd.Series(False, index=frame.index)
    for column in EVENT_COLUMNS:
        lengths = frame[column].str.len()
        for i in frame.index[lengths > limits.MAX_FIELD_CHARS]:
            problems.append(Problem(int(frame.line[i]), column, shown(frame.at[i, column]),
                                    f"the {column} is {lengths[i]:,} characters long; the limit is "
                                    f"{limits.MAX_FIELD_CHARS:,} per field",
                                    "keep what the row needs (for a quote, the sentence relied on) and "
                                    "link the rest with the url", code="field_too_large"))
            frame.at[i, column] = shown(frame.at[i, column])
            bad[i] = True
    return bad

def check_invisible(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Invisible characters: removed from names (warning), refused in text fields (see the module doc)."""
    bad = pd.Series(False, index=frame.index)
    for column in (*NAME_COLUMNS, *TEXT_COLUMNS):
        found = frame[column].str.contains(INVISIBLE_RE)
        for i in frame.index[found]:
            value = frame.at[i, column]
            named = name_invisible(value)
            if column in NAME_COLUMNS:
                clean = INVISIBLE_RE.sub("", value).strip()
                problems.append(Problem(int(frame.line[i]), column, clean,
                                        f"invisible characters removed from the {column}: {named}",
                                        severity="warning", code="control_characters_removed"))
                frame.at[i, column] = clean
            else:
                problems.append(Problem(int(frame.line[i]), column, shown(INVISIBLE_RE.sub("", value)),
                                        f"the {column} contains invisible characters: {named}",
                                        "delete them: they change how the text is shown, or make texts that "
                                        "look equal differ", code="control_characters"))
                bad[i] = True
    return bad

def check_formulas(frame: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    bad = pd.Series(False, index=frame.index)
    for column in FORMULA_COLUMNS:
        found = frame[column].str.startswith(FORMULA_STARTS)
        for i in frame.index[found]:
            value = frame.at[i, column]
            problems.append(Problem(int(frame.line[i]), column, shown(value),
                                    f"the {column} begins with '{value[0]}', which a spreadsheet opening "
                                    "data/events.csv would run as a formula",
                                    "reword it to begin with a letter, a digit or a quotation mark, e.g. "
                                    "“DeepState (@DeepStateUA)” rather than “@DeepStateUA”", code="formula_like"))
            bad[i] = True
    return bad


CONTROL_NAMES = {"\x00": "NULL (a NUL byte)"}


def name_invisible(value: str) -> str:
    """The invisible characters of `value`, named: "U+202E RIGHT-TO-LEFT OVERRIDE at character 3"."""
    found = [(i, ch) for i, ch in enumerate(value) if INVISIBLE_RE.match(ch)]
    named = [f"U+{ord(ch):04X} {unicodedata.name(ch, CONTROL_NAMES.get(ch, 'CONTROL CHARACTER'))} at character "
             f"{i + 1}"
             for i, ch in found[:3]]
    return ", ".join(named) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
