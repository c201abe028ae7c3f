"""Name → settlement, for any common spelling; never a silent guess.

Rules, in order:
1. A KATOTTG code (UA…) is looked up directly.
2. The name is looked up under its exact key, then its folded key, then its stem key
   (see controlmap.geo.names); the first key that finds anything decides the candidates.
   Every form counts: current Ukrainian name, KMU-2010 Latin, pre-2024 names, GeoNames aliases.
3. "NAME, HINT" is split at the first comma when the whole text finds nothing.
4. Several candidates and a hint (hromada, raion, or their centre's name, any spelling): the candidates
   in that hromada or raion. Still several → `ambiguous`, all candidates listed.
5. Nothing found → `not_found` with fuzzy suggestions (rapidfuzz), scored 0–100, never accepted.

Work is bounded for files of many unknown names: each distinct (name, hint) is resolved once (`find`, cached),
and suggestions, the costly part, are computed for many names in one matrix (`suggest_many`), by callers that cap
how many names they ask about.
"""

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from controlmap.geo.names import exact_key, fold_key, stem_key

KEYS = (exact_key, fold_key, stem_key)
HINT_NOISE_RE = re.compile(
    r"\b(hromada|hromady|raion|rayon|region|district|community|territorial|oblast|"
    r"громада|громади|район|р-н|область|obl|r-n)\b\.?", re.IGNORECASE)
HROMADA_WORD_RE = re.compile(r"\b(hromada|hromady|community|громада|громади|тг|otg)\b", re.IGNORECASE)
RAION_WORD_RE = re.compile(r"\b(raion|rayon|district|район|р-н|r-n)\b", re.IGNORECASE)
KATOTTG_RE = re.compile(r"^UA\d{17}$")
HINT_REMARK_RE = re.compile(r"\([^)]*\)")
MIN_HINT_LENGTH = 4
SUGGESTION_CUTOFF = 72
MAX_SUGGESTIONS = 8
CANDIDATE_FIELDS = ["katottg", "name_en", "name_uk", "category", "hromada_en", "raion_en", "lat", "lon",
                    "coord_quality"]


@dataclass(frozen=True)
class Suggestion:
    katottg: str
    name_en: str
    score: float


@dataclass(frozen=True)
class Resolution:
    status: str  # "match" | "ambiguous" | "not_found"
    matches: list[dict] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def katottg(self) -> str | None:
        return self.matches[0]["katottg"] if self.status == "match" else None

    def to_dict(self) -> dict:
        return {"status": self.status, "matches": self.matches,
                "suggestions": [asdict(s) for s in self.suggestions]}


def forms_of(row: Any) -> list[str]:
    """Every name a settlement row is known by: current Ukrainian and Latin, former names, aliases."""
    extra = [f for f in f"{row.former_names}|{row.aliases}".split("|") if f]
    return [row.name_uk, row.name_en, *extra]


