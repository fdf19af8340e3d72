"""Is a commune in the BUD zone? Answered from the programme data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import names_other_scheme
from actions.places import guess_events, resolve_place, say_resolution_problem
from actions.programme_client import ServiceUnavailable, client


MAX_ANSWERS = 5  # communes answered one by one; beyond, one summary


def bud_response(commune: dict) -> str:
    """The domain response that states this commune's BUD classification."""
    bud = commune["bud"]
    if bud["a_verifier"]:
        return "utter_bud_commune_to_verify_in" if bud["classee"] else "utter_bud_commune_to_verify_out"
    if not bud["classee"]:
        return "utter_bud_commune_out"
    if bud.get("ajout_2019"):  # the service says whether the commune is a 2019 addition (its dated rule)
        return "utter_bud_commune_in_2019" if bud["depuis_certitude"] == "confirmed" else "utter_bud_commune_in_2019_probable"
    return "utter_bud_commune_in"


class ActionCommuneBud(Action):
    def name(self) -> str:
        return "action_commune_bud"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        topic = [SlotSet("topic", "bud")]
        try:
            resolution = await resolve_place(tracker, client)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return topic
        if resolution is None:
            if await names_other_scheme(tracker.latest_message.get("text") or ""):
                # « en zone bud on paie pas la tva c'est ça ? »: a question about another tax, not about a commune
                for response in ("utter_faq_dont_know", "utter_bud_other_scheme", "utter_handoff_suggest"):
                    dispatcher.utter_message(response=response)
                return topic
            dispatcher.utter_message(response="utter_ask_commune")
            return topic
        if resolution["status"] == "guess":  # « harne » is asked back, never answered as Harnes
            return guess_events(resolution, "bud")
        if resolution["status"] == "not_found" and resolution.get("match") == "not_commune":
            # « tout le Pas-de-Calais est en BUD ? »: a department is no commune; what the zone holds answers it
            dispatcher.utter_message(response="utter_bud_zone_not_a_commune", query=resolution["query"])
            dispatcher.utter_message(response="utter_faq/bud_communes")
            return topic
        if say_resolution_problem(dispatcher, resolution, question="ask_bud_commune"):
            return topic
        return topic + say_bud_classification(dispatcher, resolution)


def say_bud_classification(dispatcher: CollectingDispatcher, resolution: dict) -> list:
    """The BUD classification of each commune of a resolution (one, or the communes of a postal code)."""
    communes = resolution["communes"]
    if len(communes) > MAX_ANSWERS:  # 62130 covers 33 communes: a summary, not 33 messages
        in_zone = [c["nom"] for c in communes if c["bud"]["classee"]]
        dispatcher.utter_message(
            response="utter_postal_code_summary" if in_zone else "utter_postal_code_none_in_zone",
            postal_code=resolution["query"],
            count=len(communes),
            in_zone=", ".join(in_zone),
        )
        return []
    if len(communes) > 1:
        dispatcher.utter_message(response="utter_postal_code_several", postal_code=resolution["query"])
    for commune in communes:
        dispatcher.utter_message(
            response=bud_response(commune),
            commune=commune["nom"],
            epci=commune["epci"]["nom"],
            source=commune["bud"]["source"],
        )
    return [SlotSet("commune", communes[0]["nom"] if len(communes) == 1 else None)]
