"""Staff insights over HTTP: the Rasa server's broker posts masked events (assistant token); signed-in officers
read the figures of a period and a territory, the unmet needs grouped by similarity, label messages and export
the labelled ones as Rasa NLU training data (console page /console/insights.html)."""
from __future__ import annotations

import datetime as dt
import re
from typing import List, Literal, Optional, Union

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from assistant.api.auth import require_assistant, require_staff
from assistant.api.officers import Caller, require_officer
from assistant.api.state import AppState, get_state
from assistant.communes import communes as communes_table
from assistant.handoff import audit
from assistant.handoff.routing import services
from assistant.insights import analysis, export, groups, store
from assistant.storage import utcnow

router = APIRouter(prefix="/insights", tags=["insights"])
INSEE = re.compile(r"^\d[\dAB]\d{3}$")
TERRITORY = r"^(departement:\d{2,3}|epci:\d{9}|commune:\d[\dAB]\d{3})$"
MAX_DAYS = 366


class Event(BaseModel):
    conversation: str = Field(..., min_length=8, max_length=32, regex=r"^[0-9a-f]+$")
    at: float = Field(..., ge=0, le=10_000_000_000)
    type: Literal[store.KINDS]  # type: ignore[valid-type]
    name: Optional[str] = Field(None, max_length=120)
    intent: Optional[str] = Field(None, max_length=120)
    confidence: Optional[float] = Field(None, ge=0, le=1)
    text: Optional[str] = Field(None, max_length=2000)
    entities: List[dict] = Field(default_factory=list, max_items=50)
    value: Union[None, bool, int, float, str] = None
    channel: Optional[str] = Field(None, max_length=40)
    personal: Optional[bool] = None

    class Config:
        extra = "forbid"


class EventsBody(BaseModel):
    events: List[Event] = Field(..., max_items=1000)

    class Config:
        extra = "forbid"


class LabelBody(BaseModel):
    intention: Optional[str] = Field(None, max_length=80, description="an intent of the list, « hors_sujet », or null")

    class Config:
        extra = "forbid"


@router.post("/events", status_code=202, summary="The Rasa server's broker: masked conversation events")
def post_events(body: EventsBody, _: str = Depends(require_assistant), state: AppState = Depends(get_state)) -> dict:
    with state.engine.begin() as conn:
        count = store.ingest(conn, [e.dict() for e in body.events])
    return {"recus": count}


def _period(du: Optional[dt.date], au: Optional[dt.date]) -> tuple[dt.date, dt.date]:
    today = analysis.paris_day(utcnow())
    last = au or today
    first = du or last - dt.timedelta(days=29)
    if first > last:
        raise HTTPException(status_code=422, detail="Période invalide : la date de début est après la date de fin.")
    if (last - first).days >= MAX_DAYS:
        raise HTTPException(status_code=422, detail=f"Période trop longue : {MAX_DAYS} jours au plus.")
    return first, last


def _conversations(state: AppState, first: dt.date, last: dt.date, territory: Optional[str]) -> list:
    settings = state.settings
    vocab = analysis.vocabulary()
    # Events are stored in UTC; a Paris day starts up to two hours earlier.
    start = dt.datetime.combine(first, dt.time()) - dt.timedelta(hours=2)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time()) + dt.timedelta(hours=2)
    with state.engine.connect() as conn:
        rows = store.conversations_events(conn, start, end)
    by_conversation: dict[str, list] = {}
    for row in rows:
        by_conversation.setdefault(row.conversation, []).append(row)
    replayed = [analysis.replay(key, events, vocab, settings.insights_low_confidence)
                for key, events in by_conversation.items()]
    return analysis.select(replayed, territory, _resolver(state))


def _resolver(state: AppState):
    index = state.communes
    cache: dict[str, Optional[analysis.Place]] = {}

    def resolve(name: str) -> Optional[analysis.Place]:
        if name not in cache:
            commune = index.get(name) if INSEE.match(name) else None
            if commune is None:
                found = index.resolve(name)
                commune = found.communes[0] if found.status == "found" else None
            cache[name] = None if commune is None else analysis.Place(commune.insee, commune.departement, commune.epci_siren)
        return cache[name]

    return resolve


