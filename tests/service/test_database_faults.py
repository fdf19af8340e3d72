"""The database locked or gone during staff changes: a success answer only after the commit, a clear French 503
otherwise, and what was answered as saved is there when read back."""
from __future__ import annotations

import sqlite3
import threading
import time

from test_cites_status import AGACHE, GOOD_STATUS


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
