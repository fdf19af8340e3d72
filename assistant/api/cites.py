"""Cités minières over HTTP: search, by commune, one cité, its status (staff), status import (staff), history.

Every answer is read from the database at request time: a status changed by a staff member is what the next
request returns.
"""
from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Optional

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assistant import cites
from assistant.api.auth import require_staff
from assistant.api.communes import resolve_query
from assistant.api.errors import Refused
from assistant.api.state import AppState, get_state
from assistant.communes import Commune
from assistant.csv_import import ImportRejected

router = APIRouter(prefix="/cites", tags=["cités minières"])

MAX_IMPORT_BYTES = 2_000_000
AGENT_HEADER = Header(
    None,
    alias="X-Agent",
    max_length=120,
    description="Who makes the change (name, service), kept in the history; the staff identity otherwise.",
)


class StatusBody(BaseModel):
    """A cité's status. PUT: `statut` required, absent dates are emptied. PATCH: only the fields sent change."""

    statut: Optional[str] = None
    debut_travaux_prevu: Optional[str] = None
    fin_travaux_prevue: Optional[str] = None
    debut_travaux_reel: Optional[str] = None
    fin_travaux_reelle: Optional[str] = None
    source_statut: Optional[str] = None

    class Config:
        extra = "allow"  # unknown fields are refused in French by the domain, not ignored
        schema_extra = {
            "example": {
                "statut": "en_travaux",
                "debut_travaux_prevu": "2026-03-01",
                "fin_travaux_prevue": "2027-06-30",
                "debut_travaux_reel": "2026-03-16",
                "source_statut": "Maisons & Cités, point d'avancement de mars 2026",
            }
        }


@router.get("/search", summary="Find a cité by its name as residents type it")
def search(
    q: str = Query(
        ..., max_length=200, description="« cite agache », « la Croisette à Méricourt », « cité des alouettes bully »"
    ),
    suite: str = Query(
        "", max_length=500,
        description="What follows the name in the message (« cailloux ? » after « cité des 3 »): read when the name "
                    "stops at a number that counts something",
    ),
    state: AppState = Depends(get_state),
) -> dict:
    if not q.strip():
        raise HTTPException(status_code=422, detail="Le paramètre q est vide : indiquez le nom d'une cité.")
    with state.engine.connect() as conn:
        return cites.search(conn, q, state.communes, suite=suite).as_dict()


@router.get("", summary="The cités, of one commune and with one status if asked")
def list_cites(
    commune: Optional[str] = Query(
        None, max_length=200, description="name or postal code as typed: « Douai », « douai », « 59500 »"
    ),
    insee: Optional[str] = Query(None, regex=r"^\d[\dAB]\d{3}$", description="INSEE code: « 59178 »"),
    statut: Optional[str] = Query(None, description=f"one of: {', '.join(cites.STATUSES)}"),
    state: AppState = Depends(get_state),
) -> dict:
    if statut is not None and statut not in cites.STATUSES:
        raise HTTPException(
            status_code=422,
            detail=f"Le statut {statut[:40]!r} n'existe pas ; valeurs possibles : {', '.join(cites.STATUSES)}.",
        )
    if insee is not None and commune is not None:
        raise HTTPException(status_code=422, detail="Donnez soit commune, soit insee, pas les deux.")
    place = _commune(state, commune) if commune is not None else None
    if insee is not None:
        place = state.communes.get(insee)
        if place is None:
            raise HTTPException(status_code=404, detail=f"Aucune commune avec le code INSEE {insee!r}.")
    with state.engine.connect() as conn:
        found = cites.in_commune(conn, place.insee) if place else cites.all_cites(conn)
    by_status: dict[str, int] = {}
    for cite in found:
        by_status[cite.statut] = by_status.get(cite.statut, 0) + 1
    selected = [c for c in found if statut is None or c.statut == statut]
    return {
        "commune": _commune_dict(place) if place else None,
        "statut": statut,
        "nombre": len(selected),
        "par_statut": by_status,
        "cites": [c.as_dict() for c in selected],
    }


@router.post(
    "/import",
    summary="Import cité statuses, or cité data (a newer extract of a source), from a CSV file (staff): all lines or none",
    description=(
        "Send the CSV as the request body (Content-Type: text/csv) or as a multipart/form-data upload (one file). "
        "UTF-8 or Windows-1252, ',' or ';' separator. The columns say what the file is.\n\n"
        "- Statuses: id and statut (required), debut_travaux_prevu, fin_travaux_prevue, debut_travaux_reel, "
        "fin_travaux_reelle (AAAA-MM-JJ), source_statut. A date column absent from the file leaves the dates "
        "unchanged; an empty cell empties the date.\n"
        "- Cité data in the columns of data/programme/cites.csv (a newer build of the shipped file).\n"
        "- A newer extract of a Mission Bassin Minier layer, in its published columns (as in data/programme/sources/): "
        "`couche` = erbm or zone_tampon for the files with id_lsm (the inscribed property's file is recognised), "
        "and `date_extrait` (AAAA-MM-JJ) is the extract's date.\n\n"
        "For cité data, a row at least as recent as the stored one (source date) wins; a status entered by staff "
        "is never overwritten. Any wrong line: 422 with every error, nothing changed."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": "id,statut\ncite-agache-fenain,en_travaux\n"},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        }
    },
)
async def import_statuses(
    request: Request,
    agent: Optional[str] = AGENT_HEADER,
    couche: Optional[str] = Query(None, description="erbm | zone_tampon | bien_inscrit, for a Mission Bassin Minier layer"),
    date_extrait: Optional[str] = Query(None, regex=r"^\d{4}-\d{2}-\d{2}$", description="the extract's date, AAAA-MM-JJ"),
    state: AppState = Depends(get_state),
    staff: str = Depends(require_staff),
) -> Any:
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise HTTPException(status_code=413, detail="Fichier trop volumineux (2 Mo au plus).")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        raw = _uploaded_file(content_type, raw)
    text = _decode(raw)
    if "\x00" in text:  # a binary file (an image, a spreadsheet's .xlsx): the csv reader would fail on it
        raise HTTPException(status_code=422, detail="Ce fichier n'est pas un fichier CSV texte : aucune modification enregistrée.")
    kind = cites.import_kind(text)
    who = _who(agent, staff)
    try:
        if kind == "statuts":
            report = cites.import_statuses(state.engine, text, who)
        elif kind == "cites":
            report = cites.import_cites(state.engine, text, who)
        else:
            layer = _layer(kind, couche)
            if date_extrait is None:
                raise HTTPException(
                    status_code=422,
                    detail="Indiquez la date de l'extrait (paramètre date_extrait, AAAA-MM-JJ) : la plus récente gagne.",
                )
            report = cites.import_layer(state.engine, text, layer, date_extrait, who, state.communes)
    except ImportRejected as rejected:
        return JSONResponse(
            status_code=422,
            content={
                "detail": f"Import refusé : {len(rejected.errors)} erreur(s), aucune modification enregistrée.",
                "erreurs": [e.as_dict() for e in rejected.errors],
            },
        )
    return report.as_dict()


