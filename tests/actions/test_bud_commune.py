"""action_commune_bud with the programme-data service up, down, slow or failing.

The trackers are built by hand as Rasa would send them after NLU; the dispatched responses and their variables
are what the resident reads (through domain.yml)."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bud_commune import ActionCommuneBud
from trackers import make_tracker


def run_action(tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCommuneBud().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def responses(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages]


def slots(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# Service up -----------------------------------------------------------------------------------------------------


def test_douai_is_in_with_its_epci_and_source(service_up):
    messages, events = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Douai"
    assert messages[0]["epci"] == "CA Douaisis Agglo"
    assert "arrêtés du 14 février 2018" in messages[0]["source"]
    assert slots(events) == {"topic": "bud", "commune": "Douai"}


def test_another_tax_asked_of_the_zone_without_a_commune_is_not_the_commune_question(service_up, monkeypatch,
                                                                                       programme_url):
    # « en zone bud on paie pas la tva c'est ça ? » got « De quelle commune parlez-vous ? »
    from actions.programme_client import ProgrammeClient
    monkeypatch.setattr("actions.faq.client", ProgrammeClient(programme_url))
    messages, _ = run_action(make_tracker("dans les zones bud, on est dispensé de TVA ?"))
    assert responses(messages) == ["utter_faq_dont_know", "utter_bud_other_scheme", "utter_handoff_suggest"]
    messages, _ = run_action(make_tracker("c'est en zone bud ?"))
    assert responses(messages) == ["utter_ask_commune"]


@pytest.mark.parametrize("typed", ["tout le pas-de-calais est classé ?", "le departement du nord est en zone bud ?"])
def test_a_department_asked_of_the_zone_gets_what_the_zone_holds(service_up, typed):
    # « le Pas-de-Calais entier est en BUD ? » got « De quelle commune » or « Calais n'est pas classée »
    messages, events = run_action(make_tracker(typed))
    assert responses(messages) == ["utter_bud_zone_not_a_commune", "utter_faq/bud_communes"]
    assert slots(events) == {"topic": "bud"}


def test_bully_les_mines_with_the_extra_word_entity_diet_finds(service_up):
    # DIET also tags « mines » alone; the service must not turn it into another commune.
    tracker = make_tracker("bully les mines c'est en zone bud",
                           entities=[("commune", "mines"), ("commune", "bully les mines")])
    messages, events = run_action(tracker)
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Bully-les-Mines"
    assert messages[0]["epci"] == "CA de Lens - Liévin"


def test_bully_les_mines_found_in_the_sentence_without_entities(service_up):
    messages, _ = run_action(make_tracker("bully les mines c'est en zone bud"))
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Bully-les-Mines"


def test_la_bassee_counts_from_2019(service_up):
    messages, _ = run_action(make_tracker("la bassee c en bud", entities=[("commune", "la bassee")]))
    assert responses(messages) == ["utter_bud_commune_in_2019"]
    assert messages[0]["commune"] == "La Bassée"
    assert messages[0]["epci"] == "Métropole Européenne de Lille"


def test_vicq_is_to_be_verified(service_up):
    messages, _ = run_action(make_tracker("vicq est en zone bud ?", entities=[("commune", "vicq")]))
    assert responses(messages) == ["utter_bud_commune_to_verify_in"]
    assert messages[0]["commune"] == "Vicq"


def test_cambrai_is_out(service_up):
    messages, events = run_action(make_tracker("et Cambrai ?", intent="inform_place",
                                               entities=[("commune", "Cambrai")], slots={"topic": "bud"}))
    assert responses(messages) == ["utter_bud_commune_out"]
    assert messages[0]["commune"] == "Cambrai"
    assert messages[0]["epci"] == "CA de Cambrai"
    assert slots(events)["commune"] == "Cambrai"


def test_marles_is_ambiguous_and_offers_two_buttons(service_up):
    messages, events = run_action(make_tracker("Marles est en BUD ?", entities=[("commune", "Marles")]))
    assert responses(messages) == ["utter_commune_ambiguous"]
    assert messages[0]["query"] == "Marles"
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Marles-les-Mines", "Marles-sur-Canche"]
    for button in messages[0]["buttons"]:  # the BUD question again, for that commune (never a bare place a form
        assert button["payload"].startswith("/ask_bud_commune")  # would take as the company's commune)
        entities = json.loads(button["payload"][len("/ask_bud_commune"):])
        assert entities == {"commune": button["title"]}
    assert "commune" not in slots(events), "an ambiguous place must not be remembered as the commune"


def test_a_button_of_marles_answers_for_that_commune(service_up):
    tracker = make_tracker('/inform_place{"commune": "Marles-sur-Canche"}', intent="inform_place",
                           entities=[("commune", "Marles-sur-Canche")], slots={"topic": "bud"})
    messages, _ = run_action(tracker)
    assert responses(messages) == ["utter_bud_commune_out"]
    assert messages[0]["commune"] == "Marles-sur-Canche"


def test_homonyms_in_both_departments_get_buttons_that_tell_them_apart(service_up):
    messages, _ = run_action(make_tracker("saint aubin c'est en bud ?", entities=[("commune", "saint aubin")]))
    assert responses(messages) == ["utter_commune_ambiguous"]
    buttons = messages[0]["buttons"]
    assert len(buttons) == 2
    assert len({b["title"] for b in buttons}) == 2
    assert len({b["payload"] for b in buttons}) == 2


def test_postal_code_59300_answers_for_each_commune(service_up):
    messages, events = run_action(make_tracker("le 59300 est classé ?", entities=[("postal_code", "59300")]))
    assert responses(messages) == [
        "utter_postal_code_several", "utter_bud_commune_in", "utter_bud_commune_in", "utter_bud_commune_out",
    ]
    assert messages[0]["postal_code"] == "59300"
    assert [m["commune"] for m in messages[1:]] == ["Valenciennes", "Aulnoy-lez-Valenciennes", "Famars"]
    assert slots(events).get("commune") is None


def test_a_name_beside_a_shared_postal_code_picks_its_commune(service_up):
    messages, events = run_action(make_tracker("famars 59300 c'est en bud ?",
                                                entities=[("postal_code", "59300"), ("commune", "Famars")]))
    assert responses(messages) == ["utter_bud_commune_out"] and messages[0]["commune"] == "Famars"


def test_a_postal_code_of_one_commune(service_up):
    messages, _ = run_action(make_tracker("62110 bud ?", entities=[("postal_code", "62110")]))
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Hénin-Beaumont"


def test_an_unknown_postal_code(service_up):
    messages, _ = run_action(make_tracker("le 59999 est en bud ?", entities=[("postal_code", "59999")]))
    assert responses(messages) == ["utter_postal_code_not_found"]
    assert messages[0]["postal_code"] == "59999"


def test_xyzville_is_not_found_without_a_guess(service_up):
    messages, events = run_action(make_tracker("xyzville est en zone bud ?", entities=[("commune", "xyzville")]))
    assert responses(messages) == ["utter_commune_not_found"]
    assert messages[0]["query"] == "xyzville"
    assert not messages[0].get("buttons")
    assert "commune" not in slots(events)


def test_a_typo_is_asked_back_never_answered(service_up):
    """« Vouliez-vous dire Hénin-Beaumont ? » (action_place_guess) instead of the BUD answer for a guess."""
    messages, events = run_action(make_tracker("henin beaumon zone bud ?", entities=[("commune", "henin beaumon")]))
    assert messages == []
    assert slots(events)["place_guess"] == {"insee": "62427", "nom": "Hénin-Beaumont", "topic": "bud"}
    assert {"event": "followup", "name": "action_place_guess"} in [{k: v for k, v in dict(e).items() if k != "timestamp"} for e in events]
    assert "commune" not in slots(events)


@pytest.mark.parametrize("text", ["et pour carvn ?", "harne c'est en bud", "oigines est classée ?"])
def test_a_misspelt_commune_the_nlu_did_not_see_is_asked_back(service_up, text):
    """No entity, no name in the sentence as typed: the service's guess, before the commune of an earlier question."""
    messages, events = run_action(make_tracker(text, slots={"commune": "Douai"}))
    assert messages == []
    assert slots(events)["place_guess"]["nom"] in ("Carvin", "Harnes", "Oignies")


