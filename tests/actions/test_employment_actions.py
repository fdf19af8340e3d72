"""Employment support actions (actions/employment.py) against the real programme-data service.

The trackers are built by hand as Rasa sends them to the action server; the dispatched responses and their
variables are what the resident reads (through the domain). A conversation is replayed by applying each action's
events to the tracker, as Rasa does, to check which questions the form asks and what the orientation says.
"""
from __future__ import annotations

import asyncio
import re
from typing import Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.employment import (
    ActionAskEmploymentCommune,
    FORM_SLOTS,
    ActionEmploymentOrientation,
    ActionEmploymentStart,
    ValidateEmploymentForm,
    slot_for,
)
from actions.programme_client import ProgrammeClient

ALL_SLOTS = {slot: None for slot in FORM_SLOTS + ("emploi_commune_insee", "emploi_skipped", "emploi_routes_said")}


def tracker(
    text: str,
    intent: str = "ask_employment_help",
    confidence: float = 0.95,
    entities: Optional[list[tuple[str, str]]] = None,
    slots: Optional[dict] = None,
    requested: Optional[str] = None,
    after_bot: bool = False,
) -> Tracker:
    """A tracker whose last user message is `text`; `after_bot` when a rule answered it since (a digression)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": e, "value": v} for e, v in (entities or [])],
    }
    events = [{"event": "user", "text": text, "parse_data": latest}]
    if after_bot:
        events += [{"event": "action", "name": "utter_bot_challenge"}, {"event": "bot", "text": "…"}]
    return Tracker(
        sender_id="test-resident",
        slots={"commune": None, "postal_code": None, "topic": None, **ALL_SLOTS, "requested_slot": requested,
               **(slots or {})},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "emploi_form"} if requested else {},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def responses(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages]


def slot_sets(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def programme(programme_url) -> ProgrammeClient:
    return ProgrammeClient(programme_url)


@pytest.fixture
def down(closed_port_url) -> ProgrammeClient:
    return ProgrammeClient(closed_port_url)


def orientation_of(programme: ProgrammeClient, profile: dict) -> dict:
    return asyncio.run(programme.post("/employment/orientation", profile))


# Facts given up front ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("j'ai 24 ans et aucun diplome, j'habite a Avion", [("commune", "Avion")],
         {"emploi_age": 24, "emploi_commune": "Avion", "emploi_commune_insee": "62065"}),
        ("je touche le RSA a Avion", [], {"emploi_rsa": True, "emploi_commune": "Avion"}),
        ("je suis sans emploi depuis longtemps", [], {"emploi_long_term_unemployed": True}),
        ("je veux changer de metier", [], {"emploi_wants_career_change": True}),
        ("je cherche une formation", [], {"emploi_wants_training": True}),
        ("je suis au chomage et je veux creer ma boite", [], {"emploi_wants_business_creation": True}),
        ("g 19 ans, pas inscrit a pole emploi, j'ai une rqth", [],
         {"emploi_age": 19, "emploi_registered_job_seeker": False, "emploi_disability_recognised": True}),
        ("au chomage depuis 3 ans a denain", [],
         {"emploi_long_term_unemployed": True, "emploi_commune": "Denain"}),
    ],
)
def test_the_start_action_keeps_every_fact_the_opening_message_gives(programme, text, entities, expected):
    messages, events = run(ActionEmploymentStart(programme), tracker(text, entities=entities))
    assert responses(messages)[0] == "utter_emploi_start"
    found = slot_sets(events)
    assert found["topic"] == "emploi"
    assert {k: found.get(k) for k in expected} == expected
    # « depuis 3 ans » is not an age, and nothing is guessed
    assert set(k for k, v in found.items() if v is not None) - set(expected) <= {"topic", "commune", "emploi_commune_insee", "emploi_routes_said"}


def test_the_start_action_forgets_the_previous_profile_and_the_place_of_a_bud_question(programme):
    old = {"emploi_age": 40, "emploi_rsa": True, "emploi_commune": "Lens", "commune": "Lens"}
    _, events = run(ActionEmploymentStart(programme), tracker("je cherche du travail", slots=old))
    found = slot_sets(events)
    assert found["emploi_age"] is None and found["emploi_rsa"] is None and found["emploi_commune"] is None
    assert "emploi_commune" not in {k for k, v in found.items() if v is not None}


# The form asks what the service still needs -----------------------------------------------------------------------


def test_required_slots_follow_the_services_missing_list(programme):
    slots = {"emploi_age": 24, "emploi_commune": "Avion", "emploi_commune_insee": "62065"}
    required = asyncio.run(ValidateEmploymentForm(programme).required_slots(
        list(FORM_SLOTS), CollectingDispatcher(), tracker("", slots=slots), {}))
    missing = orientation_of(programme, {"age": 24, "commune_insee": "62065"})["missing"]
    assert required == [slot_for(fact) for fact in missing]
    assert "emploi_rsa" not in required  # no PLIE for Lens-Liévin in the data: the RSA changes nothing there


def test_an_answer_that_makes_a_question_useless_skips_it(programme):
    # At Denain, the RSA leads to the PLIE; once it is known, long-term unemployment changes nothing more.
    slots = {"emploi_age": 41, "emploi_commune": "Denain", "emploi_commune_insee": "59172",
             "emploi_registered_job_seeker": True}
    _, events = run(ValidateEmploymentForm(programme),
                    tracker("oui je le touche", intent="affirm", slots=slots, requested="emploi_rsa"))
    assert slot_sets(events)["emploi_rsa"] is True
    assert slot_sets(events)["requested_slot"] == "emploi_disability_recognised"


def test_the_first_question_is_the_commune_when_nothing_is_known(programme):
    _, events = run(ValidateEmploymentForm(programme), tracker("je cherche du travail"))
    assert slot_sets(events) == {"requested_slot": "emploi_commune"}


@pytest.mark.parametrize(
    "requested, text, intent, expected",
    [
        ("emploi_age", "24", "nlu_fallback", 24),
        ("emploi_age", "j'ai vingt deux ans", "nlu_fallback", 22),
        ("emploi_registered_job_seeker", "nan", "deny", False),
        ("emploi_registered_job_seeker", "/affirm", "affirm", True),
        ("emploi_rsa", "oui je touche le RSA", "affirm", True),
        ("emploi_disability_recognised", "non j'en ai pas", "deny", False),
        ("emploi_commune", "62800", "inform_place", "Liévin"),
        ("emploi_commune", "j'habite a henin beaumont", "inform_place", "Hénin-Beaumont"),
    ],
)
def test_free_text_answers_are_read(programme, requested, text, intent, expected):
    _, events = run(ValidateEmploymentForm(programme), tracker(text, intent=intent, requested=requested))
    assert slot_sets(events)[requested] == expected


def test_an_unreadable_answer_is_said_not_understood_and_asked_again(programme):
    slots = {"emploi_commune": "Liévin", "emploi_commune_insee": "62510"}
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("bof", intent="nlu_fallback", confidence=0.3, slots=slots, requested="emploi_age"))
    assert responses(messages) == ["utter_emploi_not_understood_age"]
    assert slot_sets(events) == {"emploi_age": None, "requested_slot": "emploi_age"}


def test_an_unreadable_yes_no_answer_is_said_not_understood(programme):
    slots = {"emploi_commune": "Liévin", "emploi_commune_insee": "62510", "emploi_age": 30}
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("euh", intent="nlu_fallback", confidence=0.3, slots=slots,
                                   requested="emploi_registered_job_seeker"))
    assert responses(messages) == ["utter_emploi_not_understood_yes_no"]
    assert slot_sets(events)["requested_slot"] == "emploi_registered_job_seeker"


def test_a_commune_corrected_at_another_question_is_said_back_and_its_no_is_not_an_answer(programme):
    slots = {"emploi_commune": "Douai", "emploi_commune_insee": "59178", "emploi_age": 40,
             "emploi_routes_said": ["France Travail"]}
    t = tracker("non pardon je me suis trompée, j'habite à Sin-le-Noble", intent="inform_place",
                entities=[("commune", "Sin-le-Noble")], slots=slots, requested="emploi_registered_job_seeker")
    messages, events = run(ValidateEmploymentForm(programme), t)
    assert [(m["response"], m.get("commune")) for m in messages] == [("utter_emploi_commune_changed", "Sin-le-Noble")]
    taken = slot_sets(events)
    assert taken["emploi_commune_insee"] == "59569" and taken["emploi_routes_said"] is None  # all said again at the end
    assert taken["emploi_registered_job_seeker"] is None  # « non pardon » took back the commune, answered nothing
    assert taken["requested_slot"] == "emploi_registered_job_seeker"


def test_a_misspelt_commune_is_not_taken_but_asked_back(programme):
    """A close spelling is never taken as the person's commune: the form's question asks « Vouliez-vous dire … ? »."""
    t = tracker("lievinn", intent="inform_place", entities=[("commune", "lievinn")], requested="emploi_commune")
    messages, events = run(ValidateEmploymentForm(programme), t)
    assert messages == []
    assert slot_sets(events)["emploi_commune"] is None
    assert slot_sets(events)["requested_slot"] == "emploi_commune"
    messages, events = run(ActionAskEmploymentCommune(programme), t)
    assert [(m["response"], m["commune"]) for m in messages] == [("utter_place_guess", "Liévin")]
    assert slot_sets(events)["place_guess"]["nom"] == "Liévin"


def test_a_short_misspelt_commune_without_entity_is_asked_back(programme):
    t = tracker("wingle", intent="nlu_fallback", confidence=0.3, requested="emploi_commune")
    messages, _ = run(ActionAskEmploymentCommune(programme), t)
    assert [(m["response"], m.get("commune")) for m in messages] == [("utter_place_guess", "Wingles")]


def _as_rasa_logs(t: Tracker, messages: list[dict], form: str = "emploi_form") -> None:
    """What the form's question sees in this turn: the form action, then the validation's messages."""
    t.events.append({"event": "action", "name": form})
    t.events.extend({"event": "bot", "text": "…", "metadata": {"utter_action": m["response"]}} for m in messages)


def test_the_choice_between_two_communes_is_not_followed_by_the_question_again(programme):
    t = tracker("henin", intent="inform_place", requested="emploi_commune")
    messages, events = run(ValidateEmploymentForm(programme), t)
    assert responses(messages) == ["utter_commune_ambiguous"] and slot_sets(events)["requested_slot"] == "emploi_commune"
    _as_rasa_logs(t, messages)
    assert run(ActionAskEmploymentCommune(programme), t)[0] == []


def test_a_choice_offered_by_a_question_asked_in_between_is_followed_by_the_form_s_question(programme):
    t = tracker("et marles c'est en bud ?", intent="ask_bud_commune", requested="emploi_commune")
    t.events += [{"event": "action", "name": "action_bud_commune"},
                 {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_commune_ambiguous"}},
                 {"event": "action", "name": "emploi_form"}]
    assert responses(run(ActionAskEmploymentCommune(programme), t)[0]) == ["utter_ask_emploi_commune"]


def test_an_opening_message_naming_two_communes_asks_which_instead_of_the_commune(programme):
    t = tracker("je cherche du boulot vers henin")
    t.events += [{"event": "action", "name": "emploi_form"}, {"event": "active_loop", "name": "emploi_form"}]
    messages, _ = run(ActionAskEmploymentCommune(programme), t)
    assert responses(messages) == ["utter_commune_ambiguous"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Hénin-Beaumont", "Hénin-sur-Cojeul"]


@pytest.mark.parametrize("intent, taken", [("affirm", "Liévin"), ("deny", None)])
def test_yes_takes_the_guessed_commune_and_no_asks_again(programme, intent, taken):
    guess = {"insee": "62510", "nom": "Liévin", "topic": "emploi"}
    t = tracker("oui" if taken else "non", intent=intent, slots={"place_guess": guess}, requested="emploi_commune")
    messages, events = run(ValidateEmploymentForm(programme), t)
    assert slot_sets(events)["emploi_commune"] == taken
    if taken:
        assert slot_sets(events)["emploi_commune_insee"] == "62510"
        assert slot_sets(events)["requested_slot"] != "emploi_commune"
    else:
        assert responses(messages) == ["utter_place_guess_denied_in_form"]
        assert slot_sets(events)["requested_slot"] == "emploi_commune"
        asked, _ = run(ActionAskEmploymentCommune(programme), t)
        assert responses(asked) == ["utter_ask_emploi_commune"]


def test_a_place_outside_nord_and_pas_de_calais_is_not_understood_and_asked_again(programme):
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("zzzville", intent="inform_place", requested="emploi_commune"))
    assert responses(messages) == ["utter_emploi_not_understood_commune"]
    assert slot_sets(events) == {"emploi_commune": None, "requested_slot": "emploi_commune"}


def test_i_dont_know_skips_the_question_instead_of_asking_it_forever(programme):
    slots = {"emploi_commune": "Liévin", "emploi_commune_insee": "62510", "emploi_age": 30,
             "emploi_registered_job_seeker": True}
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("je sais pas trop", intent="nlu_fallback", confidence=0.4, slots=slots,
                                   requested="emploi_disability_recognised"))
    assert responses(messages) == ["utter_emploi_skip_question"]
    found = slot_sets(events)
    assert found["emploi_skipped"] == ["disability_recognised"]
    assert found["requested_slot"] not in (None, "emploi_disability_recognised")


# Digressions and stop ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, intent",
    [("t'es un robot ?", "bot_challenge"), ("je veux parler a quelqu'un", "ask_human"),
     ("Lens est en zone bud ?", "ask_bud_commune"), ("merci", "thank"), ("stop", "stop"),
     ("non laisse tomber", "stop")],
)
def test_a_clear_digression_is_left_to_the_rules(programme, text, intent):
    entities = [("commune", "Lens")] if intent == "ask_bud_commune" else []
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker(text, intent=intent, entities=entities, requested="emploi_commune"))
    assert events == [] and messages == []  # no SlotSet: Rasa rejects the form and a rule answers


def test_an_unsure_digression_is_an_unreadable_answer(programme):
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("hein", intent="bot_challenge", confidence=0.4, requested="emploi_commune"))
    assert responses(messages) == ["utter_emploi_not_understood_commune"]
    assert slot_sets(events)["requested_slot"] == "emploi_commune"


def test_how_sure_a_digression_must_be_is_the_services_dated_rule(programme, monkeypatch):
    """The same « t'es un robot ? » read at 0.7: a digression under the shipped rule (0.6), an unreadable answer
    when staff raise employment_form.min_confidence to 0.8 (GET /dialogue/parameters)."""
    said = tracker("t'es un robot ?", intent="bot_challenge", confidence=0.7, requested="emploi_commune")
    shipped = asyncio.run(programme.form_rules("employment_form"))
    assert shipped["min_confidence"] == 0.6
    assert run(ValidateEmploymentForm(programme), said) == ([], [])

    async def stricter(form: str) -> dict:
        return {**shipped, "min_confidence": 0.8}

    monkeypatch.setattr(programme, "form_rules", stricter)
    messages, events = run(ValidateEmploymentForm(programme), said)
    assert responses(messages) == ["utter_emploi_not_understood_commune"]
    assert slot_sets(events)["requested_slot"] == "emploi_commune"


def test_a_stop_is_still_a_stop_when_the_service_goes_away_after_the_rules_were_read(programme, closed_port_url,
                                                                                     monkeypatch):
    """The rules last read stay in force while the service cannot be reached (here: after their 60 s, the service
    moved to a closed port): « stop » rejects the form, so the stop rule answers, not « service indisponible »."""
    asyncio.run(programme.form_rules("employment_form"))
    programme.base_url = closed_port_url
    monkeypatch.setattr("actions.programme_client.FORM_RULES_SECONDS", -1.0)  # every call tries the service again
    said = tracker("stop j'arrete", intent="stop", confidence=0.95, requested="emploi_commune")
    assert run(ValidateEmploymentForm(programme), said) == ([], [])
    never_read = ProgrammeClient(closed_port_url)
    messages, events = run(ValidateEmploymentForm(never_read), said)
    assert slot_sets(events)["requested_slot"] is None  # no rules ever read: the form ends, the next action says why


def test_after_a_digression_the_form_asks_its_question_again_without_reproach(programme):
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("t'es un robot ?", intent="bot_challenge", requested="emploi_commune", after_bot=True))
    assert messages == []
    assert slot_sets(events)["requested_slot"] == "emploi_commune"


# Orientation ------------------------------------------------------------------------------------------------------


def structures_named(messages: list[dict]) -> list[str]:
    return [m["nom"] for m in messages if m["response"] == "utter_emploi_structure"]


def routes_named(messages: list[dict]) -> list[str]:
    return [m["title"] for m in messages if m["response"] == "utter_emploi_route"]


def test_a_22_year_old_in_lievin_gets_the_mission_locale_of_lens_lievin(programme):
    slots = {"emploi_age": 22, "emploi_commune": "Liévin", "emploi_commune_insee": "62510",
             "emploi_registered_job_seeker": False}
    messages, events = run(ActionEmploymentOrientation(programme), tracker("non", slots=slots))
    assert routes_named(messages)[0] == "Mission locale"
    assert "Mission locale de l'agglomération de Lens-Liévin" in structures_named(messages)
    route = next(m for m in messages if m["response"] == "utter_emploi_route")
    assert "Contrat d'engagement jeune" in route["description"]
    assert responses(messages)[-1] == "utter_emploi_end"
    assert slot_sets(events) == {"topic": "emploi"}


def test_the_date_of_the_rules_is_said_in_words(programme):
    """« Mise à jour le 26 novembre 2026 », as every date the bot says, not « 26/11/2026 »."""
    slots = {"emploi_age": 22, "emploi_commune": "Liévin", "emploi_commune_insee": "62510",
             "emploi_registered_job_seeker": False}
    messages, _ = run(ActionEmploymentOrientation(programme), tracker("non", slots=slots))
    source = next(m for m in messages if m["response"] == "utter_emploi_source")
    assert re.fullmatch(r"(1er|\d{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                        r"novembre|décembre) \d{4}", source["date"]), source["date"]


def test_rsa_in_denain_gets_the_plie_of_the_porte_du_hainaut(programme):
    slots = {"emploi_age": 45, "emploi_commune": "Denain", "emploi_commune_insee": "59172", "emploi_rsa": True}
    messages, _ = run(ActionEmploymentOrientation(programme), tracker("oui", slots=slots))
    assert routes_named(messages)[0].startswith("PLIE")
    assert "PLIE de la Porte du Hainaut" in structures_named(messages)
    assert "France Travail Denain" in structures_named(messages)


def test_outside_the_bassin_minier_the_routes_are_national(programme):
    slots = {"emploi_age": 35, "emploi_commune": "Lille", "emploi_commune_insee": "59350"}
    messages, _ = run(ActionEmploymentOrientation(programme), tracker("Lille", slots=slots))
    assert structures_named(messages) == []
    said = [m.get("message", "") for m in messages if m["response"] == "utter_emploi_message"]
    assert any("pas dans le bassin minier" in text for text in said)
    contact = next(m for m in messages if m["response"] == "utter_emploi_national_contact")
    assert (contact["nom"], contact["telephone"], contact["site"]) == ("France Travail", "3949", "francetravail.fr")


def test_no_address_or_phone_is_said_that_the_service_did_not_return(programme):
    slots = {"emploi_age": 22, "emploi_commune": "Liévin", "emploi_commune_insee": "62510"}
    messages, _ = run(ActionEmploymentOrientation(programme), tracker("", slots=slots))
    answer = orientation_of(programme, {"age": 22, "commune_insee": "62510"})
    known = {(s["nom"], f) for r in answer["routes"] for s in r["structures"] for f in ("adresse", "contact", "horaires")
             if s[f]}
    said = {m["response"] for m in messages}
    for field in ("adresse", "contact", "horaires"):
        assert (f"utter_emploi_structure_{field}" in said) == any(f == field for _, f in known)


def test_under_16_the_service_message_is_said_and_no_route(programme):
    slots = {"emploi_age": 15, "emploi_commune": "Liévin", "emploi_commune_insee": "62510"}
    messages, _ = run(ActionEmploymentOrientation(programme), tracker("15", slots=slots))
    assert routes_named(messages) == []
    assert any("16 ans" in m.get("message", "") for m in messages)


# A whole conversation ---------------------------------------------------------------------------------------------


def converse(programme: ProgrammeClient, opening: str, answers: dict[str, tuple[str, str]]) -> tuple[list[str], list]:
    """Replays a conversation: the start action, then the form until it asks nothing more, then the orientation.
    `answers` gives, for each question (slot), the text and intent of the resident's answer.
    Returns the questions asked, in order, and the orientation's messages."""
    slots: dict = {}

    def apply(events: list[dict]) -> None:
        slots.update(slot_sets(events))

    _, events = run(ActionEmploymentStart(programme), tracker(opening))
    apply(events)
    _, events = run(ValidateEmploymentForm(programme), tracker(opening, slots=slots))
    apply(events)
    asked = []
    while slots.get("requested_slot"):
        question = slots["requested_slot"]
        asked.append(question)
        assert asked.count(question) == 1, f"{question} asked twice"
        text, intent = answers[question]
        _, events = run(ValidateEmploymentForm(programme), tracker(text, intent=intent, slots=slots, requested=question))
        apply(events)
    messages, _ = run(ActionEmploymentOrientation(programme), tracker(text, slots=slots))
    return asked, messages


