"""Employment support over HTTP: orientation of a person, and the local structures that staff maintain.

Every answer reads the structures from the database: a change made by staff is used by the next request.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, List, Optional, Union

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, root_validator, validator

from assistant import employment, employment_answers, french
from assistant.api.auth import require_staff
from assistant.api.communes import resolve_query
from assistant.api.errors import Refused
from assistant.api.state import AppState, get_state
from assistant.communes import Commune
from assistant.csv_import import ImportRejected

router = APIRouter(prefix="/employment", tags=["employment"])

INSEE = re.compile(r"^\d[0-9AB]\d{3}$")
MAX_IMPORT_BYTES = 1_000_000


def _refuse_unknown_fields(model: type[BaseModel], values: Any) -> Any:
    """A French message for fields the model does not know (pydantic's own message is in English)."""
    if not isinstance(values, dict):
        raise ValueError("le corps de la requête doit être un objet JSON")
    unknown = sorted(set(values) - set(model.__fields__))
    if unknown:
        raise ValueError(
            f"champ(s) inconnu(s) : {', '.join(unknown)} ; champs possibles : {', '.join(model.__fields__)}"
        )
    return values


def _yes_no(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError("attendu : true, false ou null")


class OrientationRequest(BaseModel):
    """What the person said; every fact is optional (null or absent when not known yet)."""

    age: Optional[int] = None
    commune_insee: Optional[str] = None
    commune_query: Optional[str] = None
    registered_job_seeker: Optional[bool] = None
    rsa: Optional[bool] = None
    long_term_unemployed: Optional[bool] = None
    disability_recognised: Optional[bool] = None
    wants_training: Optional[bool] = None
    wants_business_creation: Optional[bool] = None
    wants_career_change: Optional[bool] = None
    unemployment_months: Optional[int] = Field(
        None, description="How long the person has been looking for a job, in months, when they said so: the "
                          "service decides from it whether they are long-term unemployed (dated parameter "
                          "long_term_unemployment.min_months, GET /employment/parameters), unless "
                          "long_term_unemployed is given.")

    class Config:
        extra = "forbid"
        schema_extra = {"example": {"age": 22, "commune_query": "Liévin", "registered_job_seeker": False}}

    @root_validator(pre=True)
    def _fields(cls, values):
        values = _refuse_unknown_fields(cls, values)
        if values.get("commune_insee") and values.get("commune_query"):
            raise ValueError("donnez commune_insee ou commune_query, pas les deux")
        return values

    @validator(*employment.BOOLEAN_FACTS, pre=True)
    def _boolean(cls, value):
        return _yes_no(value)

    @validator("age", pre=True)
    def _age(cls, value):
        if value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
            raise ValueError("l'âge doit être un nombre entier d'années, entre 0 et 120")
        return value

    @validator("unemployment_months", pre=True)
    def _months(cls, value):
        if value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600:
            raise ValueError("la durée de recherche d'emploi est un nombre entier de mois, entre 0 et 600")
        return value

    @validator("commune_insee", pre=True)
    def _insee(cls, value):
        if value is None:
            return value
        if not isinstance(value, str) or not INSEE.match(value.strip()):
            raise ValueError("le code INSEE a 5 caractères, par exemple 62510")
        return value.strip()

    @validator("commune_query", pre=True)
    def _query(cls, value):
        if value is None:
            return value
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValueError("la commune doit être un texte non vide de 200 caractères au plus")
        return value.strip()


ListOfPlaces = Optional[Union[List[str], str]]


class StructureFields(BaseModel):
    """A structure as staff write it. Communes by INSEE code or exact name, EPCI by SIREN or name (lists, or
    one text with ';' between items). Address, contact and opening hours stay empty unless a source gives them."""

    nom: Optional[str] = None
    kind: Optional[str] = None
    communes: ListOfPlaces = None
    epci: ListOfPlaces = None
    adresse: Optional[str] = None
    contact: Optional[str] = None
    horaires: Optional[str] = None
    note: Optional[str] = None
    source: Optional[str] = None

    class Config:
        extra = "forbid"

    @root_validator(pre=True)
    def _fields(cls, values):
        return _refuse_unknown_fields(cls, values)


class StructureCreate(StructureFields):
    id: Optional[str] = None

    class Config:
        extra = "forbid"
        schema_extra = {
            "example": {
                "nom": "Mission locale de l'Artois",
                "kind": "mission_locale",
                "communes": ["62119"],
                "epci": ["CA de Béthune-Bruay, Artois-Lys Romane"],
                "adresse": None,
                "contact": None,
                "horaires": None,
                "source": "site de la mission locale, consulté le 26 novembre 2026",
            }
        }


def _invalid(errors: list[str]) -> Refused:
    return Refused("Structure refusée : ", errors)


def _not_found(structure_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"Aucune structure avec l'identifiant {structure_id[:80]!r}.")


def _commune_from_query(state: AppState, commune: str) -> Commune:
    """The commune a query names (INSEE code, name, postal code), or the service's one commune error contract."""
    return resolve_query(state, commune, insee_parameter=None)


@router.post("/orientation", summary="Orient a person to the help that fits their situation")
def orientation(request: OrientationRequest, state: AppState = Depends(get_state)) -> dict:
    commune: Optional[Commune] = None
    resolution = None
    if request.commune_insee:
        commune = state.communes.get(request.commune_insee)
        if commune is None:
            raise HTTPException(status_code=422, detail=f"Aucune commune avec le code INSEE {request.commune_insee!r}.")
    elif request.commune_query:
        found = state.communes.resolve(request.commune_query)
        if found.status == "found":
            commune = found.communes[0]
        resolution = {
            "status": found.status,
            "query": found.query,
            "match": found.match,
            "candidates": [{"insee": c.insee, "nom": c.nom} for c in found.communes],
            "suggestions": found.suggestions,
        }
    profile = employment.Profile(
        age=request.age,
        commune=commune.insee if commune else None,
        unemployment_months=request.unemployment_months,
        **{name: getattr(request, name) for name in employment.BOOLEAN_FACTS},
    )
    with state.engine.connect() as conn:
        structures = employment.all_structures(conn)
    rules = employment.rules_for(state.settings.programme_dir)
    answer = employment.orient(profile, structures, commune, rules).as_dict(state.communes)
    answer["commune_resolution"] = resolution
    return answer


@router.get("/parameters", summary="The dated parameters of the orientation rules (ages, durations), with their references")
def parameters(
    as_of: Optional[dt.date] = Query(None, description="Give each parameter's value on this date; default: today"),
    state: AppState = Depends(get_state),
) -> dict:
    return employment.load_parameters(state.settings.programme_dir).as_dict(as_of or dt.date.today())


@router.get("/routes/{route_id}", summary="What one service of the orientation is and whom it is for")
def route_description(route_id: str, state: AppState = Depends(get_state)) -> dict:
    """The general description of a route of the orientation rules (`mission_locale`, `plie`, …), to answer « c'est
    quoi le PLIE ? » (GET /understand gives `asks_about`), with the rules' reference and date."""
    rules = employment.rules_for(state.settings.programme_dir)
    rule = next((r for r in rules.routes if r.id == route_id), None)
    if rule is None:
        raise HTTPException(status_code=404, detail=f"Aucun service d'orientation ne s'appelle « {route_id} ».")
    return {"id": rule.id, "title": rule.title, "description": rule.description, "source": rule.source,
            "rules_updated_at": rules.updated_at, "rules_updated_at_text": french.date(rules.updated_at)}


@router.get("/understand", summary="Read the employment facts a free-text answer gives")
def understand(
    text: str = Query(..., min_length=1, max_length=500, description="« j'ai 24 ans et je touche le RSA »"),
    asked: Optional[str] = Query(None, description="The fact just asked (age, rsa, …): a bare number is an age only "
                                                   "when the age was asked"),
    state: AppState = Depends(get_state),
) -> dict:
    known = ("age",) + employment.BOOLEAN_FACTS
    if asked is not None and asked not in known + ("commune",):
        raise HTTPException(status_code=422, detail=f"asked doit valoir {', '.join(known + ('commune',))}.")
    return employment_answers.understand(text, asked, state.settings.programme_dir)


@router.get("/structures", summary="Employment structures, optionally for one commune and of one kind")
def list_structures(
    commune: Optional[str] = Query(None, max_length=200, description="INSEE code or name: « 62510 », « Liévin »"),
    kind: Optional[str] = Query(None, description="|".join(employment.KINDS)),
    state: AppState = Depends(get_state),
) -> dict:
    if kind is not None and kind not in employment.KINDS:
        raise HTTPException(
            status_code=422, detail=f"Le type {kind[:40]!r} n'existe pas ; types possibles : {', '.join(employment.KINDS)}."
        )
    with state.engine.connect() as conn:
        structures = employment.all_structures(conn)
    if commune is None or not commune.strip():
        chosen = [(s, None) for s in structures if kind is None or s.kind == kind]
        place = None
    else:
        found = _commune_from_query(state, commune)
        chosen = employment.structures_for(structures, found, kind)
        place = {"insee": found.insee, "nom": found.nom, "epci": {"siren": found.epci_siren, "nom": found.epci_nom},
                 "bassin_minier": found.bassin_minier}
    return {
        "commune": place,
        "structures": [{**s.as_dict(state.communes), "match": match} for s, match in chosen],
    }


@router.get("/structures/{structure_id}", summary="One employment structure")
def get_structure(structure_id: str, state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        structure = employment.get_structure(conn, structure_id)
    if structure is None:
        raise _not_found(structure_id)
    return structure.as_dict(state.communes)


@router.post("/structures", status_code=status.HTTP_201_CREATED, summary="Add a structure (staff)")
def create_structure(
    body: StructureCreate, state: AppState = Depends(get_state), staff: str = Depends(require_staff)
) -> dict:
    values = body.dict(exclude={"id"})
    try:
        created = employment.create_structure(state.engine, values, state.communes, staff, body.id)
    except employment.InvalidStructure as error:
        raise _invalid(error.errors)
    except employment.StructureExists as error:
        raise HTTPException(
            status_code=409,
            detail=f"La structure {str(error)!r} existe déjà : modifiez-la (PUT ou PATCH) ou donnez un autre id.",
        )
    return created.as_dict(state.communes)


@router.put("/structures/{structure_id}", summary="Replace a structure's fields (staff)")
def replace_structure(
    structure_id: str,
    body: StructureFields,
    state: AppState = Depends(get_state),
    staff: str = Depends(require_staff),
) -> dict:
    return _update(state, structure_id, body.dict(), staff, partial=False)


@router.patch("/structures/{structure_id}", summary="Correct some fields of a structure (staff)")
def patch_structure(
    structure_id: str,
    body: StructureFields,
    state: AppState = Depends(get_state),
    staff: str = Depends(require_staff),
) -> dict:
    return _update(state, structure_id, body.dict(exclude_unset=True), staff, partial=True)


def _update(state: AppState, structure_id: str, values: dict, staff: str, partial: bool) -> dict:
    try:
        updated = employment.update_structure(state.engine, structure_id, values, state.communes, staff, partial)
    except employment.StructureNotFound:
        raise _not_found(structure_id)
    except employment.InvalidStructure as error:
        raise _invalid(error.errors)
    return updated.as_dict(state.communes)


@router.post(
    "/structures/import",
    summary="Import structures from a CSV file (staff): all lines or none",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
    description=(
        "Send the file as the request body (Content-Type: text/csv, UTF-8, ',' or ';' separator). Columns: "
        + ", ".join(employment.CSV_COLUMNS)
        + ". A line with the id of a known structure updates the columns the file has; another line adds one. "
        "Service-Public.fr's directory is also accepted as published: the 2019 extract's columns (as in "
        "data/programme/sources/annuaire_service_public_2019_emploi_59_62.csv) or today's publication (JSON records "
        "or their CSV export with pivot, adresse, telephone); an office's data replace a structure's when they are "
        "at least as recent (source_date)."
    ),
)
async def import_structures(
    request: Request, state: AppState = Depends(get_state), staff: str = Depends(require_staff)
) -> JSONResponse:
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise HTTPException(status_code=413, detail="Fichier trop gros : 1 Mo au plus.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(status_code=422, detail="Le fichier doit être encodé en UTF-8.")
    try:
        if employment.directory_format(text):
            report = employment.import_directory(state.engine, text, state.communes, staff)
        else:
            report = employment.import_structures(state.engine, text, state.communes, staff)
    except ImportRejected as rejected:
        return JSONResponse(
            status_code=422,
            content={
                "detail": "Import refusé : rien n'a été modifié. Corrigez les lignes indiquées et recommencez.",
                "erreurs": [e.as_dict() for e in rejected.errors],
            },
        )
    return JSONResponse(status_code=200, content=report.as_dict())


@router.get("/structures/{structure_id}/history", summary="Every change of a structure, most recent first")
def structure_history(structure_id: str, state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        structure = employment.get_structure(conn, structure_id)
        changes = employment.structure_history(conn, structure_id)
    if structure is None and not changes:
        raise _not_found(structure_id)
    return {"id": structure_id, "changements": [c.as_dict() for c in changes]}