def test_an_everyday_word_near_a_commune_is_not_guessed(service_up):
    """« demain » is one letter from Denain: the remembered commune answers, nothing is guessed."""
    messages, events = run_action(make_tracker("et demain c'est toujours en bud ?", slots={"commune": "Douai"}))
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Douai"


def test_a_far_spelling_gets_suggestions_as_buttons(service_up):
    """Cambrai is outside the basin, so never guessed: the close names are offered as buttons."""
    messages, _ = run_action(make_tracker("cambray c'est bud", entities=[("commune", "cambray")]))
    assert responses(messages) == ["utter_commune_suggestions"]
    assert "Cambrai" in messages[0]["suggestions"]
    assert "Cambrai" in [b["title"] for b in messages[0]["buttons"]]


def test_no_place_at_all_asks_which_commune(service_up):
    messages, events = run_action(make_tracker("ma commune est elle en zone bud ?"))
    assert responses(messages) == ["utter_ask_commune"]
    assert slots(events) == {"topic": "bud"}


def test_the_remembered_commune_is_used_when_none_is_named(service_up):
    messages, _ = run_action(make_tracker("/ask_bud_commune", slots={"commune": "Douai"}))
    assert responses(messages) == ["utter_bud_commune_in"]
    assert messages[0]["commune"] == "Douai"


