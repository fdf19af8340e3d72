"""Communes of the Nord and Pas-de-Calais: resolution of what residents type, and BUD classification.

Resolution order for a query: postal code, exact name (case, accents, hyphens, « St » folded), first words of a
name (« Marles » → every Marles-…), then a close spelling (« henin beaumon »). An exact name that is also the
first words of longer names is ambiguous when the answer would differ between them: residents say « Loos » for
Loos-en-Gohelle (BUD zone) as well as for Loos near Lille (not), so both are offered; « Croix » stays Croix.
A close spelling is returned as `match="fuzzy"`, and `guess` finds one in a message not understood: the bot asks
« Vouliez-vous dire … ? » about either and answers only after a yes; anything less close is only a suggestion.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.engine import Connection

from assistant.storage import metadata
from assistant.text import normalise

communes = sa.Table(
    "communes",
    metadata,
    sa.Column("insee", sa.String(5), primary_key=True),
    sa.Column("nom", sa.String(80), nullable=False),
    sa.Column("departement", sa.String(3), nullable=False),
    sa.Column("population", sa.Integer),
    sa.Column("codes_postaux", sa.String(80), nullable=False),
    sa.Column("epci_siren", sa.String(9)),
    sa.Column("epci_nom", sa.String(120)),
    sa.Column("bassin_minier", sa.Boolean, nullable=False),
    sa.Column("bud", sa.Boolean, nullable=False),
    sa.Column("bud_source", sa.String(40)),
    sa.Column("bud_to_verify", sa.Boolean, nullable=False),
    sa.Column("bud_since", sa.Date),
    sa.Column("bud_since_certainty", sa.String(16)),
)

BUD_SOURCE = (
    "arrêtés du 14 février 2018 et du 11 avril 2019 (liste reconstituée d'après le périmètre publié par l'ANCT)"
)
POSTAL_CODE = re.compile(r"\b(59|62)\s?(\d{3})\b")
DEPARTMENT = re.compile(r"\((59|62)\)\s*$")
# Commune names that are also everyday French words: found in a sentence only when typed as a place.
COMMON_WORDS = frozenset({"bus", "don", "ames", "erre", "ors", "eps", "eth", "bry", "rely", "hem", "acq"})
FUZZY_ACCEPT = 90
FUZZY_SUGGEST = 75
FUZZY_IN_TEXT_MIN_LENGTH = 7  # shorter words are too often ordinary words one letter off a name
MAX_CANDIDATES = 8
# A guess (« et liévn ? » → Liévin?) is only ever asked, never answered: a commune of the mining basin whose name
# is within GUESS_EDITS of a word group of the message, the same first letter, and no other basin commune as close.
GUESS_MIN_NAME = 5  # « Lens » is one letter off « les », « sens », « lent »: no guess for names this short
GUESS_MIN_TYPED = 4
# French words one edit or two from a basin commune's name (« demain » / Denain, « courrier » / Courrières):
# generated from spaCy's French vocabulary by scripts/make_guess_words.py (a test fails when it is stale).
EVERYDAY_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "programme" / "communes_everyday_words.txt"
# A longer name is offered beside an exact one when its commune has at least this share of the exact one's
# inhabitants: « Loos » (23,013) is as often Loos-en-Gohelle (6,896); « Wallers » (5,598) is not Wallers-en-Fagne (280).
LONGER_NAME_MIN_SHARE = 0.25
# Regions, departments and areas: no commune is read inside one (« pas de calais » is not Calais).
NOT_COMMUNES_FILE = Path(__file__).resolve().parent.parent / "data" / "programme" / "not_communes.txt"
CLOSE_SPELLINGS_KEPT = 50_000  # scored spellings kept by an index (a few MB); the index is rebuilt when data change


@dataclass(frozen=True)
class Commune:
    insee: str
    nom: str
    departement: str
    population: Optional[int]
    codes_postaux: tuple[str, ...]
    epci_siren: Optional[str]
    epci_nom: Optional[str]
    bassin_minier: bool
    bud: bool
    # The BUD fields carry their API names (« a_verifier », « depuis »…); the table and communes.csv keep their
    # column names (bud_to_verify, bud_since…), read and written only in this module.
    bud_methode: Optional[str]
    bud_a_verifier: bool
    bud_depuis: Optional[str]
    bud_depuis_certitude: Optional[str]

    def as_dict(self) -> dict:
        return {
            "insee": self.insee,
            "nom": self.nom,
            "departement": self.departement,
            "population": self.population,
            "codes_postaux": list(self.codes_postaux),
            "epci": {"siren": self.epci_siren, "nom": self.epci_nom},
            "bassin_minier": self.bassin_minier,
            "bud": {
                "classee": self.bud,
                "a_verifier": self.bud_a_verifier,
                "depuis": self.bud_depuis,
                "depuis_certitude": self.bud_depuis_certitude,
                "ajout_2019": added_in_2019(self.bud_depuis),
                "source": BUD_SOURCE,
                "methode": self.bud_methode,
            },
        }


def guess_edits(key: str) -> int:
    """How many typing edits a guess may be from a commune's name (normalised): none below GUESS_MIN_NAME."""
    compact = key.replace(" ", "")
    return 0 if len(compact) < GUESS_MIN_NAME else 1 if len(compact) < 10 else 2