def test_a_question_for_someone_else_starts_the_questions_again_for_that_person(programme):
    # « et pour mon pote il a 27 ans » at a yes/no question was « répondez par oui ou par non », again and again
    slots = {"emploi_commune": "Carvin", "emploi_commune_insee": "62215", "emploi_age": 38,
             "emploi_routes_said": ["France Travail"]}
    t = tracker("et pour mon pote il a 27 ans", intent="ask_employment_help", slots=slots,
                requested="emploi_registered_job_seeker")
    messages, events = run(ValidateEmploymentForm(programme), t)
    assert [(m["response"], m.get("commune")) for m in messages][:3] == [
        ("utter_emploi_someone_else", None), ("utter_emploi_someone_else_commune", "Carvin"),
        ("utter_emploi_first_routes_someone_else", None)]  # what fits that person, before the questions about them
    taken = slot_sets(events)
    assert taken["emploi_age"] == 27 and taken["emploi_routes_said"] == [  # said again for that person
        m["title"] for m in messages if m["response"] == "utter_emploi_route"]
    assert "emploi_commune" not in taken  # kept, and said so it can be corrected
    assert taken["emploi_registered_job_seeker"] is None
    assert taken["requested_slot"] is not None


def test_a_young_person_asked_for_in_the_middle_hears_of_the_mission_locale_before_any_question(programme):
    # « et pour mon fils de 17 ans ? » at the last question got the first question again, for him, and no answer
    slots = {"emploi_commune": "Harnes", "emploi_commune_insee": "62413", "emploi_age": 30,
             "emploi_registered_job_seeker": False, "emploi_routes_said": ["France Travail"]}
    t = tracker("et pour mon fils de 17 ans ?", intent="ask_employment_help", slots=slots,
                requested="emploi_wants_career_change")
    messages, events = run(ValidateEmploymentForm(programme), t)
    said = responses(messages)
    assert said.index("utter_emploi_first_routes_someone_else") < said.index("utter_emploi_route")
    assert "Mission locale" in [m["title"] for m in messages if m["response"] == "utter_emploi_route"]
    assert "Mission locale" in slot_sets(events)["emploi_routes_said"]  # not said again at the end


