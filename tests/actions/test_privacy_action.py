"""« Vous gardez mes infos combien de temps ? » gets the durations in force, from the programme-data service."""
from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import ActionPrivacy
from actions.programme_client import ProgrammeClient
from trackers import make_tracker


def _run() -> list[dict]:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionPrivacy().run(dispatcher, make_tracker("vous gardez mes infos combien de temps ?",
                                                             intent="ask_privacy"), {}))
    return dispatcher.messages


def test_the_durations_in_force_are_said(monkeypatch, programme_url):
    monkeypatch.setattr("actions.privacy.client", ProgrammeClient(programme_url))
    said = _run()
    assert [m["response"] for m in said] == ["utter_privacy", "utter_privacy_more"]
    assert said[0]["days"] == 30 and said[1]["handoff_days"] == 30


def test_without_the_service_the_notice_is_pointed_to(monkeypatch, closed_port_url):
    monkeypatch.setattr("actions.privacy.client", ProgrammeClient(closed_port_url))
    assert [m["response"] for m in _run()] == ["utter_privacy_no_durations", "utter_privacy_notice"]


def _after_the_consent_question(text: str):
    tracker = make_tracker(text, intent="ask_privacy")
    tracker.events = [{"event": "action", "name": "action_handoff_offer"},
                      {"event": "bot", "text": "… Êtes-vous d'accord ?"},
                      {"event": "action", "name": "action_listen"}, *tracker.events]
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(ActionPrivacy().run(dispatcher, tracker, {}))


def test_a_no_about_data_to_the_consent_question_is_a_no(monkeypatch, programme_url):
    # « non je veux pas que vous gardiez mes données » to « Êtes-vous d'accord ? » got the privacy notice
    monkeypatch.setattr("actions.privacy.client", ProgrammeClient(programme_url))
    dispatcher, events = _after_the_consent_question("nan je prefere pas que vous conserviez mes infos")
    assert events == [{"event": "followup", "name": "action_handoff_declined", "timestamp": None}]
    assert dispatcher.messages == []
    dispatcher, events = _after_the_consent_question("vous les gardez ou mes infos ?")  # a question: answered
    assert events == [] and [m["response"] for m in dispatcher.messages] == ["utter_privacy", "utter_privacy_more"]
