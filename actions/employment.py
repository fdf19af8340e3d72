"""Employment support: who can help this person find a job or a training, near where they live.

Three thin actions around the programme-data service (POST /employment/orientation, GET /employment/understand):
- `action_emploi_start` forgets the previous employment profile and has the service read every fact the opening
  message gives (« j'ai 24 ans et aucun diplome, j'habite a Avion »);
- `validate_emploi_form` reads the answer to the question just asked (and any other fact in it), then asks the
  service which facts would still change the answer (`missing`): the form asks those, and only those, in the
  service's order;
- `action_emploi_orientation` presents the routes the service returns, with their local structures or the
  national contact.

Which routes fit a person, and which facts matter, are decided by the service from its data files: nothing here
knows that the mission locale is for the under-26, nor how « je touche le RSA » is said. The facts the form may
ask are the `required_slots` of `emploi_form` in domain.yml. Every sentence is a response of the domain; the
service's own French texts (route titles and descriptions, messages, structure names) come from the programme data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import form_facts, next_question, still_needed
from actions.places import (GUESS_SLOT, ask_commune_or_guess, ask_which_of_postal_code, guess_confirmed, guess_of,
                            resolve_place, say_resolution_problem)
from actions.programme_client import ProgrammeClient, ServiceUnavailable, client

FORM = "emploi_form"  # domain.yml
REQUESTED_SLOT = "requested_slot"
SLOT_PREFIX = "emploi_"
COMMUNE_SLOT = "emploi_commune"
COMMUNE_INSEE_SLOT = "emploi_commune_insee"  # the service's code for the commune: names can repeat
SKIPPED_SLOT = "emploi_skipped"  # facts the person could not tell (« je sais pas »): not asked again
SAID_SLOT = "emploi_routes_said"  # titles of the routes (and messages) given at the start: not repeated at the end
TOPIC = "emploi"

# The facts the form may ask (domain.yml), each kept in the slot `emploi_<fact>`: the commune, the age, and
# yes/no facts of the service's profile.
AGE = "age"
FACTS = form_facts(FORM, SLOT_PREFIX)
BOOLEAN_FACTS = tuple(fact for fact in FACTS if fact not in ("commune", AGE))
FORM_SLOTS = tuple(SLOT_PREFIX + fact for fact in FACTS)
ALL_SLOTS = FORM_SLOTS + (COMMUNE_INSEE_SLOT, SKIPPED_SLOT, SAID_SLOT)

# Intents that answer no question of the form (the service's dialogue rules, employment_form.digression_intents):
# when the message fills nothing, the form lets the rules answer them (then, for most, asks its question again;
# `stop` and `goodbye` end it). `stop` ends the form even when the message also reads as an answer. An intent
# counts from the confidence of the same rules (employment_form.min_confidence).
STOP_INTENT = "stop"
RULES = "employment_form"  # the dialogue rules' name for this form (GET /dialogue/parameters)
# The service's message that asks for the commune: not said where the form's own question asks it just after
COMMUNE_UNKNOWN = "commune_unknown"


def slot_for(fact: str) -> str:
    return SLOT_PREFIX + fact


def fact_for(slot: str) -> str:
    return slot[len(SLOT_PREFIX):]


# ---------------------------------------------------------------------------------------------------------------
# Tracker helpers


def _intent(tracker: Tracker) -> tuple[Optional[str], float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _is_clear(tracker: Tracker, intents: frozenset | set, rules: dict) -> bool:
    """The latest message's intent is one of `intents`, with the confidence the form's rules ask for."""
    name, confidence = _intent(tracker)
    return name in intents and confidence >= rules["min_confidence"]


def _answers_fresh_message(tracker: Tracker) -> bool:
    """True when the form runs right after the user's message, not when it resumes after a digression."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind in ("bot", "action_execution_rejected"):
            return False
    return False


NOTHING_SAID = {"facts": {}, "yes_no": None, "unsure": False, "someone_else": False}


@dataclass
class Reading:
    """What the latest message fills (`slots`), whether the service could not be asked (`unavailable`), whether the
    person says they cannot tell (`unsure`), whether they ask for someone else (`someone_else`: « et pour mon
    fils il a 17 ans ? », whose facts `slots` then holds), and which services they ask what they are (`asks_about`)."""
    slots: dict[str, Any] = field(default_factory=dict)
    unavailable: bool = False
    unsure: bool = False
    someone_else: bool = False
    asks_about: list[str] = field(default_factory=list)  # « c'est quoi le PLIE ? »: the services asked about
    asks_details: bool = False  # « c'est où leur adresse ? », « ils ouvrent quand ? »


