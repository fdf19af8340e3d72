"""« Je ne peux pas vous aider sur ce sujet … », unless a message read as out of scope follows up what the
conversation just did: the contact of the hand-off request just recorded, corrected (« erreur dans mon mail, c'est
… »), or where and when the employment services just given can be found (« et les horaires ? »)."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.employment import TOPIC as EMPLOYMENT_TOPIC
from actions.handoff import corrected_contact
from actions.programme_client import ServiceUnavailable, client


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if await corrected_contact(tracker, dispatcher):
            return []
        if tracker.get_slot("topic") == EMPLOYMENT_TOPIC and await asks_employment_details(tracker):
            dispatcher.utter_message(response="utter_emploi_details_after")
            return []
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


async def asks_employment_details(tracker: Tracker) -> bool:
    """« et les horaires ? », « c'est où ? » just after the employment services were given (GET /employment/understand)."""
    text = tracker.latest_message.get("text") or ""
    if not text.strip():
        return False
    try:
        said = await client.get("/employment/understand", text=text[:500])
    except ServiceUnavailable:
        return False
    return bool(said.get("asks_details"))
