"""Configuration read from the environment, with embedded defaults for one machine."""
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.exposure import refuse_default_secrets

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME_DIR = ROOT / "data" / "programme"
VAR_DIR = ROOT / "var"
DEFAULT_STAFF_TOKEN = "dev-staff-token"
DEFAULT_ASSISTANT_TOKEN = "dev-assistant-token"


@dataclass(frozen=True)
class Settings:
    database_url: str
    programme_dir: Path
    staff_token: str
    host: str
    port: int
    # Hand-off: the action server's token to create requests, how long personal data are kept, officer sessions.
    assistant_token: str = DEFAULT_ASSISTANT_TOKEN
    retention_days: int = 30
    # How long the Rasa server keeps a conversation (it reads the same variable, rasa_plugins/settings.py): said to
    # residents who ask (GET /dialogue/privacy)
    conversation_retention_days: int = 30
    session_minutes: int = 480
    session_idle_minutes: int = 30
    secure_cookies: bool = False
    purge_interval_seconds: int = 3600
    # Live transfer over web chat: where the Rasa server is (to push an officer's message), how long a live
    # request waits for an officer before it becomes a call-back request, and when an officer counts as online.
    rasa_url: str = "http://127.0.0.1:5005"
    live_timeout_seconds: int = 120
    online_window_seconds: int = 60
    # Staff insights: how long the masked texts of conversations are kept, the intent confidence under which a
    # message counts as an unmet need, and the silence after which an unfinished BUD check counts as abandoned.
    insights_text_retention_days: int = 30
    insights_low_confidence: float = 0.6
    insights_abandon_minutes: int = 30
    # Limits of the HTTP entry point (one place for this process): larger bodies get 413, slower requests 503.
    max_body_bytes: int = 2_000_000
    request_timeout_seconds: float = 20.0
    max_concurrent_requests: int = 64


def load() -> Settings:
    VAR_DIR.mkdir(exist_ok=True)
    return Settings(
        database_url=os.environ.get("PROGRAMME_DATABASE_URL", f"sqlite:///{VAR_DIR / 'programme.db'}"),
        programme_dir=Path(os.environ.get("PROGRAMME_DATA_DIR", PROGRAMME_DIR)),
        staff_token=os.environ.get("PROGRAMME_STAFF_TOKEN", DEFAULT_STAFF_TOKEN),
        host=os.environ.get("PROGRAMME_HOST", "127.0.0.1"),
        port=int(os.environ.get("PROGRAMME_PORT", "5080")),
        assistant_token=os.environ.get("PROGRAMME_ASSISTANT_TOKEN", DEFAULT_ASSISTANT_TOKEN),
        retention_days=int(os.environ.get("HANDOFF_RETENTION_DAYS", "30")),
        conversation_retention_days=int(os.environ.get("CONVERSATION_RETENTION_DAYS", "30")),
        session_minutes=int(os.environ.get("OFFICER_SESSION_MINUTES", "480")),
        session_idle_minutes=int(os.environ.get("OFFICER_SESSION_IDLE_MINUTES", "30")),
        secure_cookies=os.environ.get("OFFICER_COOKIE_SECURE", "") in ("1", "true", "yes"),
        purge_interval_seconds=int(os.environ.get("HANDOFF_PURGE_INTERVAL_SECONDS", "3600")),
        rasa_url=os.environ.get("RASA_URL", f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"),
        live_timeout_seconds=int(os.environ.get("HANDOFF_LIVE_TIMEOUT_SECONDS", "120")),
        online_window_seconds=int(os.environ.get("HANDOFF_ONLINE_WINDOW_SECONDS", "60")),
        insights_text_retention_days=int(os.environ.get("INSIGHTS_TEXT_RETENTION_DAYS", "30")),
        insights_low_confidence=float(os.environ.get("INSIGHTS_LOW_CONFIDENCE", "0.6")),
        insights_abandon_minutes=int(os.environ.get("INSIGHTS_ABANDON_MINUTES", "30")),
        max_body_bytes=int(os.environ.get("PROGRAMME_MAX_BODY_BYTES", 2_000_000)),
        request_timeout_seconds=float(os.environ.get("PROGRAMME_REQUEST_TIMEOUT", 20)),
        max_concurrent_requests=int(os.environ.get("PROGRAMME_MAX_CONCURRENT_REQUESTS", 64)),
    )


def check_exposure(settings: Settings) -> None:
    """Stop before listening beyond this machine with the repository's staff token."""
    refuse_default_secrets(
        "programme-data service", settings.host,
        {"PROGRAMME_STAFF_TOKEN": (os.environ.get("PROGRAMME_STAFF_TOKEN"), DEFAULT_STAFF_TOKEN),
         "PROGRAMME_ASSISTANT_TOKEN": (os.environ.get("PROGRAMME_ASSISTANT_TOKEN"), DEFAULT_ASSISTANT_TOKEN)},
    )
