"""Ukrainian → Latin in the national KMU-2010 system (Cabinet of Ministers resolution No. 55, 2010).

General-purpose transliterators get it wrong (word-initial є ї й ю я, зг → zgh, the soft sign and
apostrophe dropped), so the table is written out here.
"""

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "",
    # Russian letters, so that Russian-language names reduce to comparable Latin keys.
    "ы": "y", "э": "e", "ё": "io", "ъ": "",
}
_WORD_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_INSIDE_WORD = {"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia"}
APOSTROPHES = "'’ʼ`´‘ʹ\"”“"


def transliterate(text: str) -> str:
    """Transliterate Ukrainian (or Russian) Cyrillic to KMU-2010 Latin, keeping case and punctuation."""
    out: list[str] = []
    word_start = True
    previous = ""
    for position, char in enumerate(text):
        lower = char.lower()
        if lower in APOSTROPHES and not word_start:
            continue
        if lower == "г" and previous == "з":
            latin = "gh"
        elif lower in _WORD_INITIAL:
            latin = _WORD_INITIAL[lower] if word_start else _INSIDE_WORD[lower]
        elif lower in _COMMON:
            latin = _COMMON[lower]
        else:
            latin = char
        if char != lower and latin:
            latin = latin.upper() if _in_capitals(text, position) else latin[0].upper() + latin[1:]
        out.append(latin)
        word_start = not char.isalpha()
        previous = lower
    return "".join(out)


def _in_capitals(text: str, position: int) -> bool:
    """Whether the capital at `position` is part of a word written in capitals (ХАРКІВ → KHARKIV)."""
    neighbours = text[max(position - 1, 0):position] + text[position + 1:position + 2]
    return any(c.isalpha() and c.isupper() for c in neighbours)


def has_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)
