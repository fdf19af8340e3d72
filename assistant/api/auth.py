"""Staff authentication for the calls that change programme data: a bearer token from the configuration."""
import hmac

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.state import AppState, get_state

_bearer = HTTPBearer(auto_error=False)


def require_staff(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    state: AppState = Depends(get_state),
) -> str:
    """Return the staff identity (used in change histories) or refuse with 401."""
    if credentials is None or not hmac.compare_digest(credentials.credentials, state.settings.staff_token):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Authentification requise : jeton d'agent manquant ou invalide.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "staff"