def everyday_words() -> frozenset[str]:
    try:
        lines = EVERYDAY_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def not_communes() -> dict[str, str]:
    """The names that are no commune (data/programme/not_communes.txt) as written there, by comparison key, longest
    first."""
    try:
        lines = NOT_COMMUNES_FILE.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    names = {normalise(line): line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return dict(sorted(names.items(), key=lambda item: len(item[0]), reverse=True))


def added_in_2019(since: Optional[str], today: Optional[dt.date] = None) -> bool:
    """Whether the commune is one of the 2019 additions to the zone, where only companies created from the
    parameter additions_2019.creation_start qualify (article 44 sexdecies II al. 6; arrêté of 11 April 2019)."""
    if not since:
        return False
    from assistant import bud  # the BUD rules read the communes, not the other way round: imported when needed

    start = bud.load_parameters().value("additions_2019.creation_start", today or dt.date.today())
    return dt.date.fromisoformat(str(since)[:10]) >= start


@dataclass
class Resolution:
    status: str  # found | ambiguous | not_found
    query: str
    match: Optional[str] = None  # postal_code | exact | prefix | fuzzy | guess | not_commune (a department…)
    communes: list[Commune] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "query": self.query,
            "match": self.match,
            "communes": [c.as_dict() for c in self.communes],
            "suggestions": self.suggestions,
        }


def load(conn: Connection, programme_dir: Path) -> int:
    with (programme_dir / "communes.csv").open(encoding="utf-8") as f:
        rows = [_row_to_record(row) for row in csv.DictReader(f)]
    conn.execute(communes.delete())
    conn.execute(communes.insert(), rows)
    return len(rows)


def _row_to_record(row: dict) -> dict:
    since = row.get("bud_since") or None
    return {
        "insee": row["insee"],
        "nom": row["nom"],
        "departement": row["departement"],
        "population": int(row["population"]) if row.get("population") else None,
        "codes_postaux": row["codes_postaux"],
        "epci_siren": row.get("epci_siren") or None,
        "epci_nom": row.get("epci_nom") or None,
        "bassin_minier": row["erbm_epci"] == "true",
        "bud": row["bud"] == "true",
        "bud_source": row.get("bud_source") or None,
        "bud_to_verify": row["bud_to_verify"] == "true",
        "bud_since": dt.date.fromisoformat(since) if since else None,
        "bud_since_certainty": row.get("bud_since_certainty") or None,
    }


