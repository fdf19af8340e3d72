"""Employment structures (missions locales, France Travail agencies, PLIE, …) in the `employment_structures` table.

It is filled from data/programme/employment/structures.csv on a database's first start; staff then keep it up to
date through the API or a CSV import (or the official directory's export), and every change is kept in the history
(assistant/history.py). Nothing is cached: the bot sees a change at once.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant import csv_import, directory, history
from assistant.communes import Commune, CommuneIndex
from assistant.storage import metadata, split_list, utc_iso, utcnow
from assistant.text import normalise

STRUCTURES_FILE = Path("employment") / "structures.csv"
HISTORY_KIND = "employment_structure"

KINDS = (
    "mission_locale", "france_travail", "plie", "cap_emploi", "maison_emploi", "training", "other",
    "cio", "cij", "france_services", "agefiph", "apec",
)
KIND_LABELS = {
    "mission_locale": "mission locale",
    "france_travail": "agence France Travail",
    "plie": "PLIE",
    "cap_emploi": "Cap emploi",
    "maison_emploi": "maison de l'emploi",
    "training": "organisme de formation",
    "other": "autre service pour l'emploi",
    "cio": "centre d'information et d'orientation (CIO)",
    "cij": "information jeunesse",
    "france_services": "France services",
    "agefiph": "Agefiph",
    "apec": "Apec",
}
# Where to check an office's details: the official directory (its data are the source of many structures).
OFFICIAL_DIRECTORY = "lannuaire.service-public.fr"
MAX_BY_EPCI = 3  # offices of one kind shown for a commune through its EPCI (France services can be many)
# The columns of structures.csv and of a staff import, in order.
STRUCTURE_FIELDS = (
    "nom", "kind", "communes", "epci", "adresse", "contact", "horaires", "note", "source", "source_date"
)
CSV_COLUMNS = ("id",) + STRUCTURE_FIELDS + ("updated_by", "updated_at")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 80
MAX_NAME = 200
MAX_TEXT = 500
LIST_SEPARATOR = re.compile(r"[;|]")

structures_table = sa.Table(
    "employment_structures",
    metadata,
    sa.Column("id", sa.String(MAX_ID), primary_key=True),
    sa.Column("nom", sa.String(MAX_NAME), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("communes", sa.Text, nullable=False),  # INSEE codes, ';'
    sa.Column("epci", sa.Text, nullable=False),  # SIREN numbers, ';'
    sa.Column("adresse", sa.Text),
    sa.Column("contact", sa.Text),
    sa.Column("horaires", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("source_date", sa.String(10)),  # the date of the source's data: YYYY, YYYY-MM or YYYY-MM-DD
)


@dataclass(frozen=True)
class Structure:
    id: str
    nom: str
    kind: str
    communes: tuple[str, ...]  # INSEE codes
    epci: tuple[str, ...]  # SIREN numbers
    adresse: Optional[str] = None
    contact: Optional[str] = None
    horaires: Optional[str] = None
    note: Optional[str] = None
    source: str = ""
    updated_by: str = ""
    updated_at: Optional[str] = None
    source_date: Optional[str] = None

    def fields(self) -> dict:
        """The staff-maintained fields as stored and kept in the history (lists joined with ';')."""
        return {
            "nom": self.nom,
            "kind": self.kind,
            "communes": ";".join(self.communes),
            "epci": ";".join(self.epci),
            **self._texts(),
        }

    def _texts(self) -> dict:
        return {name: getattr(self, name) for name in ("adresse", "contact", "horaires", "note", "source", "source_date")}

    def as_dict(self, communes: Optional[CommuneIndex] = None) -> dict:
        names = _EpciNames(communes)
        return {
            "id": self.id,
            "nom": self.nom,
            "kind": self.kind,
            "kind_label": KIND_LABELS[self.kind],
            "communes": [{"insee": i, "nom": names.commune(i)} for i in self.communes],
            "epci": [{"siren": s, "nom": names.epci(s)} for s in self.epci],
            **self._texts(),
            "annuaire_officiel": OFFICIAL_DIRECTORY if "service-public" in self.source.lower() else None,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at,
        }


class _EpciNames:
    def __init__(self, communes: Optional[CommuneIndex]):
        self.index = communes
        self.epcis = epci_index(communes) if communes is not None else None

    def commune(self, insee: str) -> Optional[str]:
        found = self.index.get(insee) if self.index is not None else None
        return found.nom if found else None

    def epci(self, siren: str) -> Optional[str]:
        return self.epcis.names.get(siren) if self.epcis is not None else None


_EPCI_TYPES = (
    ("communaute d agglomeration", "ca"),
    ("communaute de communes", "cc"),
    ("communaute urbaine", "cu"),
    ("metropole europeenne", "mel"),
)
_EPCI_STOPWORDS = frozenset({"de", "d", "du", "des", "la", "le", "l", "les"})
_PARENTHESIS = re.compile(r"\(([^)]*)\)")
_SIREN = re.compile(r"^\d{9}$")


def _epci_key(text: str) -> str:
    key = " " + normalise(_PARENTHESIS.sub(" ", text)) + " "
    for long, short in _EPCI_TYPES:
        key = key.replace(f" {long} ", f" {short} ")
    return " ".join(t for t in key.split() if t not in _EPCI_STOPWORDS)


class EpciIndex:
    """The EPCI of Nord and Pas-de-Calais, found by SIREN or by name as sources spell them.

    « CC Coeur d'Ostrevent (CCCO) », « CC Cœur d'Ostrevent », « Communauté de communes Cœur d'Ostrevent »,
    « Coeur d'Ostrevent » and « CCCO » all name the same EPCI.
    """

    def __init__(self, names: Mapping[str, str]):
        self.names = dict(names)
        self.by_key: dict[str, set[str]] = {}
        for siren, name in self.names.items():
            full = _epci_key(name)
            keys = {full, full.split(" ", 1)[1] if " " in full else full}
            keys |= {normalise(acronym) for acronym in _PARENTHESIS.findall(name)}
            for key in keys:
                self.by_key.setdefault(key, set()).add(siren)

    @classmethod
    def from_communes(cls, communes: CommuneIndex) -> "EpciIndex":
        return cls({c.epci_siren: c.epci_nom for c in communes.by_insee.values() if c.epci_siren and c.epci_nom})

    def resolve(self, text: str) -> Optional[str]:
        """The SIREN of the EPCI the text names, or None when it names none or several."""
        text = text.strip()
        if _SIREN.match(text):
            return text if text in self.names else None
        candidates = [_epci_key(text), *(normalise(a) for a in _PARENTHESIS.findall(text))]
        for key in candidates:
            found = self.by_key.get(key)
            if found and len(found) == 1:
                return next(iter(found))
        return None


_epci_indexes: "weakref.WeakKeyDictionary[CommuneIndex, EpciIndex]" = weakref.WeakKeyDictionary()
_epci_lock = threading.Lock()


def epci_index(communes: CommuneIndex) -> EpciIndex:
    """The EPCI index of a commune index, built once (a new commune index, after a data change, gets a new one)."""
    with _epci_lock:
        found = _epci_indexes.get(communes)
        if found is None:
            found = _epci_indexes[communes] = EpciIndex.from_communes(communes)
        return found


class InvalidStructure(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class StructureNotFound(LookupError):
    pass


class StructureExists(ValueError):
    pass


def slugify(name: str) -> str:
    """A readable id from a name: « Mission Locale Hénin-Carvin » → mission-locale-henin-carvin."""
    words = normalise(name).split()
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 60:
            break
        slug = candidate
    return slug


def clean_structure(values: Mapping[str, Any], communes: CommuneIndex, epcis: EpciIndex) -> dict:
    """Check and normalise the staff fields of a structure; raise InvalidStructure with every problem, in French.

    Communes are given by INSEE code or exact name, EPCI by SIREN or name; they are stored as codes.
    """
    errors: list[str] = []
    clean: dict[str, Any] = {}

    def text(name: str, required: bool, limit: int) -> None:
        value = values.get(name)
        value = " ".join(str(value).split()) if value is not None else ""
        if not value:
            if required:
                errors.append(f"le champ {name} est obligatoire")
            clean[name] = None
        elif len(value) > limit:
            errors.append(f"le champ {name} dépasse {limit} caractères")
        else:
            clean[name] = value

    text("nom", True, MAX_NAME)
    kind = values.get("kind")
    if not kind:
        errors.append("le champ kind est obligatoire")
    elif kind not in KINDS:
        errors.append(f"le type {kind!r} n'existe pas ; types possibles : {', '.join(KINDS)}")
    clean["kind"] = kind
    clean["communes"] = _codes(values.get("communes"), lambda q: _commune_code(q, communes), errors)
    clean["epci"] = _codes(values.get("epci"), lambda q: _epci_code(q, epcis), errors)
    if not clean["communes"] and not clean["epci"] and not errors:
        errors.append("indiquez au moins une commune ou un EPCI servi par la structure")
    for name in ("adresse", "contact", "horaires", "note"):
        text(name, False, MAX_TEXT)
    text("source", True, MAX_TEXT)
    date = values.get("source_date")
    date = str(date).strip() if date is not None else ""
    if date and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        errors.append(f"le champ source_date vaut {date[:20]!r}, attendu : AAAA, AAAA-MM ou AAAA-MM-JJ")
    clean["source_date"] = date or None
    if errors:
        raise InvalidStructure(errors)
    return clean


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in LIST_SEPARATOR.split(value) if p.strip()]
    return [str(p).strip() for p in value if str(p).strip()]


def _codes(value: Any, resolve, errors: list[str]) -> str:
    codes: list[str] = []
    for item in _as_list(value):
        code, error = resolve(item)
        if error:
            errors.append(error)
        elif code not in codes:
            codes.append(code)
    return ";".join(codes)


def _commune_code(query: str, communes: CommuneIndex) -> tuple[Optional[str], Optional[str]]:
    if re.fullmatch(r"\d[0-9AB]\d{3}", query):
        if communes.get(query) is None:
            return None, f"aucune commune avec le code INSEE {query!r}"
        return query, None
    resolution = communes.resolve(query)
    if resolution.status == "found" and resolution.match == "exact":
        return resolution.communes[0].insee, None
    if resolution.status == "ambiguous" and resolution.match == "exact":
        options = ", ".join(f"{c.nom} ({c.insee})" for c in resolution.communes)
        return None, f"la commune {query!r} est ambiguë : donnez son code INSEE ({options})"
    candidates = [c.nom for c in resolution.communes] or resolution.suggestions
    hint = f" ; vouliez-vous dire : {', '.join(candidates[:5])} ?" if candidates else ""
    return None, f"commune inconnue : {query!r} (donnez son code INSEE ou son nom exact){hint}"


def _epci_code(query: str, epcis: EpciIndex) -> tuple[Optional[str], Optional[str]]:
    siren = epcis.resolve(query)
    if siren is None:
        return None, f"EPCI inconnu : {query!r} (donnez son numéro SIREN ou son nom)"
    return siren, None


def _structure(row: Mapping[str, Any]) -> Structure:
    return Structure(
        id=row["id"],
        nom=row["nom"],
        kind=row["kind"],
        communes=split_list(row["communes"]),
        epci=split_list(row["epci"]),
        adresse=row["adresse"],
        contact=row["contact"],
        horaires=row["horaires"],
        note=row["note"],
        source=row["source"],
        updated_by=row["updated_by"],
        updated_at=utc_iso(row["updated_at"]),
        source_date=row.get("source_date"),
    )


def all_structures(conn: Connection) -> list[Structure]:
    rows = conn.execute(sa.select(structures_table).order_by(structures_table.c.nom)).mappings()
    return [_structure(row) for row in rows]


def get_structure(conn: Connection, structure_id: str) -> Optional[Structure]:
    row = conn.execute(sa.select(structures_table).where(structures_table.c.id == structure_id)).mappings().first()
    return _structure(row) if row else None


def structures_for(structures: Iterable[Structure], commune: Commune, kind: Optional[str] = None) -> list[tuple]:
    """Every structure serving the commune (by commune, then by its EPCI): a list of (structure, match)."""
    by_commune, by_epci = [], []
    for structure in structures:
        if kind is not None and structure.kind != kind:
            continue
        if commune.insee in structure.communes:
            by_commune.append((structure, "commune"))
        elif commune.epci_siren and commune.epci_siren in structure.epci:
            by_epci.append((structure, "epci"))
    return by_commune + by_epci


def local_structures(structures: Iterable[Structure], commune: Optional[Commune], kinds: Sequence[str]) -> list[tuple]:
    """The structures of these kinds for the commune, kind by kind in the route's order: those naming the commune
    if any, else those of its EPCI (at most MAX_BY_EPCI of a kind)."""
    if commune is None or not kinds:
        return []
    matches = structures_for(structures, commune)
    found = []
    for kind in kinds:
        of_kind = [m for m in matches if m[0].kind == kind]
        by_commune = [m for m in of_kind if m[1] == "commune"]
        found.extend(by_commune or of_kind[:MAX_BY_EPCI])
    return found


def _write(conn: Connection, structure_id: str, clean: Mapping[str, Any], by: str, exists: bool) -> None:
    record = {**clean, "updated_by": by, "updated_at": utcnow()}
    if exists:
        conn.execute(structures_table.update().where(structures_table.c.id == structure_id).values(**record))
    else:
        conn.execute(structures_table.insert().values(id=structure_id, **record))


def _check_id(structure_id: str) -> None:
    if len(structure_id) > MAX_ID or not ID_PATTERN.match(structure_id):
        raise InvalidStructure(
            [f"l'identifiant {structure_id!r} n'est pas valide : minuscules, chiffres et tirets, {MAX_ID} caractères au plus"]
        )


def create_structure(
    engine: Engine, values: Mapping[str, Any], communes: CommuneIndex, by: str, structure_id: Optional[str] = None
) -> Structure:
    """Add a structure (its id derived from its name unless given); raise StructureExists if the id is taken."""
    clean = clean_structure(values, communes, epci_index(communes))
    structure_id = structure_id or slugify(clean["nom"])
    _check_id(structure_id)
    try:
        with engine.begin() as conn:
            if get_structure(conn, structure_id) is not None:
                raise StructureExists(structure_id)
            _write(conn, structure_id, clean, by, exists=False)
            history.record(conn, HISTORY_KIND, structure_id, {}, clean, by, "api")
            return get_structure(conn, structure_id)
    except sa.exc.IntegrityError as error:  # the same id added at the same moment by someone else
        raise StructureExists(structure_id) from error


def update_structure(
    engine: Engine, structure_id: str, values: Mapping[str, Any], communes: CommuneIndex, by: str, partial: bool
) -> Structure:
    """Replace a structure's fields (PUT) or only those given (PATCH); the change is kept in the history."""
    with engine.begin() as conn:
        current = get_structure(conn, structure_id)
        if current is None:
            raise StructureNotFound(structure_id)
        before = current.fields()
        merged = {**before, **values} if partial else dict(values)
        clean = clean_structure(merged, communes, epci_index(communes))
        if history.record(conn, HISTORY_KIND, structure_id, before, clean, by, "api"):
            _write(conn, structure_id, clean, by, exists=True)
        return get_structure(conn, structure_id)