async def read_facts(
    tracker: Tracker, dispatcher: CollectingDispatcher, programme: ProgrammeClient, asked: Optional[str]
) -> Reading:
    """The slots the latest message fills: the answer to the question `asked` (a slot, or None for an opening
    message) and any other fact it states (the service reads them: GET /employment/understand).

    Tells the user when the commune they were asked for is ambiguous or unknown."""
    text = tracker.latest_message.get("text") or ""
    slots: dict[str, Any] = {}
    asked_fact = fact_for(asked) if asked else None
    try:
        said = await programme.get("/employment/understand", text=text[:500], asked=asked_fact) if text.strip() \
            else NOTHING_SAID
        rules = await programme.form_rules(RULES)
    except ServiceUnavailable:
        return Reading(unavailable=True)
    reading = Reading(slots, unsure=said["unsure"], someone_else=bool(said.get("someone_else")),
                      asks_about=list(said.get("asks_about") or []), asks_details=bool(said.get("asks_details")))

    for fact, value in said["facts"].items():
        if fact in FACTS:  # a fact the form does not ask has no slot
            slots[slot_for(fact)] = value
    if asked_fact in BOOLEAN_FACTS:
        answer = said["yes_no"]
        if answer is None and not said.get("heard_only") and _is_clear(tracker, {"affirm", "deny"}, rules):
            answer = _intent(tracker)[0] == "affirm"  # the « Oui » / « Non » buttons, « ouais carrement »
        if answer is not None:
            slots[asked] = answer

    # The commune of a BUD question (« Lens est en zone BUD ? ») is not where the person lives, nor is a place
    # named earlier in the conversation (remember=False).
    if asked_fact == "commune":  # the answer to « Vouliez-vous dire … ? », when the form's question was that
        guessed = guess_confirmed(tracker, dispatcher)
        if guessed:
            slots.update({COMMUNE_SLOT: guessed["nom"], COMMUNE_INSEE_SLOT: guessed["insee"], "commune": guessed["nom"],
                          GUESS_SLOT: None})
            return reading
    if _is_clear(tracker, {"ask_bud_commune"}, rules) or reading.asks_details or reading.asks_about:
        return reading  # « c'est où cap emploi à Denain ? »: the service's town, not where the person lives
    try:
        resolution = await resolve_place(tracker, programme, remember=False)
    except ServiceUnavailable:
        reading.unavailable = True
        return reading
    if resolution is not None and resolution["status"] == "found":
        commune = resolution["communes"][0]
        slots.update({COMMUNE_SLOT: commune["nom"], COMMUNE_INSEE_SLOT: commune["insee"], "commune": commune["nom"]})
    elif resolution is not None and resolution["status"] == "guess":
        if asked_fact == "commune":
            slots[GUESS_SLOT] = guess_of(resolution, TOPIC)  # nothing taken: the form's question asks it back
    elif resolution is not None and asked_fact == "commune" and not said["unsure"]:  # « je sais pas »: passed
        if resolution["status"] == "ambiguous" and resolution["match"] == "postal_code":
            ask_which_of_postal_code(dispatcher, resolution)
        else:
            say_resolution_problem(dispatcher, resolution)
    return reading


def profile_of(slots: dict[str, Any]) -> dict[str, Any]:
    """The service's OrientationRequest for the facts known so far."""
    profile: dict[str, Any] = {}
    if slots.get(COMMUNE_INSEE_SLOT):
        profile["commune_insee"] = slots[COMMUNE_INSEE_SLOT]
    elif slots.get(COMMUNE_SLOT):
        profile["commune_query"] = slots[COMMUNE_SLOT]
    age = slots.get(slot_for(AGE))
    if age is not None:
        profile["age"] = int(age)
    for fact in BOOLEAN_FACTS:
        value = slots.get(slot_for(fact))
        if isinstance(value, bool):
            profile[fact] = value
    return profile


async def orientation(programme: ProgrammeClient, profile: dict[str, Any]) -> dict:
    return await programme.post("/employment/orientation", profile)


