"""Hand-off to a human officer: the service chosen from the programme data, consent, the request, withdrawal.

The programme-data service chooses the service (GET /handoff/route: topic × territory) and records the request
(POST /handoff/requests, only once the person has agreed); these actions say why that service, ask consent in
plain words before any personal data, collect a name and one contact, and give the reference, the withdrawal code
and when to expect an answer. Without consent nothing personal is sent anywhere, and the service's public contact
is given instead. Nothing here logs what a person wrote.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Optional
from zoneinfo import ZoneInfo

from babel.dates import format_date
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.cites import Message
from actions.faq import states_facts_after_a_verdict
from actions.words import opens_with, says_any, words_of
from actions.places import guess_in_message, since_the_person_spoke
from actions.programme_client import NotFound, ServiceUnavailable, client

PARIS = ZoneInfo("Europe/Paris")  # the hours the service's officers keep, and the residents' time

logger = logging.getLogger(__name__)

TOPICS = ("bud", "cites", "emploi")
FALLBACK_SERVICE = "delegation-erbm"
CONTACT_FIELDS = ("adresse", "telephone", "courriel", "site_web", "autre_contact")
# At « Comment l'agent peut-il vous joindre ? », a message that names one means of contact and gives none: « je
# préfère pas donner mon tel » is offered the other means (it cancelled the whole request), « plutôt par mail » is
# asked for the address. Each response asks its own question (action_ask_handoff_contact then says nothing).
CONTACT_MEANS_RESPONSES = ("utter_handoff_contact_without_phone", "utter_handoff_contact_without_email",
                           "utter_handoff_contact_by_phone", "utter_handoff_contact_by_email")
REFUSING_INTENTS = ("deny", "stop")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
INSEE = re.compile(r"^\d[\dAB]\d{3}$")
PHONE = re.compile(r"^(?:0[1-9]\d{8}|\+33[1-9]\d{8})$")
NAME = re.compile(r"^[^\W\d_][^\W\d_' .-]*(?:[' .-]+[^\W\d_]+)*\.?$")
SUMMARY_SKIP = {"requested_slot", "handoff_name", "handoff_contact", "handoff_secret", "handoff_reference", "handoff_expected",
                "handoff_service_id", "session_started_metadata"}
RESPONSES = (
    "utter_handoff_suggest", "utter_handoff_not_understood_twice", "utter_handoff_service", "utter_handoff_consent",
    "utter_ask_handoff_name", "utter_ask_handoff_contact", "utter_handoff_name_invalid",
    "utter_handoff_contact_invalid", "utter_handoff_created", "utter_handoff_secret", "utter_handoff_declined",
    "utter_handoff_public_contact", "utter_handoff_contact_source", "utter_handoff_contact_unknown",
    "utter_handoff_contact_fallback", "utter_handoff_anything_else", "utter_handoff_unavailable",
    "utter_handoff_withdrawn", "utter_handoff_nothing_to_withdraw", "utter_handoff_status",
    "utter_handoff_contact_corrected", "utter_handoff_contact_not_corrected", "utter_human_contact",
    "utter_handoff_live_waiting", "utter_handoff_back", "utter_handoff_live_timeout",
    *(f"utter_handoff_contact_line_{f}" for f in CONTACT_FIELDS),
    "utter_handoff_why_bud_default", "utter_handoff_why_cites_bailleur", "utter_handoff_why_cites_epci",
    "utter_handoff_why_cites_epci_landlord", "utter_handoff_why_cites_epci_no_cite",
    "utter_handoff_why_cites_default", "utter_handoff_why_emploi_commune", "utter_handoff_why_emploi_epci",
    "utter_handoff_why_emploi_default", "utter_handoff_why_autre_default", "utter_bud_resumed",
    *CONTACT_MEANS_RESPONSES,
)


def assistant_headers() -> dict:
    return {"Authorization": f"Bearer {settings.assistant_token()}"}


def normalise_contact(text: str) -> Optional[str]:
    """An e-mail address or a French phone number, cleaned, or None."""
    value = (text or "").strip()
    if "@" in value:
        return value if len(value) <= 200 and EMAIL.match(value) else None
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits.startswith("0033"):
        digits = "+33" + digits[4:]
    if not PHONE.match(digits):
        return None
    digits = "0" + digits[3:] if digits.startswith("+33") else digits
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


async def _details(text: str, own: bool = False) -> dict:
    """The name and contact the message gives of its writer, as the service reads them (GET /handoff/details);
    nothing read when it cannot answer."""
    try:
        return await client.get("/handoff/details", text=text[:500], own=str(own).lower())
    except ServiceUnavailable:
        return {"contact": None, "reste": text, "phrase": False, "nom": None}


def _said_before(tracker: Tracker, last: int = 10) -> list[str]:
    """What the person typed in this conversation, latest first (the last ten messages)."""
    return [e.get("text") or "" for e in reversed(tracker.events) if e.get("event") == "user"][:last]


def normalise_name(text: str) -> Optional[str]:
    """A name as typed, spaces tidied, or None if it is not one (the words before it, « c'est », « je suis », are
    left out by the service: GET /handoff/details)."""
    value = " ".join((text or "").split()).strip(" .,;!")
    return value if 2 <= len(value) <= 120 and NAME.match(value) else None


FORM_TOPICS = {"bud_form": "bud", "emploi_form": "emploi"}


def topic_of(tracker: Tracker) -> str:
    """What the conversation was last about: the latest of the `topic` slot and of a form that was running
    (a person asked for during the BUD questions is about BUD even before the verdict sets the topic)."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") in FORM_TOPICS:
            return FORM_TOPICS[event["name"]]
        if event.get("event") == "slot" and event.get("name") == "topic" and event.get("value") in TOPICS:
            return event["value"]
    topic = tracker.get_slot("topic")
    return topic if topic in TOPICS else "autre"