def structure_history(conn: Connection, structure_id: str) -> list[history.Change]:
    return history.list_changes(conn, HISTORY_KIND, structure_id)


def import_structures(engine: Engine, text: str, communes: CommuneIndex, by: str) -> csv_import.ImportReport:
    """Import a CSV of structures, all lines or none (csv_import.ImportRejected lists every error in French).

    A line with the id (or, without id, the name) of a known structure updates the columns the file has; any
    other line adds a structure. The columns updated_by and updated_at are accepted and ignored: the service
    sets them.
    """
    epcis = epci_index(communes)
    ids_in_file: dict[str, str] = {}

    def target(values: Mapping[str, Any]) -> Optional[str]:
        return values.get("id") or (slugify(values["nom"]) if values.get("nom") else None)

    def merged(conn: Connection, structure_id: str, values: Mapping[str, Any]) -> tuple[dict, dict]:
        current = get_structure(conn, structure_id)
        before = current.fields() if current else {}
        given = {k: v for k, v in values.items() if k in STRUCTURE_FIELDS}
        return before, {**before, **given}

    def check_row(conn: Connection, values: csv_import.Values) -> list[str]:
        structure_id = target(values)
        if structure_id is None:
            return ["donnez l'id d'une structure existante, ou le nom d'une nouvelle structure"]
        errors: list[str] = []
        before: dict = {}
        if values.get("id") is None and structure_id in ids_in_file:
            errors.append(f"la structure {structure_id!r} figure deux fois dans le fichier")
        ids_in_file[structure_id] = structure_id
        try:
            _check_id(structure_id)
            before, after = merged(conn, structure_id, values)
            clean_structure(after, communes, epcis)
        except InvalidStructure as error:
            if before:
                errors.extend(error.errors)
            else:
                errors.extend(f"nouvelle structure {structure_id!r} : {e}" for e in error.errors)
        return errors

    def apply_row(conn: Connection, values: csv_import.Values) -> Optional[csv_import.RowChange]:
        structure_id = target(values)
        before, after = merged(conn, structure_id, values)
        clean = clean_structure(after, communes, epcis)
        if {k: history.as_text(v) for k, v in before.items()} == {k: history.as_text(v) for k, v in clean.items()}:
            return None
        _write(conn, structure_id, clean, by, exists=bool(before))
        return csv_import.RowChange(structure_id, before, clean)

    schema = csv_import.Schema(
        entity_kind=HISTORY_KIND,
        columns=(
            csv_import.Column("id", expected="un identifiant (minuscules, chiffres et tirets)"),
            csv_import.Column("nom"),
            csv_import.Column("kind", allowed=KINDS),
            csv_import.Column("communes", parse=_as_list, expected="des codes INSEE ou noms séparés par ';'"),
            csv_import.Column("epci", parse=_as_list, expected="des SIREN ou noms d'EPCI séparés par ';'"),
            csv_import.Column("adresse"),
            csv_import.Column("contact"),
            csv_import.Column("horaires"),
            csv_import.Column("note"),
            csv_import.Column("source"),
            csv_import.Column("source_date", expected="AAAA, AAAA-MM ou AAAA-MM-JJ"),
            csv_import.Column("updated_by"),
            csv_import.Column("updated_at"),
        ),
        key="id",
        check_row=check_row,
    )
    return csv_import.run_import(engine, text, schema, apply_row, by)


