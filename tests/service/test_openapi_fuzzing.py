"""Fuzzing the programme-data service from its own OpenAPI document (schemathesis): valid and invalid requests on
every operation, with and without the staff token; none may get a 5xx."""
from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings

STAFF_TOKEN = "fuzz-staff-token-0123456789"
_DB_DIR = Path(tempfile.mkdtemp(prefix="programme-fuzz-"))

app = create_app(Settings(
    database_url=f"sqlite:///{_DB_DIR / 'programme.db'}", programme_dir=PROGRAMME_DIR, staff_token=STAFF_TOKEN,
    host="127.0.0.1", port=0,
))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# Bounded: about a minute on 2 cores for the whole API; deterministic, so a failure comes back on the next run.
schema.config.generation.update(max_examples=25, deterministic=True)


@schema.parametrize()
def test_no_request_gets_a_server_error(case):
    response = case.call(headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"


@schema.parametrize()
def test_no_request_without_the_token_gets_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
