"""Cités minières: what public sources say about each cité (the `cites` table, filled from data/programme/cites.csv,
built from cites_sources.csv), reading them, and the row → `Cite` mapping.

The shipped data hold only what sources state; no public source gives the works status of a cité, so every
shipped status is « inconnu ». Staff set statuses (assistant/cites/status.py); each change is kept in the history
(assistant.history) and is read from the database by the next request: there is no cache to go stale.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant import csv_import, history
from assistant.communes import Commune, communes
from assistant.communes import _commune  # the row → Commune mapping of the communes module
from assistant.french import place_with_article
from assistant.storage import metadata, split_list, utc_iso

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
            # as a sentence writes it: « Pour la cité des Genettes », « Le bailleur de la cité des Genettes »
            "nom_avec_article": place_with_article(self.nom),
            "de_nom": place_with_article(self.nom, "de"),
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
            "mise_a_jour": {"le": utc_iso(self.updated_at), "par": self.updated_by},
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



# --- Consistency of a status (also checked on the shipped file) ----------------------------------------


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



# --- Rows → objects -----------------------------------------------------------------------------------------


def _iso(value: Optional[dt.date]) -> Optional[str]:
    return value.isoformat() if value else None


def _cite(row: Mapping[str, Any], its_communes: list[Commune]) -> Cite:
    return Cite(
        id=row["id"],
        nom=row["nom"],
        autres_noms=split_list(row["autres_noms"]),
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
        refs=split_list(row.get("refs")),
    )
