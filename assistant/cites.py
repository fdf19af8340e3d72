"""Cités minières: what public sources say about each cité, its renovation status kept by staff, and search.

The shipped data (data/programme/cites.csv, built from cites_sources.csv) hold only what sources state; no public
source gives the works status of a cité, so every shipped status is « inconnu ». Staff set statuses and dates
through the API or a CSV import; each change is kept in the history (assistant.history) and is read from the
database by the next request: there is no cache to go stale.

Search takes a name as residents type it (« cite agache », « la Croisette à Méricourt », « cité des alouettes
bully », typos) and answers found / ambiguous / not_found. A close spelling counts as found only when it is one
typo away from a single cité's name (two for long names) or sounds the same; anything weaker is only a
suggestion, never an answer.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.engine import Connection, Engine

from assistant import cite_sources, csv_import, history
from assistant.communes import Commune, CommuneIndex, communes
from assistant.communes import _commune  # the row → Commune mapping of the communes module
from assistant.storage import metadata, utcnow
from assistant.text import fold, normalise

ENTITY = "cite"

STATUSES = {
    "a_l_etude": "À l'étude",
    "programmee": "Travaux programmés",
    "en_travaux": "En travaux",
    "terminee": "Travaux terminés",
    "inconnu": "Statut inconnu",
}
UNKNOWN = "inconnu"
OPERATIONS = {
    "priorite_2018": "Cités prioritaires lancées en 2018 (35 cités)",
    "operations_fin_2022": "Opérations lancées fin 2022 (15 opérations)",
    "hors_erbm": "Hors ERBM (réhabilitation antérieure au programme)",
}
STATUS_DATES = ("debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel", "fin_travaux_reelle")
STATUS_FIELDS = ("statut", *STATUS_DATES, "source_statut")
DATE_EXPECTED = "une date au format AAAA-MM-JJ"
LICENCE = "Licence Ouverte 2.0 (Etalab) : Mission Bassin Minier, données republiées par rlespinasse/bassin-minier-unesco"
ZONE_TAMPON = ("oui", "en_partie", "non")
MONUMENTS = ("classé", "inscrit")
# The descriptive columns of a cité (everything but its status), as a data import writes them.
FACT_COLUMNS = (
    "nom", "autres_noms", "bailleur", "logements", "erbm", "operation", "note_source", "source", "source_date",
    "type", "compagnie", "interet", "erbm_liste", "unesco_bien", "zone_tampon", "monument_historique", "refs",
)

cites = sa.Table(
    "cites",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("nom", sa.String(120), nullable=False),
    sa.Column("autres_noms", sa.Text),  # ';'-separated
    sa.Column("bailleur", sa.String(120)),
    sa.Column("logements", sa.Integer),
    sa.Column("erbm", sa.Boolean),  # NULL: no source says whether the cité is in the ERBM
    sa.Column("operation", sa.String(32)),
    sa.Column("statut", sa.String(16), nullable=False),
    sa.Column("debut_travaux_prevu", sa.Date),
    sa.Column("fin_travaux_prevue", sa.Date),
    sa.Column("debut_travaux_reel", sa.Date),
    sa.Column("fin_travaux_reelle", sa.Date),
    sa.Column("source_statut", sa.Text),
    sa.Column("note_source", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_date", sa.String(10)),
    sa.Column("updated_by", sa.String(120), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Facts of the Mission Bassin Minier's layers (assistant/cite_sources.py); NULL in an older database.
    sa.Column("type", sa.String(40)),
    sa.Column("compagnie", sa.String(80)),
    sa.Column("interet", sa.String(20)),
    sa.Column("erbm_liste", sa.Boolean),  # in the Mission's list of the ERBM cités
    sa.Column("unesco_bien", sa.Boolean),  # part of the inscribed World Heritage property
    sa.Column("zone_tampon", sa.String(10)),  # oui | en_partie | non
    sa.Column("monument_historique", sa.String(10)),  # classé | inscrit | empty
    sa.Column("refs", sa.Text),  # the source rows: « erbm:362;zone_tampon:362;bien_inscrit:48F », « manuel »
)

cite_communes = sa.Table(
    "cite_communes",
    metadata,
    sa.Column("cite_id", sa.String(80), sa.ForeignKey("cites.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("insee", sa.String(5), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class Cite:
    id: str
    nom: str
    autres_noms: tuple[str, ...]
    communes: tuple[Commune, ...]
    bailleur: Optional[str]
    logements: Optional[int]
    erbm: Optional[bool]
    operation: Optional[str]
    statut: str
    dates: Mapping[str, Optional[dt.date]]
    source_statut: Optional[str]
    note_source: Optional[str]
    source: str
    source_date: Optional[str]
    updated_by: str
    updated_at: dt.datetime
    type: Optional[str] = None
    compagnie: Optional[str] = None
    interet: Optional[str] = None
    erbm_liste: Optional[bool] = None
    unesco_bien: Optional[bool] = None
    zone_tampon: Optional[str] = None
    monument_historique: Optional[str] = None
    refs: tuple[str, ...] = ()

    def in_commune(self, insee: str) -> bool:
        return any(c.insee == insee for c in self.communes)

    def summary(self) -> dict:
        return {"id": self.id, "nom": self.nom, "communes": [c.nom for c in self.communes]}

    def as_dict(self) -> dict:
        epci: dict[str, dict] = {}
        for commune in self.communes:
            if commune.epci_siren:
                epci.setdefault(commune.epci_siren, {"siren": commune.epci_siren, "nom": commune.epci_nom})
        return {
            "id": self.id,
            "nom": self.nom,
            "autres_noms": list(self.autres_noms),
            "communes": [{"insee": c.insee, "nom": c.nom} for c in self.communes],
            "epci": list(epci.values()),
            "bailleur": self.bailleur,
            "logements": self.logements,
            "erbm": self.erbm,
            "erbm_liste_mission_bassin_minier": self.erbm_liste,
            "type": self.type,
            "compagnie": self.compagnie,
            "interet_patrimonial": self.interet,
            "patrimoine_mondial": {
                "bien_inscrit": self.unesco_bien,
                "zone_tampon": self.zone_tampon,
                "monument_historique": self.monument_historique,
            },
            "operation": {"code": self.operation, "libelle": OPERATIONS[self.operation]} if self.operation else None,
            "statut": {
                "code": self.statut,
                "libelle": STATUSES[self.statut],
                "connu": self.statut != UNKNOWN,
                **{name: _iso(value) for name, value in self.dates.items()},
                "source": self.source_statut,
            },
            "source": {
                "nom": self.source,
                "date": self.source_date,
                "note": self.note_source,
                "lignes": list(self.refs),
                "licence": LICENCE if any(r != "manuel" for r in self.refs) else None,
            },
            "mise_a_jour": {"le": self.updated_at.isoformat(timespec="seconds") + "Z", "par": self.updated_by},
        }


# --- Loading the shipped file -------------------------------------------------------------------------------


def _parse_bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"


def _parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _parse_codes(value: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in value.split(";") if code.strip())
    if not all(len(code) == 5 and code.isdigit() for code in codes):
        raise ValueError(value)
    return codes


_DATE_COLUMNS = tuple(
    csv_import.Column(name, parse=csv_import.parse_date, expected=DATE_EXPECTED) for name in STATUS_DATES
)

# The whole cité file (data/programme/cites.csv); the loader checks it with the same rules as an import.
CITES_FILE = csv_import.Schema(
    entity_kind=ENTITY,
    key="id",
    columns=(
        csv_import.Column("id", required=True),
        csv_import.Column("nom", required=True),
        csv_import.Column("autres_noms"),
        csv_import.Column("communes", parse=_parse_codes, expected="des codes INSEE séparés par « ; »"),
        csv_import.Column("bailleur"),
        csv_import.Column("logements", parse=csv_import.parse_int, expected="un nombre entier positif"),
        csv_import.Column("erbm", parse=_parse_bool, expected="true ou false"),
        csv_import.Column("operation", allowed=tuple(OPERATIONS)),
        csv_import.Column("statut", allowed=tuple(STATUSES)),
        *_DATE_COLUMNS,
        csv_import.Column("source_statut"),
        csv_import.Column("ce_que_dit_la_source"),
        csv_import.Column("source", required=True),
        csv_import.Column("source_date"),
        csv_import.Column("updated_by", required=True),
        csv_import.Column("updated_at", required=True, parse=_parse_datetime, expected="une date AAAA-MM-JJ"),
        csv_import.Column("type"),
        csv_import.Column("compagnie"),
        csv_import.Column("interet"),
        csv_import.Column("erbm_liste", parse=_parse_bool, expected="true ou false"),
        csv_import.Column("unesco_bien", parse=_parse_bool, expected="true ou false"),
        csv_import.Column("zone_tampon", allowed=ZONE_TAMPON),
        csv_import.Column("monument_historique", allowed=MONUMENTS),
        csv_import.Column("references"),
    ),
)


def load(conn: Connection, programme_dir: Path) -> int:
    """Merge data/programme/cites.csv into the cités (after the communes); refuse a file with any error.

    On a new database this fills the table. On a database that loaded an older version of the file (the dataset's
    name carries the file's hash, see `load.version`), each row is merged as by a data import: a new cité is added,
    a row at least as recent as the stored one (by source date) replaces its facts, and a status some staff
    member entered (any change in the history) is kept. No cité is deleted."""
    text = (programme_dir / "cites.csv").read_text(encoding="utf-8")
    parsed = csv_import.parse(text, CITES_FILE)
    errors = [str(e) for e in parsed.errors] + [str(e) for e in _file_errors(conn, parsed.rows)]
    if errors:
        raise ValueError("cites.csv : " + " ; ".join(errors))
    for row in parsed.rows:
        merge_row(conn, row.values)
    return len(parsed.rows)


def _version(programme_dir: Path) -> str:
    return hashlib.sha256((programme_dir / "cites.csv").read_bytes()).hexdigest()[:12]


load.version = _version  # type: ignore[attr-defined]


def _file_errors(conn: Connection, rows: Iterable[csv_import.ParsedRow]) -> list[csv_import.LineError]:
    known = {row.insee for row in conn.execute(sa.select(communes.c.insee))}
    errors = []
    for row in rows:
        values = row.values
        errors.extend(
            csv_import.LineError(row.line, f"code INSEE inconnu {code}")
            for code in values.get("communes") or ()
            if code not in known
        )
        errors.extend(csv_import.LineError(row.line, message) for message in check_status(values))
    return errors


def _facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The descriptive columns of a file row (cites.csv format), as stored."""
    return {
        "nom": values["nom"],
        "autres_noms": values.get("autres_noms"),
        "bailleur": values.get("bailleur"),
        "logements": values.get("logements"),
        "erbm": values.get("erbm"),
        "operation": values.get("operation"),
        "note_source": values.get("ce_que_dit_la_source"),
        "source": values["source"],
        "source_date": values.get("source_date"),
        "type": values.get("type"),
        "compagnie": values.get("compagnie"),
        "interet": values.get("interet"),
        "erbm_liste": values.get("erbm_liste"),
        "unesco_bien": values.get("unesco_bien"),
        "zone_tampon": values.get("zone_tampon"),
        "monument_historique": values.get("monument_historique"),
        "refs": values.get("references"),
    }


def staff_entered_status(conn: Connection, cite_id: str) -> bool:
    """Whether someone entered this cité's status (API or import): such a status is never overwritten by data."""
    found = conn.execute(
        sa.select(history.changes.c.id)
        .where(history.changes.c.entity_kind == ENTITY, history.changes.c.entity_key == cite_id)
        .where(history.changes.c.field.in_(STATUS_FIELDS))
        .limit(1)
    ).first()
    return found is not None


def merge_row(conn: Connection, values: Mapping[str, Any]) -> Optional[csv_import.RowChange]:
    """Write one cité row (cites.csv format): add it, or replace its facts when the row is at least as recent as
    the stored one (source date); its status only when no staff member ever entered one. Returns what changed."""
    cite_id = values["id"]
    facts = _facts(values)
    status = {name: values.get(name) for name in STATUS_FIELDS}
    status["statut"] = status["statut"] or UNKNOWN
    codes = tuple(values.get("communes") or ())
    stored = conn.execute(sa.select(cites).where(cites.c.id == cite_id)).mappings().first()
    if stored is None:
        conn.execute(
            cites.insert().values(
                id=cite_id, **facts, **status, updated_by=values["updated_by"], updated_at=values["updated_at"]
            )
        )
        _write_communes(conn, cite_id, codes)
        return csv_import.RowChange(cite_id, {}, {**facts, **status, "communes": ";".join(codes)})
    before_codes = tuple(
        row.insee
        for row in conn.execute(
            sa.select(cite_communes.c.insee).where(cite_communes.c.cite_id == cite_id).order_by(cite_communes.c.position)
        )
    )
    before = {**{k: stored[k] for k in FACT_COLUMNS}, **{k: stored[k] for k in STATUS_FIELDS}, "communes": ";".join(before_codes)}
    after = dict(before)
    if not csv_import.older_source_date(values.get("source_date"), stored["source_date"]):
        after.update(facts, communes=";".join(codes))
    if not staff_entered_status(conn, cite_id) and values.get("statut"):
        after.update(status)
    if {k: history.as_text(v) for k, v in after.items()} == {k: history.as_text(v) for k, v in before.items()}:
        return None
    conn.execute(
        cites.update()
        .where(cites.c.id == cite_id)
        .values(**{k: v for k, v in after.items() if k != "communes"}, updated_by=values["updated_by"], updated_at=values["updated_at"])
    )
    if after["communes"] != before["communes"]:
        _write_communes(conn, cite_id, codes)
    return csv_import.RowChange(cite_id, before, after)


def _write_communes(conn: Connection, cite_id: str, codes: Iterable[str]) -> None:
    conn.execute(cite_communes.delete().where(cite_communes.c.cite_id == cite_id))
    codes = list(codes)
    if codes:
        conn.execute(
            cite_communes.insert(), [{"cite_id": cite_id, "insee": code, "position": i} for i, code in enumerate(codes)]
        )


# --- Reading ------------------------------------------------------------------------------------------------


def all_cites(conn: Connection, ids: Optional[Iterable[str]] = None) -> list[Cite]:
    """Every cité (or those of `ids`) with its communes, by name."""
    query = sa.select(cites).order_by(cites.c.nom, cites.c.id)
    links = (
        sa.select(cite_communes.c.cite_id, communes)
        .join(communes, communes.c.insee == cite_communes.c.insee)
        .order_by(cite_communes.c.cite_id, cite_communes.c.position)
    )
    if ids is not None:
        ids = list(ids)
        query = query.where(cites.c.id.in_(ids))
        links = links.where(cite_communes.c.cite_id.in_(ids))
    by_cite: dict[str, list[Commune]] = {}
    for row in conn.execute(links).mappings():
        by_cite.setdefault(row["cite_id"], []).append(_commune(row))
    return [_cite(row, by_cite.get(row["id"], [])) for row in conn.execute(query).mappings()]


def get(conn: Connection, cite_id: str) -> Optional[Cite]:
    found = all_cites(conn, [cite_id])
    return found[0] if found else None


def in_commune(conn: Connection, insee: str) -> list[Cite]:
    ids = [row.cite_id for row in conn.execute(sa.select(cite_communes.c.cite_id).where(cite_communes.c.insee == insee))]
    return all_cites(conn, ids)


def changes(conn: Connection, cite_id: str, limit: Optional[int] = None) -> list[history.Change]:
    return history.list_changes(conn, ENTITY, cite_id, limit)


# --- Status -------------------------------------------------------------------------------------------------


class StatusError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__(" ; ".join(errors))
        self.errors = errors


def parse_status_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Status fields as sent through the API (strings or null) → typed values, and French errors."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for name, value in raw.items():
        if name not in STATUS_FIELDS:
            errors.append(f"champ inconnu : {name} ; champs possibles : {', '.join(STATUS_FIELDS)}")
            continue
        text = value.strip() if isinstance(value, str) else value
        if text in (None, ""):
            if name == "statut":
                errors.append(f"le statut est obligatoire ; valeurs possibles : {', '.join(STATUSES)}")
            values[name] = None
        elif not isinstance(text, str):
            errors.append(f"{name} doit être un texte, pas {text!r}")
        elif name == "statut" and text not in STATUSES:
            errors.append(f"le statut vaut {text!r}, valeurs possibles : {', '.join(STATUSES)}")
        elif name in STATUS_DATES:
            try:
                values[name] = csv_import.parse_date(text)
            except ValueError:
                errors.append(f"{name} vaut {text!r}, attendu : {DATE_EXPECTED}")
        else:
            values[name] = text
    return values, errors


def check_status(values: Mapping[str, Any], today: Optional[dt.date] = None) -> list[str]:
    """Consistency of a complete status (statut and its four dates), in French."""
    today = today or dt.date.today()
    errors = []
    for start, end in (("debut_travaux_prevu", "fin_travaux_prevue"), ("debut_travaux_reel", "fin_travaux_reelle")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            errors.append(f"{end} ({values[end]}) est avant {start} ({values[start]})")
    for name in ("debut_travaux_reel", "fin_travaux_reelle"):
        if values.get(name) and values[name] > today:
            errors.append(f"{name} ({values[name]}) est dans le futur : une date réelle est une date passée")
    if values.get("statut") == "en_travaux" and values.get("fin_travaux_reelle"):
        errors.append("une cité en travaux n'a pas encore de fin_travaux_reelle (statut « terminee » ?)")
    if values.get("statut") in ("a_l_etude", "programmee") and values.get("debut_travaux_reel"):
        errors.append(f"une cité au statut {values['statut']} n'a pas encore de debut_travaux_reel")
    return errors


def update_status(
    conn: Connection, cite_id: str, raw: Mapping[str, Any], changed_by: str, replace: bool
) -> tuple[Cite, list[history.Change]]:
    """Change a cité's status through the API: `replace` sets every status field (absent ones emptied), otherwise
    only the fields given. Raises KeyError for an unknown cité and StatusError (French messages) for bad values."""
    values, errors = parse_status_fields(raw)
    if replace and "statut" not in raw:
        errors.append(f"le statut est obligatoire ; valeurs possibles : {', '.join(STATUSES)}")
    if not raw:
        errors.append(f"aucun champ à modifier ; champs possibles : {', '.join(STATUS_FIELDS)}")
    if errors:
        raise StatusError(errors)
    if replace:
        values = {name: values.get(name) for name in STATUS_FIELDS}
    before, after = _write_status(conn, cite_id, values, changed_by)
    recorded = history.record(conn, ENTITY, cite_id, before, after, changed_by, "api")
    cite = get(conn, cite_id)
    assert cite is not None
    return cite, recorded


def _current_status(conn: Connection, cite_id: str) -> dict[str, Any]:
    row = conn.execute(sa.select(*(cites.c[name] for name in STATUS_FIELDS)).where(cites.c.id == cite_id)).first()
    if row is None:
        raise KeyError(cite_id)
    return dict(row._mapping)


def _write_status(
    conn: Connection, cite_id: str, values: Mapping[str, Any], changed_by: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the resulting status and write it; return the status fields before and after."""
    before = _current_status(conn, cite_id)
    after = {**before, **values}
    errors = check_status(after)
    if errors:
        raise StatusError(errors)
    if any(history.as_text(before[name]) != history.as_text(after[name]) for name in STATUS_FIELDS):
        conn.execute(
            cites.update()
            .where(cites.c.id == cite_id)
            .values(**after, updated_by=changed_by, updated_at=utcnow())
        )
    return before, after


def _check_import_row(conn: Connection, values: csv_import.Values) -> list[str]:
    try:
        before = _current_status(conn, values["id"])
    except KeyError:
        return [f"aucune cité avec l'identifiant {values['id']!r} (voir GET /cites)"]
    return check_status({**before, **{k: v for k, v in values.items() if k != "id"}})


# Status import: `id` and `statut` required; a date column absent from the file is left unchanged, an empty
# cell in a present column empties the value.
STATUS_IMPORT = csv_import.Schema(
    entity_kind=ENTITY,
    key="id",
    columns=(
        csv_import.Column("id", required=True),
        csv_import.Column("statut", required=True, allowed=tuple(STATUSES)),
        *_DATE_COLUMNS,
        csv_import.Column("source_statut"),
    ),
    check_row=_check_import_row,
)


def import_kind(text: str) -> str:
    """What a staff CSV is: « statuts » (id, statut…), « cites » (the cites.csv format) or a Mission Bassin Minier
    layer (« erbm », « zone_tampon » or « bien_inscrit »; the first two share their columns: `couche` says which)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    layer = cite_sources.detect(header)
    if layer is not None:
        return layer
    if "nom" in header and "source" in header:
        return "cites"
    return "statuts"


def import_cites(engine: Engine, text: str, changed_by: str) -> csv_import.ImportReport:
    """Import cités in the cites.csv format (a newer build, or rows staff prepared): every row is merged as at
    start-up (assistant.cites.merge_row): a row at least as recent as the stored one wins, a status entered by staff
    is kept. All rows or none."""

    def check(conn: Connection, values: csv_import.Values) -> list[str]:
        return [e.message for e in _file_errors(conn, [csv_import.ParsedRow(0, values)])]

    schema = csv_import.Schema(ENTITY, CITES_FILE.columns, key="id", check_row=check)
    return csv_import.run_import(engine, text, schema, merge_row, changed_by)


def import_layer(
    engine: Engine, text: str, layer: str, extract_date: str, changed_by: str, index: CommuneIndex
) -> csv_import.ImportReport:
    """Import a newer extract of one Mission Bassin Minier layer, in its published columns (the files of
    data/programme/sources/). Each row goes to the cité it describes (its row in that layer, else the same name in
    a shared commune) or becomes a new cité; the layer's facts replace the stored ones when the extract is at least
    as recent as the cité's source date; a staff-entered status is never touched. All rows or none."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""),
                               delimiter=";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","))

    def insee_of(name: str, derived: str) -> Optional[str]:
        if derived and index.get(derived) is not None:
            return derived
        found = index.resolve(name)
        return found.communes[0].insee if found.status == "found" and found.match == "exact" else None

    records, problems = cite_sources.records(layer, rows, insee_of)
    if problems:
        raise csv_import.ImportRejected([csv_import.LineError(0, p) for p in problems])
    label = cite_sources.LAYERS[layer]["nom"]
    when = utcnow()
    recorded: list[history.Change] = []
    with engine.begin() as conn:
        every = all_cites(conn)
        taken = {c.id for c in every}
        for record in records:
            target = _layer_target(every, record)
            values = _layer_values(target, record, label, extract_date, changed_by, when, taken)
            change = merge_row(conn, values)
            if change is not None:
                recorded.extend(
                    history.record(conn, ENTITY, change.key, change.before, change.after, changed_by, "import", when)
                )
    return csv_import.ImportReport(rows=len(records), changes=recorded)


def _layer_target(every: list[Cite], record: "cite_sources.Record") -> Optional[Cite]:
    ref = f"{record.layer}:{record.ref}"
    same_lsm = {f"{cite_sources.ERBM}:{record.id_lsm}", f"{cite_sources.ZONE_TAMPON}:{record.id_lsm}"}
    for cite in every:
        if ref in cite.refs or (record.id_lsm and same_lsm & set(cite.refs)):
            return cite
    for cite in every:
        keys = {cite_sources.name_key(n) for n in (cite.nom, *cite.autres_noms)}
        if keys & record.keys and {c.insee for c in cite.communes} & set(record.communes):
            return cite
    return None


def _layer_values(
    cite: Optional[Cite], record, label: str, extract_date: str, by: str, when: dt.datetime, taken: set[str]
) -> dict:
    """The cites.csv row for a cité after this layer's row: the stored facts, with the layer's own replaced."""
    layer = cite_sources.ERBM if record.layer == cite_sources.ERBM_APPENDED else record.layer
    dated = f"{label}, extrait du {extract_date[8:10]}/{extract_date[5:7]}/{extract_date[:4]}"
    if cite is None:
        base = normalise(record.nom).replace(" ", "-")
        cite_id, number = base, 2
        while cite_id in taken:
            cite_id, number = f"{base}-{number}", number + 1
        taken.add(cite_id)
        values: dict[str, Any] = {
            "id": cite_id, "nom": record.nom, "autres_noms": None, "logements": None, "erbm": None, "operation": None,
            "ce_que_dit_la_source": None, "type": None, "compagnie": None, "interet": None, "erbm_liste": False,
            "unesco_bien": False, "zone_tampon": "non", "monument_historique": None, "references": "",
            "bailleur": None, "communes": (), "source": "",
        }
        sources: list[str] = []
    else:
        values = {
            "id": cite.id, "nom": cite.nom, "autres_noms": ";".join(cite.autres_noms) or None,
            "logements": cite.logements, "erbm": cite.erbm, "operation": cite.operation,
            "ce_que_dit_la_source": cite.note_source, "type": cite.type, "compagnie": cite.compagnie,
            "interet": cite.interet, "erbm_liste": cite.erbm_liste, "unesco_bien": cite.unesco_bien,
            "zone_tampon": cite.zone_tampon, "monument_historique": cite.monument_historique,
            "references": ";".join(cite.refs), "bailleur": cite.bailleur,
            "communes": tuple(c.insee for c in cite.communes), "source": cite.source,
        }
        sources = [part for part in re.split(r"\s;\s", re.sub(r"\s*\(Licence Ouverte[^)]*\)$", "", cite.source))
                   if not part.startswith(label)]
    refs = [r for r in (values["references"] or "").split(";") if r and not r.startswith(f"{record.layer}:")]
    aliases = [a for a in (values["autres_noms"] or "").split(";") if a]
    aliases += [a for a in record.autres_noms if a not in aliases and a != values["nom"]]
    values.update(
        autres_noms=";".join(aliases) or None,
        communes=tuple(dict.fromkeys([*values["communes"], *record.communes])),
        type=record.type or values["type"],
        compagnie=record.compagnie or values["compagnie"],
        interet=record.interet or values["interet"],
        references=";".join([*refs, f"{record.layer}:{record.ref}"]),
        source=" ; ".join([*sources, dated]) + f" ({cite_sources.LICENCE})",
        source_date=extract_date,
        updated_by=by,
        updated_at=when,
        statut=None,
    )
    if layer == cite_sources.ERBM:
        values.update(erbm_liste=True, erbm=True, bailleur=record.bailleur or values["bailleur"])
    elif layer == cite_sources.ZONE_TAMPON:
        values.update(zone_tampon="en_partie" if record.partly_buffer else "oui",
                      bailleur=record.bailleur or values["bailleur"])
    else:
        mh = "classé" if record.classe_mh else "inscrit" if record.inscrit_mh else values["monument_historique"]
        values.update(unesco_bien=True, monument_historique=mh)
    return values


def import_statuses(engine: Engine, text: str, changed_by: str) -> csv_import.ImportReport:
    """Import a status CSV: every line is applied, or none (csv_import.ImportRejected)."""

    def apply(conn: Connection, values: csv_import.Values) -> csv_import.RowChange:
        fields = {k: v for k, v in values.items() if k != "id"}
        before, after = _write_status(conn, values["id"], fields, changed_by)
        return csv_import.RowChange(values["id"], before, after)

    return csv_import.run_import(engine, text, STATUS_IMPORT, apply, changed_by)


# --- Search -------------------------------------------------------------------------------------------------

# Words that are not part of a cité's own name: dropped from names and queries alike.
_FILLER = frozenset(
    "cite cites quartier quartiers residence coron corons la le les l de des du d au aux a en ma mon notre dans sur n"
    " no numero".split()
)
# Words residents put around a cité's number (« les corons de la fosse 2 », « cité du siège 4 »).
_NUMBER_WORDS = frozenset("coron corons fosse fosses siege puits bis et".split())
_NUMBER = re.compile(r"^\d{1,4}$")
MAX_SUGGESTIONS = 3
SUGGEST_FROM = 40  # rapidfuzz ratio, 0-100
PREFIX_FOUND = 0.6  # share of a name typed for its start to count as the name (« declerc » yes, « croix » no)


@dataclass
class SearchResult:
    status: str  # found | ambiguous | not_found
    query: str
    match: Optional[str] = None  # exact | contained | prefix | partial | close | commune
    cites: list[Cite] = field(default_factory=list)
    suggestions: list[Cite] = field(default_factory=list)
    commune: Optional[Commune] = None  # a commune the query names
    cites_de_la_commune: list[Cite] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "query": self.query,
            "match": self.match,
            "cites": [c.as_dict() for c in self.cites],
            "suggestions": [c.summary() for c in self.suggestions],
            "commune": {"insee": self.commune.insee, "nom": self.commune.nom} if self.commune else None,
            "cites_de_la_commune": [{**c.summary(), "bailleur": c.bailleur} for c in self.cites_de_la_commune],
            # Whom to ask about a cité of this commune that the data do not know: its cités' landlords.
            "bailleurs_de_la_commune": landlords(self.cites_de_la_commune),
        }


def landlords(found: Iterable[Cite]) -> list[str]:
    """The landlords of these cités, each once: « Maisons & Cités et SIA Habitat » counts for both."""
    names: list[str] = []
    for cite in found:
        for name in re.split(r"\s+et\s+(?=SIA|Maisons|Partenord)", cite.bailleur or ""):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return sorted(names)


def name_key(text: str) -> tuple[str, ...]:
    """« Cité de la Croix-de-Pierre » → ('croix', 'pierre'); « la croisette » → ('croisette',)."""
    return tuple(token for token in normalise(text).split() if token not in _FILLER)


def _query_tokens(query: str) -> list[str]:
    """Normalised words, a number stuck to « n » or to « bis » split off: « n°12 », « n12 », « 12bis »."""
    tokens = []
    for token in normalise(query).split():
        glued = re.fullmatch(r"(n|no)(\d{1,4})|(\d{1,4})(bis)", token)
        if glued:
            tokens.extend(t for t in glued.groups() if t)
        else:
            tokens.append(token)
    return tokens


def number_query(tokens: list[str]) -> Optional[tuple[str, ...]]:
    """The number a query names a cité by (« cité du 4 » → ('4',), « cité 12 bis » → ('12', 'bis'),
    « cité du 4-11 » → ('4', '11')), when it says nothing else; None otherwise."""
    numbers = []
    for token in tokens:
        if _NUMBER.match(token) or (token == "bis" and numbers):
            numbers.append(token)
        elif token not in _FILLER and token not in _NUMBER_WORDS:
            return None
    return tuple(numbers) if any(_NUMBER.match(n) for n in numbers) else None


def number_keys(cite: Cite) -> set[tuple[str, ...]]:
    """The numbers a cité is called by: « Cité n°12 de Lens » → ('12',); « Cité du 4-11 » → ('4', '11');
    « Cité Evrard » (also « Cité n°11, 12 et 13 ») → ('11', '12', '13') and each number alone;
    « Cité des Provinces (Cité n°10 - 10 bis) » → ('10', '10', 'bis'), ('10',) and ('10', 'bis')."""
    keys: set[tuple[str, ...]] = set()
    for name in (cite.nom, *cite.autres_noms):
        text = fold(name)
        found = re.search(r"\d{1,4}(?:\s*bis|b\b)?(?:\s*(?:-|,|et)\s*\d{1,4}(?:\s*bis|b\b)?)*", text)
        if found:  # the first number is the cité's (« Cité n°15 du Siège 4 » is the cité 15 of pit 4)
            group = found.group(0)
            parts = [re.sub(r"(\d+)\s*(bis|b)$", r"\1 bis", p.strip()).split() for p in re.split(r"-|,|\bet\b", group)]
            parts = [p for p in parts if p]
            keys.add(tuple(t for p in parts for t in p))
            listed = "," in group or " et " in group or " - " in group
            if listed or len(parts) == 1:
                keys.update(tuple(p) for p in parts)
    return keys


def _number_match(numbers: tuple[str, ...], candidates: list[Cite]) -> list[Cite]:
    return [c for c in candidates if numbers in number_keys(c)]


def search(conn: Connection, query: str, index: CommuneIndex) -> SearchResult:
    every = all_cites(conn)
    tokens = _query_tokens(query)
    # 0. A number alone (« cité du 4 », « les corons de la fosse 2 », « cité 12 »): every cité of that number.
    numbers = number_query(tokens)
    if numbers is not None:
        hits = _number_match(numbers, every)
        if hits:
            return _answer(query, "number", hits, None)
        return _not_found(query, every, tokens, None, conn)
    # 0b. A number and a commune (« la cité 12 à Lens », « corons de la fosse 2 lens », « cité 4 62300 »).
    commune, rest = _split_commune(index, tokens)
    places = [commune] if commune is not None else []
    if commune is None:  # a postal code of several communes (62300: Lens and Éleu-dit-Leauwette)
        for i, token in enumerate(tokens):
            if token.isdigit() and len(token) == 5 and index.resolve(token).status == "ambiguous":
                places, rest = index.resolve(token).communes, tokens[:i] + tokens[i + 1 :]
    if places and number_query(rest) is not None:
        local = [c for c in every if any(c.in_commune(p.insee) for p in places)]
        hits = _number_match(number_query(rest), local)
        if hits:
            return _answer(query, "number", hits, commune)
    # 1. The name, as typed or inside a sentence (« cite de la croix » is a cité before being the commune Croix).
    kind, hits, used = _strong_match(tokens, every, index)
    if hits and places and commune is None:  # a postal code of several communes: the cités of those communes
        hits = [c for c in hits if any(c.in_commune(p.insee) for p in places)] or hits
    if hits:
        commune, _ = _split_commune(index, [t for i, t in enumerate(tokens) if i not in used])
        if commune is not None and not any(c.in_commune(commune.insee) for c in hits):
            return _not_found(query, every, tokens, commune, conn, also=hits)
        if commune is not None:
            hits = [c for c in hits if c.in_commune(commune.insee)]
        return _answer(query, kind, hits, commune)
    # 2. A commune in the query (« … à Méricourt », « … bully », a postal code), then the name among its cités.
    commune, rest = _split_commune(index, tokens)
    if commune is not None:
        local = [c for c in every if c.in_commune(commune.insee)]
        numbers = number_query(rest)
        if numbers is not None:  # « la cité 12 à Lens », « corons de la fosse 2 lens », « cité 4 62300 »
            hits = _number_match(numbers, local)
            if hits:
                return _answer(query, "number", hits, commune)
            return _not_found(query, every, rest, commune, conn, also=_number_match(numbers, every))
        if not name_key(" ".join(rest)):
            # Only a commune: its cités are a question to ask, never an answer, even when there is one.
            status = "ambiguous" if local else "not_found"
            return SearchResult(status, query, "commune", local, commune=commune)
        kind, hits, _ = _strong_match(rest, local, index)
        if not hits:
            kind, hits = _close_match(rest, local, index)
        if hits:
            return _answer(query, kind, hits, commune)
        _, elsewhere = _close_match(rest, every, index)
        return _not_found(query, every, rest, commune, conn, also=elsewhere)
    # 3. A close spelling of one name.
    kind, hits = _close_match(tokens, every, index)
    if hits:
        return _answer(query, kind, hits, None)
    return _not_found(query, every, tokens, None, conn)


def _answer(query: str, kind: Optional[str], hits: list[Cite], commune: Optional[Commune]) -> SearchResult:
    # A name only begun (« croix » for Croix-de-Pierre) is a question, never an answer.
    found = len(hits) == 1 and kind != "partial"
    return SearchResult("found" if found else "ambiguous", query, kind, hits, commune=commune)


def _keys(cite: Cite) -> list[tuple[str, ...]]:
    keys = [name_key(cite.nom)] + [name_key(alias) for alias in cite.autres_noms]
    return [key for key in keys if key]


_CONNECTORS = frozenset({"a", "dans", "sur", "pres", "vers"})
_MARKERS = frozenset({"cite", "cites", "quartier", "quartiers", "residence", "coron", "corons"})


def _standalone(tokens: list[str], start: int, end: int, index: CommuneIndex) -> bool:
    """Whether tokens[start:end] can be a whole cité name in this query: preceded by nothing or a filler word
    (« la », « cité »), followed by nothing, « à »/« dans », a postal code or a commune. « cité du parc des
    sports » does not name the Cité du Parc."""
    if start > 0 and tokens[start - 1] not in _FILLER:
        return False
    if start > 0 and tokens[start - 1] in _CONNECTORS and _commune_in(index, tokens[start:end]) is not None:
        return False  # « … à Méricourt » names the commune, not the Cité de Méricourt
    after = tokens[end:]
    if not after or after[0] in _CONNECTORS or (after[0].isdigit() and len(after[0]) == 5):
        return True
    return any(
        _commune_in(index, after[:size], homonyms=True) is not None for size in range(1, min(5, len(after)) + 1)
    )


def _strong_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite], set[int]]:
    """The exact name, a name standing in the query, or the start of a name (« agach », « croi »)."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = tuple(t for _, t in kept)
    if not words:
        return None, [], set()
    bare = _MARKERS.isdisjoint(tokens)
    exact = [c for c in candidates if words in _keys(c) and not (bare and _named_after_its_commune(c, words, index))]
    if exact:
        return "exact", exact, {i for i, _ in kept}
    name_words = {word for cite in candidates for key in _keys(cite) for word in key}
    best: dict[str, tuple[int, set[int], Cite]] = {}
    for cite in candidates:
        for key in _keys(cite):
            for start in range(len(words) - len(key) + 1):
                if words[start : start + len(key)] != key:
                    continue
                first, last = kept[start][0], kept[start + len(key) - 1][0]
                if not _standalone(tokens, first, last + 1, index):
                    continue
                if start > 0 and words[start - 1] in name_words and words[start - 1] not in key:
                    continue  # « cité du parc des sports »: « des sports » ends another name, it is not one
                if bare and _named_after_its_commune(cite, key, index):
                    continue  # « Méricourt » alone is the commune, not the Cité de Méricourt
                if len(key) > best.get(cite.id, (0, set(), cite))[0]:
                    best[cite.id] = (len(key), {kept[start + j][0] for j in range(len(key))}, cite)
    if best:
        longest = max(size for size, _, _ in best.values())
        chosen = [(used, cite) for size, used, cite in best.values() if size == longest]
        return "contained", [cite for _, cite in chosen], set().union(*(used for used, _ in chosen))
    text = " ".join(words)
    if len(text) >= 4:
        typed: dict[str, tuple[float, Cite]] = {}
        for cite in candidates:
            for key in map(" ".join, _keys(cite)):
                if bare and _named_after_its_commune(cite, tuple(key.split()), index):
                    continue
                if key.startswith(text):
                    typed[cite.id] = max(typed.get(cite.id, (0.0, cite)), (len(text) / len(key), cite))
        if typed:
            kind = "prefix" if all(share >= PREFIX_FOUND for share, _ in typed.values()) else "partial"
            return kind, [cite for _, cite in typed.values()], {i for i, _ in kept}
    return None, [], set()


def _named_after_its_commune(cite: Cite, key: tuple[str, ...], index: CommuneIndex) -> bool:
    """« Cité de Méricourt » in Méricourt: typed without « cité », the name is the commune's."""
    commune = _commune_in(index, list(key))
    return commune is not None and cite.in_commune(commune.insee)


def _allowed_edits(key: str) -> int:
    return 0 if len(key) < 6 else 1 if len(key) < 10 else 2


def _phonetic(text: str) -> str:
    """A rough French sound key: « heurtaux » ≈ « heurteau », « darci » ≈ « darcy », « mouchoniere »."""
    for old, new in (("eau", "o"), ("au", "o"), ("ph", "f"), ("y", "i"), ("qu", "k"), ("cq", "k"), ("ck", "k")):
        text = text.replace(old, new)
    collapsed = "".join(c for i, c in enumerate(text) if i == 0 or c != text[i - 1])
    return " ".join(word.rstrip("sx") or word for word in collapsed.split())


def _is_close(words: str, key: str) -> bool:
    return (
        DamerauLevenshtein.distance(words, key) <= _allowed_edits(key)
        or _phonetic(words) == _phonetic(key)
    )


def _close_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite]]:
    """Cités one typo away (two for long names) or sounding the same: the whole query or a name standing in it."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = [t for _, t in kept]
    if not words:
        return None, []
    name_words = {word for cite in candidates for key in _keys(cite) for word in key}
    hits = []
    for cite in candidates:
        for key in _keys(cite):
            size = len(key)
            windows = [" ".join(words)] + [
                " ".join(words[i : i + size])
                for i in range(len(words) - size + 1)
                if _standalone(tokens, kept[i][0], kept[i + size - 1][0] + 1, index)
                and not (i > 0 and words[i - 1] in name_words)
            ]
            if any(_is_close(window, " ".join(key)) for window in windows):
                hits.append(cite)
                break
    return ("close", hits) if hits else (None, [])


def _similarity(tokens: list[str], cite: Cite) -> float:
    words = " ".join(t for t in tokens if t not in _FILLER)
    return max((fuzz.ratio(words, " ".join(key)) for key in _keys(cite)), default=0.0)


def _not_found(
    query: str,
    every: list[Cite],
    tokens: list[str],
    commune: Optional[Commune],
    conn: Connection,
    also: Iterable[Cite] = (),
) -> SearchResult:
    """Nothing presented as found: the closest names as suggestions, and the cités of the commune named."""
    suggestions = list(also)
    ranked = sorted(every, key=lambda c: -_similarity(tokens, c))
    for cite in ranked:
        if len(suggestions) >= MAX_SUGGESTIONS or _similarity(tokens, cite) < SUGGEST_FROM:
            break
        if cite not in suggestions:
            suggestions.append(cite)
    local = in_commune(conn, commune.insee) if commune is not None else []
    return SearchResult("not_found", query, None, [], suggestions[:MAX_SUGGESTIONS], commune, local)


def _split_commune(index: CommuneIndex, tokens: list[str]) -> tuple[Optional[Commune], list[str]]:
    """The commune a query names (postal code, « … à X », or its last words) and the remaining words."""
    for i, token in enumerate(tokens):
        if token.isdigit() and len(token) == 5:
            found = index.resolve(token)
            if found.status == "found":
                return found.communes[0], tokens[:i] + tokens[i + 1 :]
    if "a" in tokens:
        at = len(tokens) - 1 - tokens[::-1].index("a")
        commune = _commune_in(index, tokens[at + 1 :])
        if commune is not None:
            return commune, tokens[:at]
    for size in range(min(5, len(tokens)), 0, -1):
        commune = _commune_in(index, tokens[-size:])
        if commune is not None:
            return commune, tokens[:-size]
    return None, tokens


def _commune_in(index: CommuneIndex, tokens: list[str], homonyms: bool = False) -> Optional[Commune]:
    """The one commune these words name exactly or by their start (« bully » → Bully-les-Mines), else None; with
    `homonyms`, the first of several (« bruay »: Bruay-la-Buissière and Bruay-sur-l'Escaut) is enough."""
    if not tokens or all(t in _FILLER for t in tokens):
        return None
    found = index.resolve(" ".join(tokens))
    if found.match in ("exact", "prefix", "postal_code") and (
        found.status == "found" or (homonyms and found.status == "ambiguous")
    ):
        return found.communes[0]
    return None


# --- Rows → objects -----------------------------------------------------------------------------------------


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value else None


def _cite(row: Mapping[str, Any], its_communes: list[Commune]) -> Cite:
    return Cite(
        id=row["id"],
        nom=row["nom"],
        autres_noms=tuple(a for a in (row["autres_noms"] or "").split(";") if a),
        communes=tuple(its_communes),
        bailleur=row["bailleur"],
        logements=row["logements"],
        erbm=row["erbm"],
        operation=row["operation"],
        statut=row["statut"],
        dates={name: row[name] for name in STATUS_DATES},
        source_statut=row["source_statut"],
        note_source=row["note_source"],
        source=row["source"],
        source_date=row["source_date"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        type=row.get("type"),
        compagnie=row.get("compagnie"),
        interet=row.get("interet"),
        erbm_liste=row.get("erbm_liste"),
        unesco_bien=row.get("unesco_bien"),
        zone_tampon=row.get("zone_tampon"),
        monument_historique=row.get("monument_historique"),
        refs=tuple(r for r in (row.get("refs") or "").split(";") if r),
    )