def test_an_opening_message_without_a_commune_asks_it_once(programme):
    # « Dites-moi votre commune » (the service's message) came just before the form's « Dans quelle commune … ? »
    messages, _ = run(ActionEmploymentStart(programme), tracker("comment on trouve un travail ?"))
    assert not [m for m in messages if m["response"] == "utter_emploi_message"]
    t = tracker("comment on trouve un travail ?")
    t.events += [{"event": "action", "name": "emploi_form"}, {"event": "active_loop", "name": "emploi_form"}]
    assert responses(run(ActionAskEmploymentCommune(programme), t)[0]) == ["utter_ask_emploi_commune"]


def test_an_opening_message_with_a_postal_code_of_two_communes_asks_which(programme):
    t = tracker("je cherche du travail, j'habite au 62300")
    t.events += [{"event": "action", "name": "emploi_form"}, {"event": "active_loop", "name": "emploi_form"}]
    messages, _ = run(ActionAskEmploymentCommune(programme), t)
    assert responses(messages) == ["utter_postal_code_several"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Lens", "Éleu-dit-Leauwette"]


NO = ("non", "deny")


def test_a_conversation_with_facts_up_front_asks_only_the_rest(programme):
    asked, messages = converse(
        programme,
        "j'ai 24 ans et aucun diplome, j'habite a Avion",
        {
            "emploi_registered_job_seeker": ("pas encore", "deny"),
            "emploi_disability_recognised": NO,
            "emploi_wants_training": ("oui je veux bien", "affirm"),
            "emploi_wants_career_change": NO,
            "emploi_wants_business_creation": NO,
        },
    )
    assert "emploi_commune" not in asked and "emploi_age" not in asked
    assert asked[0] == "emploi_registered_job_seeker"
    assert "Mission locale" not in routes_named(messages)  # given at the start, before any question: not repeated
    assert "Se former" in routes_named(messages)


def test_a_conversation_from_nothing_in_denain_with_the_rsa(programme):
    asked, messages = converse(
        programme,
        "je cherche du boulot",
        {
            "emploi_commune": ("denain", "inform_place"),
            "emploi_age": ("41", "nlu_fallback"),
            "emploi_registered_job_seeker": ("oui", "affirm"),
            "emploi_rsa": ("ouais", "affirm"),
            "emploi_disability_recognised": NO,
            "emploi_wants_training": NO,
            "emploi_wants_career_change": NO,
            "emploi_wants_business_creation": NO,
        },
    )
    assert asked[:4] == ["emploi_commune", "emploi_age", "emploi_registered_job_seeker", "emploi_rsa"]
    assert "emploi_long_term_unemployed" not in asked  # the RSA already leads to the PLIE
    assert "PLIE de la Porte du Hainaut" in structures_named(messages)


# Service down -----------------------------------------------------------------------------------------------------


def test_service_down_the_start_action_does_not_fail(down):
    # The service reads the answers (GET /employment/understand): while it is down nothing is read, nothing is
    # guessed, and the form that follows says the service is unavailable.
    messages, events = run(ActionEmploymentStart(down), tracker("j'ai 24 ans, j'habite a Avion"))
    assert responses(messages) == ["utter_emploi_start"]
    assert {k: v for k, v in slot_sets(events).items() if v is not None} == {"topic": "emploi"}


def test_service_down_the_form_ends_and_the_orientation_says_so(down):
    messages, events = run(ValidateEmploymentForm(down), tracker("24", intent="nlu_fallback", requested="emploi_age"))
    assert messages == []
    assert slot_sets(events)["requested_slot"] is None
    messages, _ = run(ActionEmploymentOrientation(down), tracker("24", slots={"emploi_age": 24}))
    assert responses(messages) == ["utter_service_unavailable"]


def test_a_young_person_with_age_and_commune_hears_of_the_mission_locale_before_any_question(programme):
    """Answer first with what already fits, then refine: no yes/no question stands before the mission locale."""
    t = tracker("j'ai 21 ans et je cherche du boulot à Liévin", entities=[("commune", "Liévin")])
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionEmploymentStart(programme).run(dispatcher, t, {}))
    routes = [m["title"] for m in dispatcher.messages if m.get("response") == "utter_emploi_route"]
    assert "Mission locale" in routes
    responses = [m.get("response") for m in dispatcher.messages]
    assert responses.index("utter_emploi_first_routes") < responses.index("utter_emploi_refine")
    said = next(e["value"] for e in events if e.get("name") == "emploi_routes_said")
    assert "Mission locale" in said


