"""Hand-off over HTTP: which service handles a question (public), the request queue's resident side (create by
the assistant with its token, withdraw by the resident with the secret), and the retention purge (staff)."""
from __future__ import annotations

from typing import List, Literal, Optional

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from assistant.api.auth import require_assistant, require_staff
from assistant.api.state import AppState, get_state
from assistant.handoff import names, officers, queue, routing, topics
from assistant.storage import utcnow

router = APIRouter(prefix="/handoff", tags=["hand-off"])
class TranscriptLine(BaseModel):
    who: Literal["resident", "bot"]
    text: str = Field(..., max_length=queue.MAX_TEXT)


class RequestBody(BaseModel):
    topic: Literal["bud", "cites", "emploi", "autre"]
    commune: Optional[str] = Field(None, regex=r"^\d[\dAB]\d{3}$", description="INSEE code of the person's commune")
    cite_id: Optional[str] = Field(None, max_length=80)
    service_id: Optional[str] = Field(None, max_length=80, description="The service the person agreed to (the one GET "
                                      "/handoff/route named when consent was asked): the request goes there, whatever "
                                      "the conversation said since")
    consent: bool = Field(..., description="The person agreed, in the conversation, to these data being kept")
    nom: str = Field(..., min_length=1, max_length=120)
    contact: str = Field(..., min_length=3, max_length=200, description="an e-mail address or a French phone number")
    conversation_id: Optional[str] = Field(None, max_length=128)
    mode: Literal["callback", "live"] = "callback"
    summary: dict = Field(default_factory=dict, description="what the bot knew: slots, eligibility verdict")
    transcript: List[TranscriptLine] = Field(default_factory=list, max_items=queue.MAX_TRANSCRIPT)

    class Config:
        extra = "forbid"


class WithdrawBody(BaseModel):
    reference: str = Field(..., max_length=20)
    secret: str = Field(..., max_length=40)

    class Config:
        extra = "forbid"


def _decision(state: AppState, conn, topic: str, commune: Optional[str], cite_id: Optional[str],
              structure_kind: Optional[str] = None) -> tuple:
    place = None
    if commune:
        place = state.communes.get(commune)
        if place is None:
            raise HTTPException(status_code=422, detail=f"Aucune commune avec le code INSEE {commune!r}.")
    bailleur = None
    if cite_id:
        from assistant import cites

        cite = cites.get(conn, cite_id)
        if cite is None:
            raise HTTPException(status_code=422, detail=f"Aucune cité avec l'identifiant {cite_id[:80]!r}.")
        bailleur = cite.bailleur
        if place is None and cite.communes:
            place = cite.communes[0]
    try:
        return routing.route(conn, topic, place, bailleur, structure_kind), place
    except routing.RoutingError as error:
        raise HTTPException(status_code=422, detail=str(error))


@router.get("/route", summary="Which service handles a question on this topic, here, and why")
def get_route(
    topic: Literal["bud", "cites", "emploi", "autre"] = Query(...),
    commune: Optional[str] = Query(None, regex=r"^\d[\dAB]\d{3}$", description="INSEE code"),
    cite_id: Optional[str] = Query(None, max_length=80),
    text: Optional[str] = Query(None, max_length=500, description="The request in the person's words: a topic it "
                                                                  "names (« quelqu'un de la Mission locale ») wins "
                                                                  "over `topic` (data/programme/handoff/topics.fr.yaml)"),
    state: AppState = Depends(get_state),
) -> dict:
    named = topics.named_topic(text, state.settings.programme_dir) if text else None
    if named is not None and named != topic:
        topic, cite_id = named, cite_id if named == "cites" else None
    kind = topics.named_structure_kind(text, state.settings.programme_dir) if text else None
    with state.engine.connect() as conn:
        decision, place = _decision(state, conn, topic, commune, cite_id, kind)
    out = decision.as_dict()
    out["commune"] = {"insee": place.insee, "nom": place.nom, "epci": place.epci_nom} if place else None
    out["conservation_jours"] = state.settings.retention_days
    with state.engine.connect() as conn:
        window = dt.timedelta(seconds=state.settings.online_window_seconds)
        out["agents_en_ligne"] = officers.online_count(conn, decision.service.id, window)
    return out


@router.get("/details", summary="The name and contact a message gives of its writer")
def person_details(
    text: str = Query(..., max_length=500),
    own: bool = Query(False, description="The answer to the name or contact question: any contact in it is theirs"),
    state: AppState = Depends(get_state),
) -> dict:
    return names.details(text, state.settings.programme_dir, own)