async def commune_insee(tracker: Tracker, topic: str) -> tuple[Optional[str], Optional[str]]:
    """The INSEE code of the person's commune for this topic, from what the conversation already knows."""
    if topic == "emploi" and tracker.get_slot("emploi_commune_insee"):
        return tracker.get_slot("emploi_commune_insee"), None
    if topic == "bud" and INSEE.match(str(tracker.get_slot("bud_commune") or "")):
        return tracker.get_slot("bud_commune"), None  # the BUD check keeps the INSEE code (62215 is also a postal code)
    names = [tracker.get_slot("bud_commune")] if topic == "bud" else []
    names += [tracker.get_slot("emploi_commune") if topic == "emploi" else None, tracker.get_slot("commune")]
    for name in (n for n in names if isinstance(n, str) and n.strip()):
        resolution = await client.resolve_commune(name)
        if resolution.get("status") == "found":
            return resolution["communes"][0]["insee"], resolution["communes"][0]["nom"]
    return None, None


def _request_for_a_person(tracker: Tracker, within: int = 4) -> Optional[str]:
    """The words of the message that asked for a person: this one, or one of the last few (« je veux parler à la
    mission locale », « non », « bon ben oui finalement », « oui »: the offer made again is for the mission locale)."""
    latest = str(tracker.latest_message.get("text") or "")
    if (tracker.latest_message.get("intent") or {}).get("name") == "ask_human" and not latest.startswith("/"):
        return latest
    users = [e for e in reversed(tracker.events) if e.get("event") == "user"][1:within]
    for event in users:
        text = str(event.get("text") or "")
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "ask_human" and not text.startswith("/"):
            return text
    return None


async def route(tracker: Tracker) -> dict:
    """The service for the request; a request that names its subject (« quelqu'un de la Mission locale ») is about
    that subject: the service reads the words of the message that asked for a person."""
    topic = topic_of(tracker)
    params: dict[str, Any] = {"topic": topic}
    asked = _request_for_a_person(tracker)
    if asked:
        params["text"] = asked[:500]
    cite_id = tracker.get_slot("cite_id") if topic == "cites" else None
    if asked and not cite_id:
        cite_id = await _cite_named(asked)  # « … pour la cité Darcy à Hénin »: its landlord, as from its card
    if cite_id:
        params["cite_id"] = cite_id
    insee, _ = await commune_insee(tracker, topic)
    if insee:
        params["commune"] = insee
    decision = await client.get("/handoff/route", **params)
    decision["cite_id"] = cite_id if decision["topic"] == "cites" else None
    return decision


async def _cite_named(text: str) -> Optional[str]:
    """The one cité a request for a person names (GET /cites/search), or None."""
    found = await client.get("/cites/search", q=text[:200])
    if found.get("status") == "found" and found.get("match") not in ("commune", "no_name"):
        return found["cites"][0]["id"]
    return None


def _why(decision: dict, domain: dict, message: Message) -> None:
    topic, reason = decision["topic"], decision["raison"]
    name = f"utter_handoff_why_{topic}_{reason}"
    if name == "utter_handoff_why_cites_epci" and decision.get("cite_bailleur"):
        name = "utter_handoff_why_cites_epci_landlord"  # « Maisons & Cités et SIA Habitat »: no one service to reach
    elif name == "utter_handoff_why_cites_epci" and not decision.get("cite_nom"):
        name = "utter_handoff_why_cites_epci_no_cite"  # the cités of a commune, none chosen: no landlord to speak of
    if name not in (domain.get("responses") or {}):
        name = f"utter_handoff_why_{topic}_default" if topic != "bud" else "utter_handoff_why_bud_default"
    commune = decision.get("commune") or {}
    message.add(name, commune=commune.get("nom"), epci=commune.get("epci"), cite=decision.get("cite_nom") or "cette cité",
                bailleur=decision.get("cite_bailleur"))


def public_contact(service: dict, message: Message, fallback: Optional[dict]) -> None:
    """The service's public contact, line by line, with its source; if none is known, say so plainly."""
    contact = service.get("contact") or {}
    if service.get("contact_connu"):
        message.add("utter_handoff_public_contact", service=service.get("nom_avec_article") or service["nom"])
        for field in CONTACT_FIELDS:
            if contact.get(field):
                message.add(f"utter_handoff_contact_line_{field}", value=contact[field])
        if service.get("source_contact"):
            message.add("utter_handoff_contact_source", source=service["source_contact"])
        return
    message.add("utter_handoff_contact_unknown", of_service=service.get("de_nom") or service["nom"])
    if fallback and (fallback.get("contact") or {}).get("adresse"):
        message.add("utter_handoff_contact_fallback", to_service=fallback.get("a_nom") or fallback["nom"],
                    adresse=fallback["contact"]["adresse"])


class ActionHandoffOffer(Action):
    """Names the service and why, then asks consent before any personal data (it never starts on its own)."""

    def name(self) -> str:
        return "action_handoff_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            decision = await route(tracker)
            if decision["cite_id"]:
                cite = await client.get(f"/cites/{decision['cite_id']}")
                decision["cite_nom"], decision["cite_bailleur"] = cite.get("nom"), cite.get("bailleur")
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_handoff_unavailable")
            dispatcher.utter_message(response="utter_human_contact")
            return [SlotSet("handoff_service_id", None)]
        message = Message(domain).add("utter_handoff_service", service=decision["service"]["nom"])
        _why(decision, domain, message)
        message.send(dispatcher)
        dispatcher.utter_message(response="utter_handoff_consent", days=decision.get("conservation_jours", 30))
        events = [SlotSet("handoff_service_id", decision["service"]["id"])]
        if decision["cite_id"] and decision["cite_id"] != tracker.get_slot("cite_id"):
            events.append(SlotSet("cite_id", decision["cite_id"]))  # named in the request: its record carries it
        if decision["topic"] != topic_of(tracker) and decision["topic"] in TOPICS:
            events.append(SlotSet("topic", decision["topic"]))  # the request named it: its summary and record too
        return events


