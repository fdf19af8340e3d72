"""Live hand-off through the Socket.IO channel without a browser: nobody takes the live request within the
configured time (HANDOFF_LIVE_TIMEOUT_SECONDS, short in the e2e stack), so the resident is told that it became a
call-back request, with its expected answer, and the bot answers again."""
from __future__ import annotations

import pytest
import requests

from test_handoff_dialogues import officer
from test_socketio_channel import WebResident, text_of

pytestmark = pytest.mark.e2e


def test_nobody_takes_it_in_time_then_a_callback_request(stack):
    agent = officer(stack, "delegation-erbm")  # signed in: the service has someone online
    resident = WebResident(stack)
    try:
        resident.replies()  # the greeting
        assert "Êtes-vous d'accord ?" in text_of(resident.say("je veux parler à un conseiller"))
        resident.say("oui")
        resident.say("Hubert Vasseur")
        waiting = text_of(resident.say("03 21 00 11 22"))
        assert "Un conseiller va vous répondre ici" in waiting
        timeout = int(stack.env().get("HANDOFF_LIVE_TIMEOUT_SECONDS", "120"))
        told = text_of(resident.replies(first_within=timeout + 30))
        assert "Votre demande devient une demande de rappel" in told and "d'ici le" in told
        queue = requests.get(f"http://127.0.0.1:{stack.ports.programme}/officer/queue", headers=agent, timeout=10).json()
        mine = [r for r in queue["demandes"] if r["mode"] == "callback" and r["statut"] == "pending"]
        assert mine
        assert "Lens" in text_of(resident.say("Lens est en zone BUD ?"))
    finally:
        resident.close()