def test_a_misspelt_commune_remembered_from_an_earlier_message_is_asked_back(service_up):
    """« c'est ou harne ? » then the button « Est-elle en zone BUD ? »: Harnes is asked back, not answered."""
    messages, events = run_action(make_tracker("/ask_bud_commune", slots={"commune": "harne"}))
    assert messages == []
    assert slots(events)["place_guess"]["nom"] == "Harnes"


def test_a_department_is_said_to_be_no_commune_not_answered_for_the_last_commune(service_up):
    """« et tout le Pas-de-Calais ? » after a question about Douai: neither Douai, nor Calais."""
    messages, _ = run_action(make_tracker("et tout le pas de calais c'est en zone bud ?", slots={"commune": "Douai"}))
    assert responses(messages) == ["utter_bud_zone_not_a_commune", "utter_faq/bud_communes"]
    assert messages[0]["query"] == "Pas-de-Calais"


def test_everyday_words_are_not_communes(service_up):
    messages, _ = run_action(make_tracker("le bus est en retard, c'est en zone bud ?"))
    assert responses(messages) == ["utter_ask_commune"]


def test_every_dispatched_response_exists_in_the_domain(service_up):
    import yaml
    from pathlib import Path

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    trackers = [
        make_tracker("x", entities=[("commune", name)])
        for name in ("Douai", "la bassee", "vicq", "Cambrai", "Marles", "xyzville", "douay", "henin beaumon")
    ] + [make_tracker("59300", entities=[("postal_code", "59300")]), make_tracker("bud ?")]
    for tracker in trackers:
        messages, _ = run_action(tracker)
        for message in messages:
            assert message["response"] in domain["responses"], message


# Service down or misbehaving ------------------------------------------------------------------------------------


def test_service_down_says_so_quickly_and_does_not_raise(use_service, closed_port_url):
    use_service(closed_port_url)
    started = time.monotonic()
    messages, events = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    elapsed = time.monotonic() - started
    print(f"service down: answered in {elapsed:.2f} s")
    assert responses(messages) == ["utter_service_unavailable"]
    assert slots(events) == {"topic": "bud"}
    assert elapsed < 5, f"the resident waited {elapsed:.1f} s for « service unavailable »"


def test_service_hanging_is_bounded_by_the_timeout_and_retry(use_service, fake_service):
    hanging = fake_service(delay=30)
    use_service(hanging.url)
    started = time.monotonic()
    messages, _ = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    elapsed = time.monotonic() - started
    print(f"service hanging: answered in {elapsed:.2f} s after {hanging.hits} attempts")
    assert responses(messages) == ["utter_service_unavailable"]
    assert 2 <= hanging.hits <= 3, "a bounded retry: one try and at most two retries"
    assert elapsed < 15, f"the resident waited {elapsed:.1f} s"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_service_errors_say_unavailable(use_service, fake_service, status):
    failing = fake_service(status=status, body=b'{"detail": "boom"}')
    use_service(failing.url)
    started = time.monotonic()
    messages, _ = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    assert responses(messages) == ["utter_service_unavailable"]
    assert failing.hits <= 3
    assert time.monotonic() - started < 5




@pytest.mark.parametrize("body", [b"not json", b""])
def test_a_garbled_answer_says_unavailable(use_service, fake_service, body):
    garbled = fake_service(status=200, body=body)
    use_service(garbled.url)
    messages, _ = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    assert responses(messages) == ["utter_service_unavailable"]


