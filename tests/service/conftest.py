"""The programme-data service on a fresh SQLite database per test, loaded from the shipped data."""
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings

STAFF_TOKEN = "test-staff-token"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'programme.db'}",
        programme_dir=PROGRAMME_DIR,
        staff_token=STAFF_TOKEN,
        host="127.0.0.1",
        port=0,
    )


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def staff_headers() -> dict:
    return {"Authorization": f"Bearer {STAFF_TOKEN}"}
