"""The officers' side of the hand-off queue over HTTP (used by the console at /console).

Sign-in gives a session cookie (HttpOnly, SameSite=Strict) and a CSRF token; every call that changes something
must send that token back in the `X-CSRF-Token` header. API clients may instead send the session token as a
bearer token (no cookie, so no CSRF). An officer sees only their own service's queue: another service's request
answers 404, as an unknown one does.
"""
from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from assistant.api.state import AppState, get_state
from assistant.handoff import audit, officers, queue

router = APIRouter(prefix="/officer", tags=["officer console"])
COOKIE = "officer_session"
_cookie = APIKeyCookie(name=COOKIE, auto_error=False)
_bearer = HTTPBearer(auto_error=False)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class LoginBody(BaseModel):
    login: str = Field(..., max_length=80)
    password: str = Field(..., max_length=200)

    class Config:
        extra = "forbid"


class CloseBody(BaseModel):
    issue: Optional[Literal["answered", "called_back", "unreachable"]] = None

    class Config:
        extra = "forbid"


class MessageBody(BaseModel):
    texte: str = Field(..., min_length=1, max_length=queue.MAX_TEXT)

    class Config:
        extra = "forbid"


@dataclass
class Caller:
    session: officers.Session

    @property
    def officer(self) -> officers.Officer:
        return self.session.officer


def _unauthorised() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Connexion requise : session absente ou expirée.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_officer(
    request: Request,
    cookie: Optional[str] = Depends(_cookie),
    bearer: Optional[HTTPAuthorizationCredentials] = Depends(_bearer),
    state: AppState = Depends(get_state),
) -> Caller:
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        raise _unauthorised()
    with state.engine.begin() as conn:
        session = officers.session(conn, token, dt.timedelta(minutes=state.settings.session_idle_minutes))
    if session is None:
        raise _unauthorised()
    if bearer is None and request.method not in SAFE_METHODS:
        given = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(given, session.csrf):
            raise HTTPException(status_code=403, detail="Jeton anti-CSRF manquant ou invalide : rechargez la page.")
    return Caller(session)


def _me(caller: Caller) -> dict:
    o = caller.officer
    return {
        "login": o.login,
        "nom": o.nom,
        "service": o.service_id,
        "csrf": caller.session.csrf,
        "expire_le": caller.session.expires_at.isoformat(timespec="seconds") + "Z",
    }


@router.post("/session", summary="Sign in: a session cookie, and the session token and CSRF token in the body")
def sign_in(body: LoginBody, response: Response, state: AppState = Depends(get_state)) -> dict:
    lifetime = dt.timedelta(minutes=state.settings.session_minutes)
    with state.engine.begin() as conn:
        result = officers.login(conn, body.login, body.password, lifetime)
    if result is None:
        raise HTTPException(status_code=401, detail="Identifiant ou mot de passe incorrect.")
    token, session = result
    response.set_cookie(
        COOKIE, token, max_age=int(lifetime.total_seconds()), httponly=True, samesite="strict",
        secure=state.settings.secure_cookies, path="/",
    )
    return {**_me(Caller(session)), "jeton": token}


@router.get("/session", summary="The signed-in officer, with the CSRF token for the calls that change something")
def who_am_i(caller: Caller = Depends(require_officer)) -> dict:
    return _me(caller)


@router.delete("/session", summary="Sign out")
def sign_out(
    response: Response,
    cookie: Optional[str] = Depends(_cookie),
    bearer: Optional[HTTPAuthorizationCredentials] = Depends(_bearer),
    caller: Caller = Depends(require_officer),
    state: AppState = Depends(get_state),
) -> dict:
    with state.engine.begin() as conn:
        officers.logout(conn, bearer.credentials if bearer is not None else cookie or "")
        audit.record(conn, caller.officer.actor, "logout", service_id=caller.officer.service_id)
    response.delete_cookie(COOKIE, path="/")
    return {"deconnecte": True}


