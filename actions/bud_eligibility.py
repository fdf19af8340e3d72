"""The BUD eligibility check: a form that asks only what the verdict still needs.

The programme-data service owns the rules: given the facts so far, POST /bud/eligibility returns the verdict
and `missing`, the facts that could still change it, in the order an adviser asks them. The form asks the
first of those, has the service read the answer (GET /bud/understand: dates, counts, amounts, shares, kind of
activity, origin, tax regime), and stops as soon as nothing is missing. The facts the form may ask are the
`required_slots` of `bud_form` in domain.yml.

Each message can also correct an earlier answer (« non, c'était en 2023 », « en fait on est à Liévin ») or
give several facts at once (« j'ai lancé ma société de nettoyage à Harnes en octobre 2022, on est 4 »).
A message that answers nothing and is a clear digression (a question about a commune, « tu es un robot ? »,
« stop ») is left to the dialogue rules; the form resumes after them.
"""
from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from typing import Any, Callable, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import names_other_scheme
from actions.words import opens_with, says_any
from actions.handoff import last_bot_action
from actions.forms import form_facts, next_question
from actions.places import (ask_commune_or_guess, ask_which_of_postal_code, guess_confirmed, resolve_place,
                            say_resolution_problem, typed_text)
from actions.programme_client import Refused, ServiceUnavailable, client

FORM = "bud_form"
YEAR_SLOT = "bud_creation_year"  # a year given without its month, while the month is asked (0: none)
# What the bot says when a confirmation's answer is both yes and no, or a guess: the confirmation then comes as before
EXPLAINED_CONFIRMATION = ("utter_bud_confirm_sure_needed", "utter_bud_confirm_both")
CONFIRM_SLOT = "bud_confirm"  # the form's pseudo-question: « Vous me dites que …, c'est bien cela ? »
# The facts the form may ask (domain.yml), in the order an adviser asks them; the service says which are missing.
SLOT_PREFIX = "bud_"
FACTS = form_facts(FORM, SLOT_PREFIX, not_facts=(CONFIRM_SLOT,))
# Facts never asked but read whenever the user gives them: they only refine the estimate of the tax saved.
OPTIONAL_FACTS = ("expected_profit_eur", "corporate_tax")
SLOT = {fact: SLOT_PREFIX + fact for fact in FACTS + OPTIONAL_FACTS}
FACT_OF_SLOT = {slot: fact for fact, slot in SLOT.items()}
# Words of a share (« la moitié », « un tiers », « 30 % »): only then is a head count read as a share of the staff.
_SHARE_WORDS = re.compile(r"%|moiti[eé]|tiers|quart", re.IGNORECASE)


def today() -> dt.date:
    return dt.date.today()


def facts_from_slots(tracker: Tracker, updates: Optional[dict] = None, year: Optional[int] = None) -> dict[str, Any]:
    """The facts known so far, as the service's request body (the tax regime and the profit too: they shape the
    estimate of the tax saved). A year given without its month (`year`, by default the one held while the month is
    asked) counts as the creation date meanwhile: « kiné à Liévin depuis 2020 » is told no with its year."""
    values = {fact: tracker.get_slot(slot) for fact, slot in SLOT.items()}
    values.update(updates or {})
    year = tracker.get_slot(YEAR_SLOT) if year is None else year
    if values.get("creation_date") is None and year:
        values["creation_date"] = str(year)
    body = {("commune_insee" if fact == "commune" else fact): value for fact, value in values.items() if value is not None}
    body["today"] = today().isoformat()
    return body


async def evaluate(tracker: Tracker, updates: Optional[dict] = None, year: Optional[int] = None) -> dict:
    return await client.post("/bud/eligibility", facts_from_slots(tracker, updates, year))


def still_missing(verdict: dict, year: Optional[int]) -> list[str]:
    """The facts the service still needs, and the month of a year given alone (it sets the calendar) unless the
    verdict is already no."""
    missing = list(verdict["missing"])
    if year and verdict["verdict"] != "not_eligible" and "creation_date" not in missing:
        missing = [fact for fact in FACTS if fact in missing or fact == "creation_date"]
    return missing


# Readers: the value an answer gives for one fact, or None, and how sure the reading is. The programme-data service
# reads the answers (GET /bud/understand: negations, contrasts, hedges); the action only knows what was asked.

SURE, UNSURE = "sure", "unsure"
PENDING_SLOT = "bud_pending"  # {"facts": {fact: value}, "negative": bool}: readings said back, not counted yet
SKIPPED_SLOT = "bud_skipped"  # facts the owner could not tell (« je sais pas »): not asked again


def skipped_of(tracker: Tracker) -> tuple[str, ...]:
    return tuple(tracker.get_slot(SKIPPED_SLOT) or ())


async def month_needed(year: int) -> bool:
    """The service says whether the month still matters for this year of creation (its creation window)."""
    return (await client.get("/bud/creation-year", year=year, today=today().isoformat()))["month_needed"]


async def _understand(fact: str, text: str) -> tuple[Any, Optional[str]]:
    found = await _reading(fact, text)
    return found.get("value"), found.get("certainty")


async def _reading(fact: str, text: str, known: Optional[dict] = None) -> dict:
    """The service's reading of `text` for `fact` (value, certainty and, for yes / no, the rest of the answer);
    `known`: the head counts held, for « tous », and the company's commune."""
    if not text.strip():
        return {}
    return await client.get("/bud/understand", fact=fact, text=text[:500], today=today().isoformat(), **(known or {}))


def _head_counts(tracker: Tracker) -> dict:
    """The head counts held, as the service's query parameters."""
    values = {fact: tracker.get_slot(SLOT[fact]) for fact in ("employees", "eligible_employees")}
    return {fact: int(value) for fact, value in values.items() if isinstance(value, (int, float))}


def _held_commune(tracker: Tracker) -> dict:
    """The company's commune held, as the service's query parameter: « 1 habite à Bruay » is that Bruay."""
    insee = tracker.get_slot(SLOT["commune"])
    return {"held_commune_insee": insee} if insee else {}


