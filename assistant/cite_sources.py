"""The Mission Bassin Minier's cité layers (Licence Ouverte 2.0) turned into cités of the programme data.

Three layers, as republished in rlespinasse/bassin-minier-unesco (see data/programme/PROVENANCE.md):
- ERBM: the cités of the renovation programme (`id_lsm`, name, communes, type, company, heritage interest, landlord);
- buffer zone (zone tampon) of the UNESCO World Heritage property: same columns; a name ending with « (partie en
  zone-tampon) » is a cité only partly in the buffer zone;
- inscribed property (bien inscrit): one row per polygon with its UNESCO element (`id_unesco`), type, company and
  listed-monument flags. Rows without `id_unesco` are not property polygons: the republisher's enrichment script
  appended to that layer the ERBM cités it could not match by name (scripts/enrich_geojson.py at commit 2472f0b);
  they are read as ERBM rows of that later extract.

`records(kind, rows, communes)` gives one record per source row; `merge(records)` puts together the records that
describe the same cité (same `id_lsm`, or the same name key in a shared commune), so that one cité carries every
fact: in the ERBM list, part of the inscribed property, in the buffer zone. The build script
(scripts/build_cites.py) and the staff import of a newer extract (assistant/cites.py) use the same functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

from assistant.text import fold, normalise

ERBM = "erbm"
ZONE_TAMPON = "zone_tampon"
BIEN_INSCRIT = "bien_inscrit"

# Each layer: its French name, the extract's date (the republisher's commit) and the columns that identify it.
LAYERS = {
    ERBM: {
        "nom": "Mission Bassin Minier, couche « cités ERBM »",
        "date": "2026-03-10",
        "header": ("id_lsm", "nom", "nom_2", "commune_1", "proprietaire"),
    },
    ZONE_TAMPON: {
        "nom": "Mission Bassin Minier, cités minières de la zone tampon UNESCO",
        "date": "2026-04-21",
        "header": ("id_lsm", "nom", "nom_2", "commune_1", "proprietaire"),
    },
    BIEN_INSCRIT: {
        "nom": "Mission Bassin Minier, cités minières du bien inscrit au patrimoine mondial (UNESCO)",
        "date": "2026-04-21",
        "header": ("id_unesco", "element", "nom", "commune_1", "inscrit_mh", "classe_mh"),
    },
}
LICENCE = "Licence Ouverte 2.0"
# ERBM cités appended to the property layer by the republisher (no id_unesco): ERBM facts of the later extract.
ERBM_APPENDED = "erbm_annexe"
ERBM_APPENDED_SOURCE = "Mission Bassin Minier, couche « cités ERBM » republiée avec le bien inscrit"

LANDLORDS = {
    "maisons et cites": "Maisons & Cités",
    "sia": "SIA Habitat",
    "maisons et cites / sia": "Maisons & Cités et SIA Habitat",
    "partenord": "Partenord Habitat",
}
PARTLY = re.compile(r"\(\s*partie en zone[- ]tampon\s*\)", re.IGNORECASE)
PARENTHESIS = re.compile(r"\s*\(([^)]*)\)\s*")
ABBREVIATIONS = ((re.compile(r"\bRés\.\s*", re.IGNORECASE), "Résidence "), (re.compile(r"\bCIté\b"), "Cité"))
# Words that do not tell one cité from another in a name key.
KEY_FILLER = frozenset(
    "cite cites coron corons quartier residence res la le les l de des du d au aux n no numero et".split()
)


def detect(header: Sequence[str]) -> Optional[str]:
    """Which layer a CSV header is (ERBM and buffer zone share columns: the caller says which), or None."""
    names = {h.strip().lower() for h in header}
    if set(LAYERS[BIEN_INSCRIT]["header"]) <= names:
        return BIEN_INSCRIT
    if set(LAYERS[ERBM]["header"]) <= names:
        return ERBM
    return None


def clean_name(raw: str) -> tuple[str, list[str], bool]:
    """« Cité n°12 de Lens (Saint-Édouard) » → (« Cité n°12 de Lens », [« Saint-Édouard »], False);
    « Cité Deblock (partie en zone-tampon) » → (« Cité Deblock », [], True)."""
    partly = bool(PARTLY.search(raw))
    text = PARTLY.sub(" ", raw)
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    aliases = [a.strip() for a in PARENTHESIS.findall(text) if a.strip()]
    name = " ".join(PARENTHESIS.sub(" ", text).split())
    return name, aliases, partly


def split_aliases(raw: str) -> list[str]:
    """The `nom_2` column: « Cité du Maroc ou Rés. de la Croisette » → two names; « + Résidence Washington »."""
    text = raw.strip().lstrip("+").strip()
    if not text:
        return []
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return [part.strip() for part in re.split(r"\s+ou\s+", text) if part.strip()]


def name_key(name: str) -> str:
    """A key that two spellings of one cité share: « Cité des Agaches » and « Cité Agache », « Rés. du Parc » and
    « Cité du Parc », « Cité Darçy » and « Cité Darcy »."""
    words = []
    for word in normalise(name.replace("n°", " ").replace("N°", " ")).split():
        if word in KEY_FILLER:
            continue
        words.append(word[:-1] if len(word) > 3 and word[-1] in "sx" else word)
    return " ".join(words)


@dataclass
class Record:
    """What one source row says about one cité."""

    layer: str  # erbm | zone_tampon | bien_inscrit | erbm_annexe
    ref: str  # the row's identifier in its layer (id_lsm or id_unesco), or its name for appended rows
    nom: str
    autres_noms: list[str]
    communes: list[str]  # INSEE codes, in the source's order
    type: str = ""
    compagnie: str = ""
    interet: str = ""
    bailleur: str = ""
    id_lsm: str = ""
    partly_buffer: bool = False
    inscrit_mh: bool = False
    classe_mh: bool = False

    @property
    def keys(self) -> set[str]:
        return {k for k in (name_key(n) for n in [self.nom, *self.autres_noms]) if k}

    @property
    def main_key(self) -> str:
        return name_key(self.nom)


def _landlord(raw: str) -> str:
    key = " ".join(fold(raw).split())
    return LANDLORDS.get(key, raw.strip())


def records(layer: str, rows: Iterable[Mapping[str, str]], insee_of) -> tuple[list[Record], list[str]]:
    """The records of a layer's rows and the problems found (French, one per row). `insee_of(name, code)` gives the
    INSEE code of a commune named by the source (its derived code first), or None."""
    found, problems = [], []
    for line, row in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        name, aliases, partly = clean_name(row.get("nom", ""))
        if not name:
            problems.append(f"ligne {line} : nom vide")
            continue
        codes = []
        for i in (1, 2, 3):
            commune = row.get(f"commune_{i}", "")
            if not commune:
                continue
            code = insee_of(commune, row.get(f"insee_commune_{i}_derive", ""))
            if code is None:
                problems.append(f"ligne {line} : commune inconnue {commune!r} ({name})")
            elif code not in codes:
                codes.append(code)
        kind = layer
        ref = row.get("id_lsm", "")
        if layer == BIEN_INSCRIT:
            ref = row.get("id_unesco", "")
            if not ref:
                kind, ref = ERBM_APPENDED, name
        for alias in split_aliases(row.get("nom_2", "")):
            if alias not in aliases:
                aliases.append(alias)
        found.append(
            Record(
                layer=kind,
                ref=ref,
                nom=name,
                autres_noms=[a for a in aliases if name_key(a) and name_key(a) != name_key(name)],
                communes=codes,
                type=row.get("type", ""),
                compagnie=row.get("compagnie", ""),
                interet=row.get("interet", ""),
                bailleur=_landlord(row.get("proprietaire", "")),
                id_lsm=row.get("id_lsm", ""),
                partly_buffer=partly,
                inscrit_mh=row.get("inscrit_mh", "").lower() == "oui",
                classe_mh=row.get("classe_mh", "").lower() == "oui",
            )
        )
    return found, problems


@dataclass
class Merged:
    """One cité put together from the records that describe it."""

    records: list[Record] = field(default_factory=list)

    def add(self, record: Record) -> None:
        self.records.append(record)

    @property
    def communes(self) -> list[str]:
        codes: list[str] = []
        for record in self._by_priority():
            codes.extend(c for c in record.communes if c not in codes)
        return codes

    @property
    def keys(self) -> set[str]:
        return set().union(*(r.keys for r in self.records))

    def _by_priority(self) -> list[Record]:
        order = {ERBM: 0, ERBM_APPENDED: 1, ZONE_TAMPON: 2, BIEN_INSCRIT: 3}
        return sorted(self.records, key=lambda r: order[r.layer])

    def first(self, name: str) -> str:
        return next((getattr(r, name) for r in self._by_priority() if getattr(r, name)), "")

    @property
    def nom(self) -> str:
        return self._by_priority()[0].nom

    @property
    def autres_noms(self) -> list[str]:
        names: list[str] = []
        main = name_key(self.nom)
        for record in self._by_priority():
            for n in [record.nom, *record.autres_noms]:
                if name_key(n) != main and n not in names and name_key(n) not in {name_key(x) for x in names}:
                    names.append(n)
        return names

    def layers(self) -> set[str]:
        return {r.layer for r in self.records}

    def refs(self) -> list[str]:
        return [f"{r.layer}:{r.ref}" for r in self._by_priority()]


def same_cite(a: Merged, record: Record) -> bool:
    """Same `id_lsm` (the ERBM and buffer-zone layers share it), or a shared name key and a shared commune."""
    if record.id_lsm and any(r.id_lsm == record.id_lsm for r in a.records):
        return True
    if not (a.keys & record.keys):
        return False
    return bool(set(a.communes) & set(record.communes))


def merge(all_records: Iterable[Record]) -> list[Merged]:
    """Group the records of one cité; rows of one layer with different identifiers stay different cités."""
    merged: list[Merged] = []
    for record in all_records:
        target = None
        for candidate in merged:
            if any(r.layer == record.layer and r.ref != record.ref for r in candidate.records) and not (
                record.id_lsm and any(r.id_lsm == record.id_lsm for r in candidate.records)
            ):
                continue  # two rows of one layer are two cités (« Cité de la Gare » of Auchel and of Noeux)
            if same_cite(candidate, record):
                target = candidate
                break
        if target is None:
            target = Merged()
            merged.append(target)
        target.add(record)
    return merged
