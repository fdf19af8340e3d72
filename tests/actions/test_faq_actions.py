"""Programme questions: the confident answer, unless the question asks a practical detail no answer gives (the
programme-data service knows which: GET /programme/unanswered-detail)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionFaqAnswer
from actions.programme_client import ProgrammeClient


def faq_tracker(text: str, intent_confidence: float = 0.95, response_confidence: float = 0.9,
                chosen: str = "utter_faq/delegation", slots: dict = None) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "faq", "confidence": intent_confidence},
        "entities": [],
        "response_selector": {"faq": {"response": {"utter_action": chosen, "confidence": response_confidence}}},
    }
    return Tracker("test-resident", slots or {}, latest, [{"event": "user", "text": text, "parse_data": latest}], False,
                   None, {}, "action_listen")


def answer(text: str, **options) -> list[str]:
    return run_faq(text, **options)[0]


def run_faq(text: str, domain: dict = None, **options) -> tuple[list[str], list[dict]]:
    """What the resident reads (a response's name, or the text of a line built from the domain) and the events."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFaqAnswer().run(dispatcher, faq_tracker(text, **options), domain or {}))
    return [m.get("response") or m.get("text") for m in dispatcher.messages], events


@pytest.fixture
def service(monkeypatch, programme_url):
    monkeypatch.setattr("actions.faq.client", ProgrammeClient(programme_url))


@pytest.fixture
def down(monkeypatch, closed_port_url):
    monkeypatch.setattr("actions.faq.client", ProgrammeClient(closed_port_url))


def test_a_confident_answer_is_given(service):
    assert answer("c'est où la délégation ?") == ["utter_faq/delegation"]


@pytest.mark.parametrize("text", ["quels sont les horaires de la délégation ?", "vous avez un numéro de téléphone ?",
                                  "je peux envoyer un mail à la délégation ?"])
def test_a_detail_no_answer_gives_gets_i_dont_know(service, text):
    assert answer(text) == ["utter_faq_dont_know"]


def test_an_unsure_answer_gets_i_dont_know(service):
    assert answer("c'est où la délégation ?", response_confidence=0.3) == ["utter_faq_dont_know"]


def test_service_down_the_confident_answer_from_the_domain_is_still_given(down):
    assert answer("c'est où la délégation ?") == ["utter_faq/delegation"]


def test_the_landlord_of_the_cite_just_described_comes_from_its_card(service, monkeypatch, programme_url):
    """« et qui c'est le bailleur ? » after the card of the Cité des Alouettes: that cité's card (its landlord), not
    the landlords of all mining homes; without a cité in the conversation, the general answer."""
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    cites = {"topic": "cites", "cite_id": "cite-des-alouettes-bully-les-mines"}
    said, events = run_faq("et qui c'est le bailleur", domain=domain, chosen="utter_faq/landlords", slots=cites)
    assert "utter_faq/landlords" not in said and "Bailleur : Maisons & Cités" in "\n".join(filter(None, said))
    assert {"event": "slot", "timestamp": None, "name": "cite_id", "value": cites["cite_id"]} in events
    assert answer("et qui c'est le bailleur", chosen="utter_faq/landlords") == ["utter_faq/landlords"]
    assert answer("c'est quoi l'ERBM", chosen="utter_faq/what_is_erbm", slots=cites) == ["utter_faq/what_is_erbm"]