def _layer(detected: str, asked: Optional[str]) -> str:
    layers = tuple(cites.cite_sources.LAYERS)
    if asked is not None and asked not in layers:
        raise HTTPException(status_code=422, detail=f"couche vaut {asked[:40]!r} ; valeurs possibles : {', '.join(layers)}.")
    if detected == cites.cite_sources.BIEN_INSCRIT:
        if asked not in (None, detected):
            raise HTTPException(status_code=422, detail="Ce fichier a les colonnes du bien inscrit (id_unesco) : couche=bien_inscrit.")
        return detected
    if asked not in (cites.cite_sources.ERBM, cites.cite_sources.ZONE_TAMPON):
        raise HTTPException(
            status_code=422,
            detail="Ce fichier a les colonnes des couches ERBM et zone tampon : précisez couche=erbm ou couche=zone_tampon.",
        )
    return asked


@router.get("/{cite_id}", summary="One cité, with its communes, landlord, operation, status and sources")
def get_cite(cite_id: str, state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        cite = cites.get(conn, cite_id)
    if cite is None:
        raise _unknown(cite_id)
    return cite.as_dict()


class StatusChange:
    """A staff change of one cité's status: the cité, the fields sent, who makes it."""

    def __init__(
        self,
        cite_id: str,
        body: StatusBody,
        agent: Optional[str] = AGENT_HEADER,
        state: AppState = Depends(get_state),
        staff: str = Depends(require_staff),
    ):
        self.cite_id, self.body, self.state = cite_id, body, state
        self.who = _who(agent, staff)

    def apply(self, replace: bool) -> Any:
        return _update(self.state, self.cite_id, self.body.dict(exclude_unset=not replace), self.who, replace=replace)


@router.put("/{cite_id}/status", summary="Set a cité's whole status (staff)")
def put_status(change: StatusChange = Depends()) -> Any:
    return change.apply(replace=True)


@router.patch("/{cite_id}/status", summary="Change some fields of a cité's status (staff)")
def patch_status(change: StatusChange = Depends()) -> Any:
    return change.apply(replace=False)


@router.get("/{cite_id}/history", summary="Every change of a cité's status: who, when, from what to what")
def get_history(
    cite_id: str,
    limit: int = Query(100, ge=1, le=1000),
    state: AppState = Depends(get_state),
) -> dict:
    with state.engine.connect() as conn:
        if cites.get(conn, cite_id) is None:
            raise _unknown(cite_id)
        changes = cites.changes(conn, cite_id, limit)
    return {"cite": cite_id, "changements": [c.as_dict() for c in changes]}


def _update(state: AppState, cite_id: str, raw: dict, who: str, replace: bool) -> Any:
    try:
        with state.engine.begin() as conn:
            cite, changes = cites.update_status(conn, cite_id, raw, who, replace)
    except KeyError:
        raise _unknown(cite_id)
    except cites.StatusError as error:
        raise Refused("Statut refusé, rien n'a changé : ", error.errors)
    return {"cite": cite.as_dict(), "changements": [c.as_dict() for c in changes]}


def _who(agent: Optional[str], staff: str) -> str:
    return agent.strip() if agent and agent.strip() else staff


def _unknown(cite_id: str) -> HTTPException:
    return HTTPException(
        status_code=404,
        detail=f"Aucune cité avec l'identifiant {cite_id[:80]!r}. Cherchez-la par son nom : GET /cites/search?q=…",
    )


def _commune(state: AppState, query: str) -> Commune:
    if not query.strip():
        raise HTTPException(status_code=422, detail="Le paramètre commune est vide.")
    return resolve_query(state, query, insee_parameter="insee")


def _commune_dict(commune: Commune) -> dict:
    return {"insee": commune.insee, "nom": commune.nom, "epci": {"siren": commune.epci_siren, "nom": commune.epci_nom}}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # spreadsheets saved on Windows


def _uploaded_file(content_type: str, raw: bytes) -> bytes:
    """The one file of a multipart/form-data upload (python-multipart is not a dependency here)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_filename() or part.get_param("name", header="content-disposition") == "file":
                payload = part.get_payload(decode=True)
                if payload is not None:
                    return payload
    raise HTTPException(status_code=422, detail="Envoi multipart sans fichier : joignez le fichier CSV (champ « file »).")
