"""The services that take hand-off requests, and the routing table topic × territory that chooses one.

Both are data that staff edit (data/programme/handoff/services.csv and routing.csv), loaded into the database on
its first start. A routing row names a topic (bud, cites, emploi, autre), a territory and a service. Territories,
from the most to the least precise: `bailleur:<landlord>` (the cité's landlord, topic cites), `commune:<INSEE>`,
`epci:<SIREN>`, `*` (anything else). Every topic has a `*` row, so every question reaches someone.

A service's public contact is only what a source gives; an empty field means « not known » and is said so. A
service linked to an employment structure (`structure_emploi`) takes the structure's name and contact when the
structure has them, so those facts are kept in one place.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant import employment, french
from assistant.communes import Commune
from assistant.handoff import hours
from assistant.storage import metadata

SERVICES_FILE = "handoff/services.csv"
ROUTING_FILE = "handoff/routing.csv"
TOPICS = ("bud", "cites", "emploi", "autre")
TERRITORY_KINDS = ("bailleur", "commune", "epci")
KINDS = ("delegation", "epci", "bailleur", "structure_emploi", "autre")
CONTACT_FIELDS = ("adresse", "telephone", "courriel", "site_web", "autre_contact")

services = sa.Table(
    "handoff_services",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("nom", sa.String(200), nullable=False),
    sa.Column("article", sa.String(8)),  # « la » Délégation, « le » PLIE, none for France Travail
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("structure_emploi", sa.String(80)),
    sa.Column("adresse", sa.Text),
    sa.Column("telephone", sa.String(40)),
    sa.Column("courriel", sa.String(200)),
    sa.Column("site_web", sa.String(200)),
    sa.Column("source_contact", sa.Text),
    sa.Column("horaires_traitement", sa.String(200), nullable=False),
    sa.Column("delai_heures_ouvrees", sa.Integer, nullable=False),
    sa.Column("note", sa.Text),
)

routes = sa.Table(
    "handoff_routes",
    metadata,
    sa.Column("topic", sa.String(16), primary_key=True),
    sa.Column("territoire", sa.String(200), primary_key=True),
    sa.Column("service_id", sa.String(80), sa.ForeignKey("handoff_services.id"), nullable=False),
)


class RoutingError(ValueError):
    """Invalid services or routing data; the message says which line and why."""


@dataclass(frozen=True)
class Service:
    id: str
    nom: str
    kind: str
    adresse: Optional[str]
    telephone: Optional[str]
    courriel: Optional[str]
    site_web: Optional[str]
    source_contact: Optional[str]
    horaires_traitement: str
    delai_heures_ouvrees: int
    note: Optional[str]
    autre_contact: Optional[str] = None  # an employment structure's free-text contact
    article: Optional[str] = None

    @property
    def contact_known(self) -> bool:
        return any(getattr(self, f) for f in CONTACT_FIELDS)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "nom": self.nom,
            # the name as a sentence says it: « contacter la Délégation … », « transmise au PLIE … »
            "nom_avec_article": french.with_article(self.nom, self.article),
            "a_nom": french.with_article(self.nom, self.article, "à"),
            "de_nom": french.with_article(self.nom, self.article, "de"),
            "kind": self.kind,
            "contact": {f: getattr(self, f) or None for f in CONTACT_FIELDS},
            "contact_connu": self.contact_known,
            "source_contact": self.source_contact or None,
            "horaires_traitement": self.horaires_traitement,
            "delai_heures_ouvrees": self.delai_heures_ouvrees,
            "note": self.note or None,
        }


@dataclass(frozen=True)
class Decision:
    """The service chosen for a question, and why: `reason` is the kind of row that matched (bailleur, commune,
    epci, default) and `matched` its territory."""

    topic: str
    service: Service
    reason: str
    matched: str

    def as_dict(self) -> dict:
        return {"topic": self.topic, "service": self.service.as_dict(), "raison": self.reason, "territoire": self.matched}


def _service(conn: Connection, row) -> Service:
    values = dict(row._mapping)
    structure_id = values.pop("structure_emploi")
    if structure_id:
        structure = employment.get_structure(conn, structure_id)
        if structure is not None:
            values["nom"] = structure.nom or values["nom"]
            values["adresse"] = values["adresse"] or structure.adresse
            values["autre_contact"] = structure.contact
            if (structure.adresse or structure.contact) and not values["source_contact"]:
                values["source_contact"] = structure.source
    return Service(**values)


def get_service(conn: Connection, service_id: str) -> Optional[Service]:
    row = conn.execute(sa.select(services).where(services.c.id == service_id)).first()
    return _service(conn, row) if row else None


def all_services(conn: Connection) -> list[Service]:
    return [_service(conn, row) for row in conn.execute(sa.select(services).order_by(services.c.id))]


def route(conn: Connection, topic: str, commune: Optional[Commune] = None, bailleur: Optional[str] = None,
          structure_kind: Optional[str] = None) -> Decision:
    """The service for a topic in a territory: the most precise routing row that matches; for employment, a service
    of the kind of structure the person named (« la Mission locale ») that covers their commune comes first."""
    if topic not in TOPICS:
        raise RoutingError(f"sujet inconnu : {topic!r} ; sujets possibles : {', '.join(TOPICS)}")
    if topic == "emploi" and structure_kind and commune is not None:
        named = _structure_service(conn, structure_kind, commune)
        if named is not None:
            return Decision(topic, named, "structure", f"commune:{commune.insee}")
    table = {r.territoire: r.service_id for r in conn.execute(sa.select(routes).where(routes.c.topic == topic))}
    candidates = []
    if bailleur:
        candidates.append(("bailleur", f"bailleur:{bailleur.strip()}"))
    if commune is not None:
        candidates.append(("commune", f"commune:{commune.insee}"))
        if commune.epci_siren:
            candidates.append(("epci", f"epci:{commune.epci_siren}"))
    candidates.append(("default", "*"))
    for reason, territory in candidates:
        service_id = table.get(territory)
        if service_id:
            service = get_service(conn, service_id)
            if service is not None:
                return Decision(topic, service, reason, territory)
    raise RoutingError(f"aucune ligne « * » pour le sujet {topic!r} dans la table de routage")


def _structure_service(conn: Connection, kind: str, commune: Commune) -> Optional[Service]:
    """A service linked to an employment structure of this kind whose territory holds the commune."""
    rows = conn.execute(sa.select(services).where(services.c.structure_emploi.isnot(None)).order_by(services.c.id))
    for row in rows:
        structure = employment.get_structure(conn, row.structure_emploi)
        if structure is not None and structure.kind == kind and (
                commune.insee in structure.communes or (commune.epci_siren or "") in structure.epci):
            return _service(conn, row)
    return None


def load(conn: Connection, programme_dir: Path) -> int:
    """Fill both tables from the shipped files; any invalid line stops the start with every error."""
    errors: list[str] = []
    service_rows = []
    with (programme_dir / SERVICES_FILE).open(encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            where = f"{SERVICES_FILE} line {line}"
            try:
                service_rows.append(clean_service(row))
            except RoutingError as error:
                errors.append(f"{where}: {error}")
    known = {s["id"] for s in service_rows}
    route_rows, seen = [], set()
    with (programme_dir / ROUTING_FILE).open(encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            where = f"{ROUTING_FILE} line {line}"
            topic, territory, service_id = (row.get(k, "").strip() for k in ("topic", "territoire", "service"))
            problem = check_route(topic, territory, service_id, known)
            if problem:
                errors.append(f"{where}: {problem}")
            elif (topic, territory) in seen:
                errors.append(f"{where}: ligne en double pour {topic} × {territory}")
            else:
                seen.add((topic, territory))
                route_rows.append({"topic": topic, "territoire": territory, "service_id": service_id})
    for topic in TOPICS:
        if (topic, "*") not in seen:
            errors.append(f"{ROUTING_FILE}: pas de ligne « {topic},* » (chaque sujet doit arriver quelque part)")
    if errors:
        raise RoutingError("; ".join(errors))
    conn.execute(routes.delete())
    # Services are updated in place: officers and requests refer to them (a database loaded from an older file keeps
    # its queue); one that left the file stays only while something refers to it.
    present = {row.id for row in conn.execute(sa.select(services.c.id))}
    for row in service_rows:
        if row["id"] in present:
            conn.execute(services.update().where(services.c.id == row["id"]).values(**row))
        else:
            conn.execute(services.insert().values(**row))
    for gone in present - known:
        referred = conn.execute(sa.text("SELECT 1 FROM handoff_requests WHERE service_id = :id UNION ALL "
                                        "SELECT 1 FROM officers WHERE service_id = :id LIMIT 1"), {"id": gone}).first()
        if referred is None:
            conn.execute(services.delete().where(services.c.id == gone))
    conn.execute(routes.insert(), route_rows)
    return len(service_rows) + len(route_rows)


def _version(programme_dir: Path) -> str:
    """The two files' contents: a database loaded from other versions loads them again (assistant/storage.py)."""
    digest = hashlib.sha256()
    for name in (SERVICES_FILE, ROUTING_FILE):
        digest.update((programme_dir / name).read_bytes())
    return digest.hexdigest()[:12]