class Resolver:
    def __init__(self, settlements: pd.DataFrame):
        self.settlements = settlements.reset_index(drop=True)
        self._by_code = {code: i for i, code in enumerate(self.settlements.katottg)}
        self._index: list[dict[str, list[int]]] = [{} for _ in KEYS]
        for i, row in enumerate(self.settlements.itertuples()):
            for form in forms_of(row):
                for level, key in enumerate(KEYS):
                    rows = self._index[level].setdefault(key(form), [])
                    if i not in rows:
                        rows.append(i)
        self._fuzzy_keys = list(self._index[1])
        self._area_stems = [area_keys(row) for row in self.settlements.itertuples()]
        self.find = lru_cache(maxsize=200_000)(self._find)

    # ------------------------------------------------------------ public

    def resolve(self, name: str, hint: str | None = None) -> Resolution:
        """`find`, with suggestions when nothing is found."""
        resolution = self.find(name, hint)
        if resolution.status != "not_found" or not (name or "").strip():
            return resolution
        return Resolution("not_found", suggestions=self.suggest(self.suggestion_key(name)))

    def _find(self, name: str, hint: str | None = None) -> Resolution:
        """The settlements a name (and hint) refers to: one (`match`), several (`ambiguous`) or none
        (`not_found`, without suggestions)."""
        name = (name or "").strip()
        if not name:
            return Resolution("not_found")
        rows = self._lookup(name)
        if not rows and "," in name:
            name, extra_hint = (part.strip() for part in name.split(",", 1))
            hint = f"{extra_hint}, {hint}" if hint else extra_hint
            rows = self._lookup(name)
        if not rows:
            return Resolution("not_found")
        if len(rows) > 1 and hint:
            rows = self._narrow(rows, hint) or rows
        status = "match" if len(rows) == 1 else "ambiguous"
        return Resolution(status, [self.candidate(i) for i in sorted(rows)])

    @staticmethod
    def suggestion_key(name: str) -> str:
        """The name a suggestion is looked for: "NAME, HINT" without its hint when the whole finds nothing."""
        name = name.strip()
        return name.split(",", 1)[0].strip() if "," in name else name

    def suggest(self, name: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        return self.suggest_many([name], limit)[name]

    def suggest_many(self, names: list[str], limit: int = MAX_SUGGESTIONS) -> dict[str, list[Suggestion]]:
        """Fuzzy suggestions for each name: settlements whose folded name scores at least SUGGESTION_CUTOFF, best
        first (score, then code), at most `limit`. All names are scored against all keys in one matrix."""
        from rapidfuzz import fuzz, process  # imported on use: loading shipped data never suggests

        names = list(dict.fromkeys(names))
        if not names:
            return {}
        scores = process.cdist([fold_key(n) for n in names], self._fuzzy_keys, scorer=fuzz.WRatio,
                               score_cutoff=SUGGESTION_CUTOFF, dtype=np.float64, workers=1)
        out = {}
        for name, row in zip(names, scores, strict=True):
            found = np.flatnonzero(row >= SUGGESTION_CUTOFF)
            # the best keys first (ties in key order), as rapidfuzz's extract ranks them
            ranked = found[np.lexsort((found, -row[found]))][:limit * 3]
            best: dict[int, float] = {}
            for k in ranked:
                for i in self._index[1][self._fuzzy_keys[k]]:
                    best[i] = max(best.get(i, 0.0), round(float(row[k]), 1))
            chosen = sorted(best.items(), key=lambda item: (-item[1], self.settlements.katottg[item[0]]))[:limit]
            out[name] = [Suggestion(self.settlements.katottg[i], self.settlements.name_en[i], score)
                         for i, score in chosen]
        return out

    def candidate(self, i: int) -> dict:
        row = self.settlements.iloc[i]
        out = {f: row[f] for f in CANDIDATE_FIELDS}
        for coordinate in ("lat", "lon"):
            out[coordinate] = None if pd.isna(out[coordinate]) else float(out[coordinate])
        return out

    # ------------------------------------------------------------ rules

    def _lookup(self, name: str) -> list[int]:
        if KATOTTG_RE.match(name.upper()):
            i = self._by_code.get(name.upper())
            return [] if i is None else [i]
        for level, key in enumerate(KEYS):
            rows = self._index[level].get(key(name))
            if rows:
                return list(rows)
        return []

    def _narrow(self, rows: list[int], hint: str) -> list[int]:
        """Keeps the candidates in the hromada or raion each comma-separated part of the hint names."""
        for part in hint_parts(hint):
            kept = [i for i in rows if _area_matches(self._area_stems[i], *part)]
            if kept:
                rows = kept
        return rows


def area_keys(row: Any) -> tuple[str, ...]:
    """A settlement row's hromada and raion, as codes and name stems (what hints are compared with)."""
    return (row.hromada_code, row.raion_code, stem_key(row.hromada_en), stem_key(row.raion_en))


def hint_parts(hint: str) -> list[tuple[str, str, tuple[bool, bool]]]:
    """The usable comma-separated parts of a hint: (name stem, text as a code, (says hromada, says raion)).

    "… hromada" compares hromadas only, "… raion" raions only, a bare name both. Remarks in
    parentheses are left out.
    """
    parts = []
    for part in HINT_REMARK_RE.sub(" ", hint).split(","):
        wanted = stem_key(HINT_NOISE_RE.sub(" ", part))
        code = part.strip().upper()
        if len(wanted) >= MIN_HINT_LENGTH or KATOTTG_RE.match(code):
            parts.append((wanted, code, (bool(HROMADA_WORD_RE.search(part)), bool(RAION_WORD_RE.search(part)))))
    return parts


def fits_hint(row: Any, hint: str) -> bool:
    """Whether a settlement row lies in the area every part of ``hint`` names (so narrowing keeps it)."""
    keys = area_keys(row)
    return all(_area_matches(keys, *part) for part in hint_parts(hint))


def _area_matches(area_keys: tuple[str, ...], wanted: str, code: str, kinds: tuple[bool, bool]) -> bool:
    hromada_code, raion_code, hromada, raion = area_keys
    if code in (hromada_code, raion_code):
        return True
    says_hromada, says_raion = kinds
    stems = [stem for stem, named in ((hromada, says_hromada), (raion, says_raion))
             if stem and (named or not (says_hromada or says_raion))]
    return any(stem.startswith(wanted) or wanted.startswith(stem) for stem in stems)