class ActionHandoffDeclined(Action):
    """No consent (or a changed mind): nothing personal is kept; the service's public contact instead."""

    def name(self) -> str:
        return "action_handoff_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        reset = [SlotSet("handoff_name", None), SlotSet("handoff_contact", None), SlotSet("requested_slot", None)]
        resumed = interrupted_check(tracker)
        message = Message(domain).add("utter_handoff_declined")
        service_id = tracker.get_slot("handoff_service_id") or FALLBACK_SERVICE
        try:
            service = await client.get(f"/handoff/services/{service_id}")
            fallback = None if service.get("contact_connu") else await client.get(f"/handoff/services/{FALLBACK_SERVICE}")
            public_contact(service, message, fallback)
            message.add("utter_bud_resumed" if resumed else "utter_handoff_anything_else")
            message.send(dispatcher)
        except ServiceUnavailable:
            message.send(dispatcher)
            dispatcher.utter_message(response="utter_human_contact")
            return reset
        # The BUD check the request for a person stopped goes on where it was: its next question comes.
        return reset + ([FollowupAction(resumed)] if resumed else [])


def interrupted_check(tracker: Tracker) -> Optional[str]:
    """The BUD check stopped by the request for a person now declined (`bud_form`), else None: the offer's turn
    deactivated it (data/rules/bud_eligibility.yml) and no verdict had ended it."""
    events = tracker.events
    offers = [i for i, e in enumerate(events) if e.get("event") == "action" and e.get("name") == "action_handoff_offer"]
    if not offers:
        return None
    i = offers[-1] - 1
    deactivated = False
    while i >= 0 and events[i].get("event") != "user":
        deactivated = deactivated or events[i].get("event") == "action" and events[i].get("name") == "action_deactivate_loop"
        i -= 1
    if not deactivated:
        return None
    before = next((e for e in reversed(events[:max(i, 0)]) if e.get("event") == "active_loop"), {})
    return "bud_form" if before.get("name") == "bud_form" else None


class ValidateHandoffForm(FormValidationAction):
    """The name and the contact; those the person already gave in the conversation (« je m'appelle Marc Lefebvre,
    mon tel 06 07 08 09 10, je voudrais qu'on me rappelle ») are not asked again."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        means = await contact_means_answer(tracker)
        if means:  # validated as still empty: the form goes on (a « non » would otherwise end it) and asks nothing
            dispatcher.utter_message(response=means)
            return [SlotSet("handoff_contact", None)]
        events = await super().run(dispatcher, tracker, domain)
        changed, before = place_set_by_this_message(tracker)
        if changed:  # « Kevin Lefebvre », « Mme Nadia Douai »: a name, not the place the conversation is about
            events.append(SlotSet("commune", before))
        return events

    async def extract_handoff_name(self, dispatcher, tracker: Tracker, domain: dict, asked: bool = True) -> dict:
        if asked and (tracker.get_slot("handoff_name") or tracker.get_slot("requested_slot") == "handoff_name"):
            return {}
        for text in _said_before(tracker):
            name = normalise_name((await _details(text))["nom"] or "")
            if name:
                return {"handoff_name": name}
        return {}

    async def extract_handoff_contact(self, dispatcher, tracker: Tracker, domain: dict) -> dict:
        if tracker.get_slot("handoff_contact") or tracker.get_slot("requested_slot") == "handoff_contact":
            return {}
        for text in _said_before(tracker):
            contact = (await _details(text))["contact"]  # « mon tel … », not the town hall's number
            if contact:
                return {"handoff_contact": contact}
        return {}

    async def validate_handoff_name(self, value: Any, dispatcher, tracker, domain) -> dict:
        said = await _details(value if isinstance(value, str) else "", own=True)  # « Paul Martin 06 12 34 56 78 »
        # « moi c'est Inès Haddad »: the name introduced; « je vous l'ai déjà dit »: a sentence, no name
        name = normalise_name(said["nom"] or "") or (None if said["phrase"] else normalise_name(said["reste"]))
        name = name or (await self.extract_handoff_name(dispatcher, tracker, domain, asked=False)).get("handoff_name")
        if name is None:
            dispatcher.utter_message(response="utter_handoff_name_invalid")
        return {"handoff_name": name, **({"handoff_contact": said["contact"]} if said["contact"] else {})}

    async def validate_handoff_contact(self, value: Any, dispatcher, tracker, domain) -> dict:
        typed = value if isinstance(value, str) else ""
        # « mon tel c 06.12.34.56.78 »: the number in the words around it
        contact = normalise_contact(typed) or (await _details(typed, own=True))["contact"]
        if contact is None:
            dispatcher.utter_message(response="utter_handoff_contact_invalid")
        return {"handoff_contact": contact}


async def contact_means_answer(tracker: Tracker) -> Optional[str]:
    """The response to a message at the contact question that names one means of contact and gives none
    (`CONTACT_MEANS_RESPONSES`), else None: the means are the dialogue rules' `contact_means_words`; a refusal is a
    no or a stop, or a message with a word of refusal (`refusing_words`: « pas », « sans »)."""
    if tracker.get_slot("requested_slot") != "handoff_contact":
        return None  # (the slot may hold the text itself: the form's mapping takes any text but a no or a stop)
    text = tracker.latest_message.get("text") or ""
    try:
        rules = await client.form_rules("handoff")
    except ServiceUnavailable:
        return None
    named = [means for means, said in (rules.get("contact_means_words") or {}).items() if says_any(text, said)]
    if len(named) != 1 or normalise_contact(text) or (await _details(text, own=True))["contact"]:
        return None
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    refused = intent in REFUSING_INTENTS or says_any(text, rules.get("refusing_words") or [])
    return f"utter_handoff_contact_{'without' if refused else 'by'}_{named[0]}"


class ActionAskHandoffContact(Action):
    """The form's question for a contact, unless this turn already asked for one means (« D'accord, sans téléphone :
    … laquelle ? »)."""

    def name(self) -> str:
        return "action_ask_handoff_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        this_turn = since_the_person_spoke(tracker)
        if not any((e.get("metadata") or {}).get("utter_action") in CONTACT_MEANS_RESPONSES
                   for e in this_turn if e.get("event") == "bot"):
            dispatcher.utter_message(response="utter_ask_handoff_contact")
        return []


def of_name(name: str) -> str:
    """« de Marie Dupont », « d'Ahmed Benali »: a name after « au nom », elided before a vowel."""
    first = words_of(name[:1])
    return f"d'{name}" if first and first[0] in "aeiouy" else f"de {name}"


