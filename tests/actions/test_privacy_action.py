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
