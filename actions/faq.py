"""Answers to programme and BUD questions (the `faq` retrieval intent), only when the answer is confident.

The ResponseSelector always picks the nearest answer, even to a question none of them answers (« quels sont les
horaires de la délégation ? » is near the delegation's address). This action says the chosen answer only when
both the intent and the selected response are confident, and the question does not ask a practical detail that
no answer holds (opening hours, phone, e-mail: the programme-data service knows them, GET
/programme/unanswered-detail); otherwise it says it does not know and offers to put the person in touch. A question
about another tax or scheme (TVA, ZFU…) also says what the BUD answers cover; one that names a commune gets that
commune's answer where there is one (in the basin or not), or is told the figures are the whole programme's.
After a BUD verdict, a message read as a question but stating facts of the check goes to the verdict action (the
check is in actions/bud_eligibility.py; the function lives here because that module imports this one).
"""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cites import FOLLOW_UP_PARTS, ActionCiteStatus, cite_by_id, say_landlords_of_commune
from actions.places import BASIN_TOPIC, guess_events, guess_in_message, resolve_place, say_resolution_problem
from actions.programme_client import ServiceUnavailable, client
from actions.words import says_any

INTENT_CONFIDENCE = 0.6
RESPONSE_CONFIDENCE = 0.5
# The answers about the whole territory: a question that names a commune gets that commune's membership instead
TERRITORY_ANSWERS = ("utter_faq/territory", "utter_faq/what_is_erbm")
# Figures of the whole programme: asked of one commune (« combien de logements rénovés à Lens ? »), they are said to be
# the whole programme's, not that commune's
WHOLE_PROGRAMME_FIGURES = ("utter_faq/how_many_homes", "utter_faq/operations", "utter_faq/funding")


async def names_other_scheme(text: str) -> bool:
    """Whether the message asks about a tax or scheme other than the BUD (« cumuler le BUD avec la ZFU »), which
    neither an answer nor the eligibility check covers; False when the service does not answer."""
    return bool((await _limits_of(text)).get("other_scheme"))


async def states_facts_after_a_verdict(tracker: Tracker) -> bool:
    """Whether, after a BUD verdict, this message states facts of the check (« en fait pardon, aucun des salariés
    n'habite en zone BUD » read as a question): the verdict action reads them, not « je ne sais pas »."""
    text = tracker.latest_message.get("text") or ""
    if not tracker.get_slot("bud_verdict") or not text.strip() or text.startswith("/"):
        return False
    try:
        return bool((await client.get("/bud/understand", text=text[:500])).get("facts"))
    except ServiceUnavailable:
        return False


async def _limits_of(text: str) -> dict:
    """GET /programme/unanswered-detail: the practical detail or the other scheme the question asks, that no answer
    gives; {} when the service does not answer (a confident answer is then given: it is in the domain)."""
    if not text.strip():
        return {}
    try:
        return await client.get("/programme/unanswered-detail", text=text[:500])
    except ServiceUnavailable:
        return {}


async def one_commune(tracker: Tracker) -> dict | None:
    """The one commune the message names, or None."""
    try:
        resolution = await resolve_place(tracker, client, remember=False)
    except ServiceUnavailable:
        return None
    if not resolution or resolution.get("status") != "found" or len(resolution.get("communes") or []) != 1:
        return None
    return resolution["communes"][0]


