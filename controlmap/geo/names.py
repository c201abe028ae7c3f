"""Keys under which a settlement name is looked up.

Three keys, from strict to loose; the resolver tries them in this order and never lets a looser
key override a stricter one:

- `exact_key`: case, apostrophe, hyphen and space style removed; script kept (Купʼянськ = Куп'янськ).
- `fold_key`: any script reduced to Latin and transliteration variants folded, so that Kupiansk,
  Kupyansk, Kup'yansk, Kupjansk and Купянск meet (kh/h, ya/ia/ja, yi/i, g/h, w/v, doubled letters…).
- `stem_key`: `fold_key` with grammatical endings dropped from long words, so that Russian and
  Ukrainian adjective forms meet (Uzlovaya / Uzlovoy / Vuzlovyi ending-wise).
"""

import re
import unicodedata

from controlmap.geo.translit import APOSTROPHES, has_cyrillic, transliterate

_APOSTROPHE_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")
_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—_.,/()]+")
_FOLDS = (
    ("shch", "sc"), ("szcz", "sc"), ("tsch", "c"), ("sch", "s"), ("ch", "c"), ("kh", "h"),
    ("zh", "z"), ("sh", "s"), ("ts", "c"), ("tz", "c"), ("cz", "c"), ("sz", "s"),
    ("w", "v"), ("g", "h"), ("x", "h"), ("j", "i"), ("y", "i"),
)
_DOUBLED_RE = re.compile(r"(.)\1+")
_ENDING_RE = re.compile(r"(aia|ii|oi|ie|e|a|o|i)$")


def exact_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).casefold().replace("ё", "е")
    text = _APOSTROPHE_RE.sub("", text)
    return _SEPARATORS_RE.sub(" ", text).strip()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_key(name: str) -> str:
    text = exact_key(name)
    if has_cyrillic(text):
        text = transliterate(text)
    text = _strip_accents(text).lower()
    text = re.sub(r"[^a-z ]", "", text)
    for spelling, folded in _FOLDS:
        text = text.replace(spelling, folded)
    return _DOUBLED_RE.sub(r"\1", text).strip()


def stem_key(name: str) -> str:
    words = fold_key(name).split()
    return " ".join(_ENDING_RE.sub("", word) if len(word) > 5 else word for word in words)
