"""Bearer tokens from the configuration: staff for the calls that change programme data, the assistant (the action
server and the Rasa server) for the hand-off requests and the insights events it sends."""
import hmac
from typing import Callable

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.state import AppState, get_state

_bearer = HTTPBearer(auto_error=False)


def _require_token(identity: str, setting: str, whose: str) -> Callable[..., str]:
    """A dependency that returns `identity` when the bearer token is `settings.<setting>`, else refuses with 401."""

    def require(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        state: AppState = Depends(get_state),
    ) -> str:
        if credentials is None or not hmac.compare_digest(credentials.credentials, getattr(state.settings, setting)):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail=f"Authentification requise : jeton {whose} manquant ou invalide.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return identity

    require.__name__ = f"require_{identity}"
    return require


# The staff identity (used in change histories), with PROGRAMME_STAFF_TOKEN.
require_staff = _require_token("staff", "staff_token", "d'agent")
# The action server creates hand-off requests, the Rasa server posts insights events (PROGRAMME_ASSISTANT_TOKEN).
require_assistant = _require_token("assistant", "assistant_token", "de l'assistant")