def same_value(fact: str, held: Any, value: Any) -> bool:
    """Whether `value` says again what is held: the same value, or a creation date restated less precisely
    (« en 2022 », « en octobre 2022 » when the 15 October 2022 is held)."""
    if held is None or value is None:
        return False
    if fact == "creation_date":  # ISO as precise as given: « 2022 », « 2022-10 », « 2022-10-15 »
        return str(held).startswith(str(value))
    if isinstance(held, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(float(held) - float(value)) < 0.005
    return held == value


async def _date(text: str, year: Optional[int] = None) -> tuple[Optional[str], Optional[str]]:
    """An ISO date as precise as it was given (« 2023-03-15 », « 2023-03 »); a bare year gives « 2023 », so that the
    month can be asked."""
    if year and not re.search(r"\b(19|20)\d\d\b", text):
        if (await _reading("creation_date", text)).get("unknown"):
            return None, None  # « je sais plus le mois »: the year is kept as it is (`_answer`)
        text = f"{text} {year}"  # « en mars » after « en 2023 »
    return await _understand("creation_date", text)


async def _residents(text: str, tracker: Tracker) -> tuple[Optional[int], Optional[str]]:
    found = await _reading("resident_employees", text, {**_head_counts(tracker), **_held_commune(tracker)})
    count, certainty = found.get("value"), found.get("certainty")
    if count is not None:
        return count, certainty
    share, certainty = await _understand("turnover_outside_pct", text) if _SHARE_WORDS.search(text) else (None, None)
    eligible = tracker.get_slot(SLOT["eligible_employees"])
    if share is not None and eligible is not None:
        exact = eligible * share / 100
        return (int(exact), certainty) if exact == int(exact) else (None, None)
    return None, None


async def read_answer(fact: str, text: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> tuple[Any, Optional[str]]:
    """Read the answer to the question about `fact`: its value and how sure the reading is."""
    if fact == "commune":
        return await _read_commune(tracker, dispatcher, speak=True), SURE
    if fact == "resident_employees":
        return await _residents(text, tracker)
    if fact == "creation_date":
        return await _date(text, tracker.get_slot(YEAR_SLOT))
    if fact == "eligible_employees":
        found = await _reading(fact, text, _head_counts(tracker))
        return found.get("value"), found.get("certainty")
    if fact == "turnover_outside_pct":  # « tout se fait à Bruay » is the company's Bruay
        found = await _reading(fact, text, _held_commune(tracker))
        return found.get("value"), found.get("certainty")
    return await _understand(fact, text)


async def _read_commune(tracker: Tracker, dispatcher: CollectingDispatcher, speak: bool) -> Any:
    """The INSEE code of the one commune the message names, or None."""
    if speak:  # the answer to the commune question, which may have been « Vouliez-vous dire … ? »
        guessed = guess_confirmed(tracker, dispatcher)
        if guessed:
            return guessed["insee"]
    text = typed_text(tracker)
    if speak and text:
        # « le siège est à Lens mais on a un dépôt à Arras »: not the longer name, the head office
        async def understand(commune: str) -> dict:
            return await client.get("/bud/understand", text=text[:500], today=today().isoformat(), commune_insee=commune)
        picked = _company_commune(await _readings_per_commune(text, understand))
        if picked:
            return picked
    resolution = await resolve_place(tracker, client, remember=False)
    if resolution is None:
        return None
    if speak and say_resolution_problem(dispatcher, resolution):
        return None
    if speak and resolution["status"] == "ambiguous" and resolution.get("match") == "postal_code":
        ask_which_of_postal_code(dispatcher, resolution)  # « 59268 »: which of its communes
        return None
    if resolution["status"] == "found" and len(resolution["communes"]) == 1:
        return resolution["communes"][0]["insee"]
    return None


async def _says_no_company(text: str) -> bool:
    """The writer has no company to check (GET /bud/understand `no_company`)."""
    return bool(text.strip() and not text.startswith("/")
                and (await client.get("/bud/understand", text=text[:500])).get("no_company"))


async def _readings_per_commune(text: str, understand: Callable) -> dict[str, dict]:
    """When the message names several communes (« le siège est à Lens mais on a un dépôt à Arras »), the service's
    reading of it for each (GET /bud/understand with `commune_insee`); {} otherwise."""
    named = await client.communes_in_text(text)
    if named["status"] != "ambiguous" or named.get("match") != "exact":
        return {}
    return {c["insee"]: await understand(c["insee"]) for c in named["communes"]}


def _company_commune(readings: dict[str, dict]) -> Optional[str]:
    """Of several communes named, the company's: the one said to be the head office, else the only one the words put
    the company in; None when the words pick none, or several."""
    for key in ("commune_is_head_office", "commune_is_company_place"):
        picked = [code for code, reading in readings.items() if reading.get(key)]
        if len(picked) == 1:
            return picked[0]
        if picked:
            return None
    return None


# Of the head counts, the one each cannot exceed: said when an answer exceeds it (« 3 » residents of 2 on a CDI)
STAFF_BOUND = {"resident_employees": "eligible_employees", "eligible_employees": "employees"}


def _say_figures_disagree(asked: Optional[str], facts: dict, dispatcher: CollectingDispatcher) -> None:
    """Why an answer is refused: it had « Je n'ai pas compris votre réponse », which told the owner nothing."""
    bound = STAFF_BOUND.get(asked or "")
    if bound and facts.get(bound) is not None and facts.get(asked) is not None:
        dispatcher.utter_message(response=f"utter_bud_more_than_{bound}", count=int(facts[bound]))
    else:
        dispatcher.utter_message(response="utter_bud_not_understood")


def _part_of_the_staff(count: Any, understood: dict, tracker: Tracker) -> bool:
    """« 3 en CDI » of a staff of 4: the service reads a head count of 3 beside the 3 on lasting contracts, which is no
    correction of the 4 (« C'est corrigé » was said, and the staff became 3)."""
    held = tracker.get_slot(SLOT["employees"])
    lasting = next((r["value"] for r in understood.get("facts", []) if r["fact"] == "eligible_employees"), None)
    return held is not None and lasting == count and count < held


async def facts_in_message(text: str, tracker: Tracker, dispatcher: CollectingDispatcher, skip: Optional[str],
                           unsure: Optional[set] = None, new_check: bool = False) -> dict:
    """Facts a sentence states clearly, whatever was asked: a place, a date, a head count, an activity, an origin.

    The facts read with a hedge are added to `unsure` (they are said back before they count). Once the check holds
    the company's commune (not `new_check`), another commune replaces it only when the words move the company (« on
    a déménagé à Lens »): « on va jusqu'à Lillers pour des dépannages » does not."""
    found: dict[str, Any] = {}
    insee = await _read_commune(tracker, dispatcher, speak=False) if skip != "commune" else None
    held = {} if new_check else _held_commune(tracker)

    async def understand(commune: Optional[str]) -> dict:
        place = {**({"commune_insee": commune} if commune else {}), **held}
        return (await client.get("/bud/understand", text=text[:500], today=today().isoformat(),
                                 **_head_counts(tracker), **place)
                if text.strip() else {})

    understood = await understand(insee)
    if skip != "commune" and text.strip() and typed_text(tracker):
        # « ma boîte est à Lens, … 10 % de mes chantiers à Lille »: of the communes named, the one the words put the
        # company in (the longer name was taken before, and the verdict was about Lille)
        readings = await _readings_per_commune(text, understand)
        if readings:
            picked = _company_commune(readings)
            if picked:
                insee, understood = picked, readings[picked]
            elif insee in readings:
                insee, understood = None, await understand(None)  # no words pick one: none is taken for the company
    if insee:
        # The service says whether the words put the company there (« on fait de la couture sur mesure » names La
        # Couture and does not move a company of Harnes; « 2 habitent à Douai » puts employees there, « créée à
        # Liévin …, 4 habitent à Liévin » both); a button's commune has no words around it.
        stated = understood.get("commune_is_company_place") if typed_text(tracker) else True
        lived_in = insee in understood.get("residence_communes", [])
        if stated or not lived_in and tracker.get_slot(SLOT["commune"]) in (None, insee):
            found["commune"] = insee
    staff = ("employees", "eligible_employees", "resident_employees")
    for reading in understood.get("facts", []):
        fact = reading["fact"]
        if fact not in SLOT or fact == skip or (fact == "employees" and skip in staff):
            continue
        if fact == "activity" and tracker.get_slot(SLOT["activity"]) is not None:
            continue
        if fact == "employees" and _part_of_the_staff(reading["value"], understood, tracker):
            continue
        found[fact] = reading["value"]
        if reading.get("certainty") == UNSURE and unsure is not None:
            unsure.add(fact)
    return found  # the tax regime too (corporate_tax): the service reads it from its word lists


class ValidateBudForm(Action):
    """Reads each answer, then sets `requested_slot` to the next fact the service still needs (None: done)."""

    def name(self) -> str:
        return "validate_bud_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        requested = tracker.get_slot("requested_slot")
        unsure: set[str] = set()
        skipped = set(skipped_of(tracker))
        confirmed = False
        events: list[EventType] = []
        try:
            # « aucune entreprise, la société m'appartient à 100 % » to the capital question says 0 %, not « I have no
            # company »: only before the check knows anything of a company is it read so
            knows_a_company = requested == SLOT["capital_held_by_companies_pct"] or sum(
                tracker.get_slot(SLOT[fact]) is not None for fact in FACTS) >= 2
            if not resumed_by_an_action(tracker) and not knows_a_company and await _says_no_company(text):
                # « non j'ai pas d'entreprise, je suis un particulier »: nothing to check; what else the bot does
                dispatcher.utter_message(response="utter_bud_not_a_company")
                return [SlotSet(PENDING_SLOT, None), SlotSet("requested_slot", None)]
            continuing = False
            if requested is None and (resumed_by_an_action(tracker) or tracker.get_slot("bud_verdict")):
                # The check goes on: after it was stopped, or a person was declined (actions/handoff.py), or after its
                # verdict, a message that corrects or adds facts of this company (« on est à l'IS avec 50k de
                # bénéfice », « en fait aucun salarié n'habite en zone BUD »): they count, nothing is forgotten.
                said = await facts_in_message(text, tracker, dispatcher, skip=None, unsure=unsure) if text.strip() else {}
                held = tracker.get_slot(SLOT["commune"])
                another_company = said.get("commune") not in (None, held)
                if resumed_by_an_action(tracker) and (not said or another_company):
                    return await self._resumed(tracker)  # nothing to read: the question it was at comes again
                if said and not another_company:
                    updates, continuing = said, True
            if (requested is None and not continuing and last_bot_action(tracker) == "utter_bud_stopped"
                    and any(tracker.get_slot(SLOT[fact]) is not None for fact in FACTS)):
                # « stop », then « en fait si, je veux continuer le test » (read as a new check): the check goes on
                # where it stopped, nothing asked twice
                dispatcher.utter_message(response="utter_bud_resumed")
                return await self._resumed(tracker)
            if requested is None and not continuing and await names_other_scheme(text):
                # « je peux cumuler le BUD avec la ZFU ? »: a question about another scheme, which the check does not
                # answer and the programme facts do not cover. No check: « je ne sais pas », and a person.
                for response in ("utter_faq_dont_know", "utter_bud_other_scheme", "utter_handoff_suggest"):
                    dispatcher.utter_message(response=response)
                return [SlotSet("requested_slot", None)]
            if continuing:
                pass  # the facts read above are this turn's updates
            elif requested is None:  # the form starts: forget an earlier check, keep what this message says
                dispatcher.utter_message(response="utter_bud_intro")
                updates = {fact: None for fact in SLOT}
                updates.update(await facts_in_message(text, tracker, dispatcher, skip=None, unsure=unsure,
                                                      new_check=True))
                if updates.get("commune") is None:  # « et mon entreprise là-bas ? » after « Marles est en zone BUD ? »
                    updates["commune"] = await _commune_said_before(text, tracker)
                skipped = set()
                events += [SlotSet(PENDING_SLOT, None), SlotSet(SKIPPED_SLOT, None)]
            elif requested == CONFIRM_SLOT:
                updates, confirmed = await self._confirmation(text, tracker, dispatcher, unsure)
                events.append(SlotSet(PENDING_SLOT, None))
                if updates is None and confirmed is None:  # the same confirmation, asked again (the pending
                    # readings set again: a form that sets no slot but `requested_slot` is rejected by Rasa), this
                    # time asking plainly for a yes or a no (unless the answer was told what was missing in it)
                    pending = tracker.get_slot(PENDING_SLOT) or {}
                    if not any(m.get("response") in EXPLAINED_CONFIRMATION for m in dispatcher.messages):
                        pending = {**pending, "again": True}
                    return [SlotSet(PENDING_SLOT, pending), SlotSet("requested_slot", CONFIRM_SLOT)]
                if updates is None:
                    return []  # a digression: the rules answer it, then the form asks again
            else:
                updates = await self._answer(text, FACT_OF_SLOT[requested], tracker, dispatcher, unsure, skipped)
                if updates is None:
                    return []  # a digression: the rules answer it, then the form asks again
                if skipped != set(skipped_of(tracker)):
                    events.append(SlotSet(SKIPPED_SLOT, sorted(skipped)))
            restated: dict[str, Any] = {}
            if requested is not None or continuing:
                # a fact said again with the value held is neither a change nor a reading to confirm again
                restated = {fact: value for fact, value in updates.items()
                            if fact in SLOT and same_value(fact, tracker.get_slot(SLOT[fact]), value)}
                updates = {fact: value for fact, value in updates.items() if fact not in restated}
                unsure -= set(restated)
                asked = FACT_OF_SLOT.get(requested)
                if asked and asked not in updates and not updates:
                    updates[asked] = None  # nothing new: the question comes again (and the form knows it was answered)
            corrected = [fact for fact, value in updates.items() if (requested is not None or continuing)
                         and value is not None and fact in FACTS and tracker.get_slot(SLOT[fact]) is not None]
            year_only = None
            if isinstance(updates.get("creation_date"), str) and len(updates["creation_date"]) == 4:
                given = int(updates["creation_date"])
                if given != tracker.get_slot(YEAR_SLOT) and await month_needed(given):
                    year_only, updates["creation_date"] = given, None  # ask the month: it sets the calendar
                else:
                    year_only = 0  # outside the window all year long, or the month is not known: the year decides
            elif updates.get("creation_date") or requested is None and not continuing:
                year_only = 0  # a full date, or a new check: forget the year asked about
            year = tracker.get_slot(YEAR_SLOT) if year_only is None else year_only  # a month still to ask
            try:
                verdict = await evaluate(tracker, updates, year or 0)
            except Refused:  # « 5 » residents out of 4 employees: these figures do not go together, asked again
                asked = FACT_OF_SLOT.get(requested) or next(iter((tracker.get_slot(PENDING_SLOT) or {}).get("facts", {})), None)
                _say_figures_disagree(asked, {**{f: tracker.get_slot(SLOT[f]) for f in SLOT}, **updates}, dispatcher)
                updates = {asked: None} if asked in FACTS else {}
                corrected, confirmed = [], True
                verdict = await evaluate(tracker, updates, year or 0)
            pending = {} if confirmed else await self._to_confirm(tracker, updates, verdict, unsure)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            if requested is None:
                return [SlotSet("requested_slot", None)]
            # The question stays, for the answer typed again once the service is back (the check used to end here,
            # and every answer after it got « je n'ai pas compris »). A slot set beside `requested_slot`: a form
            # that sets only that one is rejected by Rasa.
            return [SlotSet(PENDING_SLOT, tracker.get_slot(PENDING_SLOT)), SlotSet("requested_slot", requested)]
        if year_only is not None:
            events.append(SlotSet(YEAR_SLOT, year_only))
        if [fact for fact in corrected if fact not in (pending or {}).get("facts", {})]:
            dispatcher.utter_message(response="utter_bud_corrected")  # a value the person gave has changed
        if pending:
            # Nothing decided on these readings yet: they are said back, and count only once confirmed.
            kept = {fact: value for fact, value in updates.items() if fact not in pending["facts"]}
            events += [SlotSet(SLOT[fact], value) for fact, value in kept.items()]
            return events + [SlotSet(PENDING_SLOT, pending), SlotSet("requested_slot", CONFIRM_SLOT)]
        events += [SlotSet(SLOT[fact], value) for fact, value in updates.items()]
        if requested not in (None, CONFIRM_SLOT) and updates.get(FACT_OF_SLOT[requested]) is None:
            # the answer gave other facts, not the one asked: say they are heard before asking again
            heard = {fact: value for fact, value in {**restated, **updates}.items()
                     if value is not None and fact in FACTS and tracker.get_slot(SLOT[fact]) in (None, value)}
            if heard:
                await self._say_noted(heard, dispatcher)
        return events + [SlotSet("requested_slot", next_question(still_missing(verdict, year), FACTS, SLOT_PREFIX,
                                                                 tuple(skipped)))]

    @staticmethod
    async def _resumed(tracker: Tracker) -> list[EventType]:
        """The question a stopped check was at: the readings it was confirming, else the next fact the verdict needs
        from what is known (not the domain's first empty slot: a fact said « je ne sais pas » stays skipped)."""
        pending = tracker.get_slot(PENDING_SLOT)
        if pending:
            return [SlotSet(PENDING_SLOT, pending), SlotSet("requested_slot", CONFIRM_SLOT)]
        year = tracker.get_slot(YEAR_SLOT) or 0
        verdict = await evaluate(tracker, {}, year)
        return [SlotSet(YEAR_SLOT, year), SlotSet("requested_slot", next_question(
            still_missing(verdict, year), FACTS, SLOT_PREFIX, skipped_of(tracker)))]

    async def _say_noted(self, heard: dict, dispatcher: CollectingDispatcher) -> None:
        """« C'est noté : … » in the plain words of the confirmation (POST /bud/restate); the facts are kept
        whether or not the service can word them."""
        try:
            lines = (await client.post("/bud/restate", {"facts": heard}))["lines"]
        except ServiceUnavailable:
            return
        dispatcher.utter_message(response="utter_bud_noted", reading=" ; ".join(lines))

    async def _to_confirm(self, tracker: Tracker, updates: dict, verdict: dict, unsure: set) -> dict:
        """The readings to say back: the unsure ones, and all new ones when they would make the verdict negative."""
        new = {fact: value for fact, value in updates.items() if value is not None}
        facts = {fact: new[fact] for fact in unsure if fact in new}
        negative = False
        if verdict["verdict"] == "not_eligible" and new:
            before = await evaluate(tracker)
            if before["verdict"] != "not_eligible":
                negative = True
                candidates = [fact for fact in new if fact in SLOT and fact not in OPTIONAL_FACTS]
                decisive = [fact for fact in candidates
                            if (await evaluate(tracker, {**updates, fact: None}))["verdict"] != "not_eligible"]
                facts.update({fact: new[fact] for fact in (decisive or candidates)})
        if "turnover_outside_pct" in new and any(c.get("reason") == "reduced" for c in verdict.get("criteria") or []):
            # above the share allowed outside, the profit is exempt only in part: said back first, in the words of
            # work done outside (« 95 % hors zone » may have meant customers elsewhere, served from the premises)
            facts["turnover_outside_pct"] = new["turnover_outside_pct"]
        asked = tracker.get_slot("requested_slot")
        pending = {"facts": facts, "negative": negative} if facts else {}
        if pending and asked in FACT_OF_SLOT:
            pending["asked"] = FACT_OF_SLOT[asked]  # a new answer at the confirmation may answer it
        elif pending and asked == CONFIRM_SLOT and (tracker.get_slot(PENDING_SLOT) or {}).get("asked"):
            pending["asked"] = tracker.get_slot(PENDING_SLOT)["asked"]
        return pending

    async def _confirmation(self, text: str, tracker: Tracker, dispatcher: CollectingDispatcher,
                            unsure: set) -> tuple[Optional[dict], Optional[bool]]:
        """The answer to « c'est bien cela ? »: yes counts the readings, no drops them (the question comes again),
        anything else is a new answer to the first of them. (None, None): this confirmation is asked again."""
        pending = tracker.get_slot(PENDING_SLOT) or {}
        facts = dict(pending.get("facts") or {})
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reading = await _reading("yes_no", text)
        answer, certainty, rest = reading.get("value"), reading.get("certainty"), reading.get("rest") or ""
        rules = await client.form_rules("bud_form")
        if answer is None and facts and not re.search(r"\d", text) and says_any(text, rules.get("why_words") or []):
            # « pourquoi ? » to « … C'est bien cela ? »: why it is asked; the reading stays, and the question comes
            # again (it dropped the fonds bought, and asked the origin again as if nothing had been said)
            await self._say_why_confirm(facts, bool(pending.get("negative")), tracker, dispatcher)
            return None, None
        if answer is None and facts and opens_with(text, rules.get("hypothetical_openers") or []):
            # « et si je fais aussi de la vente ? » to « … une profession libérale. C'est bien cela ? »: another
            # situation; it was read as a commercial activity, and the check ended eligible
            dispatcher.utter_message(response="utter_bud_hypothetical")
            return None, None
        if intent == "affirm" and answer is None or answer is True and certainty == SURE:
            # « oui, et on fait 200 000 € de chiffre d'affaires »: the other facts count too
            others = await facts_in_message(rest, tracker, dispatcher, skip=None) if rest else {}
            other_values = {fact: value for fact, value in others.items()
                            if fact in facts and not same_value(fact, facts[fact], value)}
            if other_values and not (pending.get("negative") and all(
                    [(await evaluate(tracker, {**{f: None for f in facts}, fact: value}))["verdict"] == "not_eligible"
                     for fact, value in other_values.items()])):
                # « oui décembre 2017, mais le premier chantier c'était en janvier 2018 »: a yes and another value of
                # the very fact said back; neither counts, it is asked again. Unless both close the exemption (« oui,
                # c'est la même boîte qui a bougé » to a transfer said back: an extension too): the yes counts.
                dispatcher.utter_message(response="utter_bud_confirm_both")
                return None, None
            return {**{f: v for f, v in others.items() if f not in facts}, **facts}, True
        if answer is True and not rest and not pending.get("negative"):
            # « oui à peu près » to a figure said back because it was approximate: it is that approximation
            return facts, True
        if answer is True and not rest:
            # « oui je crois » to a reading that closes the exemption: a sure answer is asked for, not a guess
            dispatcher.utter_message(response="utter_bud_confirm_sure_needed")
            return None, None
        if intent == "deny" and answer is None or answer is False:
            restated = {}
            for fact, said in facts.items():  # « non, on est 5 »: the right value is the new answer
                value, new_certainty = await read_answer(fact, rest, tracker, dispatcher) if rest else (None, None)
                if value is not None and not same_value(fact, said, value):
                    if new_certainty == UNSURE:
                        unsure.add(fact)
                    # « non 25 en CDI, et une dizaine habitent dans la zone »: the facts not known yet count too
                    others = await facts_in_message(rest, tracker, dispatcher, skip=fact, unsure=unsure)
                    # « non j'ai rien repris » to « … à Denain ; agricole ; une reprise. C'est bien cela ? »: Denain and
                    # the activity were dropped and asked again; they are said back again, with the correction
                    uncontested = {f: v for f, v in facts.items() if f != fact and f not in others}
                    unsure.update(uncontested)
                    return {**uncontested,
                            **{f: v for f, v in others.items() if f in SLOT and tracker.get_slot(SLOT[f]) is None},
                            fact: value}, False
                if value is None and not rest and fact != "commune":  # « non pas du tout un rachat »: one clause
                    found = await _reading(fact, text)
                    value = found.get("value") if found.get("because") else None  # a bare « non » says no share
                if value is not None and same_value(fact, said, value):
                    restated[fact] = said
            if restated:  # « non, pas du tout un rachat » to « une création nouvelle, c'est bien cela ? »: it agrees
                return restated, True
            # « ben c'est quand même une création non ? » to a clientele bought said back: what counts is said first
            denied_takeover = facts.get("origin") not in (None, "new", "premises")
            dispatcher.utter_message(response="utter_bud_confirm_denied_origin" if denied_takeover
                                     else "utter_bud_confirm_denied")
            return {}, True
        if not facts:
            return {}, True
        stated = await facts_in_message(text, tracker, dispatcher, skip=None, unsure=unsure)
        if stated and not set(stated) & set(facts):
            # « 3 en CDI » to « … 250 000 €. C'est bien cela ? »: the person goes on with other facts and does not
            # contest the figure said back, which counts (it was said back the same, again and again, in a loop).
            # A reading that closes the exemption is asked again with them: it counts only once confirmed.
            if pending.get("negative"):
                unsure.update(facts)
            return {**stated, **facts}, False
        for fact in [*facts, pending.get("asked")]:  # a new answer: to a reading said back, or to the question before
            if fact in FACTS and fact != "commune":
                value, new_certainty = await read_answer(fact, text, tracker, dispatcher)
                if answer is True and fact in facts and value is not None and not same_value(fact, facts[fact], value):
                    # « oui mais nouveau nom, nouvelle société, c'est quand même une nouvelle boîte non ? » to « vous
                    # reprenez une activité, c'est bien cela ? »: a yes and its contrary; neither counts, it is asked again
                    dispatcher.utter_message(response="utter_bud_confirm_both")
                    return None, None
                if value is not None and await self._fits(tracker, fact, value):
                    if new_certainty == UNSURE:
                        unsure.add(fact)
                    others = await facts_in_message(text, tracker, dispatcher, skip=fact, unsure=unsure)
                    return {**others, fact: value}, False
        first = next(iter(facts))
        if first == "commune" and await _read_commune(tracker, dispatcher, speak=False) is None:
            # « 2022 » to « … installée à Lille. C'est bien cela ? »: no commune, no yes or no; the commune said back
            # was dropped and its question asked again, in a loop. That confirmation is asked again instead.
            dispatcher.utter_message(response="utter_bud_not_understood")
            return None, None
        said_before = len(dispatcher.messages)
        answered = await self._answer(text, first, tracker, dispatcher, unsure)
        if answered == {first: None} and any(m.get("response") in NOT_UNDERSTOOD
                                             for m in dispatcher.messages[said_before:]):
            # « tout est à moi » to « … 120 000 €. C'est bien cela ? »: nothing read; the reading said back was
            # dropped and the question asked again. The confirmation is asked again instead.
            return None, None
        return answered, False

    @staticmethod
    async def _say_why_confirm(facts: dict, negative: bool, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        """Why a reading is said back: it would close the exemption (with the condition it fails), or it was not
        read for sure."""
        if not negative:
            dispatcher.utter_message(response="utter_bud_confirm_why_unsure")
            return
        verdict = await evaluate(tracker, facts)
        failed = [c for c in verdict["criteria"] if c["status"] == "not_met"]
        explanation = _after_a_colon(" ".join(c["explanation"] for c in failed))
        dispatcher.utter_message(response="utter_bud_confirm_why_negative", explanation=explanation)

    @staticmethod
    async def _say_why(fact: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        """The condition the question about `fact` checks, in the service's words for the facts known so far."""
        verdict = await evaluate(tracker)
        criterion = next((c for c in verdict["criteria"] if c["id"] == CRITERION_OF_FACT.get(fact)), None)
        if criterion is None:
            dispatcher.utter_message(response="utter_bud_why_unknown")
        else:
            dispatcher.utter_message(response="utter_bud_why", condition=criterion["title"],
                                     explanation=_after_a_colon(criterion["explanation"]))

    @staticmethod
    async def _answers_anyway(fact: str, text: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> bool:
        """A message read as a question that still answers the one asked, when it asks nothing (no « ? »): « c'est
        nous les propriétaires » to the capital question (not the landlords of the cités), « aucune idée, faut que je
        demande à mon comptable » (not how to claim the exemption)."""
        if fact == "commune" or "?" in text:
            return False
        if (await _reading(fact, text)).get("unknown"):
            return True
        value, _ = await read_answer(fact, text, tracker, dispatcher)
        return value is not None

    @staticmethod
    async def _fits(tracker: Tracker, fact: str, value: Any) -> bool:
        """Whether the service takes this value beside the facts held (no more residents than employees)."""
        try:
            await evaluate(tracker, {fact: value})
        except Refused:
            return False
        return True

    async def _answer(self, text: str, fact: str, tracker: Tracker, dispatcher: CollectingDispatcher,
                      unsure: set, skipped: Optional[set] = None) -> Optional[dict]:
        """The facts an answer to the question about `fact` gives; None for a digression. A person who cannot tell
        (« je sais pas du tout ») passes the question: `fact` joins `skipped`, and the verdict says it is missing."""
        intent = tracker.latest_message.get("intent") or {}
        rules = await client.form_rules("bud_form")  # digressions and questions: dialogue rules of the service
        if intent.get("name") == "stop" and (intent.get("confidence") or 0) >= rules["min_confidence"]:
            return None  # « stop » at the month question: it stops (the year held was read as its answer)
        if says_any(text, rules.get("why_words") or []) and not re.search(r"\d", text):
            # « pourquoi vous demandez ça ? » (no figure: not an answer with its reason): the condition it checks
            await self._say_why(fact, tracker, dispatcher)
            return {fact: None}
        if opens_with(text, rules.get("hypothetical_openers") or []):
            # « et si j'embauche 3 personnes, ça change quoi ? »: another situation, not this one's answer (it was
            # taken for 3 employees)
            dispatcher.utter_message(response="utter_bud_hypothetical")
            return {fact: None}
        digression = (intent.get("name") in rules["digression_intents"]
                      and (intent.get("confidence") or 0) >= rules["min_confidence"]
                      and not await self._answers_anyway(fact, text, tracker, dispatcher))
        if digression and intent.get("name") in rules["question_intents"] and not (fact == "commune" and intent["name"] == "ask_bud_commune"):
            return None  # « et Cambrai, c'est en zone BUD ? » asks about Cambrai: it does not move the company
        if fact != "commune" and (await _reading(fact, text)).get("asks_meaning"):
            # « c'est quoi une activité libérale ? » asks, it does not answer « libérale »: no sourced definition to
            # give, the question comes again
            dispatcher.utter_message(response="utter_bud_meaning_unknown")
            return {fact: None}
        others = await facts_in_message(text, tracker, dispatcher, skip=fact, unsure=unsure)
        if fact == "capital_held_by_companies_pct" and "employees" in others:
            if (await read_answer(fact, text, tracker, dispatcher))[0] is not None:
                # « zéro, c'est mon EURL à moi toute seule » answers the capital: « seule » is the owner, not the
                # staff (« ah en fait nous sommes 4 » answers nothing of the capital: a head count corrected)
                others.pop("employees")
        if any(not same_value(f, tracker.get_slot(SLOT[f]), v) for f, v in others.items()
               if tracker.get_slot(SLOT[f]) is not None):
            return others  # « non, c'était en mars 2023 » corrects a fact: its numbers do not answer the question
        value, certainty = await read_answer(fact, text, tracker, dispatcher)
        if value is not None:
            if certainty == UNSURE:
                unsure.add(fact)
            return {**others, fact: value}
        if others:
            return others
        if digression and not (fact == "commune" and dispatcher.messages):
            return None  # (« marles c'est en zone bud ? » to the commune question: the reader has asked which Marles)
        if fact == "commune":  # the commune reader already said what was wrong; without it nothing can be told
            return {fact: None}
        year = tracker.get_slot(YEAR_SLOT) if fact == "creation_date" else None
        if year and (await _reading(fact, text)).get("unknown"):  # the month is not known: the year still counts
            dispatcher.utter_message(response="utter_bud_month_unknown", year=year)
            return {fact: str(year)}
        if skipped is not None and (await _reading(fact, text)).get("unknown"):
            dispatcher.utter_message(response="utter_bud_skip_question")
            skipped.add(fact)
        elif said_this_turn(tracker, "utter_bud_not_understood", turns_back=1):
            dispatcher.utter_message(response="utter_bud_not_understood_again")  # how to go on: pass, or a person
        else:
            dispatcher.utter_message(response="utter_bud_not_understood")
        return {fact: None}


def _after_a_colon(sentence: str) -> str:
    """A sentence of the service said after « : », which goes on in lower case (not « PME »)."""
    return sentence[:1].lower() + sentence[1:] if sentence[1:2].islower() else sentence


class ActionAskBudConfirm(Action):
    """Says the readings back in plain words (from the service) and asks whether they are right."""

    def name(self) -> str:
        return f"action_ask_{CONFIRM_SLOT}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        pending = tracker.get_slot(PENDING_SLOT) or {}
        facts = pending.get("facts") or {}
        try:
            lines = (await client.post("/bud/restate", {"facts": facts}))["lines"] if facts else []
        except ServiceUnavailable:
            if not said_this_turn(tracker, "utter_service_unavailable"):
                dispatcher.utter_message(response="utter_service_unavailable")
            return []
        # « 300 salariés ; votre activité est industrielle »: one of them closes the access, not each (it read so)
        negative = "utter_bud_confirm_negative_among" if len(lines) > 1 else "utter_bud_confirm_negative"
        response = "utter_bud_confirm_again" if pending.get("again") else \
            negative if pending.get("negative") else "utter_bud_confirm"
        dispatcher.utter_message(response=response, reading=" ; ".join(lines))
        return [SlotSet("requested_slot", CONFIRM_SLOT)]


async def _commune_said_before(text: str, tracker: Tracker) -> Optional[str]:
    """The INSEE code of the commune the conversation spoke of (the `commune` slot of a BUD zone question), when the
    message points back to it (« là-bas », « dans cette commune »: the dialogue rules' `there_words`); else None."""
    named = tracker.get_slot("commune")
    if not named:
        return None
    try:
        if not says_any(text, (await client.form_rules("bud_form")).get("there_words") or []):
            return None
        found = await client.resolve_commune(named)
    except ServiceUnavailable:
        return None
    return found["communes"][0]["insee"] if found.get("status") == "found" else None


def resumed_by_an_action(tracker: Tracker) -> bool:
    """Whether the form was started again by an action (FollowupAction), not by the person's message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "followup" and event.get("name") == FORM:
            return True
    return False


def said_this_turn(tracker: Tracker, response: str, turns_back: int = 0) -> bool:
    """Whether the bot has given this response since the person's last message (`turns_back` 1: in answer to the
    message before it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if turns_back == 0:
                return False
            turns_back -= 1
        elif (turns_back == 0 and event.get("event") == "bot"
              and (event.get("metadata") or {}).get("utter_action") == response):
            return True
    return False


class AskNextBudQuestion(Action, ABC):
    """Asks the fact the service needs next (the form's domain order cannot know which facts matter)."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot Rasa asked for; the question actually asked may be another one."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if (tracker.get_slot(PENDING_SLOT) or {}).get("facts"):
            # a digression answered at « … C'est bien cela ? » (« c'est quoi le souci ? » got a programme answer):
            # the readings said back are still to confirm, not forgotten for the question before them (the takeover
            # said back was dropped, and the check ended eligible)
            return await ActionAskBudConfirm().run(dispatcher, tracker, {})  # it reads no domain
        try:
            slot = next_question(still_missing(await evaluate(tracker), tracker.get_slot(YEAR_SLOT)), FACTS, SLOT_PREFIX,
                                 skipped_of(tracker)) or self.slot
        except ServiceUnavailable:
            if not said_this_turn(tracker, "utter_service_unavailable"):
                dispatcher.utter_message(response="utter_service_unavailable")
            slot = tracker.get_slot("requested_slot")
            if slot in FACT_OF_SLOT and slot != SLOT["commune"]:
                dispatcher.utter_message(response=f"utter_ask_{slot}")  # the question stays: answer it again
            return []
        year = tracker.get_slot(YEAR_SLOT)
        if slot == SLOT["commune"]:  # « Vouliez-vous dire Harnes ? » after a close spelling (actions/places.py)
            try:
                return await ask_commune_or_guess(dispatcher, tracker, client, "utter_ask_bud_commune", "bud") + [
                    SlotSet("requested_slot", slot)]
            except ServiceUnavailable:
                dispatcher.utter_message(response="utter_service_unavailable")
                return []
        if slot == SLOT["creation_date"] and year:
            dispatcher.utter_message(response="utter_ask_bud_creation_month", year=year)
        else:
            dispatcher.utter_message(response=f"utter_ask_{slot}")
        return [SlotSet("requested_slot", slot)]


# Rasa looks the ask actions up by name (action_ask_<slot>): one concrete class per fact slot.
ASK_ACTIONS = [type(f"Ask_{slot}", (AskNextBudQuestion,), {"slot": slot}) for slot in SLOT.values()]


class ActionBudWhy(Action):
    """« pourquoi ? » just after a verdict: the criteria that decided it, said again alone (the ones not met, or the
    ones not known yet), and how to correct an answer or reach a person."""

    def name(self) -> str:
        return "action_bud_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            verdict = await evaluate(tracker)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        deciding = {"not_eligible": "not_met", "unknown": "unknown", "eligible": "met"}[verdict["verdict"]]
        lines = [f"{STATUS_MARK[c['status']]} {c['title']} : {c['explanation']}"
                 for c in verdict["criteria"] if c["status"] == deciding]
        dispatcher.utter_message(response=f"utter_bud_verdict_why_{verdict['verdict']}", criteria="\n".join(lines))
        # reached as the follow-up of action_not_understood, the bot listens next (Rasa's fallback said « je n'ai
        # pas compris » after it)
        return [FollowupAction("action_listen")]


class ActionBudVerdict(Action):
    """Gives the verdict criterion by criterion, the calendar, the ceilings and the disclaimer."""

    def name(self) -> str:
        return "action_bud_verdict"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        # after the person's message (the rule for « inform », or a question or a misunderstanding that stated facts),
        # not at the end of the check
        after_a_message = tracker.latest_action_name != FORM
        if not after_a_message and any(said_this_turn(tracker, response) for response in (
                "utter_bud_other_scheme", "utter_bud_not_a_company", "utter_service_unavailable")):
            return []  # the check did not start (« cumuler le BUD avec la ZFU ? », the service away): no verdict
        try:
            text = tracker.latest_message.get("text") or ""
            said = await facts_in_message(text, tracker, dispatcher, skip=None) if after_a_message else {}
            refined = {fact: value for fact, value in said.items() if fact in OPTIONAL_FACTS}
            if any(fact not in OPTIONAL_FACTS and value != tracker.get_slot(SLOT[fact]) for fact, value in said.items()):
                # « en fait aucun de mes salariés n'habite en zone BUD »: a fact of the check corrected after its
                # verdict goes through the check again (said back if it decides a no), then the verdict
                return [FollowupAction(FORM)]
            if after_a_message and not refined:
                # Nothing refines a verdict (« paris » after « Lens est en zone BUD ? », where no check was made): a
                # verdict with every criterion unknown helps no one; Rasa's fallback (a close spelling of a commune
                # asked back, else « je n'ai pas compris », and the message taken back).
                return [FollowupAction("action_default_fallback")]
            verdict = await evaluate(tracker, refined)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        events = [SlotSet(SLOT[fact], value) for fact, value in refined.items()]
        dispatcher.utter_message(response=f"utter_bud_verdict_{verdict['verdict']}", summary=verdict["summary"])
        lines = [
            f"{STATUS_MARK[c['status']]} {c['title']} : {c['explanation']}"
            for c in verdict["criteria"]
            if c["status"] != "not_applicable" or verdict["verdict"] != "eligible"
        ]
        dispatcher.utter_message(response="utter_bud_criteria", criteria="\n".join(lines))
        calendar = verdict.get("calendar")
        if calendar and verdict["verdict"] != "not_eligible":
            steps = [period["text"] for period in calendar["profit"]]
            if calendar.get("planned_text"):
                steps.insert(0, calendar["planned_text"])
            if calendar.get("profit_now_text"):  # « Aujourd'hui, … exonéré à 75 % », or the exemption is over
                steps.append(calendar["profit_now_text"])
            dispatcher.utter_message(  # not concluded yet: the calendar is what it would be, not a promise
                response="utter_bud_calendar" if verdict["verdict"] == "eligible" else "utter_bud_calendar_if_eligible",
                profit="\n".join(steps),
                local_taxes=calendar.get("local_taxes_text") or "",
            )
        elif verdict["verdict"] != "not_eligible" and len(str(tracker.get_slot(SLOT["creation_date"]) or "")) == 4:
            dispatcher.utter_message(response="utter_bud_calendar_needs_month")  # a year alone sets no calendar
        if verdict.get("de_minimis") and verdict["verdict"] != "not_eligible":
            dispatcher.utter_message(text=verdict["de_minimis"]["text"])
        estimate = verdict.get("estimate") or {}
        if estimate.get("text") and estimate.get("status") != "needs_profit":  # the hint below says it, with an example
            dispatcher.utter_message(text=estimate["text"])
        over = bool(calendar and calendar.get("profit_over"))  # no profit exemption left to estimate
        if estimate.get("status") in ("needs_profit", "tax_regime_unknown") and not over:
            dispatcher.utter_message(response="utter_bud_estimate_hint")
        dispatcher.utter_message(response="utter_bud_disclaimer", disclaimer=verdict["disclaimer"]["text"])
        if verdict["verdict"] == "unknown":  # cannot tell yet, or a case the rules do not cover: offer a person
            dispatcher.utter_message(response="utter_handoff_suggest")
        return events + [SlotSet("topic", "bud"), SlotSet("bud_verdict", verdict["verdict"])]


# Which condition of the service's verdict each question checks (assistant/bud/criteria.py)
CRITERION_OF_FACT = {
    "commune": "location", "creation_date": "creation_window", "activity": "activity", "origin": "real_creation",
    "employees": "sme_size", "turnover_eur": "sme_size", "balance_sheet_eur": "sme_size",
    "capital_held_by_companies_pct": "capital", "eligible_employees": "hiring_clause",
    "resident_employees": "hiring_clause", "turnover_outside_pct": "non_sedentary",
}
NOT_UNDERSTOOD = ("utter_bud_not_understood", "utter_bud_not_understood_again")
STATUS_MARK = {"met": "✔", "not_met": "✘", "unknown": "?", "not_applicable": "–"}