# ---------------------------------------------------------------------------------------------------------------
# Actions


class ActionEmploymentStart(Action):
    """Starts an employment conversation: a fresh profile, filled with what the opening message says."""

    def __init__(self, programme: Optional[ProgrammeClient] = None):
        self.programme = programme or client

    def name(self) -> str:
        return "action_emploi_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SlotSet("topic", TOPIC)]
        fresh = tracker.copy()
        fresh.slots.update({slot: None for slot in ALL_SLOTS})
        # When the service is down, the place waits: the form finds the service down too, and the orientation says so.
        reading = await read_facts(fresh, dispatcher, self.programme, asked=None)  # says nothing: no question asked
        facts = reading.slots
        if reading.asks_about:  # « c'est quoi le PLIE ? »: answered first
            await describe_services(dispatcher, self.programme, reading.asks_about)
            if not facts and not reading.someone_else:  # only that question: no questions about the person
                dispatcher.utter_message(response="utter_emploi_about_more")
                return events + [FollowupAction("action_listen")]
        events += [SlotSet(slot, None) for slot in ALL_SLOTS if tracker.get_slot(slot) is not None]
        dispatcher.utter_message(response="utter_emploi_start")
        if reading.someone_else:  # « je cherche pour mon fils »: the questions are about that person
            dispatcher.utter_message(response="utter_emploi_someone_else")
        events += [SlotSet(slot, value) for slot, value in facts.items()]
        fresh.slots.update(facts)
        try:
            events += await say_first_routes(dispatcher, self.programme, fresh.slots, reading.someone_else)
        except ServiceUnavailable:
            pass  # the form and the orientation say it
        return events


async def say_first_routes(dispatcher: CollectingDispatcher, programme: ProgrammeClient, slots: dict[str, Any],
                           someone_else: bool = False) -> list[EventType]:
    """Answer first with what already fits (« 22 ans à Lens » → the mission locale), then refine with questions:
    the service's messages (« Lille n'est pas dans le bassin minier : … ») and the routes that fit the facts known,
    said before any question and not again at the end (the event that records them); « qui peut l'aider » when the
    person asks for someone else (« pour mon fils de 17 ans »). Raises ServiceUnavailable."""
    answer = await orientation(programme, profile_of(slots))
    messages = [message for message, kind in zip(answer["messages"], answer["message_ids"]) if kind != COMMUNE_UNKNOWN]
    for message in messages:
        dispatcher.utter_message(response="utter_emploi_message", message=message)
    routes = answer["routes"]
    if routes:
        dispatcher.utter_message(response="utter_emploi_first_routes_someone_else" if someone_else
                                 else "utter_emploi_first_routes")
        for route in routes:
            say_route(dispatcher, route)
        if answer["missing"]:
            dispatcher.utter_message(response="utter_emploi_refine")
    if not (routes or messages):
        return []
    return [SlotSet(SAID_SLOT, [route["title"] for route in routes] + messages)]


