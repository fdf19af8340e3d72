"""The database locked or gone during staff changes and hand-off requests: a success answer (or a reference) only
after the commit, a clear French 503 otherwise, and what was answered as saved is there when read back, also by a
service started anew."""
from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.handoff import queue
from test_cites_status import AGACHE, GOOD_STATUS
from test_handoff_queue import ASSISTANT, NAME, PASSWORD, create, officers, request_body, sign_in


def _locked(path, seconds: float) -> threading.Thread:
    """Another writer holds the database's write lock for `seconds`."""
    ready = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        db.execute("ROLLBACK")
        db.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def _history(client):
    return client.get(f"/cites/{AGACHE}/history").json()["changements"]


def test_a_short_lock_delays_the_change_and_loses_nothing(client, settings, staff_headers):
    holder = _locked(settings.database_url.removeprefix("sqlite:///"), 1.5)
    started = time.monotonic()
    response = client.put(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=staff_headers)
    holder.join()
    assert response.status_code == 200, response.text
    assert time.monotonic() - started >= 1.0  # it waited for the lock, then committed
    assert client.get(f"/cites/{AGACHE}").json()["statut"]["code"] == "en_travaux"
    assert len(_history(client)) == 5


def test_a_long_lock_gets_a_french_503_and_nothing_half_saved(client, settings, staff_headers):
    holder = _locked(settings.database_url.removeprefix("sqlite:///"), 8)
    try:
        response = client.put(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=staff_headers)
    finally:
        holder.join()
    assert response.status_code == 503, response.text
    assert "rien n'a été enregistré" in response.json()["detail"]
    assert response.headers["Retry-After"] == "5"
    assert client.get(f"/cites/{AGACHE}").json()["statut"]["code"] == "inconnu"
    assert _history(client) == []
    # The staff member tries again once the lock is gone: saved, once.
    again = client.put(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=staff_headers)
    assert again.status_code == 200
    assert client.get(f"/cites/{AGACHE}").json()["statut"]["code"] == "en_travaux"
    assert len(_history(client)) == 5


def test_a_body_over_the_cap_is_refused_in_french(client, staff_headers):
    response = client.post("/cites/import", content=b"id,statut\n" + b"x" * 3_000_000,
                           headers={**staff_headers, "Content-Type": "text/csv"})
    assert response.status_code == 413 and "volumineuse" in response.json()["detail"]
    assert _history(client) == []



# --- hand-off requests: a reference is given only for a request that is durably stored ---------------------------

def test_an_accepted_hand_off_request_is_there_after_the_service_restarts(client, settings):
    created = create(client)
    restarted = TestClient(create_app(settings))  # a new service on the same database file
    with restarted.app.state.programme.engine.begin() as conn:
        officers.add(conn, "agent.durable", "Agent Durable", created["service"]["id"], PASSWORD)
    seen = restarted.get(f"/officer/requests/{created['reference']}", headers=sign_in(restarted, "agent.durable"))
    assert seen.status_code == 200, seen.text
    assert seen.json()["statut"] == "pending" and seen.json()["nom"] == NAME


def test_a_locked_database_gives_no_reference_and_the_retry_stores_the_request_once(client, settings):
    holder = _locked(settings.database_url.removeprefix("sqlite:///"), 8)
    try:
        refused = client.post("/handoff/requests", json=request_body(), headers=ASSISTANT)
    finally:
        holder.join()
    assert refused.status_code == 503, refused.text
    assert "reference" not in refused.json() and "rien n'a été enregistré" in refused.json()["detail"]
    created = create(client)
    engine = client.app.state.programme.engine
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(queue.requests_table)).scalar_one()
    assert stored == 1 and created["reference"]
