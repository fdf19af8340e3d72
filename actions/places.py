"""Which place the user means: entities of the last message, then the sentence itself, then the last place.

A close spelling (« harne », « et liévn ? ») is a guess: status `guess`, never `found`. Nothing is answered for it
until the person says yes to « Vouliez-vous dire Harnes ? »: outside a form, `guess_events` sets `place_guess` and
runs `action_place_guess` (the question), whose yes or no the rules give to `action_place_guess_reply`
(actions/place_guess.py); in a form, the form's question for the commune asks it (`ask_commune_or_guess`) and the
form's validation reads the yes or no (`guess_confirmed`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.programme_client import ProgrammeClient, ServiceUnavailable

GUESS_SLOT = "place_guess"  # {"insee", "nom", "topic"}: the commune asked back, and what the question was about
BASIN_TOPIC = "bassin"  # the `topic` after a commune's membership of the basin: « et Liévin ? » asks it again
ASK_GUESS_ACTION = "action_place_guess"
YES, NO = "affirm", "deny"


def typed_text(tracker: Tracker) -> str:
    """The last message as the person typed it; "" for an empty one or a button's payload (« /inform_place{…} »)."""
    text = tracker.latest_message.get("text") or ""
    return text if text.strip() and not text.startswith("/") else ""


def _entity_values(tracker: Tracker, entity: str) -> list[str]:
    values = []
    for value in tracker.get_latest_entity_values(entity):
        if isinstance(value, str) and value.strip() and value not in values:
            values.append(value.strip())
    return values


async def resolve_place(tracker: Tracker, client: ProgrammeClient, remember: bool = True) -> Optional[dict]:
    """The service's resolution of the place the user names, or None when no place is named at all.

    With `remember`, a message that names no place falls back to the last place of the conversation.

    Raises ServiceUnavailable when the programme-data service cannot answer.
    """
    text = typed_text(tracker)
    # Longest names first: « st amand les eaux » before the « st amand » inside it (Saint-Amand is another commune).
    communes = _entity_values(tracker, "commune")
    if text and len(communes) > 1:
        communes = _not_set_aside(tracker, text, await client.form_rules("places"))
    queries = _entity_values(tracker, "postal_code") + sorted(communes, key=len, reverse=True)
    best = None
    for query in queries:
        resolution = await client.resolve_commune(query)
        if resolution["status"] != "not_found":
            if text and resolution["status"] == "ambiguous" and resolution.get("match") == "postal_code":
                in_text = await client.communes_in_text(text)  # « wallers 59135 »: the name picks among them
                if in_text["status"] == "found":
                    return _as_guess(in_text)
            if text and resolution.get("match") == "exact":
                # The NLU saw Lens or Saint-Amand; the sentence names, or misspells, a longer name that holds it
                # (« noyelle sous lens », « st amand les eaux »): the sentence's commune, asked back if misspelt.
                in_text = await client.communes_in_text(text)
                named, seen = in_text["communes"], resolution["communes"]
                if in_text["status"] == "found" and (
                        resolution["status"] == "ambiguous"
                        or named[0]["insee"] != seen[0]["insee"] and len(named[0]["nom"]) > len(seen[0]["nom"])):
                    return _as_guess(in_text)
            return _as_guess(resolution)
        best = best or resolution
    if text:
        in_text = await client.communes_in_text(text)
        if in_text["status"] != "not_found":
            return _as_guess(in_text)
        if in_text.get("match") == "not_commune" and best is None:
            return in_text  # « et tout le Pas-de-Calais ? »: a department, not the commune of an earlier question
        # Before the place of an earlier question: « et liévn ? » after Lens is not about Lens.
        guessed = await client.guess_commune(text)
        if guessed["status"] == "found":
            return _as_guess(guessed)
    if best is not None:
        return best
    remembered = last_place_said(tracker) if remember else None
    if remembered:
        return _as_guess(await client.resolve_commune(remembered))  # « harne » remembered is still a guess
    return None


