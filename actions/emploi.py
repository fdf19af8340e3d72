"""Employment support: who can help this person find a job or a training, near where they live.

Three thin actions around POST /employment/orientation of the programme-data service:
- `action_emploi_start` forgets the previous employment profile and reads every fact the opening message gives
  (« j'ai 24 ans et aucun diplome, j'habite a Avion »);
- `validate_emploi_form` reads the answer to the question just asked (and any other fact in it), then asks the
  service which facts would still change the answer (`missing`): the form asks those, and only those, in the
  service's order;
- `action_emploi_orientation` presents the routes the service returns, with their local structures or the
  national contact.

Which routes fit a person, and which facts matter, are decided by the service from its data files: nothing here
knows that the mission locale is for the under-26. Every sentence is a response of the domain; the service's own
French texts (route titles and descriptions, messages, structure names) come from the programme data.
"""
from __future__ import annotations

import contextvars
import re
from datetime import date
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from text_to_num import alpha2digit

from actions.places import resolve_place, say_resolution_problem
from actions.programme_client import ProgrammeClient, ServiceUnavailable, client
from assistant.employment import BOOLEAN_FACTS
from assistant.french_values import parse_age, parse_yes_no
from assistant.text import fold

FORM = "emploi_form"
REQUESTED_SLOT = "requested_slot"
SLOT_PREFIX = "emploi_"
COMMUNE_SLOT = "emploi_commune"
COMMUNE_INSEE_SLOT = "emploi_commune_insee"  # the service's code for the commune: names can repeat
SKIPPED_SLOT = "emploi_skipped"  # facts the person could not tell (« je sais pas »): not asked again
SAID_SLOT = "emploi_routes_said"  # titles of the routes already given at the start: not repeated at the end
TOPIC = "emploi"

# The facts of the service's profile (assistant/employment.py), each kept in the slot `emploi_<fact>`.
AGE = "age"
FACTS = ("commune", AGE) + BOOLEAN_FACTS
FORM_SLOTS = tuple(SLOT_PREFIX + fact for fact in FACTS)
ALL_SLOTS = FORM_SLOTS + (COMMUNE_INSEE_SLOT, SKIPPED_SLOT, SAID_SLOT)

# Intents that answer no question of the form (the service's dialogue rules, employment_form.digression_intents):
# when the message fills nothing, the form lets the rules answer them (then, for most, asks its question again;
# `stop` and `goodbye` end it). `stop` ends the form even when the message also reads as an answer.
STOP_INTENT = "stop"
INTENT_CONFIDENCE = 0.6


def slot_for(fact: str) -> str:
    return SLOT_PREFIX + fact


def fact_for(slot: str) -> str:
    return slot[len(SLOT_PREFIX):]


# ---------------------------------------------------------------------------------------------------------------
# Reading the facts a message gives.
#
# Yes/no answers and ages are read by assistant.french_values. The cues below recognise a fact stated in passing
# (« je touche le RSA », « je suis pas inscrit a pole emploi »): text is folded first (lower case, no accents), so
# they are written without accents. A negative cue wins over a positive one in the same message.

_CLAUSE_END = r"[^,.;!?]"
_NEG = r"(?:\bpas\b|\bplus\b|\bjamais\b|\baucune?\b|\bni\b|\bnon\b|\bsans\b|\bn'|\bne\b)"
_REGISTERED_PLACE = r"(?:pole ?emploi|france ?travail|\bft\b|\bpe\b|chomage|l'anpe)"
_UNEMPLOYED_CONTEXT = re.compile(
    r"chom|\binscrite?s?\b|sans (?:emploi|travail|boulot|job|activite)|pas de (?:travail|boulot|job)|(?:je )?cherche"
    r"|recherche d'emploi|demandeu?r d'emploi|\brsa\b|inactif|au foyer|pas travaille"
)