def directory_format(text: str) -> Optional[str]:
    """« extrait_2019 » or « annuaire_actuel » when the text is Service-Public.fr's directory (CSV, or JSON for
    today's publication), else None."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith(("[", "{")):
        return "annuaire_actuel"
    first = stripped.splitlines()[0] if stripped else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return directory.detect(next(csv.reader([first], delimiter=delimiter), []))


def _directory_rows(text: str) -> tuple[str, list[dict]]:
    stripped = text.lstrip("\ufeff").lstrip()
    kind = directory_format(text)
    if stripped.startswith(("[", "{")):
        document = json.loads(stripped)
        if isinstance(document, dict):  # {"service": [...]} as DILA's dump, or one record
            document = next((v for v in document.values() if isinstance(v, list)), [document])
        return kind, [r for r in document if isinstance(r, dict)]
    first = stripped.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return kind, list(csv.DictReader(io.StringIO(stripped, newline=""), delimiter=delimiter))


def import_directory(engine: Engine, text: str, communes: CommuneIndex, by: str) -> csv_import.ImportReport:
    """Import Service-Public.fr's directory (the 2019 extract's columns, or today's publication in JSON or CSV):
    each office updates the structure it is (same id; for a Mission locale, the one of the same EPCI) when its data
    are at least as recent (source_date), or is added. Staff corrections newer than the file are kept. All or none."""
    try:
        kind, rows = _directory_rows(text)
    except (json.JSONDecodeError, csv.Error) as error:
        raise csv_import.ImportRejected([csv_import.LineError(1, f"fichier illisible ({error})")])
    offices = directory.from_2019_rows(rows) if kind == "extrait_2019" else directory.from_current_rows(rows)
    epci_of = {c.insee: c.epci_siren for c in communes.by_insee.values() if c.epci_siren}
    offices = directory.with_coverage(offices, epci_of, epci_of.values())
    if not offices:
        raise csv_import.ImportRejected([csv_import.LineError(2, "aucun service pour l'emploi du Nord ou du "
                                                                 "Pas-de-Calais dans ce fichier")])
    epcis = epci_index(communes)
    when = utcnow()
    recorded: list[history.Change] = []
    errors: list[csv_import.LineError] = []
    with engine.begin() as conn:
        current = all_structures(conn)
        for line, office in enumerate(offices, start=2):
            target = _same_structure(current, office, epci_of)
            before = target.fields() if target else {}
            after = {**before, **{k: office[k] for k in STRUCTURE_FIELDS if k in office}}
            if target is not None:
                # A hand-curated structure keeps its name, its own source named first and its note.
                after.update(
                    nom=target.nom,
                    communes=";".join(dict.fromkeys([*target.communes, *office["communes"].split(";")])),
                    epci=";".join(dict.fromkeys([*target.epci, *filter(None, office["epci"].split(";"))])),
                    note=target.note if target.note and not office["note"] else after["note"],
                    source=_with_source(target.source, office["source"]),
                )
                if csv_import.older_source_date(office["source_date"], target.source_date):
                    continue
                edited = _staff_edited_on(conn, target.id)
                if edited and not csv_import.older_source_date(edited, office["source_date"] or ""):
                    continue  # a staff correction made after the file's data is kept
            try:
                clean = clean_structure(after, communes, epcis)
            except InvalidStructure as error:
                errors.extend(csv_import.LineError(line, f"{office['nom']} : {e}") for e in error.errors)
                continue
            structure_id = target.id if target else office["id"]
            if before and {k: history.as_text(v) for k, v in before.items()} == {
                k: history.as_text(v) for k, v in clean.items()
            }:
                continue
            _write(conn, structure_id, clean, by, exists=target is not None)
            recorded.extend(history.record(conn, HISTORY_KIND, structure_id, before, clean, by, "import", when))
        if errors:
            raise csv_import.ImportRejected(errors)
    return csv_import.ImportReport(rows=len(offices), changes=recorded)


def _staff_edited_on(conn: Connection, structure_id: str) -> Optional[str]:
    """The day of the last change a staff member made through the API, if any (YYYY-MM-DD)."""
    found = conn.execute(
        sa.select(sa.func.max(history.changes.c.changed_at))
        .where(history.changes.c.entity_kind == HISTORY_KIND, history.changes.c.entity_key == structure_id)
        .where(history.changes.c.via == "api")
    ).scalar()
    return found.date().isoformat() if found else None


def _same_structure(
    current: Sequence[Structure], office: Mapping[str, Any], epci_of: Mapping[str, str]
) -> Optional[Structure]:
    """The structure an office of the directory is: same id, else for a Mission locale the one Mission locale
    serving the EPCI of the office's commune."""
    for structure in current:
        if structure.id == office["id"]:
            return structure
    if office["kind"] == "mission_locale":
        epci = epci_of.get(office["communes"].split(";")[0]) if office["communes"] else None
        same = [s for s in current if s.kind == "mission_locale" and epci and epci in s.epci]
        if len(same) == 1:
            return same[0]
    return None


