"""Commune resolution over HTTP."""
from fastapi import APIRouter, Depends, HTTPException, Query

from assistant.api.state import AppState, get_state

router = APIRouter(prefix="/communes", tags=["communes"])


@router.get("/resolve", summary="Resolve a commune name or postal code as a resident typed it")
def resolve(
    q: str = Query(..., min_length=1, max_length=200, description="« Hénin-Beaumont », « henin beaumont », « 62110 »"),
    state: AppState = Depends(get_state),
) -> dict:
    if not q.strip():
        raise HTTPException(status_code=422, detail="Le paramètre q est vide.")
    return state.communes.resolve(q).as_dict()


@router.get("/in-text", summary="Find the communes a sentence names")
def in_text(
    text: str = Query(..., min_length=1, max_length=500, description="« bully les mines c'est en zone bud ? »"),
    state: AppState = Depends(get_state),
) -> dict:
    return state.communes.find_in_text(text).as_dict()


@router.get("/{insee}", summary="One commune by INSEE code")
def get_commune(insee: str, state: AppState = Depends(get_state)) -> dict:
    commune = state.communes.get(insee)
    if commune is None:
        raise HTTPException(status_code=404, detail=f"Aucune commune avec le code INSEE {insee[:10]!r}.")
    return commune.as_dict()