def place_set_by_this_message(tracker: Tracker) -> tuple[bool, Any]:
    """Whether the latest message set the `commune` slot (its mapping reads any place entity), and the value before."""
    changed, seen_user = False, False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if not changed:
                return False, None
            seen_user = True
        elif event.get("event") == "slot" and event.get("name") == "commune":
            if not seen_user:
                changed = True
            else:
                return True, event.get("value")
    return changed, None


def transcript(tracker: Tracker) -> list[dict]:
    """What was said before the hand-off was offered (the answers to the form are sent as fields, not here)."""
    lines: list[dict] = []
    for event in tracker.events:
        if event.get("event") == "action" and event.get("name") == "action_handoff_offer":
            break_at = len(lines)
        if event.get("event") == "user" and event.get("text") and not str(event["text"]).startswith("/"):
            lines.append({"who": "resident", "text": str(event["text"])[:2000]})
        elif event.get("event") == "bot" and event.get("text"):
            lines.append({"who": "bot", "text": str(event["text"])[:2000]})
    cut = locals().get("break_at")
    return lines[:cut] if cut is not None else lines


def summary(tracker: Tracker) -> dict:
    slots = {k: v for k, v in tracker.current_slot_values().items() if v not in (None, [], "") and k not in SUMMARY_SKIP}
    return {"slots": slots, "verdict": tracker.get_slot("bud_verdict"), "topic": topic_of(tracker)}


def french_moment(iso_local: str) -> str:
    """« 2026-12-08T17:00+01:00 » → « mardi 8 décembre à 17 h »."""
    moment = dt.datetime.fromisoformat(iso_local)
    day = format_date(moment.date(), "EEEE d MMMM", locale="fr_FR")
    day = day.replace(" 1 ", " 1er ", 1) if moment.day == 1 else day
    return f"{day} à {moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


class ActionHandoffSubmit(Action):
    """Records the request (consent given, name and contact valid) and gives its reference and withdrawal code."""

    def name(self) -> str:
        return "action_handoff_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        forget = [SlotSet("handoff_name", None), SlotSet("handoff_contact", None), SlotSet("requested_slot", None)]
        name, contact = tracker.get_slot("handoff_name"), tracker.get_slot("handoff_contact")
        if not name or not contact:
            return forget + [FollowupAction("action_handoff_declined")]
        topic = topic_of(tracker)
        try:
            insee, _ = await commune_insee(tracker, topic)
            # Web chat with an officer of that service online: a live transfer; otherwise a call-back request.
            agreed = tracker.get_slot("handoff_service_id")
            live = tracker.get_latest_input_channel() == "socketio" and (
                await (client.get(f"/handoff/services/{agreed}") if agreed else route(tracker))).get("agents_en_ligne", 0) > 0
            body = {
                "topic": topic,
                "commune": insee,
                "cite_id": tracker.get_slot("cite_id") if topic == "cites" else None,
                "service_id": tracker.get_slot("handoff_service_id"),  # the one named when consent was asked
                "consent": True,
                "nom": name,
                "contact": contact,
                "conversation_id": tracker.sender_id,
                "mode": "live" if live else "callback",
                "summary": summary(tracker),
                "transcript": transcript(tracker)[-200:],
            }
            created = await client.post("/handoff/requests", body, headers=assistant_headers())
        except ServiceUnavailable:
            logger.warning("hand-off request not recorded: programme-data service unavailable")
            dispatcher.utter_message(response="utter_handoff_unavailable")
            dispatcher.utter_message(response="utter_human_contact")
            return forget
        expected = french_moment(created["reponse_attendue_locale"])
        kept = [SlotSet("handoff_reference", created["reference"]), SlotSet("handoff_secret", created["secret"]),
                SlotSet("handoff_expected", expected)]
        if live:
            dispatcher.utter_message(
                response="utter_handoff_live_waiting",
                service=created["service"]["nom"],
                reference=created["reference"],
                minutes=max(1, round(created.get("attente_max_secondes", 120) / 60)),
            )
            dispatcher.utter_message(response="utter_handoff_secret", secret=created["secret"])
            return forget + kept + [ConversationPaused()]
        dispatcher.utter_message(  # the name and contact said back: they may come from earlier in the conversation
            response="utter_handoff_created", to_service=created["service"].get("a_nom") or created["service"]["nom"],
            reference=created["reference"],
            expected=expected, of_name=of_name(tracker.get_slot("handoff_name")), contact=tracker.get_slot("handoff_contact"),
        )
        dispatcher.utter_message(response="utter_handoff_secret", secret=created["secret"])
        return forget + kept


