"""« Vouliez-vous dire Liévin ? »: a commune guessed from a close spelling is asked back, and answered only after a yes.

`action_place_guess` asks about the commune in `place_guess` (set by the action that found the guess, see
actions/places.py); the rules give the person's yes or no to `action_place_guess_reply`, which answers the question
the conversation was about (the cités of the commune after a question about cités, its BUD zone otherwise) or, on no,
says so and offers the usual help. Inside a form, the form asks and reads the answer itself.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bud_commune import say_bud_classification
from actions.cites import ActionCitesCommune
from actions.faq import say_basin_membership
from actions.places import BASIN_TOPIC, GUESS_SLOT, guess_answer, say_guess
from actions.programme_client import ServiceUnavailable, client

RESPONSES = ("utter_place_guess", "utter_place_guess_denied", "utter_place_guess_denied_in_form")


class ActionPlaceGuess(Action):
    def name(self) -> str:
        return "action_place_guess"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        guess = tracker.get_slot(GUESS_SLOT)
        if not guess:  # nothing to ask: the action that ran before said what there was to say
            return []
        say_guess(dispatcher, guess)
        return []


class ActionPlaceGuessReply(Action):
    def name(self) -> str:
        return "action_place_guess_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        guess = tracker.get_slot(GUESS_SLOT)
        answer = guess_answer(tracker)
        forget: list[EventType] = [SlotSet(GUESS_SLOT, None)]
        if not guess or answer is None:
            dispatcher.utter_message(response="utter_default")
            return forget
        if answer is False:
            dispatcher.utter_message(response="utter_place_guess_denied", commune=guess["nom"])
            return forget
        topic = guess.get("topic") if guess.get("topic") in ("cites", BASIN_TOPIC) else "bud"
        try:
            commune = await client.find(f"/communes/{guess['insee']}")
            if commune is None:  # gone from the programme data since the question
                dispatcher.utter_message(response="utter_commune_not_found", query=guess["nom"])
                return forget
            resolution = {"status": "found", "match": "exact", "query": commune["nom"], "communes": [commune],
                          "suggestions": []}
            if topic == "cites":
                said = await ActionCitesCommune.say_cites_of(dispatcher, resolution, domain)
            elif topic == BASIN_TOPIC:  # « Vouliez-vous dire Hénin-Beaumont ? » to « henin beaumon c en bassin minier »
                say_basin_membership(dispatcher, commune)
                said = []
            else:
                said = say_bud_classification(dispatcher, resolution)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return forget
        return forget + [SlotSet("topic", topic)] + said