@router.get("/summary", summary="Figures of a period (Paris days, both included) and a territory")
def summary(
    du: Optional[dt.date] = None, au: Optional[dt.date] = None,
    territoire: Optional[str] = Query(None, regex=TERRITORY, description="departement:59, epci:SIREN or commune:INSEE"),
    caller: Caller = Depends(require_officer), state: AppState = Depends(get_state),
) -> dict:
    first, last = _period(du, au)
    conversations = _conversations(state, first, last, territoire)
    with state.engine.connect() as conn:
        names = {r.id: r.nom for r in conn.execute(sa.select(services.c.id, services.c.nom))}
    figures = analysis.summarise(conversations, first, last, utcnow(),
                                 dt.timedelta(minutes=state.settings.insights_abandon_minutes), names,
                                 analysis.vocabulary())
    return {**figures, "territoire": territoire}


@router.get("/groups", summary="The most frequent unmet needs, grouped by similarity, with examples and counts")
def unmet_groups(
    du: Optional[dt.date] = None, au: Optional[dt.date] = None,
    territoire: Optional[str] = Query(None, regex=TERRITORY),
    caller: Caller = Depends(require_officer), state: AppState = Depends(get_state),
) -> dict:
    first, last = _period(du, au)
    messages = analysis.unmet_messages(_conversations(state, first, last, territoire), first, last)
    found = groups.group(messages, analysis.vocabulary()["stop_words"])
    with state.engine.begin() as conn:  # the groups show residents' (masked) texts: who read them is logged
        audit.record(conn, caller.officer.actor, "insights_read", service_id=caller.officer.service_id,
                     detail=f"{first.isoformat()}..{last.isoformat()} {territoire or 'bassin'} {len(messages)}")
    return {"periode": {"du": first.isoformat(), "au": last.isoformat()}, "territoire": territoire,
            "messages": len(messages), "groupes": found}


@router.get("/territories", summary="The territories the figures can be filtered by")
def territories(caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    with state.engine.connect() as conn:
        rows = conn.execute(
            sa.select(communes_table.c.departement, communes_table.c.epci_siren, communes_table.c.epci_nom)
            .where(communes_table.c.bassin_minier.is_(True)).distinct()
        ).fetchall()
    departements = sorted({r.departement for r in rows})
    epcis = sorted({(r.epci_siren, r.epci_nom) for r in rows if r.epci_siren}, key=lambda e: e[1] or "")
    return {"departements": [{"code": f"departement:{d}", "nom": {"59": "Nord", "62": "Pas-de-Calais"}.get(d, d)}
                             for d in departements],
            "epci": [{"code": f"epci:{s}", "nom": n} for s, n in epcis]}


@router.get("/intents", summary="The intents a message can be labelled with")
def intents(caller: Caller = Depends(require_officer)) -> dict:
    return {"intentions": [{"nom": k, "libelle": v} for k, v in analysis.vocabulary()["intents"].items()]}


@router.post("/messages/{message_id}/label", summary="Give a message the intent it should have had (or « hors_sujet »)")
def label_message(message_id: int, body: LabelBody, caller: Caller = Depends(require_officer),
                  state: AppState = Depends(get_state)) -> dict:
    allowed = set(analysis.vocabulary()["intents"])
    try:
        with state.engine.begin() as conn:
            labelled = store.label(conn, message_id, body.intention, allowed, caller.officer.actor)
            audit.record(conn, caller.officer.actor, "insights_label", service_id=caller.officer.service_id,
                         detail=f"message {message_id}: {body.intention or 'aucune'}")
            return labelled
    except LookupError:
        raise HTTPException(status_code=404, detail="Aucun message avec ce numéro.")
    except store.LabelError as error:
        raise HTTPException(status_code=422, detail=f"Impossible : {error}.")


@router.get("/export.yml", summary="The labelled messages as Rasa NLU training data (YAML)",
            response_class=Response, responses={200: {"content": {"application/x-yaml": {}}}})
def export_labelled(caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> Response:
    with state.engine.begin() as conn:
        rows = store.labelled(conn)
        audit.record(conn, caller.officer.actor, "insights_export", service_id=caller.officer.service_id,
                     detail=f"{len(rows)} messages")
    today = analysis.paris_day(utcnow())
    text = export.nlu_yaml(rows, analysis.vocabulary()["export_intent_names"], today)
    return Response(text, media_type="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="insights-{today.isoformat()}.yml"'})


@router.post("/purge", summary="Erase the raw texts older than the retention period now (also done every hour)")
def purge(_: str = Depends(require_staff), state: AppState = Depends(get_state)) -> dict:
    with state.engine.begin() as conn:
        return {"textes_effaces": store.purge_texts(conn, state.settings.insights_text_retention_days)}