@router.get("/queue", summary="The open requests of the officer's own service (closed ones too if asked)")
def get_queue(
    closes: bool = False, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)
) -> dict:
    with state.engine.begin() as conn:
        items = queue.queue(conn, caller.officer.service_id, caller.officer.actor, include_closed=closes)
    return {"service": caller.officer.service_id, "demandes": items}


def _act(state: AppState, fn, *args, **kwargs) -> dict:
    try:
        with state.engine.begin() as conn:
            return fn(conn, *args, **kwargs)
    except queue.NotFound:
        raise HTTPException(status_code=404, detail="Aucune demande avec cette référence dans votre service.")
    except queue.RequestError as error:
        raise HTTPException(status_code=409, detail=f"Impossible : {error}.")


@router.get("/requests/{reference}", summary="One request of the officer's service, with the person's data")
def get_request(reference: str, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    o = caller.officer
    return _act(state, queue.read, reference, o.service_id, o.actor)


@router.get("/requests/{reference}/audit", summary="The audit log of one request of the officer's service")
def get_request_audit(reference: str, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    o = caller.officer
    return {"reference": reference, "entrees": _act(state, queue.request_audit, reference, o.service_id)}


@router.post("/requests/{reference}/take", summary="Take the request: it is now yours")
def take(reference: str, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    o = caller.officer
    return _act(state, queue.transition, reference, o.service_id, "take", o.actor, o.login)


@router.post("/requests/{reference}/release", summary="Give the request back to the queue")
def release(reference: str, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    o = caller.officer
    return _act(state, queue.transition, reference, o.service_id, "release", o.actor, o.login)


@router.post("/requests/{reference}/called-back", summary="Note that you called the person back")
def called_back(reference: str, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)) -> dict:
    o = caller.officer
    return _act(state, queue.mark_called_back, reference, o.service_id, o.actor, o.login)


@router.post("/requests/{reference}/close", summary="Close the request (answered, called back, unreachable)")
def close(
    reference: str, body: CloseBody, request: Request, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)
) -> dict:
    o = caller.officer
    conversation_id = _act(state, queue.live_conversation, reference, o.service_id)
    closed = _act(state, queue.transition, reference, o.service_id, "close", o.actor, o.login, outcome=body.issue)
    if conversation_id:  # a live conversation: the bot takes it back and says so
        closed["bot_reprend"] = _relay(request)(conversation_id, "closed", None)
    return closed


def _relay(request: Request):
    return request.app.state.relay


@router.post("/requests/{reference}/messages", summary="Answer live: the message appears in the resident's chat")
def send_message(
    reference: str, body: MessageBody, request: Request, caller: Caller = Depends(require_officer),
    state: AppState = Depends(get_state),
) -> dict:
    o = caller.officer
    conversation_id, message = _act(state, queue.officer_message, reference, o.service_id, o.actor, o.login, body.texte)
    delivered = _relay(request)(conversation_id, "officer", message["texte"])
    if not delivered:
        raise HTTPException(status_code=502, detail="Message enregistré, mais il n'a pas pu être remis : la personne n'est peut-être plus connectée.")
    return {**message, "remis": True}


@router.get("/requests/{reference}/messages", summary="The live messages newer than `after` (the console polls)")
def get_messages(
    reference: str, after: int = 0, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)
) -> dict:
    o = caller.officer
    return {"messages": _act(state, queue.messages_after, reference, o.service_id, max(0, after), o.actor)}


@router.get("/audit", summary="The audit log of the officer's service: who read or changed which request, when")
def get_audit(
    limit: int = 200, caller: Caller = Depends(require_officer), state: AppState = Depends(get_state)
) -> dict:
    with state.engine.connect() as conn:
        return {"service": caller.officer.service_id, "entrees": audit.entries(conn, caller.officer.service_id, limit=max(1, min(limit, 1000)))}