def test_a_4xx_answer_says_unavailable_rather_than_crashing(use_service, fake_service):
    refusing = fake_service(status=404, body=b'{"detail": "Not Found"}')
    use_service(refusing.url)
    messages, _ = run_action(make_tracker("Douai fait partie du BUD ?", entities=[("commune", "Douai")]))
    assert responses(messages) == ["utter_service_unavailable"]


def test_the_action_does_not_block_the_event_loop(use_service, fake_service):
    """Two residents at once against a slow service wait ~1 delay, not 2: requests run off the event loop."""
    delay = 1.5
    slow = fake_service(delay=delay, body=json.dumps({
        "status": "not_found", "query": "x", "match": None, "communes": [], "suggestions": []}).encode())
    use_service(slow.url)

    async def both() -> float:
        started = time.monotonic()
        trackers = [make_tracker("/ask_bud_commune", entities=[("commune", n)]) for n in ("Douai", "Lens")]
        results = await asyncio.gather(*(ActionCommuneBud().run(CollectingDispatcher(), t, {}) for t in trackers))
        assert all(results)
        return time.monotonic() - started

    elapsed = asyncio.run(both())
    print(f"two concurrent runs against a {delay} s service: {elapsed:.2f} s")
    assert slow.hits == 2
    assert elapsed < 1.6 * delay, f"{elapsed:.2f} s: the runs were serialised"


def test_a_postal_code_of_many_communes_gets_one_summary(service_up):
    messages, _ = run_action(make_tracker("62190 c'est en bud ?", entities=[("postal_code", "62190")]))
    assert responses(messages) == ["utter_postal_code_summary"]
    assert messages[0]["count"] == 8 and len(messages[0]["in_zone"].split(", ")) == 3
    messages, _ = run_action(make_tracker("62130 c'est en bud ?", entities=[("postal_code", "62130")]))
    assert responses(messages) == ["utter_postal_code_none_in_zone"]


def test_the_longest_name_the_nlu_saw_wins(service_up):
    """The lookups tag « st amand » (Saint-Amand, not in the zone) inside « st amand les eaux »."""
    tracker = make_tracker("st amand les eaux est en bud ?",
                           entities=[("commune", "st amand"), ("commune", "st amand les eaux")])
    messages, _ = run_action(tracker)
    assert [m["commune"] for m in messages] == ["Saint-Amand-les-Eaux"]


def test_a_longer_name_of_the_sentence_wins_over_the_entity_inside_it(service_up):
    messages, _ = run_action(make_tracker("st amand les eaux est en bud ?", entities=[("commune", "st amand")]))
    assert [m["commune"] for m in messages] == ["Saint-Amand-les-Eaux"]
    messages, events = run_action(make_tracker("noyelle sous lens est en bud ?", entities=[("commune", "lens")]))
    assert messages == []
    assert slots(events)["place_guess"]["nom"] == "Noyelles-sous-Lens"


def test_a_sentence_that_names_several_communes_is_not_quoted_back_whole(service_up):
    """« Plusieurs communes correspondent à « mon entreprise … Lens et Béthune » »: the whole sentence was quoted."""
    text = "est ce que c'est en bud, on hesite entre lens et bethune pour ouvrir"
    messages, _ = run_action(make_tracker(text))
    assert responses(messages) == ["utter_communes_named"]
    assert {b["title"] for b in messages[0]["buttons"]} == {"Lens", "Béthune"}


def test_a_button_after_a_bare_postal_code_asks_of_that_postal_code_not_an_earlier_commune(service_up):
    # « 59220 » typed after a message that named Lens, then « Est-elle en zone BUD ? »: the answer was for Lens
    tracker = make_tracker("Est-elle en zone BUD ?", slots={"commune": "Lens", "postal_code": "59220"})
    tracker.events = [{"event": "slot", "name": "commune", "value": "Lens"},
                      {"event": "user", "text": "59220"}, {"event": "slot", "name": "postal_code", "value": "59220"},
                      {"event": "user", "text": "Est-elle en zone BUD ?"}]
    messages, _ = run_action(tracker)
    assert messages[0]["response"] == "utter_postal_code_several" and messages[0]["postal_code"] == "59220"
    assert "Lens" not in [m.get("commune") for m in messages]