_CUES: dict[str, tuple[re.Pattern, Optional[re.Pattern]]] = {
    # fact: (positive cue, negative cue)
    "rsa": (
        re.compile(r"\brsa\b|\br\.s\.a\b|revenu de solidarite"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,30}}(?:\brsa\b|revenu de solidarite)|\brsa\b\s*:?\s*non\b"),
    ),
    "registered_job_seeker": (
        re.compile(rf"\binscrite?s?\b{_CLAUSE_END}{{0,25}}{_REGISTERED_PLACE}"
                   rf"|\bconseill(?:er|ere)\b{_CLAUSE_END}{{0,20}}(?:pole ?emploi|france ?travail)"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,20}}\binscrite?s?\b|\bdesinscrite?\b|\bradiee?\b"),
    ),
    "long_term_unemployed": (
        re.compile(r"depuis (?:tres |trop |super |hyper )?longtemps|longue duree|depuis (?:plus d'|plus de |\+ d')un an"
                   r"|depuis des annees|depuis des lustres"),
        None,
    ),
    "disability_recognised": (
        re.compile(r"\brqth\b|travailleu(?:r|se) handicapee?|reconnue? (?:comme )?(?:travailleur )?handicapee?"
                   r"|handicap reconnu|reconnaissance (?:de |du )?(?:la )?(?:qualite de travailleur )?handicap"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,20}}(?:\brqth\b|reconnue? |reconnaissance )"),
    ),
    "wants_training": (
        re.compile(r"\bformation\b|\bformations\b|\bme former\b|\bse former\b|\bme reformer\b|\balternance\b"
                   r"|\bapprentissage\b|reprendre (?:mes|les) etudes|\bpasser (?:un|le|mon) (?:diplome|cap|caces|bac)\b"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,25}}(?:formation|former|etudes)"),
    ),
    "wants_career_change": (
        re.compile(r"changer (?:de )?(?:metier|travail|boulot|job|voie|domaine|secteur)|reconversion|me reconvertir"
                   r"|\bnouveau metier\b|\bautre metier\b"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,20}}(?:changer|reconver)"),
    ),
    "wants_business_creation": (
        re.compile(r"(?:creer|crer|monter|lancer|ouvrir|reprendre) (?:ma|mon|une|un|sa|son) (?:propre )?"
                   r"(?:boite|entreprise|societe|activite|commerce|business|auto ?entreprise|micro ?entreprise|affaire)"
                   r"|a mon compte|auto ?entrepreneu|micro ?entrepreneu|creation d'(?:entreprise|activite)"),
        re.compile(rf"{_NEG}{_CLAUSE_END}{{0,20}}(?:creer|monter|lancer|a mon compte)"),
    ),
}
# « depuis 18 mois », « ca fait 2 ans », « il y a 3 ans que » : how long, to tell long-term unemployment (12 months).
_DURATION = re.compile(r"(?:depuis|ca fait|cela fait|il y a|y a|ya)\s+(\d+)\s*(ans?|mois)\b")
LONG_TERM_MONTHS = 12
# An age said in passing: « j'ai 24 ans », « g 24 ans », « 24 ans, au chomage ». Not « depuis 2 ans ».
_AGE_IN_PASSING = re.compile(r"(?:\bj'?\s?ai|\bjai|\bg|\bagee? de|\bage de|\bage\s*:|^)\s*(\d{1,3})\s*ans?\b")
_UNSURE = re.compile(
    r"\b(?:je (?:ne )?sais (?:pas|plus)|sais pas|sait pas|chais pas|jsp|aucune idee|j'en sais rien|pas sure?"
    r"|je (?:ne )?me souviens (?:pas|plus)|je prefere (?:ne )?pas (?:le )?dire|je (?:ne )?veux pas (?:le )?dire)\b"
)


def _folded(text: str) -> str:
    text = fold(text or "").replace("\u2019", "'").replace("`", "'")
    return " ".join(text.split())


def _without_durations(text: str) -> str:
    return _DURATION.sub(" ", text)


def _words_to_digits(text: str) -> str:
    """« vingt-deux ans » → « 22 ans »; a lone « un » or « une » stays a word."""
    return alpha2digit(text, "fr", threshold=10)


def read_age(text: str, asked: bool, today: Optional[date] = None) -> Optional[int]:
    """The age the message gives; a bare number counts only when the question was the age."""
    folded = _without_durations(_folded(text))
    with_digits = _words_to_digits(folded)
    if asked:
        # A number must be there: « une formation » is not an age of 1.
        return parse_age(folded, today or date.today()) if re.search(r"\d", with_digits) else None
    found = _AGE_IN_PASSING.findall(with_digits)
    if len(found) != 1:
        return None
    return parse_age(f"{found[0]} ans")