def _not_set_aside(tracker: Tracker, text: str, rules: dict) -> list[str]:
    """The communes of the message but those it sets aside: one just after a denial (« non pas celle de Bruay, Lens »)
    and those before a correction (« Denain non pardon à Douai »). All of them when that would leave none."""
    named = sorted((e["start"], e["end"], str(e["value"]).strip()) for e in tracker.latest_message.get("entities") or []
                   if e.get("entity") == "commune" and isinstance(e.get("start"), int) and str(e.get("value") or "").strip())
    if len(named) < 2:
        return _entity_values(tracker, "commune")
    folded = "".join(unicodedata.normalize("NFKD", c)[:1].lower() for c in text)  # no accents, the same offsets

    def ends_with(before: str, words: list[str]) -> bool:
        return any(re.search(rf"(?:^|\W){re.escape(w)}\W*$", before) for w in words)

    def says(between: str, words: list[str]) -> bool:
        return any(re.search(rf"(?:^|\W){re.escape(w)}(?:\W|$)", between) for w in words)

    denied = {i for i, (start, _, _) in enumerate(named) if ends_with(folded[:start], rules.get("denying_words") or [])}
    kept = [(start, value) for i, (start, _, value) in enumerate(named) if i not in denied]
    # « Lens et non Liévin »: the « non » denies Liévin, it does not correct Lens
    corrected = [i for i in range(1, len(named)) if i not in denied
                 and says(folded[named[i - 1][1]:named[i][0]], rules.get("correction_words") or [])]
    if corrected:
        after = named[corrected[-1]][0]
        kept = [(start, value) for start, value in kept if start >= after]
    values = []
    for _, value in kept:
        if value not in values:
            values.append(value)
    return values or _entity_values(tracker, "commune")


def _as_guess(resolution: dict) -> dict:
    """A close spelling the service accepted (match `fuzzy`) or guessed is only a guess here."""
    if resolution["status"] == "found" and resolution.get("match") in ("fuzzy", "guess"):
        return {**resolution, "status": "guess"}
    return resolution


def guess_of(resolution: Optional[dict], topic: str) -> Optional[dict]:
    """The value of `place_guess` for a resolution that is a guess, else None."""
    if not resolution or resolution["status"] != "guess":
        return None
    commune = resolution["communes"][0]
    return {"insee": commune["insee"], "nom": commune["nom"], "topic": topic}


def guess_events(resolution: dict, topic: str) -> list[EventType]:
    """Outside a form: ask « Vouliez-vous dire … ? » (action_place_guess) about a guessed commune."""
    return [SlotSet("topic", topic), SlotSet(GUESS_SLOT, guess_of(resolution, topic)), FollowupAction(ASK_GUESS_ACTION)]


async def guess_in_message(tracker: Tracker, client: ProgrammeClient) -> list[EventType]:
    """A message not understood that holds a close spelling of one commune of the basin (« et liévn ? »): the
    events that ask « Vouliez-vous dire Liévin ? » about the conversation's topic (cités, else the BUD zone)."""
    text = typed_text(tracker)
    if not text:
        return []
    try:
        found = await client.guess_commune(text)
    except ServiceUnavailable:
        return []  # the usual « je n'ai pas compris »
    if found["status"] != "found":
        return []
    topic = tracker.get_slot("topic") if tracker.get_slot("topic") in ("cites", BASIN_TOPIC) else "bud"
    return guess_events({**found, "status": "guess"}, topic)


def say_guess(dispatcher: CollectingDispatcher, guess: dict) -> None:
    dispatcher.utter_message(response="utter_place_guess", commune=guess["nom"])


async def ask_commune_or_guess(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: ProgrammeClient, question: str, topic: str
) -> list[EventType]:
    """A form's question for the commune: nothing more when the bot has just offered a choice of communes
    (« Plusieurs communes correspondent à « henin » »); that choice when the message names several (« je cherche du
    boulot vers henin »); « Vouliez-vous dire … ? » when it holds a close spelling of one commune (the form did not
    take it); else the form's own `question`."""
    this_turn = since_the_person_spoke(tracker)
    if _offered_a_choice(this_turn, (tracker.active_loop or {}).get("name")):
        return [SlotSet(GUESS_SLOT, None)]
    text = typed_text(tracker)
    if text and any(e.get("event") == "active_loop" and e.get("name") for e in this_turn):
        named = await client.communes_in_text(text)  # the message that started the form names several
        if named["status"] == "ambiguous":  # « henin », « j'habite au 62300 » (Lens, Éleu-dit-Leauwette)
            if named["match"] == "postal_code":
                ask_which_of_postal_code(dispatcher, named)
            else:
                say_resolution_problem(dispatcher, named)
            return [SlotSet(GUESS_SLOT, None)]
    guess = guess_of(_as_guess(await client.guess_commune(text)), topic) if text else None
    if guess:
        say_guess(dispatcher, guess)
    else:
        dispatcher.utter_message(response=question)
    return [SlotSet(GUESS_SLOT, guess)]


CHOICE_RESPONSES = ("utter_commune_ambiguous", "utter_communes_named", "utter_postal_code_several",
                    "utter_postal_code_many", "utter_commune_suggestions")
POSTAL_CODE_CHOICES = 8  # beyond, the name of the commune is asked (62130 covers 33 communes)


