"""Facts about the ERBM programme over HTTP, each with its source and date, read from the data file per call."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query

from assistant import erbm_facts
from assistant.api.state import AppState, get_state

router = APIRouter(prefix="/programme", tags=["programme"])


@router.get("/facts", summary="The ERBM facts the assistant may state, with their sources")
def list_facts(state: AppState = Depends(get_state)) -> dict:
    return {"faits": [fact.as_dict() for fact in _facts(state)]}


@router.get("/unanswered-detail", summary="Does this question ask a practical detail, or about another scheme, that no programme answer covers?")
def unanswered_detail(
    text: str = Query(..., min_length=1, max_length=500, description="« quels sont les horaires de la délégation ? »"),
    state: AppState = Depends(get_state),
) -> dict:
    detail = erbm_facts.unanswered_detail(text, state.settings.programme_dir)
    scheme = erbm_facts.other_scheme(text, state.settings.programme_dir)
    return {"asks_unanswered_detail": detail is not None, "detail": detail, "other_scheme": scheme}


@router.get("/facts/{fact_id}", summary="One ERBM fact")
def get_fact(fact_id: str, state: AppState = Depends(get_state)) -> dict:
    for fact in _facts(state):
        if fact.id == fact_id:
            return fact.as_dict()
    raise HTTPException(status_code=404, detail=f"Aucun fait avec l'identifiant {fact_id[:80]!r}.")


def _facts(state: AppState) -> list[erbm_facts.Fact]:
    try:
        return erbm_facts.load(state.settings.programme_dir)
    except erbm_facts.FactsFileError as error:
        raise HTTPException(status_code=503, detail=f"Faits du programme indisponibles : {error}")