class ActionHandoffWithdraw(Action):
    """« Finalement je retire ma demande »: the request of this conversation is named and asked about (« Voulez-vous
    retirer votre demande BM-… ? »), and a yes withdraws it and erases its data (a message that names its reference
    withdraws it at once); any other message about it (« c'est quoi mon numéro de demande déjà ? ») is told where it
    stands, and a new contact in it (« je veux corriger mon numéro : 06 … ») corrects it."""

    def name(self) -> str:
        return "action_handoff_withdraw"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        reference, secret = tracker.get_slot("handoff_reference"), tracker.get_slot("handoff_secret")
        text = tracker.latest_message.get("text") or ""
        given = reference_and_code_said(tracker)
        if not given and not _REFERENCE.search(text) and _bare_answer(tracker):
            return [FollowupAction("action_default_fallback")]  # not the code asked for: not understood, as before
        if given and (not reference or given[0] != reference):
            # « je retire ma demande BM-C3NH-M4Y6 code HHRTG-PWJZ3 », in another conversation: both given, it is done
            return await self._withdraw(dispatcher, *given)
        if not reference or not secret:
            if last_bot_action(tracker) == "action_handoff_declined":
                # « bon finalement je veux bien être rappelé » just after a no: nothing to withdraw, a changed mind
                dispatcher.utter_message(response=CHANGED_MIND["action_handoff_declined"])
                return []
            dispatcher.utter_message(response="utter_handoff_nothing_to_withdraw")
            return []
        named = _REFERENCE.search(text)
        if last_bot_response(tracker) == WITHDRAW_QUESTION or (named and named.group().upper() == reference):
            return await self._withdraw(dispatcher, reference, secret)  # a yes, or this very request
        if await corrected_contact(tracker, dispatcher):
            return []  # « je veux corriger mon numéro dans ma demande : 06 … »
        if await withdraws(text):
            # « je retire ma demande » erases data for good, and the conversation may have made another request
            # before this one: the one it would withdraw is named, and a yes withdraws it
            dispatcher.utter_message(response=WITHDRAW_QUESTION, reference=reference)
        else:
            # « j'ai perdu mon numéro de demande », « ma demande est bien partie ? »: about the request, not a wish to
            # erase it (they withdrew it): where it stands, and how to withdraw it
            await say_request_status(dispatcher, tracker)
        return []

    @staticmethod
    async def _withdraw(dispatcher: CollectingDispatcher, reference: str, secret: str) -> list[EventType]:
        # Reached from « oui » to « Voulez-vous retirer … ? » (a follow-up of the fallback), the bot listens next:
        # without it the fallback was predicted again for that « oui », and ran this again, in a loop
        listen = [FollowupAction("action_listen")]
        try:
            await client.post("/handoff/requests/withdraw", {"reference": reference, "secret": secret})
        except NotFound:  # a reference and a code typed that do not go together (the service says no more)
            dispatcher.utter_message(response="utter_handoff_withdraw_refused")
            return listen
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return listen
        dispatcher.utter_message(response="utter_handoff_withdrawn", reference=reference)
        # the reference stays, without its code: « elle en est où ma demande ? » is told it was withdrawn
        return [SlotSet("handoff_reference", reference), SlotSet("handoff_secret", None)] + listen


async def say_request_status(dispatcher: CollectingDispatcher, tracker: Tracker,
                             given: Optional[tuple[str, str]] = None) -> list[EventType]:
    """Where a request stands, as the service has it now (waiting, late, with an officer, called back, closed): the
    one whose reference and code the message gives, else this conversation's. When the service cannot be reached,
    what this conversation knows of its own request (its reference, the moment an answer is due, its code).
    A request of another conversation found with its code becomes this conversation's (« ok je veux la retirer »)."""
    reference, secret = given or (tracker.get_slot("handoff_reference"), tracker.get_slot("handoff_secret"))
    try:
        status = await client.post("/handoff/requests/status", {"reference": reference, "secret": secret})
    except NotFound:  # this conversation's own request: withdrawn, or erased after the retention period
        dispatcher.utter_message(response="utter_handoff_status_unknown" if given else "utter_handoff_status_gone",
                                 reference=reference)
        return []
    except ServiceUnavailable:
        if given:
            dispatcher.utter_message(response="utter_handoff_status_unavailable")
            return []
        dispatcher.utter_message(response="utter_handoff_status", reference=reference, secret=secret,
                                 expected=tracker.get_slot("handoff_expected") or "")
        return []
    service = status["service"].get("de_nom") or ""
    if status["statut"] == "closed":
        unreachable = status["issue"] == "unreachable"
        response = "utter_handoff_status_unreachable" if unreachable else "utter_handoff_status_closed"
        moment = status["clos_le"]
    elif status["rappele_le"]:
        response, moment = "utter_handoff_status_called_back", status["rappele_le"]
    elif status["statut"] == "with_officer":
        response, moment = "utter_handoff_status_taken", status["pris_le"]
    else:
        response = "utter_handoff_status_late" if status["en_retard"] else "utter_handoff_status_pending"
        moment = status["reponse_attendue_locale"]
    dispatcher.utter_message(response=response, reference=status["reference"], of_service=service,
                             moment=french_moment(_local(moment)))
    if not given and status["statut"] != "closed":  # « c quoi mon code déjà ? »: this conversation's own request
        dispatcher.utter_message(response="utter_handoff_status_code", secret=secret)
    if given and status["statut"] != "closed":
        return [SlotSet("handoff_reference", status["reference"]), SlotSet("handoff_secret", secret),
                SlotSet("handoff_expected", french_moment(status["reponse_attendue_locale"]))]
    return []

def _local(moment: str) -> str:
    """A moment the service gives in UTC (« 2026-12-08T09:30:00Z ») in Europe/Paris; a local one as it is."""
    when = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return when.astimezone(PARIS).isoformat(timespec="minutes")


