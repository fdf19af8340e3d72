"""« c'est quoi une activité libérale ? » at the activity question asks what the word means: it is no answer
« libérale » (which closes the exemption and was said back as the person's answer)."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bud_eligibility import ValidateBudForm
from actions.programme_client import ProgrammeClient


def test_a_question_about_a_word_is_no_answer_and_the_question_comes_again(monkeypatch, programme_url):
    for module in ("actions.bud_eligibility", "actions.places", "actions.faq"):
        monkeypatch.setattr(f"{module}.client", ProgrammeClient(programme_url), raising=False)
    text = "c'est quoi une activité libérale ?"
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": []}
    slots = {"requested_slot": "bud_activity", "bud_commune": "62498", "bud_creation_date": "2023-03"}
    tracker = Tracker("resident", slots, latest, [{"event": "user", "text": text, "parse_data": latest}], False, None,
                      {"name": "bud_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateBudForm().run(dispatcher, tracker, {}))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_bud_meaning_unknown"]
    set_ = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert set_.get("bud_activity") is None and set_.get("requested_slot") == "bud_activity"
