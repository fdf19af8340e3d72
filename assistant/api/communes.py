"""Commune resolution over HTTP, and the one way every router turns a query into a commune.

The contract, the same on every route that takes a commune as typed (`?commune=` of /cites and
/employment/structures, `commune_query` of /bud/eligibility):
- one commune: it is used;
- several (« Marles », a postal code of several communes, a code that is both a postal code and an INSEE code):
  **422**, a French `detail` that asks to choose, and `commune_resolution` with the candidates;
- a 5-character code is a postal code, or an INSEE code on a route without its own INSEE parameter;
- none: **404** for a query parameter, **422** for a field of a JSON body (the body is then invalid), a French
  `detail`, and `commune_resolution` with the suggestions.
`commune_resolution` is `{status: ambiguous | not_found, query, candidates: [{insee, nom, codes_postaux}],
suggestions}`. GET /communes/resolve itself always answers 200 with the resolution: it is the question.
"""
from __future__ import annotations

import re
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from assistant.api.state import AppState, get_state
from assistant.communes import Commune, Resolution

router = APIRouter(prefix="/communes", tags=["communes"])
AMBIGUOUS_STATUS = 422
CODE = re.compile(r"\d[\dAB]\d{3}")  # a postal code or an INSEE code


class CommuneNotResolved(Exception):
    """A commune query that does not name exactly one commune; answered by `not_resolved` (create_app)."""

    def __init__(self, status_code: int, detail: str, resolution: dict):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.resolution = resolution


async def not_resolved(_request: Request, exc: CommuneNotResolved) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail, "commune_resolution": exc.resolution})


def resolution_body(resolution: Resolution, query: str) -> dict:
    return {
        "status": resolution.status,
        "query": query[:80],
        "candidates": [{"insee": c.insee, "nom": c.nom, "codes_postaux": list(c.codes_postaux)}
                       for c in resolution.communes],
        "suggestions": resolution.suggestions,
    }


def resolve_query(state: AppState, query: str, insee_parameter: Optional[str] = "insee") -> Commune:
    """The one commune `query` names (a name as typed, a postal code, an INSEE code), or CommuneNotResolved.

    `insee_parameter` names the route's own parameter for an INSEE code, suggested when the query is ambiguous;
    on a route without one (None), a code that is an INSEE code is that commune."""
    text = query.strip()
    shown = text[:80]
    resolution = state.communes.resolve(text)
    hint = f" Précisez, ou donnez le code INSEE (paramètre {insee_parameter})." if insee_parameter else " Précisez."
    by_code = state.communes.get(text)
    if by_code is not None and insee_parameter is None:
        return by_code
    if by_code is not None and by_code not in resolution.communes:
        if resolution.status == "not_found":
            return by_code
        # 59500 is Douai's postal code and another commune's INSEE code: ask, never guess.
        postal = ", ".join(c.nom for c in resolution.communes)
        both = Resolution("ambiguous", text, resolution.match, [*resolution.communes, by_code], [])
        raise CommuneNotResolved(
            AMBIGUOUS_STATUS,
            f"{shown!r} est à la fois un code postal ({postal}) et un code INSEE ({by_code.nom}).{hint}",
            resolution_body(both, text),
        )
    if resolution.status == "found":
        return resolution.communes[0]
    if resolution.status == "ambiguous":
        names = ", ".join(f"{c.nom} ({c.insee})" for c in resolution.communes)
        raise CommuneNotResolved(AMBIGUOUS_STATUS, f"Plusieurs communes correspondent à {shown!r} : {names}.{hint}",
                                 resolution_body(resolution, text))
    if CODE.fullmatch(text):
        raise CommuneNotResolved(404, f"Aucune commune avec le code {shown!r} (code postal ou INSEE).",
                                 resolution_body(resolution, text))
    suggestions = f" Vouliez-vous dire : {', '.join(resolution.suggestions[:3])} ?" if resolution.suggestions else ""
    raise CommuneNotResolved(404, f"Commune inconnue : {shown!r}.{suggestions}", resolution_body(resolution, text))


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


@router.get("/guess", summary="The one commune of the mining basin a message may misspell, to ask back")
def guess(
    text: str = Query(..., min_length=1, max_length=500, description="« et liévn ? », « les cités de harne »"),
    state: AppState = Depends(get_state),
) -> dict:
    """`found` (match `guess`) with one commune and, in `query`, the words read as its name: the bot asks
    « Vouliez-vous dire … ? » and answers only after a yes. `not_found` when the message names a commune as it is,
    names none, or is as close to several."""
    return state.communes.guess(text).as_dict()


@router.get("/{insee}", summary="One commune by INSEE code")
def get_commune(insee: str, state: AppState = Depends(get_state)) -> dict:
    commune = state.communes.get(insee)
    if commune is None:
        raise HTTPException(status_code=404, detail=f"Aucune commune avec le code INSEE {insee[:10]!r}.")
    return commune.as_dict()