def test_a_general_job_question_gets_an_answer_not_only_a_question(programme):
    t = tracker("comment on trouve un travail ?")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionEmploymentStart(programme).run(dispatcher, t, {}))
    assert [m["title"] for m in dispatcher.messages if m.get("response") == "utter_emploi_route"]


@pytest.mark.parametrize("requested, slots, skipped", [
    ("emploi_age", {"emploi_commune": "Liévin", "emploi_commune_insee": "62510"}, "age"),
    ("emploi_commune", {}, "commune"),
])
def test_an_age_or_a_commune_nobody_will_tell_is_passed_not_asked_in_a_loop(programme, requested, slots, skipped):
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("je prefere pas le dire", intent="nlu_fallback", confidence=0.4, slots=slots,
                                   requested=requested))
    assert responses(messages) == ["utter_emploi_skip_question"]
    found = slot_sets(events)
    assert found["emploi_skipped"] == [skipped] and found["requested_slot"] != requested


def test_a_structure_of_another_kind_under_a_route_is_another_contact_not_its_office_near_you(programme):
    # under « Cap emploi », the Agefiph's regional office in Lille was « Près de chez vous » as if it were Cap emploi
    from actions.employment import say_route
    dispatcher = CollectingDispatcher()
    say_route(dispatcher, {"title": "Cap emploi", "description": "…", "kind": "cap_emploi", "structures": [
        {"nom": "Agefiph - Hauts-de-France - Lille", "kind": "agefiph", "kind_label": "Agefiph", "source": "annuaire"}]})
    assert [m["response"] for m in dispatcher.messages][1:] == ["utter_emploi_structure_other_kind"]


