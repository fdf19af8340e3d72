"""Settings of the action server: the one place where this process reads its URLs, limits and time-outs from the
environment. The Rasa server's plug-ins have theirs in `rasa_plugins/settings.py`, the programme-data service in
`assistant/settings.py`. Values are read when asked for (tests change the environment)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"  # the forms' slot lists (`required_slots`) and the responses

DEFAULT_PROGRAMME_URL = "http://127.0.0.1:5080"
DEFAULT_ASSISTANT_TOKEN = "dev-assistant-token"
# Calls to the programme-data service: connect and read time-outs, then at most `RETRIES` retries on a failed
# connection or a 502/503/504 (a hung service answers « unavailable » in about 6 s).
PROGRAMME_TIMEOUT_SECONDS = (2.0, 3.0)
PROGRAMME_RETRIES = 2


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def programme_url() -> str:
    """Where the actions find the programme-data service (PROGRAMME_URL)."""
    return os.environ.get("PROGRAMME_URL", DEFAULT_PROGRAMME_URL).rstrip("/")


def assistant_token() -> str:
    """The bearer token the action server shows the service to create hand-off requests."""
    return os.environ.get("PROGRAMME_ASSISTANT_TOKEN", DEFAULT_ASSISTANT_TOKEN)


@dataclass(frozen=True)
class ActionServerLimits:
    # Rasa sends the whole tracker to the action server: long conversations make big bodies.
    max_body_bytes: int
    request_timeout_seconds: int
    response_timeout_seconds: int


def limits() -> ActionServerLimits:
    return ActionServerLimits(
        max_body_bytes=_int("ACTION_MAX_BODY_BYTES", 20_000_000),
        request_timeout_seconds=_int("ACTION_REQUEST_TIMEOUT", 30),
        response_timeout_seconds=_int("ACTION_RESPONSE_TIMEOUT", 60),
    )