class CommuneIndex:
    """An in-memory index of all communes (1 538 rows), rebuilt from the database when data change."""

    def __init__(self, rows: list[Commune]):
        self.by_insee = {c.insee: c for c in rows}
        self.by_key: dict[str, list[Commune]] = {}
        self.by_postal_code: dict[str, list[Commune]] = {}
        for commune in rows:
            self.by_key.setdefault(normalise(commune.nom), []).append(commune)
            for code in commune.codes_postaux:
                self.by_postal_code.setdefault(code, []).append(commune)
        self.keys = list(self.by_key)
        # « marles » → every Marles-…: the first words of each name, so that resolving one word scans nothing
        self.by_first_words: dict[str, list[Commune]] = {}
        for key in self.keys:
            words = key.split()
            for size in range(1, len(words)):
                found = self.by_first_words.setdefault(" ".join(words[:size]), [])
                found.extend(c for c in self.by_key[key] if c not in found)  # a name and its other spelling: once
        self._close_spellings: dict[str, list[tuple[str, float, int]]] = {}
        self.longer_names = self._longer_names()
        self.longest_name = max((len(k.split()) for k in self.keys), default=1)
        # Names one basin commune alone carries (homonyms are never guessed: « Saint-Aubin » needs its department).
        self.basin_keys = [k for k, found in self.by_key.items()
                           if len(found) == 1 and found[0].bassin_minier and guess_edits(k)]
        self.everyday_words = everyday_words()
        self.not_communes = not_communes()
        # « Marles », « Bruay » in a sentence: the first word of several communes' names, not an everyday word; of
        # more than MAX_CANDIDATES (« noyelles »: 9), the biggest are offered.
        self.first_words = {word: sorted(found, key=_by_size) for word, found in self.by_first_words.items()
                            if " " not in word and 1 < len(found) <= 2 * MAX_CANDIDATES and len(word) >= 4
                            and word not in self.everyday_words
                            and word not in self.by_key}

    def _longer_names(self) -> dict[str, list[Commune]]:
        """For each name that is also the first words of other names (« saint amand » → Saint-Amand-les-Eaux), those
        of a size people may mean by it whose answer differs from it (in the mining basin or the BUD zone)."""
        asked: dict[str, list[Commune]] = {}
        for head, longer in self.by_first_words.items():
            shorter = self.by_key.get(head)
            if not shorter:
                continue
            biggest = max(c.population or 0 for c in shorter)
            likely = [c for c in longer if (c.population or 0) >= LONGER_NAME_MIN_SHARE * biggest]
            if any(_classification(c) != _classification(e) for c in likely for e in shorter):
                asked[head] = sorted(likely, key=_by_size)
        return asked

    def _exact(self, key: str, department: Optional[str] = None) -> list[Commune]:
        """The communes of that exact name; with the longer names it starts when the answer would differ, unless a
        department was given (« Loos (59) », as the bot's own buttons write the shorter name)."""
        exact = self.by_key.get(key, [])
        if department:
            return [c for c in exact if c.departement == department] or exact
        if exact and key in self.longer_names:
            return sorted(exact + self.longer_names[key], key=_by_size)[:MAX_CANDIDATES]
        return exact

    @classmethod
    def from_connection(cls, conn: Connection) -> "CommuneIndex":
        result = conn.execute(sa.select(communes).order_by(communes.c.nom))
        return cls([_commune(row) for row in result.mappings()])

    def resolve(self, query: str) -> Resolution:
        """Resolve one place as typed: a name or a postal code."""
        code = POSTAL_CODE.search(query)
        if code:
            found = self.by_postal_code.get(code.group(1) + code.group(2), [])
            rest = (query[:code.start()] + " " + query[code.end():]).strip()
            if len(found) > 1 and normalise(rest):  # « wallers 59135 »: the name picks among the code's communes
                named = [c for c in self.resolve(rest).communes if c in found]
                found = named or found
            if found:
                status = "found" if len(found) == 1 else "ambiguous"
                return Resolution(status, query, "postal_code", sorted(found, key=_by_size))
            return Resolution("not_found", query, "postal_code")
        department = DEPARTMENT.search(query)
        key = normalise(DEPARTMENT.sub("", query))
        if key not in self.by_key:
            key = _strip_place_words(key)
        if not key:
            return Resolution("not_found", query)
        if key in self.not_communes:  # « pas de calais »: no commune, nor a close spelling of one
            return Resolution("not_found", self.not_communes[key], "not_commune")
        # « Saint-Aubin (62) », as the bot's own buttons write homonyms and shorter names
        exact = self._exact(key, department.group(1) if department else None)
        if exact:
            return Resolution("found" if len(exact) == 1 else "ambiguous", query, "exact", exact)
        prefixed = self.by_first_words.get(key)
        if prefixed:
            prefixed = sorted(prefixed, key=_by_size)[:MAX_CANDIDATES]
            return Resolution("found" if len(prefixed) == 1 else "ambiguous", query, "prefix", prefixed)
        return self._fuzzy(query, key)

    def _fuzzy(self, query: str, key: str) -> Resolution:
        scored = self._close_spellings.get(key)
        if scored is None:  # the cité search asks for every few words of a sentence: each spelling is scored once
            scored = process.extract(key, self.keys, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_SUGGEST)
            if len(self._close_spellings) < CLOSE_SPELLINGS_KEPT:
                self._close_spellings[key] = scored
        if not scored:
            return Resolution("not_found", query)
        best_key, best_score, _ = scored[0]
        runner_up = scored[1][1] if len(scored) > 1 else 0
        if best_score >= FUZZY_ACCEPT and best_score - runner_up >= 5 and len(self.by_key[best_key]) == 1:
            return Resolution("found", query, "fuzzy", self.by_key[best_key])
        names = [c.nom for k, _, _ in scored for c in self.by_key[k]]
        return Resolution("not_found", query, suggestions=names)

    def find_in_text(self, text: str) -> Resolution:
        """Find the places a sentence names (« bully les mines c'est en zone bud ? »), longest names first."""
        code = POSTAL_CODE.search(text)
        if code:
            by_code = self.resolve(code.group(0))
            if by_code.status == "ambiguous":  # « wallers 59135 c'est en zone ? »: the name picks among them
                named = [c for c in self.find_in_text(text[:code.start()] + " " + text[code.end():]).communes
                         if c in by_code.communes]
                if named:
                    return Resolution("found" if len(named) == 1 else "ambiguous", text, "postal_code", named)
            return by_code
        tokens = normalise(text).split()
        found: list[Commune] = []
        used: set[int] = set()
        regions = self._not_commune_spans(tokens)
        for size in range(min(self.longest_name, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                span = set(range(start, start + size))
                if span & used or any(span < region for region, _ in regions):
                    continue  # « calais » of « pas de calais »; « poix du nord » holds « nord » and stays
                key = " ".join(tokens[start : start + size])
                if size == 1 and key in COMMON_WORDS:
                    continue
                if key in self.by_key:
                    longer = self._misspelt_around(tokens, start, size)
                    if longer is not None:  # « noyelle sous lens » is not Lens
                        return Resolution("found", text, "fuzzy", [longer])
                    found.extend(c for c in self._exact(key) if c not in found)
                    used |= span
        if not found:
            in_regions = set().union(*(region for region, _ in regions))
            for position, token in enumerate(tokens):
                if token in self.first_words and position not in in_regions:
                    fuzzy = self._fuzzy_in_text(text, tokens)
                    if fuzzy.status == "found" and fuzzy.communes[0] in self.first_words[token]:
                        return fuzzy  # « henin beaumon »: one of those names misspelt, not a question between them
                    return Resolution("ambiguous", token, "prefix", self.first_words[token][:MAX_CANDIDATES])
            if regions:  # « tout le pas de calais est en zone bud ? »: a department, not a commune
                return Resolution("not_found", regions[0][1], "not_commune")
            return self._fuzzy_in_text(text, tokens)
        status = "found" if len(found) == 1 else "ambiguous"
        return Resolution(status, text, "exact", found[:MAX_CANDIDATES])

    def _not_commune_spans(self, tokens: list[str]) -> list[tuple[set[int], str]]:
        """Where the tokens spell a region's or a department's name (« pas de calais »): its positions, and the name
        as the data write it; longest names first, no two overlapping."""
        spans: list[tuple[set[int], str]] = []
        for key, name in self.not_communes.items():
            words = key.split()
            for start in range(len(tokens) - len(words) + 1):
                span = set(range(start, start + len(words)))
                if tokens[start:start + len(words)] == words and not any(span & taken for taken, _ in spans):
                    spans.append((span, name))
        return spans

    def _misspelt_around(self, tokens: list[str], start: int, size: int) -> Optional[Commune]:
        """The one commune whose longer name, misspelt, holds the name found at tokens[start:start+size]."""
        found = " ".join(tokens[start : start + size])
        best: dict[str, float] = {}
        for before in range(0, 3):
            for after in range(0, 3):
                if not before and not after or start - before < 0 or start + size + after > len(tokens):
                    continue
                span = " ".join(tokens[start - before : start + size + after])
                match = process.extractOne(span, self.keys, scorer=fuzz.ratio, score_cutoff=FUZZY_ACCEPT)
                if match and match[0] not in (span, found) and match[1] > best.get(match[0], 0):
                    best[match[0]] = match[1]
        if len(best) == 1 and len(self.by_key[next(iter(best))]) == 1:
            return self.by_key[next(iter(best))][0]
        return None

    def _fuzzy_in_text(self, text: str, tokens: list[str]) -> Resolution:
        """A close spelling of one commune in the sentence (« henin beaumon zone bud ? »), if only one fits."""
        best: dict[str, float] = {}
        for size in range(1, min(self.longest_name, len(tokens)) + 1):
            for start in range(len(tokens) - size + 1):
                span = " ".join(tokens[start : start + size])
                if len(span) < FUZZY_IN_TEXT_MIN_LENGTH:
                    continue
                match = process.extractOne(span, self.keys, scorer=fuzz.ratio, score_cutoff=FUZZY_ACCEPT)
                if match and match[1] > best.get(match[0], 0):
                    best[match[0]] = match[1]
        if len(best) == 1:
            key = next(iter(best))
            if len(self.by_key[key]) == 1:
                return Resolution("found", text, "fuzzy", self.by_key[key])
        return Resolution("not_found", text)

    def guess(self, text: str) -> Resolution:
        """The one commune of the basin a message may misspell (« et liévn ? », « les cités de harne »), to be
        asked back (« Vouliez-vous dire Liévin ? »), never answered. `found` with match `guess` and the words
        read as the name in `query`; `not_found` when the message names a commune as it is, names none, or
        could be several. A close spelling the resolution already accepts (match `fuzzy`) is a guess too."""
        named = self.find_in_text(text)
        if named.status != "not_found":
            if named.match == "fuzzy":
                return Resolution("found", text, "guess", named.communes)
            return Resolution("not_found", text)
        tokens = normalise(text).split()
        close: dict[str, tuple[int, str]] = {}
        for size in range(1, min(self.longest_name, len(tokens)) + 1):
            for start in range(len(tokens) - size + 1):
                window = tokens[start : start + size]
                span = " ".join(window)
                if len(span.replace(" ", "")) < GUESS_MIN_TYPED or span in self.by_key:
                    continue
                if size == 1 and span in self.everyday_words:
                    continue
                for key in self.basin_keys:
                    if key[0] != span[0] or abs(len(key) - len(span)) > guess_edits(key):
                        continue
                    edits = DamerauLevenshtein.distance(span, key)
                    if edits <= guess_edits(key) and edits < close.get(key, (99, ""))[0]:
                        close[key] = (edits, span)
        if not close:
            return Resolution("not_found", text)
        fewest = min(edits for edits, _ in close.values())
        best = [key for key, (edits, _) in close.items() if edits == fewest]
        if len(best) != 1:
            return Resolution("not_found", text)  # « henain »: Denain or Fenain? Nothing is guessed.
        return Resolution("found", close[best[0]][1], "guess", self.by_key[best[0]])

    def get(self, insee: str) -> Optional[Commune]:
        return self.by_insee.get(insee)


_PLACE_WORDS = ("la commune de ", "commune de ", "ville de ", "village de ", "a ", "sur ", "de ")


def _strip_place_words(key: str) -> str:
    """« à Lens », « commune de Lens » → « lens »."""
    for word in _PLACE_WORDS:
        if key.startswith(word):
            return key[len(word):]
    return key


def _classification(commune: Commune) -> tuple[bool, bool]:
    return commune.bassin_minier, commune.bud


def _by_size(commune: Commune) -> tuple:
    return (-(commune.population or 0), commune.nom)


def _commune(row) -> Commune:
    return Commune(
        insee=row["insee"],
        nom=row["nom"],
        departement=row["departement"],
        population=row["population"],
        codes_postaux=tuple(row["codes_postaux"].split()),
        epci_siren=row["epci_siren"],
        epci_nom=row["epci_nom"],
        bassin_minier=row["bassin_minier"],
        bud=row["bud"],
        bud_methode=row["bud_source"],
        bud_a_verifier=row["bud_to_verify"],
        bud_depuis=row["bud_since"].isoformat() if row["bud_since"] else None,
        bud_depuis_certitude=row["bud_since_certainty"],
    )