def ask_which_of_postal_code(dispatcher: CollectingDispatcher, resolution: dict) -> None:
    """« 59268 » at a form's commune question covers several communes: a button for each, or its name asked."""
    communes = resolution["communes"]
    if len(communes) <= POSTAL_CODE_CHOICES:
        dispatcher.utter_message(response="utter_postal_code_several", postal_code=resolution["query"],
                                 buttons=[_place_button(c["nom"]) for c in communes])
    else:
        dispatcher.utter_message(response="utter_postal_code_many", postal_code=resolution["query"], count=len(communes))
QUOTED_WORDS = 4  # a longer query is a sentence that names several communes: not quoted back


def last_place_said(tracker: Tracker) -> Optional[str]:
    """The place the conversation spoke of last: the `commune` or the `postal_code` slot, whichever was set last
    (« 59220 » typed after a question that named Lens: a button « Est-elle en zone BUD ? » asks it of 59220)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") in ("commune", "postal_code") and event.get("value"):
            return str(event["value"])
    return tracker.get_slot("commune")


def since_the_person_spoke(tracker: Tracker) -> list[dict]:
    """The events after the person's last message (in a form, the form's own events so far)."""
    events = list(tracker.events)
    last = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return events[last + 1:]


def _offered_a_choice(events: list[dict], form: Optional[str]) -> bool:
    """Whether the form's answer reader, this turn, offered communes to choose from (« Plusieurs communes
    correspondent à « henin » »): asking « Dans quelle commune … ? » after it says it twice. A choice another action
    offered (a question about a commune in the middle of the form) is its own question: the form's comes after it."""
    for event in events:
        if event.get("event") == "action" and event.get("name") not in ("action_listen", form):
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in CHOICE_RESPONSES:
            return True
    return False


def guess_answer(tracker: Tracker) -> Optional[bool]:
    """The person's yes (True) or no (False) to the commune guessed in the bot's question, None otherwise."""
    if not tracker.get_slot(GUESS_SLOT):
        return None
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return True if intent == YES else False if intent == NO else None


def guess_confirmed(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[dict]:
    """In a form that asked « Vouliez-vous dire … ? »: the guessed commune ({insee, nom}) on yes; on no, says
    so and gives None (the form asks its question again), as it does for any other answer."""
    answer = guess_answer(tracker)
    guess = tracker.get_slot(GUESS_SLOT)
    if answer is True:
        return guess
    if answer is False:
        dispatcher.utter_message(response="utter_place_guess_denied_in_form", commune=guess["nom"])
    return None


def say_resolution_problem(dispatcher: CollectingDispatcher, resolution: dict, question: str = "inform_place") -> bool:
    """Tell the user when the place is ambiguous or unknown. Returns True when it did (nothing more to say).

    The buttons of a choice ask `question` again for the commune chosen: a question's own intent (« marles c'est en
    zone bud ? » → ask_bud_commune), so that a click in the middle of a form is that question again, never the
    form's answer (the company's commune); `inform_place`, a bare place, for the form's own commune question.
    A guess is not an answer either, but it is asked by the caller (`guess_events`, a form's question): True."""
    query = resolution["query"]
    if resolution["status"] == "guess":
        return True
    if resolution["status"] == "ambiguous" and resolution["match"] != "postal_code":
        names = [c["nom"] for c in resolution["communes"]]
        # A homonym, or a name that begins another offered (« Loos », « Loos-en-Gohelle »), carries its
        # department: the button then names one commune.
        homonyms = {name for name in names if names.count(name) > 1
                    or any(other.lower().startswith(name.lower() + "-") for other in names)}
        dispatcher.utter_message(
            response="utter_commune_ambiguous" if len(query.split()) <= QUOTED_WORDS else "utter_communes_named",
            query=query,
            buttons=[
                _place_button(f"{c['nom']} ({c['departement']})" if c["nom"] in homonyms else c["nom"], question)
                for c in resolution["communes"]
            ],
        )
        return True
    if resolution["status"] == "not_found":
        if resolution["match"] == "not_commune":
            dispatcher.utter_message(response="utter_not_a_commune", query=query)
        elif resolution["match"] == "postal_code":
            dispatcher.utter_message(response="utter_postal_code_not_found", postal_code=query)
        elif resolution["suggestions"]:
            names = resolution["suggestions"][:5]
            dispatcher.utter_message(
                response="utter_commune_suggestions",
                query=query,
                suggestions=" ; ".join(names),
                buttons=[_place_button(name, question) for name in names],
            )
        else:
            dispatcher.utter_message(response="utter_commune_not_found", query=query)
        return True
    return False


def _place_button(name: str, question: str = "inform_place") -> dict[str, Any]:
    return {"title": name, "payload": '/%s{"commune": "%s"}' % (question, name.replace('"', ""))}