async def says_whether_in_the_basin(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """Whether the commune the message names is in the ERBM's territory (one of its 8 intercommunalities), said
    when it names exactly one commune (False otherwise)."""
    commune = await one_commune(tracker)
    if commune is None:
        return False
    say_basin_membership(dispatcher, commune)
    return True


def say_basin_membership(dispatcher: CollectingDispatcher, commune: dict) -> None:
    dispatcher.utter_message(response="utter_commune_in_basin" if commune["bassin_minier"] else "utter_commune_not_in_basin",
                             commune=commune["nom"], epci=(commune.get("epci") or {}).get("nom") or "")


async def asks_which_commune(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """A question about the basin that names a place not read as one commune: « Bruay est concerné ? » asks which
    Bruay (buttons), « henin beaumon c bien en bassin minier » asks « Vouliez-vous dire Hénin-Beaumont ? »; the
    events (topic « bassin »), or None when the message names no place at all."""
    try:
        resolution = await resolve_place(tracker, client, remember=False)
        if resolution is None or resolution.get("status") == "not_found":
            guessed = await client.guess_commune(tracker.latest_message.get("text") or "")
            if guessed.get("status") == "found":
                return guess_events({**guessed, "status": "guess"}, BASIN_TOPIC)
            if resolution is None or resolution.get("match") == "not_commune":
                return None  # « le bassin minier c'est combien de communes ? »: the whole territory
            # « amiens c dans le bassin minier ? »: a place named, not in the Nord or the Pas-de-Calais; said so
    except ServiceUnavailable:
        return None
    if resolution.get("status") == "guess":
        return guess_events(resolution, BASIN_TOPIC)
    if say_resolution_problem(dispatcher, resolution):
        return [SlotSet("topic", BASIN_TOPIC)]
    return None


class ActionCommuneBasin(Action):
    """« et Liévin ? » after « Lens c'est dans le bassin minier ? »: the same question, of that place."""

    def name(self) -> str:
        return "action_commune_basin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if await says_whether_in_the_basin(tracker, dispatcher):
            return []
        which = await asks_which_commune(tracker, dispatcher)  # « et bruay ? », « et lievn ? »
        if which is None:
            dispatcher.utter_message(response="utter_ask_place_topic")
        return which or []


def chosen_answer(tracker: Tracker) -> tuple[str | None, float]:
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    response = selector.get("response") or {}
    name = response.get("utter_action") or (f"utter_{response['intent_response_key']}"
                                            if response.get("intent_response_key") else None)
    return name, float(response.get("confidence") or 0.0)


class ActionFaqAnswer(Action):
    def name(self) -> str:
        return "action_faq_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = tracker.latest_message.get("intent") or {}
        answer, confidence = chosen_answer(tracker)
        text = tracker.latest_message.get("text") or ""
        confident = (intent.get("name") == "faq" and float(intent.get("confidence") or 0) >= INTENT_CONFIDENCE
                     and confidence >= RESPONSE_CONFIDENCE and answer)
        if not confident:  # « et libercour ? » read as a question about the programme: « Vouliez-vous dire … ? »
            guessed = await guess_in_message(tracker, client)
            if guessed:
                return guessed
            if await states_facts_after_a_verdict(tracker):
                return [FollowupAction("action_bud_verdict")]
        limits = await _limits_of(text)
        if not confident or limits.get("asks_unanswered_detail"):
            dispatcher.utter_message(response="utter_faq_dont_know")
            if limits.get("other_scheme"):  # « et la TVA ? »: what the BUD answers do not cover, and the check
                dispatcher.utter_message(response="utter_bud_other_scheme")
            dispatcher.utter_message(response="utter_handoff_suggest")
            return []
        if answer in TERRITORY_ANSWERS and await says_whether_in_the_basin(tracker, dispatcher):
            # « est-ce qu'Hénin-Beaumont fait partie du bassin minier ? »: that commune, not the whole; « et Liévin ? »
            # then asks the same of Liévin
            return [SlotSet("topic", BASIN_TOPIC)]
        if answer in TERRITORY_ANSWERS:
            which = await asks_which_commune(tracker, dispatcher)  # « Bruay est concerné ? », « henin beaumon »
            if which is not None:
                return which
        if answer in WHOLE_PROGRAMME_FIGURES:
            commune = await one_commune(tracker)
            if commune:
                dispatcher.utter_message(response="utter_faq_not_for_one_commune", commune=commune["nom"])
        if (answer == "utter_faq/landlords" and tracker.get_slot("topic") == "cites" and not tracker.get_slot("cite_id")
                and tracker.get_slot("commune") and await say_landlords_of_commune(dispatcher, tracker.get_slot("commune"))):
            return []  # « et c'est qui le bailleur là-bas ? » after the list of Wingles's cités
        if await self._about_the_cite(tracker, answer):  # « et c'est qui le bailleur ? » after a cité's card
            part = FOLLOW_UP_PARTS.get(answer.removeprefix("utter_faq/"))
            cite = await self._cite(tracker) if part else None
            if cite is None:
                return await ActionCiteStatus().run(dispatcher, tracker, domain)
            part(cite, domain).send(dispatcher)
            return []
        dispatcher.utter_message(response=answer)
        # « et Harnes ? » after « quelles communes sont en BUD ? » asks it of Harnes (it asked « Que voulez-vous savoir
        # sur cette commune ? »)
        return [SlotSet("topic", "bud")] if answer.startswith("utter_faq/bud_") else []

    @staticmethod
    async def _cite(tracker: Tracker) -> dict | None:
        try:
            return await cite_by_id(tracker.get_slot("cite_id"))
        except ServiceUnavailable:
            return None  # the whole card then says the service is away

    @staticmethod
    async def _about_the_cite(tracker: Tracker, answer: str) -> bool:
        """Whether the conversation is about one cité and this general answer has a better one on the cité's card
        (the service's dialogue rules, `faq.cite_follow_ups`)."""
        if tracker.get_slot("topic") != "cites" or not tracker.get_slot("cite_id"):
            return False
        try:
            rules = await client.form_rules("faq")
            follow_ups, programme_words = rules["cite_follow_ups"], rules.get("programme_words") or []
        except (ServiceUnavailable, KeyError):
            return False
        if says_any(tracker.latest_message.get("text") or "", programme_words):
            return False  # « et l'ERBM, il finit quand ? »: the whole programme, not this cité
        return answer.removeprefix("utter_faq/") in follow_ups
