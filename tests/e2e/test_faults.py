"""Faults injected into the real processes in the middle of conversations: the resident always gets a clear reply,
and nothing that was accepted is lost. Each test leaves the shared e2e stack running again."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest
import requests

from conftest import Resident

pytestmark = pytest.mark.e2e

AGACHE = "cite-agache-fenain"


def _start_check(resident: Resident) -> None:
    assert "Dans quelle commune" in resident.ask("mon entreprise peut-elle bénéficier du BUD ?")
    assert "Quand votre entreprise" in resident.ask("elle est a Lievin")


def test_action_server_killed_during_the_check_then_restarted(stack, resident):
    _start_check(resident)
    # The action server hangs while it handles the answer, then dies: Rasa is waiting for it.
    stack.pause("actions")
    answers = {}
    sender = threading.Thread(target=lambda: answers.setdefault("reply", resident.say("en juin 2021")))
    try:
        started = time.monotonic()
        sender.start()
        time.sleep(2)
        stack.kill("actions")
        sender.join(60)
        elapsed = time.monotonic() - started
    finally:
        if "actions" in stack.processes:
            stack.pause("actions", paused=False)
            stack.kill("actions")
        stack.start(["actions"], timeout=180)
    reply = " ".join(m.get("text", "") for m in answers.get("reply", []))
    print(f"\naction server killed mid-message: answered in {elapsed:.1f} s")
    assert "problème technique" in reply
    # The check goes on where it was: the date question again, then the next one.
    assert "activité" in resident.ask("en juin 2021")
    assert "création nouvelle" in resident.ask("commerciale")


def test_rasa_killed_then_restarted_the_conversation_continues_from_the_tracker_store(stack, resident):
    _start_check(resident)
    stack.kill("rasa")
    stack.start(["rasa"], timeout=400)  # a crash: nothing saved on the way out
    answer = resident.ask("en juin 2021")
    assert "activité" in answer, answer  # the same check, at the question after the date


def test_programme_data_service_hung_gets_an_answer_within_seconds(stack, resident):
    assert "Douai" in resident.ask("Douai fait partie du BUD ?")
    stack.pause("programme")
    try:
        started = time.monotonic()
        answer = resident.ask("et Cambrai ?")
        elapsed = time.monotonic() - started
    finally:
        stack.pause("programme", paused=False)
    print(f"\nprogramme data hung: answered in {elapsed:.1f} s")
    assert "n'arrive pas à consulter les données" in answer
    assert elapsed < 8
    assert "Cambrai" in resident.ask("et Cambrai ?")


def _staff(stack) -> dict:
    return {"Authorization": f"Bearer {stack.env().get('PROGRAMME_STAFF_TOKEN', 'dev-staff-token')}"}


def test_staff_changes_survive_a_locked_database_and_a_crash_of_the_service(stack):
    base = f"http://127.0.0.1:{stack.ports.programme}"
    db_path = stack.env()["PROGRAMME_DATABASE_URL"].removeprefix("sqlite:///")
    accepted, refused = [], 0
    run = uuid.uuid4().hex[:8]  # other tests change this cité too: only this run's changes are compared
    lock = sqlite3.connect(db_path, isolation_level=None)
    for number in range(12):
        if number == 4:
            lock.execute("BEGIN EXCLUSIVE")  # another writer holds the database for a while
        if number == 7:
            lock.execute("ROLLBACK")
        source = f"{run} point d'avancement n° {number}"
        body = {"statut": "en_travaux", "source_statut": source}
        response = requests.patch(f"{base}/cites/{AGACHE}/status", json=body, headers=_staff(stack), timeout=30)
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200:
            accepted.append(source)
        else:
            refused += 1
            assert "rien n'a été enregistré" in response.json()["detail"]
        if number == 9:
            stack.kill("programme")  # right after an accepted change
            stack.start(["programme"], timeout=120)
    lock.close()
    history = requests.get(f"{base}/cites/{AGACHE}/history", params={"limit": 1000}, timeout=10).json()
    saved = [c["nouvelle_valeur"] for c in history["changements"]
             if c["champ"] == "source_statut" and (c["nouvelle_valeur"] or "").startswith(run)]
    print(f"\nstaff changes: {len(accepted)} accepted, {refused} refused (database locked), "
          f"{len(set(accepted) - set(saved))} lost")
    assert refused >= 1 and len(accepted) >= 8
    assert set(accepted) <= set(saved)  # every accepted change is there after the lock and the crash
    assert set(saved) == set(accepted) and len(saved) == len(accepted)  # nothing refused was saved, nothing twice