def test_outside_the_basin_it_is_said_at_the_start_and_not_again_at_the_end(programme):
    # « je cherche un emploi à Lille » went through every question before hearing that Lille is outside the basin
    messages, events = run(ActionEmploymentStart(programme), tracker("je cherche un emploi a Lille", intent="ask_employment_help",
                                                                    entities=[("commune", "Lille")]))
    said = [m for m in messages if m.get("response") == "utter_emploi_message"]
    assert said and "Lille n'est pas dans le bassin minier" in said[0]["message"]
    slots = {**slot_sets(events), "emploi_age": 40}
    for fact in ("registered_job_seeker", "disability_recognised", "wants_training", "wants_career_change",
                 "wants_business_creation", "rsa", "long_term_unemployed"):
        slots[f"emploi_{fact}"] = False
    end, _ = run(ActionEmploymentOrientation(programme), tracker("non", intent="deny", slots=slots))
    assert not [m for m in end if m.get("response") == "utter_emploi_message"]


def test_a_question_about_what_a_service_is_gets_its_description_and_no_questionnaire(programme):
    # « c'est quoi le PLIE ? » started the questions (« Dans quelle commune habitez-vous ? ») and never said what it is
    slots = {"emploi_commune": "Liévin", "emploi_commune_insee": "62510"}  # a profile from earlier: kept
    messages, events = run(ActionEmploymentStart(programme), tracker("le plie c'est pour qui ?", slots=slots))
    assert responses(messages) == ["utter_emploi_route", "utter_emploi_about_more"]
    assert messages[0]["title"].startswith("PLIE") and "RSA" in messages[0]["description"]
    assert {"event": "followup", "name": "action_listen", "timestamp": None} in events
    assert "emploi_commune" not in slot_sets(events)