def _with_source(current: str, new: str) -> str:
    """The structure's own source first, then the directory's (replacing an older directory extract)."""
    parts = [p for p in current.split(" ; ") if "service-public" not in p.lower()]
    return " ; ".join([*parts, new])


def load(conn: Connection, programme_dir: Path) -> int:
    """Fill the table from the shipped structures.csv (communes must be loaded first)."""
    communes = CommuneIndex.from_connection(conn)
    epcis = EpciIndex.from_communes(communes)
    records, errors = [], []
    with (programme_dir / STRUCTURES_FILE).open(encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                _check_id(row["id"])
                clean = clean_structure(row, communes, epcis)
            except InvalidStructure as error:
                errors.append(f"{STRUCTURES_FILE} line {line}: {error}")
                continue
            when = row.get("updated_at") or None
            records.append(
                {
                    "id": row["id"],
                    **clean,
                    "updated_by": row.get("updated_by") or "données publiées",
                    "updated_at": _parse_datetime(when) if when else utcnow(),
                }
            )
    if errors:
        raise ValueError("; ".join(errors))
    # A database that loaded an older file keeps what staff changed since: a row replaces the stored one only
    # when the file's row is newer (updated_at); new rows are added; nothing is deleted.
    stored = {row.id: row.updated_at for row in conn.execute(sa.select(structures_table.c.id, structures_table.c.updated_at))}
    for record in records:
        if record["id"] not in stored:
            conn.execute(structures_table.insert().values(**record))
        elif record["updated_at"] > stored[record["id"]]:
            conn.execute(structures_table.update().where(structures_table.c.id == record["id"]).values(**record))
    return len(records)


def _version(programme_dir: Path) -> str:
    return hashlib.sha256((programme_dir / STRUCTURES_FILE).read_bytes()).hexdigest()[:12]


load.version = _version  # type: ignore[attr-defined]


def _parse_datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z"))

