"""« Vouliez-vous dire … ? »: a close spelling of a commune is asked back, and answered only after a yes.

Against the real programme-data service (in-process, shipped data), as the actions call it over HTTP."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cites import ActionCiteStatus
from actions.handoff import ActionDefaultFallback, ActionNotUnderstood
from actions.place_guess import RESPONSES, ActionPlaceGuess, ActionPlaceGuessReply
from actions.programme_client import client
from inprocess import programme_service

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = {"responses": yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]}
HARNES = {"insee": "62413", "nom": "Harnes"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with programme_service(tmp_path_factory.mktemp("guess") / "programme.db") as (url, _):
        yield url


@pytest.fixture(autouse=True)
def use_service(service, monkeypatch):
    monkeypatch.setattr(client, "base_url", service)


def tracker(text: str, intent: str = "nlu_fallback", entities: tuple = (), **slots: Any) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [{"entity": e, "value": v, "start": text.find(v), "end": text.find(v) + len(v)}
                            for e, v in entities]}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("test", {"topic": None, "commune": None, **slots}, message, events, False, None, {}, "action_listen")


def run(action, track: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    return dispatcher.messages, [{k: v for k, v in dict(e).items() if k != "timestamp"} for e in events]


def slot_sets(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_the_responses_are_in_the_domain():
    assert set(RESPONSES) <= set(DOMAIN["responses"])
    buttons = DOMAIN["responses"]["utter_place_guess"][0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/affirm", "/deny"]


@pytest.mark.parametrize("action", [ActionNotUnderstood(), ActionDefaultFallback()])
def test_a_message_not_understood_with_a_misspelt_basin_commune_asks_about_it(action):
    messages, events = run(action, tracker("et a harne ?", topic="bud"))
    assert messages == []
    assert slot_sets(events)["place_guess"] == {**HARNES, "topic": "bud"}
    assert {"event": "followup", "name": "action_place_guess"} in events


def test_the_topic_of_the_conversation_is_kept_with_the_guess():
    _, events = run(ActionNotUnderstood(), tracker("et a harne ?", topic="cites"))
    assert slot_sets(events)["place_guess"]["topic"] == "cites"


@pytest.mark.parametrize("text", ["gfdsgfdsgfd", "et demain ?", "lille", "je sais pas trop"])
def test_nothing_is_guessed_without_a_close_basin_commune(text):
    """Gibberish, an everyday word one letter from Denain, a commune outside the basin: the usual answer."""
    messages, events = run(ActionNotUnderstood(), tracker(text))
    assert [m["response"] for m in messages] == ["utter_default"]
    assert "place_guess" not in slot_sets(events)
    messages, events = run(ActionDefaultFallback(), tracker(text))
    assert [m["response"] for m in messages] == ["utter_default"]
    assert events == [{"event": "rewind"}]


def test_the_question_names_the_guessed_commune():
    messages, _ = run(ActionPlaceGuess(), tracker("et a harne ?", place_guess={**HARNES, "topic": "bud"}))
    assert [(m["response"], m["commune"]) for m in messages] == [("utter_place_guess", "Harnes")]


def test_yes_answers_the_bud_zone_of_the_guessed_commune():
    messages, events = run(ActionPlaceGuessReply(), tracker("oui", "affirm", place_guess={**HARNES, "topic": "bud"}))
    assert [(m["response"], m["commune"]) for m in messages] == [("utter_bud_commune_in", "Harnes")]
    assert slot_sets(events) == {"place_guess": None, "topic": "bud", "commune": "Harnes"}


def test_yes_after_a_question_about_cites_lists_the_cites_of_the_commune():
    messages, events = run(ActionPlaceGuessReply(), tracker("oui", "affirm", place_guess={**HARNES, "topic": "cites"}))
    assert "Harnes" in messages[0]["text"] and "Cité" in messages[0]["text"]
    assert slot_sets(events)["topic"] == "cites"


def test_no_answers_nothing_for_the_guess_and_offers_help():
    messages, events = run(ActionPlaceGuessReply(), tracker("non", "deny", place_guess={**HARNES, "topic": "bud"}))
    assert [(m["response"], m["commune"]) for m in messages] == [("utter_place_guess_denied", "Harnes")]
    assert slot_sets(events) == {"place_guess": None}
    assert DOMAIN["responses"]["utter_place_guess_denied"][0]["buttons"]


# --- Cité names with a number inside -----------------------------------------------------------------------------


def _cite_answer(text: str, *entities) -> str:
    messages, _ = run(ActionCiteStatus(), tracker(text, "ask_cite_status", entities))
    return "\n".join(m.get("text") or m.get("response") for m in messages)


def test_a_name_cut_at_a_counted_number_is_read_whole_and_said_unknown():
    """The NLU kept « cité des 4 » of « cité des 4 Tilleuls »: not a question about the cités numbered 4."""
    said = _cite_answer("la cité des 4 tilleuls est rénovée ?", ("cite", "cité des 4"))
    assert "Je ne trouve pas « cité des 4 tilleuls »" in said
    assert "numéro" not in said


def test_a_real_counted_name_is_still_found():
    said = _cite_answer("le coron des 120 il est rénové ?", ("cite", "coron des 120"))
    assert said.startswith("Coron des 120")


def test_a_numbered_cite_and_an_ambiguous_commune_name():
    """« Bruay » is two communes; the number says which cité, never the cité n°5 of another commune."""
    said = _cite_answer("cite n 5 a bruay travaux", ("cite", "cite n 5"), ("commune", "bruay"))
    assert said.startswith("Cité n°5 du Siège 3")
    assert "Bruay-la-Buissière" in said.split("\n")[0]