class ActionHandoffStatus(Action):
    """« on me rappelle quand ? », « ma demande a bien été reçue ? »: where the request stands (`say_request_status`);
    a reference without its code is asked for the code; without any request, how to ask about one made in another
    conversation, and the offer to be put in touch."""

    def name(self) -> str:
        return "action_handoff_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        given = reference_and_code_said(tracker)
        named = _REFERENCE.search(text)
        if not given and not named and _bare_answer(tracker):
            return [FollowupAction("action_default_fallback")]  # not the code asked for: not understood, as before
        if (given or named or tracker.get_slot("handoff_reference")) and (
                await withdraws(text) or last_bot_response(tracker) == "utter_handoff_nothing_to_withdraw"):
            # « je retire ma demande BM-…, code … » read as a question about it: a withdrawal
            return await ActionHandoffWithdraw().run(dispatcher, tracker, {})  # it reads no domain
        if given:
            return await say_request_status(dispatcher, tracker, given)
        elif named and named.group().upper() != tracker.get_slot("handoff_reference"):
            dispatcher.utter_message(response="utter_handoff_status_needs_code", reference=named.group().upper())
        elif tracker.get_slot("handoff_reference") and tracker.get_slot("handoff_secret"):
            return await say_request_status(dispatcher, tracker)
        elif tracker.get_slot("handoff_reference"):  # withdrawn in this conversation (its code is erased)
            dispatcher.utter_message(response="utter_handoff_status_withdrawn",
                                     reference=tracker.get_slot("handoff_reference"))
        elif reference_named_before(tracker):  # « BM-… » said just before, the code still missing
            dispatcher.utter_message(response="utter_handoff_status_needs_code",
                                     reference=reference_named_before(tracker))
        else:
            dispatcher.utter_message(response="utter_handoff_no_request")
        return []


# A request's reference and its withdrawal code as the service writes them (assistant/handoff/queue.py: digits 2-9
# and the capitals but I, L, O, U), typed in a message: « BM-C3NH-M4Y6 », « HHRTG-PWJZ3 » (any case; the dash of the
# code may be a space or nothing). « conseiller » is no code: it has an I and an L.
_CODE_CHARACTER = "[2-9A-HJKMNP-TV-Z]"
_REFERENCE = re.compile(rf"\bBM-{_CODE_CHARACTER}{{4}}-{_CODE_CHARACTER}{{4}}\b", re.IGNORECASE)
_CODE = re.compile(rf"\b{_CODE_CHARACTER}{{5}}[- ]?{_CODE_CHARACTER}{{5}}\b", re.IGNORECASE)


def reference_and_code_said(tracker: Tracker) -> Optional[tuple[str, str]]:
    """The reference and the withdrawal code the person gives: both in this message, or the code here and the
    reference in one of their three messages before (« où en est BM-… ? », asked for the code, « c'est AJCB5-3NXX8 »).
    A code typed alone has a digit or a dash, or is typed in capitals: « rappellera » is no code."""
    text = tracker.latest_message.get("text") or ""
    if _REFERENCE.search(text):
        return _reference_and_code(text)
    named = reference_named_before(tracker)
    return _reference_and_code(f"{named} {text}") if named else None


def _bare_answer(tracker: Tracker) -> bool:
    """A message read as a bare answer (`inform`), which reaches the status or the withdrawal only as the code it
    asked for (data/rules/handoff.yml)."""
    return (tracker.latest_message.get("intent") or {}).get("name") == "inform"


def reference_named_before(tracker: Tracker) -> Optional[str]:
    """A request's reference the person typed in one of their three messages before this one."""
    text = tracker.latest_message.get("text") or ""
    earlier = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    if earlier and earlier[-1] == text:
        earlier = earlier[:-1]
    for before in reversed(earlier[-3:]):
        named = _REFERENCE.search(before)
        if named:
            return named.group().upper()
    return None


def _reference_and_code(text: str) -> Optional[tuple[str, str]]:
    """The reference and the withdrawal code the message gives, both, or None."""
    reference = _REFERENCE.search(text)
    codes = [m.group() for m in _CODE.finditer(_REFERENCE.sub(" ", text)) if _may_be_a_code(m.group())]
    codes.sort(key=lambda code: not re.search(r"\d", code))  # a digit first: « transmette » has none
    if not reference or not codes:
        return None
    code = re.sub(r"[- ]", "", codes[0].upper())
    return reference.group().upper(), f"{code[:5]}-{code[5:]}"


def _names_this_request(tracker: Tracker) -> bool:
    """Whether the message gives this conversation's request: its reference, or its withdrawal code."""
    reference, secret = tracker.get_slot("handoff_reference"), tracker.get_slot("handoff_secret")
    if not reference or not secret:
        return False
    text = tracker.latest_message.get("text") or ""
    named = _REFERENCE.search(text)
    if named:
        return named.group().upper() == reference
    typed = [re.sub(r"[- ]", "", m.group().upper()) for m in _CODE.finditer(text) if _may_be_a_code(m.group())]
    return re.sub(r"[- ]", "", secret.upper()) in typed


def _may_be_a_code(typed: str) -> bool:
    """Two words of five letters (« cette femme ») are no code, nor ten lower-case letters (« transmette »): a code
    has a digit (the service draws none without one), or is typed in capitals, or has its dash."""
    return bool(re.search(r"\d", typed) or typed.isupper() or "-" in typed)


def top_intent_read(tracker: Tracker) -> Optional[str]:
    """The classifier's best intent for the latest message, before the fallback replaced it."""
    ranking = [i.get("name") for i in tracker.latest_message.get("intent_ranking") or [] if i.get("name") != "nlu_fallback"]
    return ranking[0] if ranking else None