class ValidateEmploymentForm(FormValidationAction):
    """Reads each answer, and asks the service which facts are still worth asking (its `missing`, in order)."""

    def __init__(self, programme: Optional[ProgrammeClient] = None):
        self.programme = programme or client

    def name(self) -> str:
        return "validate_emploi_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The slots of the facts that would still change the orientation. Raises ServiceUnavailable."""
        answer = await orientation(self.programme, profile_of(tracker.slots))
        return still_needed(answer["missing"], FACTS, SLOT_PREFIX, tuple(tracker.get_slot(SKIPPED_SLOT) or ()))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            return await self._validate(dispatcher, tracker, domain)
        except ServiceUnavailable:
            # End the questions; action_emploi_orientation, which follows the form, tells the user.
            asked = tracker.get_slot(REQUESTED_SLOT) or COMMUNE_SLOT
            return [SlotSet(asked, tracker.get_slot(asked)), SlotSet(REQUESTED_SLOT, None)]

    async def _validate(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        events: list[EventType] = []
        if asked in FORM_SLOTS and _answers_fresh_message(tracker):
            rules = await self.programme.form_rules(RULES)
            if _is_clear(tracker, {STOP_INTENT}, rules):
                return []  # rejected: the stop rule ends the form
            reading = await read_facts(tracker, dispatcher, self.programme, asked)
            filled, unsure = reading.slots, reading.unsure
            if reading.unavailable:
                raise ServiceUnavailable("understand or communes")
            if reading.asks_about:  # « c'est quoi le PLIE ? »: answered, then the question is asked again
                await describe_services(dispatcher, self.programme, reading.asks_about)
            elif reading.asks_details and not filled:  # « c'est où leur adresse ? »: not an answer, nor « oui » expected
                dispatcher.utter_message(response="utter_emploi_details_where")
            if reading.someone_else:
                events += self._for_someone_else(dispatcher, tracker, filled)
                filled.setdefault(asked, None)  # the question is that person's now: asked again if it matters
            elif (not filled and not reading.asks_about and not reading.asks_details
                  and _is_clear(tracker, set(rules["digression_intents"]), rules)):
                return []  # rejected: a rule answers, then the form asks its question again
            held = tracker.get_slot(COMMUNE_INSEE_SLOT)
            if held and filled.get(COMMUNE_INSEE_SLOT) not in (None, held):
                # « oups non c'est Sin-le-Noble pas Douai »: said back; the structures said at the start were those
                # of the other commune, so the end says them all again for this one
                dispatcher.utter_message(response="utter_emploi_commune_changed", commune=filled[COMMUNE_SLOT])
                events.append(SlotSet(SAID_SLOT, None))
            if asked not in filled:
                answered_else = bool(filled or reading.asks_about or reading.asks_details)
                events += self._not_answered(dispatcher, tracker, asked, anything_else=answered_else, unsure=unsure)
            events += [SlotSet(slot, value) for slot, value in filled.items()]
            tracker.slots.update({e["name"]: e["value"] for e in events})
            if reading.someone_else:  # what already fits that person, before the questions about them
                events += await say_first_routes(dispatcher, self.programme, tracker.slots, someone_else=True)
        answer = await orientation(self.programme, profile_of(tracker.slots))
        next_slot = next_question(answer["missing"], FACTS, SLOT_PREFIX, tuple(tracker.get_slot(SKIPPED_SLOT) or ()),
                                  filled=lambda slot: tracker.get_slot(slot) is not None)
        if asked and not any(e["name"] == asked for e in events):
            events.append(SlotSet(asked, tracker.get_slot(asked)))  # a validated slot: the form is not rejected
        return events + [SlotSet(REQUESTED_SLOT, next_slot)]

    @staticmethod
    def _for_someone_else(dispatcher: CollectingDispatcher, tracker: Tracker, filled: dict[str, Any]) -> list[EventType]:
        """« et pour mon fils il a 17 ans ? »: the answers so far were the person's own; they are forgotten, the
        questions start again for the one they speak of. The commune is kept and said, for them to correct."""
        dispatcher.utter_message(response="utter_emploi_someone_else")
        commune = tracker.get_slot(COMMUNE_SLOT)
        if commune and COMMUNE_SLOT not in filled:
            dispatcher.utter_message(response="utter_emploi_someone_else_commune", commune=commune)
        kept = (COMMUNE_SLOT, COMMUNE_INSEE_SLOT)
        return [SlotSet(slot, None) for slot in ALL_SLOTS if slot not in kept and tracker.get_slot(slot) is not None]

    @staticmethod
    def _not_answered(
        dispatcher: CollectingDispatcher, tracker: Tracker, asked: str, anything_else: bool, unsure: bool
    ) -> list[EventType]:
        """The message did not answer the question: skip it when the person cannot tell; say so when the message
        told nothing else (otherwise the form simply asks again, if the question still matters)."""
        fact = fact_for(asked)
        if unsure:  # « je sais pas », « je préfère pas le dire »: the question is passed, not asked in a loop
            dispatcher.utter_message(response="utter_emploi_skip_question")
            skipped = list(tracker.get_slot(SKIPPED_SLOT) or [])
            return [SlotSet(SKIPPED_SLOT, skipped + [fact])]
        if anything_else:
            return []
        if fact == "commune":
            if dispatcher.messages:
                return []  # the place was ambiguous or unknown, and the user has been told
            dispatcher.utter_message(response="utter_emploi_not_understood_commune")
        elif fact == AGE:
            dispatcher.utter_message(response="utter_emploi_not_understood_age")
        else:
            dispatcher.utter_message(response="utter_emploi_not_understood_yes_no")
        return []


class ActionAskEmploymentCommune(Action):
    """The form's question for the commune, or « Vouliez-vous dire … ? » after a close spelling of one."""

    def __init__(self, programme: Optional[ProgrammeClient] = None):
        self.programme = programme or client

    def name(self) -> str:
        return f"action_ask_{COMMUNE_SLOT}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            return await ask_commune_or_guess(dispatcher, tracker, self.programme, f"utter_ask_{COMMUNE_SLOT}", TOPIC)
        except ServiceUnavailable:
            dispatcher.utter_message(response=f"utter_ask_{COMMUNE_SLOT}")
            return [SlotSet(GUESS_SLOT, None)]


class ActionEmploymentOrientation(Action):
    """Presents the routes that fit the person, with their local structures or the national contact."""

    def __init__(self, programme: Optional[ProgrammeClient] = None):
        self.programme = programme or client

    def name(self) -> str:
        return "action_emploi_orientation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SlotSet("topic", TOPIC)]
        try:
            answer = await orientation(self.programme, profile_of(tracker.slots))
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return events
        said = set(tracker.get_slot(SAID_SLOT) or ())  # route titles and messages said at the start
        for message in answer["messages"]:
            if message not in said:
                dispatcher.utter_message(response="utter_emploi_message", message=message)
        said_routes = said - set(answer["messages"])
        routes = [route for route in answer["routes"] if route["title"] not in said_routes]
        if said_routes and not routes:
            dispatcher.utter_message(response="utter_emploi_nothing_more")
        if routes:
            dispatcher.utter_message(response="utter_emploi_routes_more" if said_routes else "utter_emploi_routes_intro")
        for route in routes:
            say_route(dispatcher, route)
        if routes:
            dispatcher.utter_message(
                response="utter_emploi_source", source=answer["source"], date=answer["rules_updated_at_text"]
            )
        dispatcher.utter_message(response="utter_emploi_end")
        return events


# What is said about a local structure beyond its name, only when the programme data knows it.
STRUCTURE_DETAILS = (
    ("adresse", "utter_emploi_structure_adresse"),
    ("contact", "utter_emploi_structure_contact"),
    ("horaires", "utter_emploi_structure_horaires"),
    ("note", "utter_emploi_structure_note"),
)


async def describe_services(dispatcher: CollectingDispatcher, programme: ProgrammeClient, route_ids: list[str]) -> None:
    """« c'est quoi le PLIE ? »: what each service asked about is and whom it is for (GET /employment/routes/…)."""
    for route_id in route_ids:
        try:
            route = await programme.get(f"/employment/routes/{route_id}")
        except ServiceUnavailable:  # also NotFound: a route staff removed
            continue
        dispatcher.utter_message(response="utter_emploi_route", title=route["title"], description=route["description"])


def say_route(dispatcher: CollectingDispatcher, route: dict) -> None:
    dispatcher.utter_message(response="utter_emploi_route", title=route["title"], description=route["description"])
    for structure in route["structures"]:
        if route.get("kind") and structure.get("kind") != route["kind"]:
            # the Agefiph's regional office under « Cap emploi »: another useful contact, not the route's own office
            dispatcher.utter_message(response="utter_emploi_structure_other_kind", nom=structure["nom"],
                                     source=structure["source"], kind_label=structure.get("kind_label") or "")
        else:
            dispatcher.utter_message(response="utter_emploi_structure", nom=structure["nom"], source=structure["source"])
        for field, response in STRUCTURE_DETAILS:
            if structure.get(field):
                dispatcher.utter_message(response=response, **{field: structure[field]})
    # Details from a dated directory: once per route, where to check them.
    directories = {s["annuaire_officiel"] for s in route["structures"] if s.get("annuaire_officiel")}
    for directory in sorted(directories):
        dispatcher.utter_message(response="utter_emploi_structure_check", annuaire=directory)
    contact = route.get("national_contact")
    if contact and contact.get("nom"):
        if contact.get("telephone") and contact.get("site"):
            dispatcher.utter_message(response="utter_emploi_national_contact", **contact)
        elif contact.get("telephone"):
            dispatcher.utter_message(response="utter_emploi_national_contact_phone", **contact)
        elif contact.get("site"):
            dispatcher.utter_message(response="utter_emploi_national_contact_site", **contact)
    if route.get("no_local_structure"):
        dispatcher.utter_message(response="utter_emploi_message", message=route["no_local_structure"])