def test_a_question_about_a_service_with_facts_is_answered_then_the_questions_start(programme):
    messages, events = run(ActionEmploymentStart(programme),
                           tracker("la mission locale c'est jusqu'a quel age ? moi j'ai 27 ans"))
    said = responses(messages)
    assert messages[0]["title"] == "Mission locale" and said[1] == "utter_emploi_start"
    assert slot_sets(events)["emploi_age"] == 27
    assert "Mission locale" not in [m["title"] for m in messages[2:] if m["response"] == "utter_emploi_route"]


def test_a_question_about_a_service_in_the_middle_is_answered_and_the_question_comes_again(programme):
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("et cap emploi ca sert a quoi", intent="ask_employment_help",
                                   requested="emploi_commune"))
    assert responses(messages) == ["utter_emploi_route"] and messages[0]["title"] == "Cap emploi"
    assert slot_sets(events)["requested_slot"] == "emploi_commune"  # not rejected: asked again, nothing else said


def test_where_or_when_a_service_is_asked_in_the_middle_is_not_told_to_answer_yes_or_no(programme):
    # « c ou leur adresse » at « Êtes-vous inscrit … ? » got « Répondez simplement par « oui » ou par « non » », thrice
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("et ils ouvrent quand ?", intent="nlu_fallback", confidence=0.3,
                                   slots={"emploi_commune": "Lens", "emploi_commune_insee": "62498", "emploi_age": 40},
                                   requested="emploi_registered_job_seeker"))
    assert responses(messages) == ["utter_emploi_details_where"]
    assert slot_sets(events)["requested_slot"] == "emploi_registered_job_seeker"


def test_a_town_in_a_question_about_a_service_is_not_where_the_person_lives(programme):
    # « c'est ou exactement cap emploi a denain ? » gave « C'est noté : vous habitez à Denain » (the person: Wavrechain)
    slots = {"emploi_commune": "Wavrechain-sous-Denain", "emploi_commune_insee": "59651", "emploi_age": 40}
    messages, events = run(ValidateEmploymentForm(programme),
                           tracker("c'est ou exactement cap emploi a denain ? et les horaires", intent="nlu_fallback",
                                   confidence=0.3, entities=[("commune", "denain")], slots=slots,
                                   requested="emploi_registered_job_seeker"))
    assert "utter_emploi_commune_changed" not in responses(messages)
    assert "emploi_commune" not in slot_sets(events)