def misunderstood_twice(tracker: Tracker) -> bool:
    """Whether this message and the one before were both not understood (the one before got « je n'ai pas
    compris »: an e-mail address typed at the contact question is no intent either, but was understood)."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    intent = [tracker.events[i].get("parse_data", {}).get("intent", {}).get("name") for i in users[-2:]]
    answered = tracker.events[users[-2] + 1:users[-1]]
    # the message before got « je n'ai pas compris », whatever its intent read (« azerty qsdfgh » read as `inform`,
    # which no rule answers, got Rasa's fallback)
    said_not_understood = any(e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == "utter_default"
                              for e in answered)
    fallback_ran = intent[0] == "nlu_fallback" and any(
        e.get("event") == "action" and e.get("name") in ("action_not_understood", "action_default_fallback")
        for e in answered)
    return intent[-1] == "nlu_fallback" and (said_not_understood or fallback_ran)


class ActionStopWithNothingRunning(Action):
    """« Stop », « j'annule » when no question is going on: after a request was recorded in this conversation, it may
    be that request the person wants to cancel, so the bot asks (a yes withdraws it); otherwise nothing to stop."""

    def name(self) -> str:
        return "action_stop_with_nothing_running"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        reference = tracker.get_slot("handoff_reference")
        if reference and tracker.get_slot("handoff_secret"):
            dispatcher.utter_message(response=WITHDRAW_QUESTION, reference=reference)
        else:
            dispatcher.utter_message(response="utter_nothing_to_stop")
        return []


class ActionNotUnderstood(Action):
    """« Je n'ai pas compris »; the second time in a row, a hand-off is offered (the person chooses)."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        given = reference_and_code_said(tracker)  # both, or the code alone after a reference named before
        text = tracker.latest_message.get("text") or ""
        if last_bot_response(tracker) == WITHDRAW_QUESTION and await keeps(text):
            # « non finalement je la garde » to « Voulez-vous retirer votre demande … ? »: kept (nothing is erased)
            dispatcher.utter_message(response="utter_handoff_kept")
            return []
        if last_bot_action(tracker) == "action_bud_verdict" and await asks_why_of_a_verdict(text):
            return [FollowupAction("action_bud_why")]  # « pourquoi ? » just after a verdict: what decided it
        if given and (last_bot_response(tracker) == "utter_handoff_nothing_to_withdraw" or await withdraws(text)):
            return await ActionHandoffWithdraw._withdraw(dispatcher, *given)
        if given:  # « BM-… code … » and nothing understood: where it stands
            return await say_request_status(dispatcher, tracker, given)
        guessed = await guess_in_message(tracker, client)
        if guessed:
            return guessed
        if await states_facts_after_a_verdict(tracker):  # « en fait j'ai 2 salariés qui habitent à Lens »
            return [FollowupAction("action_bud_verdict")]
        if last_bot_action(tracker) == "action_handoff_offer" and top_intent_read(tracker) in ("stop", "deny", "withdraw_handoff"):
            # « en fait non j'annule » to « Êtes-vous d'accord ? »: a no (said here: a follow-up action after this one
            # would leave the rules, and Rasa's fallback would add « je n'ai pas compris »)
            return await ActionHandoffDeclined().run(dispatcher, tracker, domain)
        if await corrected_contact(tracker, dispatcher):  # « je me suis trompé de numéro, c'est le 07 … »
            return []
        reference = tracker.get_slot("handoff_reference")
        about_it = ("stop", "withdraw_handoff", "ask_handoff_status")
        if reference and tracker.get_slot("handoff_secret") and top_intent_read(tracker) in about_it:
            if top_intent_read(tracker) != "stop" and not await withdraws(tracker.latest_message.get("text") or ""):
                await say_request_status(dispatcher, tracker)  # « c'est bon ma demande est partie ? »: about it
                return []
            # « en fait non j'annule » after a request was recorded: between a stop and a no, but maybe that request
            dispatcher.utter_message(response=WITHDRAW_QUESTION, reference=reference)
            return []
        if misunderstood_twice(tracker):
            dispatcher.utter_message(response="utter_handoff_not_understood_twice")
            dispatcher.utter_message(response="utter_handoff_suggest")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