load.version = _version  # type: ignore[attr-defined]


def clean_service(row: dict) -> dict:
    values = {k: (row.get(k) or "").strip() or None for k in (c.name for c in services.columns)}
    if not values["id"] or not all(ch.isalnum() or ch == "-" for ch in values["id"]):
        raise RoutingError("identifiant vide ou invalide (lettres, chiffres et tirets)")
    if not values["nom"]:
        raise RoutingError("nom vide")
    if values["article"] not in (None, "la", "le", "les"):
        raise RoutingError(f"article {values['article']!r} : « la », « le », « les » ou rien")
    if values["kind"] not in KINDS:
        raise RoutingError(f"kind {values['kind']!r} inconnu ; possibles : {', '.join(KINDS)}")
    try:
        hours.parse(values["horaires_traitement"] or "")
    except hours.HoursError as error:
        raise RoutingError(str(error)) from None
    try:
        values["delai_heures_ouvrees"] = int(values["delai_heures_ouvrees"] or "")
    except ValueError:
        raise RoutingError("delai_heures_ouvrees doit être un nombre entier d'heures") from None
    if not 0 < values["delai_heures_ouvrees"] <= 400:
        raise RoutingError("delai_heures_ouvrees doit être entre 1 et 400")
    return values


def check_route(topic: str, territory: str, service_id: str, known: set) -> Optional[str]:
    if topic not in TOPICS:
        return f"sujet {topic!r} inconnu ; possibles : {', '.join(TOPICS)}"
    if territory != "*":
        kind, _, value = territory.partition(":")
        if kind not in TERRITORY_KINDS or not value.strip():
            return f"territoire {territory!r} invalide : « * », « commune:INSEE », « epci:SIREN » ou « bailleur:Nom »"
    if service_id not in known:
        return f"service {service_id!r} absent de {SERVICES_FILE}"
    return None
