"""Configuration read from the environment, with embedded defaults for one machine."""
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.exposure import refuse_default_secrets

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME_DIR = ROOT / "data" / "programme"
VAR_DIR = ROOT / "var"
DEFAULT_STAFF_TOKEN = "dev-staff-token"


@dataclass(frozen=True)
class Settings:
    database_url: str
    programme_dir: Path
    staff_token: str
    host: str
    port: int
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
        max_body_bytes=int(os.environ.get("PROGRAMME_MAX_BODY_BYTES", 2_000_000)),
        request_timeout_seconds=float(os.environ.get("PROGRAMME_REQUEST_TIMEOUT", 20)),
        max_concurrent_requests=int(os.environ.get("PROGRAMME_MAX_CONCURRENT_REQUESTS", 64)),
    )


def check_exposure(settings: Settings) -> None:
    """Stop before listening beyond this machine with the repository's staff token."""
    refuse_default_secrets(
        "programme-data service", settings.host,
        {"PROGRAMME_STAFF_TOKEN": (os.environ.get("PROGRAMME_STAFF_TOKEN"), DEFAULT_STAFF_TOKEN)},
    )
