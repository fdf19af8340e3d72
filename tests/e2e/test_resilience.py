"""Parts of the assistant stop mid-conversation: the resident always gets a French answer, never silence.

These tests stop and restart processes of the shared e2e stack; each one leaves it running again."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e


def test_programme_data_service_stopped_mid_conversation(stack, resident):
    assert "Douai" in resident.ask("Douai fait partie du BUD ?")
    stack.stop("programme")
    try:
        started = time.monotonic()
        answer = resident.ask("et Cambrai ?")
        elapsed = time.monotonic() - started
        print(f"\nprogramme data down: answered in {elapsed:.1f} s")
        assert "n'arrive pas à consulter les données" in answer
        assert "conseiller" in answer
        assert elapsed < 15
        answer = resident.ask("bully les mines c'est en zone bud")
        assert "n'arrive pas à consulter les données" in answer
    finally:
        stack.start(["programme"], timeout=120)
    answer = resident.ask("et Cambrai ?")
    assert "Cambrai" in answer and "ne fait pas partie" in answer


def test_a_check_interrupted_by_the_service_goes_on_once_it_is_back(stack, resident):
    resident.ask("ma societe peut avoir le bud ?")
    resident.ask("Harnes")
    assert "activité" in resident.ask("en avril 2022")
    stack.stop("programme")
    try:
        answer = resident.ask("je suis coiffeuse")
        assert "n'arrive pas à consulter les données" in answer and "activité" in answer  # the question stays
    finally:
        stack.start(["programme"], timeout=120)
    assert "création nouvelle" in resident.ask("je suis coiffeuse")  # the answer typed again is read


def test_action_server_stopped_mid_conversation(stack, resident):
    assert "Oui" in resident.ask("Douai fait partie du BUD ?")
    stack.stop("actions")
    try:
        started = time.monotonic()
        answer = resident.ask("et Cambrai ?")
        elapsed = time.monotonic() - started
        print(f"\naction server down: answered in {elapsed:.1f} s")
        assert "problème technique" in answer
        assert elapsed < 30
        # Responses that need no action still work.
        assert "assistant automatique" in resident.ask("c un robot qui me parle ?")
    finally:
        stack.start(["actions"], timeout=180)
    answer = resident.ask("bully les mines c'est en zone bud")
    assert "Bully-les-Mines" in answer and "Oui" in answer
