"""« Vous gardez mes infos combien de temps ? »: what is kept of a conversation, why, and for how long.

The durations are the settings in force, read from the programme-data service (GET /dialogue/privacy), never
written in the answer: the same ones the privacy notice of the chat page states.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.words import says_any
from actions.handoff import last_bot_action
from actions.programme_client import ServiceUnavailable, client


class ActionPrivacy(Action):
    def name(self) -> str:
        return "action_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if last_bot_action(tracker) == "action_handoff_offer" and await _refuses_consent(tracker):
            # « non je veux pas que vous gardiez mes données » to « Êtes-vous d'accord ? »: a no, not a question
            return [FollowupAction("action_handoff_declined")]
        try:
            kept = await client.get("/dialogue/privacy")
        except ServiceUnavailable:
            kept = None
        if kept:
            dispatcher.utter_message(response="utter_privacy", days=kept["conversation_days"])
            dispatcher.utter_message(response="utter_privacy_more", handoff_days=kept["handoff_days"])
        else:  # the notice on the page says the durations
            dispatcher.utter_message(response="utter_privacy_no_durations")
            dispatcher.utter_message(response="utter_privacy_notice")
        return []


async def _refuses_consent(tracker: Tracker) -> bool:
    try:
        words = (await client.form_rules("handoff")).get("consent_refused_words") or []
    except ServiceUnavailable:
        return False
    return says_any(tracker.latest_message.get("text") or "", words)