@router.get("/services", summary="The services that take hand-off requests, with their public contact")
def list_services(state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        return {"services": [s.as_dict() for s in routing.all_services(conn)]}


@router.get("/services/{service_id}", summary="One service, with its public contact (empty: not known) and how "
                                              "many of its officers are online")
def get_service(service_id: str, state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        service = routing.get_service(conn, service_id)
        if service is None:
            raise HTTPException(status_code=404, detail=f"Aucun service {service_id[:80]!r}.")
        online = officers.online_count(conn, service.id, dt.timedelta(seconds=state.settings.online_window_seconds))
    return {**service.as_dict(), "agents_en_ligne": online}


@router.post(
    "/requests",
    status_code=201,
    summary="Record a hand-off request (the assistant, with the person's consent)",
    description="Answers 201 only once the request is committed to the database. The reference and the secret "
    "are given once, to be told to the person; only the secret's hash is kept.",
)
def create_request(body: RequestBody, state: AppState = Depends(get_state), _: str = Depends(require_assistant)) -> dict:
    if not body.consent:
        raise HTTPException(status_code=422, detail="Sans consentement, aucune demande n'est enregistrée.")
    with state.engine.begin() as conn:
        decision, place = _decision(state, conn, body.topic, body.commune, body.cite_id)
        if body.service_id and body.service_id != decision.service.id:
            # The person agreed that this service's agents, and only them, see their data (« Qui les verra »).
            agreed = routing.get_service(conn, body.service_id)
            if agreed is None:
                raise HTTPException(status_code=422, detail=f"Aucun service {body.service_id[:80]!r}.")
            decision = routing.Decision(decision.topic, agreed, "accord", "*")
        try:
            created = queue.create(
                conn,
                decision,
                nom=body.nom,
                contact=body.contact,
                conversation_id=body.conversation_id,
                commune_insee=place.insee if place else None,
                commune_nom=place.nom if place else None,
                cite_id=body.cite_id,
                summary=body.summary,
                transcript=[line.dict() for line in body.transcript],
                mode=body.mode,
            )
        except queue.RequestError as error:
            raise HTTPException(status_code=422, detail=f"Demande refusée : {error}.")
    # The transaction is committed here: the reference given to the person is durable.
    return {
        "reference": created.reference,
        "secret": created.secret,
        "service": decision.service.as_dict(),
        "raison": decision.reason,
        "reponse_attendue_le": created.request["reponse_attendue_le"],
        "reponse_attendue_locale": created.expected_local,
        "conservation_jours": state.settings.retention_days,
        "statut": created.request["statut"],
        "mode": body.mode,
        "attente_max_secondes": state.settings.live_timeout_seconds,
    }


@router.post("/requests/withdraw", summary="The person withdraws their request (reference and secret)")
def withdraw(body: WithdrawBody, state: AppState = Depends(get_state)) -> dict:
    with state.engine.begin() as conn:
        done = queue.withdraw(conn, body.reference, body.secret)
    if not done:
        raise HTTPException(status_code=404, detail="Référence ou code de retrait incorrect.")
    return {"reference": body.reference.strip().upper(), "statut": "closed", "issue": "withdrawn", "donnees_effacees": True}


@router.post("/requests/status", summary="Where the person's request stands (reference and secret)",
             description="Its status (pending, with_officer, closed), outcome, when an answer is due (UTC and "
             "Europe/Paris) and whether that moment has passed; nothing personal. 404 for an unknown reference, a "
             "wrong secret or a withdrawn request alike.")
def request_status(body: WithdrawBody, state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        status = queue.resident_status(conn, body.reference, body.secret)
        service = routing.get_service(conn, status["service"]) if status else None
    if status is None:
        raise HTTPException(status_code=404, detail="Référence ou code de retrait incorrect, ou demande retirée.")
    return {**status, "service": service.as_dict() if service else {"id": status["service"]}}


class ContactBody(WithdrawBody):
    contact: str = Field(..., min_length=3, max_length=200, description="an e-mail address or a French phone number")


@router.post("/requests/contact", summary="The person corrects the contact of their open request (reference and secret)")
def correct_contact(body: ContactBody, state: AppState = Depends(get_state)) -> dict:
    try:
        with state.engine.begin() as conn:
            contact = queue.correct_contact(conn, body.reference, body.secret, body.contact)
    except queue.RequestError as error:
        raise HTTPException(status_code=422, detail=f"Contact refusé : {error}.")
    if contact is None:
        raise HTTPException(status_code=404, detail="Référence ou code de retrait incorrect, ou demande déjà traitée.")
    return {"reference": body.reference.strip().upper(), "contact": contact}


class ResidentMessage(BaseModel):
    texte: str = Field(..., min_length=1, max_length=queue.MAX_TEXT)

    class Config:
        extra = "forbid"


@router.post(
    "/conversations/{conversation_id}/messages",
    summary="A resident's message while their web chat is with an officer (the Rasa channel forwards it)",
    description="200 when the conversation has a live request open (the message is for the officer, the bot "
    "stays silent); 404 when it has none (the bot answers as usual).",
)
def resident_message(
    conversation_id: str, body: ResidentMessage, state: AppState = Depends(get_state),
    _: str = Depends(require_assistant),
) -> dict:
    with state.engine.begin() as conn:
        stored = queue.resident_message(conn, conversation_id[:128], body.texte)
    if stored is None:
        raise HTTPException(status_code=404, detail="Aucune conversation en direct avec un agent.")
    return {"en_direct": True, "message": {"id": stored["id"], "le": stored["le"]}}


@router.post("/purge", summary="Erase personal data older than the retention period (staff)")
def purge(state: AppState = Depends(get_state), _: str = Depends(require_staff)) -> dict:
    with state.engine.begin() as conn:
        count = queue.purge(conn, state.settings.retention_days, utcnow())
    return {"demandes_effacees": count, "conservation_jours": state.settings.retention_days}