def read_cues(text: str) -> dict[str, bool]:
    """The yes/no facts a message states in passing."""
    folded = _folded(text)
    facts: dict[str, bool] = {}
    for fact, (positive, negative) in _CUES.items():
        if negative is not None and negative.search(folded):
            facts[fact] = False
        elif positive.search(folded):
            facts[fact] = True
    if "long_term_unemployed" not in facts and _UNEMPLOYED_CONTEXT.search(folded):
        durations = _DURATION.findall(_words_to_digits(folded))
        if len(durations) == 1:
            number, unit = durations[0]
            months = int(number) * (1 if unit == "mois" else 12)
            facts["long_term_unemployed"] = months >= LONG_TERM_MONTHS
    return facts


def is_unsure(text: str) -> bool:
    return bool(_UNSURE.search(_folded(text)))


# ---------------------------------------------------------------------------------------------------------------
# Tracker helpers


def _intent(tracker: Tracker) -> tuple[Optional[str], float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _is_clear(tracker: Tracker, intents: frozenset | set) -> bool:
    name, confidence = _intent(tracker)
    return name in intents and confidence >= INTENT_CONFIDENCE


def _answers_fresh_message(tracker: Tracker) -> bool:
    """True when the form runs right after the user's message, not when it resumes after a digression."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind in ("bot", "action_execution_rejected"):
            return False
    return False


def _place_buttons(communes: list[dict]) -> list[dict]:
    return [
        {"title": c["nom"], "payload": '/inform_place{"commune": "%s"}' % c["nom"].replace('"', "")}
        for c in communes
    ]


async def read_facts(
    tracker: Tracker, dispatcher: CollectingDispatcher, programme: ProgrammeClient, asked: Optional[str]
) -> tuple[dict[str, Any], bool]:
    """The slots the latest message fills: the answer to the question `asked` (a slot, or None for an opening
    message) and any other fact it states; and whether the place could not be looked up (service down).

    Tells the user when the commune they were asked for is ambiguous or unknown."""
    text = tracker.latest_message.get("text") or ""
    slots: dict[str, Any] = {}
    asked_fact = fact_for(asked) if asked else None

    age = read_age(text, asked=asked_fact == AGE)
    if age is not None:
        slots[slot_for(AGE)] = age
    for fact, value in read_cues(text).items():
        slots[slot_for(fact)] = value
    if asked_fact in BOOLEAN_FACTS:
        answer = parse_yes_no(text)
        if answer is None and _is_clear(tracker, {"affirm", "deny"}):
            answer = _intent(tracker)[0] == "affirm"  # the « Oui » / « Non » buttons, « ouais carrement »
        if answer is not None:
            slots[asked] = answer

    # The commune of a BUD question (« Lens est en zone BUD ? ») is not where the person lives, nor is a place
    # named earlier in the conversation (remember=False).
    if _is_clear(tracker, {"ask_bud_commune"}):
        return slots, False
    try:
        resolution = await resolve_place(tracker, programme, remember=False)
    except ServiceUnavailable:
        return slots, True
    if resolution is not None and resolution["status"] == "found":
        commune = resolution["communes"][0]
        if commune["nom"] != tracker.get_slot(COMMUNE_SLOT):
            say_resolution_problem(dispatcher, resolution)  # « J'ai compris : … » after a typo
        slots.update({COMMUNE_SLOT: commune["nom"], COMMUNE_INSEE_SLOT: commune["insee"], "commune": commune["nom"]})
    elif resolution is not None and asked_fact == "commune":
        if resolution["status"] == "ambiguous" and resolution["match"] == "postal_code":
            dispatcher.utter_message(
                response="utter_postal_code_several",
                postal_code=resolution["query"],
                buttons=_place_buttons(resolution["communes"]),
            )
        else:
            say_resolution_problem(dispatcher, resolution)
    return slots, False


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


# One orientation per profile within one run of an action (the SDK asks for the required slots several times).
_run_cache: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar("emploi_orientation_cache", default=None)


async def orientation(programme: ProgrammeClient, profile: dict[str, Any]) -> dict:
    cache = _run_cache.get()
    key = tuple(sorted(profile.items()))
    if cache is not None and key in cache:
        return cache[key]
    answer = await programme.post("/employment/orientation", profile)
    if cache is not None:
        cache[key] = answer
    return answer


# ---------------------------------------------------------------------------------------------------------------
# Actions


class ActionEmploiStart(Action):
    """Starts an employment conversation: a fresh profile, filled with what the opening message says."""

    def __init__(self, programme: Optional[ProgrammeClient] = None):
        self.programme = programme or client

    def name(self) -> str:
        return "action_emploi_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SlotSet("topic", TOPIC)]
        events += [SlotSet(slot, None) for slot in ALL_SLOTS if tracker.get_slot(slot) is not None]
        dispatcher.utter_message(response="utter_emploi_start")
        fresh = tracker.copy()
        fresh.slots.update({slot: None for slot in ALL_SLOTS})
        # When the service is down, the place waits: the form finds the service down too, and the orientation says so.
        facts, _ = await read_facts(fresh, dispatcher, self.programme, asked=None)
        events += [SlotSet(slot, value) for slot, value in facts.items()]
        # Answer first with what already fits (« 22 ans à Lens » → the mission locale), then refine with questions.
        fresh.slots.update(facts)
        try:
            answer = await orientation(self.programme, profile_of(fresh.slots))
        except ServiceUnavailable:
            return events  # the form and the orientation say it
        routes = answer["routes"]
        if routes:
            dispatcher.utter_message(response="utter_emploi_first_routes")
            for route in routes:
                say_route(dispatcher, route)
            if answer["missing"]:
                dispatcher.utter_message(response="utter_emploi_refine")
            events.append(SlotSet(SAID_SLOT, [route["title"] for route in routes]))
        return events


class ValidateEmploiForm(FormValidationAction):
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
        skipped = set(tracker.get_slot(SKIPPED_SLOT) or ())
        return [slot_for(fact) for fact in answer["missing"] if fact in FACTS and fact not in skipped]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        token = _run_cache.set({})
        try:
            return await self._validate(dispatcher, tracker, domain)
        except ServiceUnavailable:
            # End the questions; action_emploi_orientation, which follows the form, tells the user.
            asked = tracker.get_slot(REQUESTED_SLOT) or COMMUNE_SLOT
            return [SlotSet(asked, tracker.get_slot(asked)), SlotSet(REQUESTED_SLOT, None)]
        finally:
            _run_cache.reset(token)

    async def _validate(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        events: list[EventType] = []
        if asked in FORM_SLOTS and _answers_fresh_message(tracker):
            if _is_clear(tracker, {STOP_INTENT}):
                return []  # rejected: the stop rule ends the form
            filled, place_unavailable = await read_facts(tracker, dispatcher, self.programme, asked)
            if place_unavailable:
                raise ServiceUnavailable("communes")
            digressions = set((await self.programme.form_rules("employment_form"))["digression_intents"])
            if not filled and _is_clear(tracker, digressions):
                return []  # rejected: a rule answers, then the form asks its question again
            if asked not in filled:
                events += self._not_answered(dispatcher, tracker, asked, anything_else=bool(filled))
            events += [SlotSet(slot, value) for slot, value in filled.items()]
            tracker.slots.update({e["name"]: e["value"] for e in events})
        required = await self.required_slots(FORM_SLOTS, dispatcher, tracker, domain)
        next_slot = next((slot for slot in required if tracker.get_slot(slot) is None), None)
        if asked and not any(e["name"] == asked for e in events):
            events.append(SlotSet(asked, tracker.get_slot(asked)))  # a validated slot: the form is not rejected
        return events + [SlotSet(REQUESTED_SLOT, next_slot)]

    @staticmethod
    def _not_answered(
        dispatcher: CollectingDispatcher, tracker: Tracker, asked: str, anything_else: bool
    ) -> list[EventType]:
        """The message did not answer the question: skip it when the person cannot tell; say so when the message
        told nothing else (otherwise the form simply asks again, if the question still matters)."""
        text = tracker.latest_message.get("text") or ""
        fact = fact_for(asked)
        if fact in BOOLEAN_FACTS and is_unsure(text):
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


class ActionEmploiOrientation(Action):
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
        for message in answer["messages"]:
            dispatcher.utter_message(response="utter_emploi_message", message=message)
        said = set(tracker.get_slot(SAID_SLOT) or ())
        routes = [route for route in answer["routes"] if route["title"] not in said]
        if said and not routes:
            dispatcher.utter_message(response="utter_emploi_nothing_more")
        if routes:
            dispatcher.utter_message(response="utter_emploi_routes_more" if said else "utter_emploi_routes_intro")
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


def say_route(dispatcher: CollectingDispatcher, route: dict) -> None:
    dispatcher.utter_message(response="utter_emploi_route", title=route["title"], description=route["description"])
    for structure in route["structures"]:
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