async def corrected_contact(tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
    """« je me suis trompé de numéro, c'est le 07 81 22 33 45 » after the request of this conversation was recorded:
    its contact is corrected (POST /handoff/requests/contact) and said back. False when the message gives no contact
    of its writer (« le numéro de la mairie c'est … » is not theirs) or no request was recorded here."""
    reference, secret = tracker.get_slot("handoff_reference"), tracker.get_slot("handoff_secret")
    text = tracker.latest_message.get("text") or ""
    if not (reference and secret and text):
        return False
    contact = normalise_contact(text) or (await _details(text))["contact"]
    if not contact:  # « oups c'est 06 … pas 87 »: a number without « mon », said as a correction, is theirs
        try:
            correcting = says_any(text, (await client.form_rules("handoff")).get("correction_words") or [],
                                  beginnings=True)
        except ServiceUnavailable:
            correcting = False
        contact = (await _details(text, own=True))["contact"] if correcting else None
    if not contact:
        return False
    try:
        stored = await client.post("/handoff/requests/contact",
                                   {"reference": reference, "secret": secret, "contact": contact})
    except NotFound:  # closed since, or erased
        dispatcher.utter_message(response="utter_handoff_contact_not_corrected", reference=reference)
        return True
    except ServiceUnavailable:
        dispatcher.utter_message(response="utter_service_unavailable")
        return True
    dispatcher.utter_message(response="utter_handoff_contact_corrected", reference=reference, contact=stored["contact"])
    return True


# The responses that ask « shall I pass your question on to a person? »: a typed yes or no answers them.
HANDOFF_QUESTIONS = ("utter_handoff_suggest", "utter_cite_offer_handoff", "utter_handoff_changed_mind")
# A yes just after the bot ended something the person asked to end (« si finalement je veux bien »): the question
# that makes sure, before starting it again (a mere « ok » is also a yes).
CHANGED_MIND = {"action_handoff_declined": "utter_handoff_changed_mind", "utter_bud_stopped": "utter_bud_resume_ask"}
RESUME_QUESTION = "utter_bud_resume_ask"
WITHDRAW_QUESTION = "utter_handoff_withdraw_ask"  # « Voulez-vous retirer votre demande … ? »: a yes withdraws it
# The responses that end on « Avez-vous une autre question ? »: a no to them is a goodbye
ANYTHING_ELSE_QUESTIONS = ("utter_thank", "utter_handoff_anything_else", "utter_handoff_back", "utter_handoff_kept",
                           "utter_nothing_to_stop", "utter_emploi_stopped", "utter_emploi_end")


async def cancels(text: str) -> bool:
    """Whether a « non » holds a word that cancels something (« en fait non, annule »: the dialogue rules'
    `cancelling_words`), rather than being a « non » to « Avez-vous une autre question ? »."""
    try:
        return says_any(text, (await client.form_rules("handoff")).get("cancelling_words") or [], beginnings=True)
    except ServiceUnavailable:
        return False


async def withdraws(text: str) -> bool:
    """Whether a message about a request asks to withdraw it (« je retire ma demande BM-… code … »): the dialogue
    rules' `withdrawing_words`, narrower than the cancelling words (« j'ai oublié mon code » withdraws nothing)."""
    try:
        return says_any(text, (await client.form_rules("handoff")).get("withdrawing_words") or [], beginnings=True)
    except ServiceUnavailable:
        return False


async def keeps(text: str) -> bool:
    """Whether an answer to « Voulez-vous retirer votre demande … ? » keeps it (« non finalement je la garde »: the
    dialogue rules' `keeping_openers`)."""
    try:
        return opens_with(text, (await client.form_rules("handoff")).get("keeping_openers") or [])
    except ServiceUnavailable:
        return False


async def asks_why_of_a_verdict(text: str) -> bool:
    """Whether a message asks what decided a verdict (« pourquoi ? »: the dialogue rules' `verdict_why_words`)."""
    try:
        return says_any(text, (await client.form_rules("bud_form")).get("verdict_why_words") or [])
    except ServiceUnavailable:
        return False


def _previous_turn(tracker: Tracker) -> list[dict]:
    """The events of the bot's previous turn: between the message before the latest and the latest, latest first."""
    turn: list[dict] = []
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user:
            turn.append(event)
    return turn


def last_bot_response(tracker: Tracker) -> Optional[str]:
    """The domain response the bot ended its previous turn with (« utter_handoff_suggest »), if it was one."""
    said = next((e for e in _previous_turn(tracker) if e.get("event") == "bot"), None)
    return (said.get("metadata") or {}).get("utter_action") if said else None


def last_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action of the bot's previous turn (« utter_bud_stopped », « action_handoff_declined »)."""
    return next((e.get("name") for e in _previous_turn(tracker)
                 if e.get("event") == "action" and e.get("name") != "action_listen"), None)


class ActionDefaultFallback(Action):
    """Rasa's core fallback (no rule or story fits the message): « Vouliez-vous dire … ? » when the message holds a
    close spelling of a commune of the basin. A yes or a no answers « Voulez-vous que je transmette votre
    question à un conseiller ? » wherever the bot asked it (after two misunderstandings, after a verdict that cannot
    conclude, after a question it cannot answer, under a cité whose works it does not know), and is met kindly where
    nothing was asked. A yes just after a declined hand-off or a stopped check (« si finalement je veux bien ») is
    asked back (`CHANGED_MIND`): a second yes makes the offer again, or resumes the check where it was. Otherwise
    Rasa's own behaviour, « je n'ai pas compris » and the message taken back."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if last_bot_response(tracker) == WITHDRAW_QUESTION and _names_this_request(tracker):
            # « BM-EHZM-FD65 » or its code typed to « Voulez-vous retirer votre demande … ? »: a yes (it was « je
            # n'ai pas compris », and the request stayed)
            return await ActionHandoffWithdraw._withdraw(
                dispatcher, tracker.get_slot("handoff_reference"), tracker.get_slot("handoff_secret"))
        guessed = await guess_in_message(tracker, client)
        if guessed:
            return guessed
        if await corrected_contact(tracker, dispatcher):  # « oups c'est 06 12 34 56 78 pas 87 »
            return [UserUtteranceReverted()]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ("affirm", "deny"):
            asked = last_bot_response(tracker)
            if asked in HANDOFF_QUESTIONS:
                if intent == "affirm":
                    return [FollowupAction("action_handoff_offer")]
                dispatcher.utter_message(response="utter_handoff_anything_else")
            elif asked == WITHDRAW_QUESTION:
                if intent == "affirm":
                    return [FollowupAction("action_handoff_withdraw")]
                dispatcher.utter_message(response="utter_handoff_kept")
            elif asked == RESUME_QUESTION:
                if intent == "affirm":  # the stopped check goes on with what it knew (actions/bud_eligibility.py)
                    dispatcher.utter_message(response="utter_bud_resumed")
                    return [FollowupAction("bud_form")]
                dispatcher.utter_message(response="utter_handoff_anything_else")
            elif intent == "affirm" and last_bot_action(tracker) in CHANGED_MIND:
                dispatcher.utter_message(response=CHANGED_MIND[last_bot_action(tracker)])
            elif (intent == "deny" and last_bot_action(tracker) == "action_handoff_submit"
                  and tracker.get_slot("handoff_reference") and tracker.get_slot("handoff_secret")
                  and await cancels(tracker.latest_message.get("text") or "")):
                # « en fait non, annule » just after the request was recorded: it may be the request to cancel; asked
                # (it was « D'accord », and the request stayed)
                dispatcher.utter_message(response=WITHDRAW_QUESTION, reference=tracker.get_slot("handoff_reference"))
            elif intent == "deny" and asked in ANYTHING_ELSE_QUESTIONS:
                dispatcher.utter_message(response="utter_goodbye")  # « Avez-vous une autre question ? » « non »
            else:
                dispatcher.utter_message(response="utter_nothing_asked")
            return [UserUtteranceReverted()]  # as Rasa's own fallback: the next prediction is to listen
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]
