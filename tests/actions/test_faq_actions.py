"""Programme questions: the confident answer, unless the question asks a practical detail no answer gives (the
programme-data service knows which: GET /programme/unanswered-detail)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionFaqAnswer
from actions.programme_client import ProgrammeClient


def faq_tracker(text: str, intent_confidence: float = 0.95, response_confidence: float = 0.9,
                chosen: str = "utter_faq/delegation", slots: dict = None) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "faq", "confidence": intent_confidence},
        "entities": [],
        "response_selector": {"faq": {"response": {"utter_action": chosen, "confidence": response_confidence}}},
    }
    return Tracker("test-resident", slots or {}, latest, [{"event": "user", "text": text, "parse_data": latest}], False,
                   None, {}, "action_listen")


def answer(text: str, **options) -> list[str]:
    return run_faq(text, **options)[0]


def run_faq(text: str, domain: dict = None, **options) -> tuple[list[str], list[dict]]:
    """What the resident reads (a response's name, or the text of a line built from the domain) and the events."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFaqAnswer().run(dispatcher, faq_tracker(text, **options), domain or {}))
    return [m.get("response") or m.get("text") for m in dispatcher.messages], events


@pytest.fixture
def service(monkeypatch, programme_url):
    monkeypatch.setattr("actions.faq.client", ProgrammeClient(programme_url))


@pytest.fixture
def down(monkeypatch, closed_port_url):
    monkeypatch.setattr("actions.faq.client", ProgrammeClient(closed_port_url))


def test_a_confident_answer_is_given(service):
    assert answer("c'est où la délégation ?") == ["utter_faq/delegation"]


@pytest.mark.parametrize("text", ["quels sont les horaires de la délégation ?", "vous avez un numéro de téléphone ?",
                                  "je peux envoyer un mail à la délégation ?", "c'est quoi le CEJ"])
def test_a_detail_no_answer_gives_gets_i_dont_know(service, text):
    assert answer(text) == ["utter_faq_dont_know", "utter_handoff_suggest"]


@pytest.mark.parametrize("text", ["et les cotisations sociales, exonérées ?", "on récupère la TVA avec ce dispositif ?",
                                  "ça s'ajoute à une zone franche urbaine ?"])
@pytest.mark.parametrize("response_confidence", [0.9, 0.3])
def test_another_tax_or_scheme_gets_i_dont_know_and_what_the_bot_does_know(service, text, response_confidence):
    assert answer(text, response_confidence=response_confidence) == [
        "utter_faq_dont_know", "utter_bud_other_scheme", "utter_handoff_suggest"]


def test_an_unsure_answer_gets_i_dont_know(service):
    assert answer("c'est où la délégation ?", response_confidence=0.3) == ["utter_faq_dont_know", "utter_handoff_suggest"]


def test_service_down_the_confident_answer_from_the_domain_is_still_given(down):
    assert answer("c'est où la délégation ?") == ["utter_faq/delegation"]


DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))


def test_the_landlord_of_the_cite_just_described_comes_from_its_card(service, monkeypatch, programme_url):
    """« et qui c'est le bailleur ? » after the card of the Cité des Alouettes: that line of the cité's card (its
    landlord and the source), not the landlords of all mining homes nor the whole card again; without a cité in the
    conversation, the general answer."""
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    cites = {"topic": "cites", "cite_id": "cite-des-alouettes-bully-les-mines"}
    said, _ = run_faq("et qui c'est le bailleur", domain=DOMAIN, chosen="utter_faq/landlords", slots=cites)
    text = "\n".join(filter(None, said))
    assert text.startswith("Le bailleur de la cité des Alouettes : Maisons & Cités.\nSource : ")
    assert "État des travaux" not in text and "utter_faq/landlords" not in said
    assert answer("et qui c'est le bailleur", chosen="utter_faq/landlords") == ["utter_faq/landlords"]
    assert answer("c'est quoi l'ERBM", chosen="utter_faq/what_is_erbm", slots=cites) == ["utter_faq/what_is_erbm"]


def test_when_the_works_end_after_a_cite_s_card_is_that_cite_s_status_not_the_programme_s_dates(
        service, monkeypatch, programme_url):
    # « c prevu pour quand la fin » after the card of a cité got the programme's dates (signed in 2017, 10 years),
    # which read as an end date for this cité
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    cites = {"topic": "cites", "cite_id": "cite-des-alouettes-bully-les-mines"}
    said, _ = run_faq("c'est prevu pour quand la fin des travaux", domain=DOMAIN, chosen="utter_faq/what_is_erbm",
                      slots=cites)
    text = "\n".join(filter(None, said))
    assert text.startswith("Pour la cité des Alouettes :\nÉtat des travaux") and "2017" not in text, text
    said, _ = run_faq("et l'ERBM, il se termine quand ?", domain=DOMAIN, chosen="utter_faq/what_is_erbm", slots=cites)
    assert said == ["utter_faq/what_is_erbm"]


def test_a_landlord_the_sources_do_not_name_is_said_unknown_with_whom_to_ask(service, monkeypatch, programme_url):
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    cites = {"topic": "cites", "cite_id": "cite-des-provinces-lens"}
    said, _ = run_faq("c qui le bailleur", domain=DOMAIN, chosen="utter_faq/landlords", slots=cites)
    text = "\n".join(filter(None, said))
    assert text.startswith("Nos sources n'indiquent pas le bailleur de la cité des Provinces.")
    assert DOMAIN["responses"]["utter_faq/landlords"][0]["text"] in text  # whom to ask: the general answer


def test_a_cite_no_longer_in_the_data_gets_the_card_s_own_answer(service, monkeypatch, programme_url):
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    cites = {"topic": "cites", "cite_id": "cite-qui-n-existe-plus"}
    said, _ = run_faq("et le bailleur ?", domain=DOMAIN, chosen="utter_faq/landlords", slots=cites)
    assert said and not any((s or "").startswith("Le bailleur de") for s in said)


@pytest.mark.parametrize("text, said", [
    ("est-ce que Courrières fait partie du bassin minier ?", "utter_commune_in_basin"),
    ("Arras c'est dans le territoire du bassin minier ?", "utter_commune_not_in_basin"),
])
def test_a_question_about_the_territory_that_names_a_commune_gets_that_commune(service, text, said):
    assert answer(text, chosen="utter_faq/territory") == [said]
    assert answer("le bassin minier c'est combien de communes ?", chosen="utter_faq/territory") == ["utter_faq/territory"]


def test_a_figure_of_the_whole_programme_asked_of_one_commune_is_said_to_be_the_whole_s(service):
    said = answer("combien de logements ont été rénovés à Courrières ?", chosen="utter_faq/how_many_homes")
    assert said == ["utter_faq_not_for_one_commune", "utter_faq/how_many_homes"]
    assert answer("combien de logements au total ?", chosen="utter_faq/how_many_homes") == ["utter_faq/how_many_homes"]


@pytest.mark.parametrize("text", ["est-ce que mon loyer va augmenter après les travaux ?",
                                  "c'est qui le directeur de Maisons & Cités ?",
                                  "et le délégué actuel, il s'appelle comment ?",
                                  "il touche combien comme salaire le délégué ?",
                                  "on est propriétaires d'une maison pas minière, il y a une aide pour isoler ?",
                                  "qui c'est le délégué actuellement ?",
                                  "on peut aller voir qui pour un conseil, France Rénov' ?",
                                  "le programme aide aussi les propriétaires privés ?"])
def test_what_no_answer_says_gets_i_dont_know(service, text):
    assert answer(text, chosen="utter_faq/funding") == ["utter_faq_dont_know", "utter_handoff_suggest"]


def test_after_a_commune_s_membership_of_the_basin_a_bare_place_asks_it_of_that_place(service, monkeypatch, programme_url):
    # « et a Lievin ? » after « lens c dans le bassin minier ? » got « Que voulez-vous savoir sur cette commune ? »
    from actions.faq import ActionCommuneBasin
    monkeypatch.setattr("actions.places.client", ProgrammeClient(programme_url), raising=False)
    _, events = run_faq("lens c dans le bassin minier ?", chosen="utter_faq/territory")
    assert {"event": "slot", "name": "topic", "value": "bassin", "timestamp": None} in events

    def follow_up(text):
        dispatcher = CollectingDispatcher()
        asyncio.run(ActionCommuneBasin().run(dispatcher, faq_tracker(text, slots={"topic": "bassin"}), {}))
        return [m.get("response") for m in dispatcher.messages]

    assert follow_up("et a Lievin ?") == ["utter_commune_in_basin"]
    assert follow_up("et arras alors") == ["utter_commune_not_in_basin"]
    assert follow_up("et bruay ?") == ["utter_commune_ambiguous"]  # Bruay-la-Buissière or Bruay-sur-l'Escaut: asked


def test_the_landlords_after_the_list_of_a_commune_s_cites_are_those_of_its_cites(service, monkeypatch, programme_url):
    # « et c'est qui le bailleur là-bas ? » after the cités of Wingles got the two landlords of all mining homes
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    listed = {"topic": "cites", "commune": "Wingles", "cite_id": None}
    said, _ = run_faq("et c'est qui le bailleur la bas", domain=DOMAIN, chosen="utter_faq/landlords", slots=listed)
    assert said == ["utter_cites_commune_landlords_some", "utter_cites_commune_landlords_which"]


@pytest.mark.parametrize("text, said", [
    ("henin beaumon c bien en bassin minier", "place_guess"),  # « Vouliez-vous dire Hénin-Beaumont ? »
    ("Bruay est-il concerné par le renouveau du bassin minier ?", "utter_commune_ambiguous"),  # which Bruay
])
def test_a_basin_question_about_a_place_not_read_as_one_commune_asks_which(service, monkeypatch, programme_url,
                                                                            text, said):
    # both got the general « environ 250 communes » instead of the commune's answer
    monkeypatch.setattr("actions.places.client", ProgrammeClient(programme_url), raising=False)
    messages, events = run_faq(text, chosen="utter_faq/territory")
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["topic"] == "bassin"
    if said == "place_guess":
        assert slots["place_guess"]["nom"] == "Hénin-Beaumont" and slots["place_guess"]["topic"] == "bassin"
    else:
        assert messages == [said]


def test_a_landlord_shared_by_several_cites_is_named_once(service, monkeypatch, programme_url):
    # « Maisons & Cités et Maisons & Cités et SIA Habitat » at Loos-en-Gohelle
    monkeypatch.setattr("actions.cites.client", ProgrammeClient(programme_url))
    dispatcher = CollectingDispatcher()
    from actions.cites import say_landlords_of_commune
    assert asyncio.run(say_landlords_of_commune(dispatcher, "Loos-en-Gohelle"))
    named = dispatcher.messages[0]["bailleurs"]
    assert named.count("Maisons & Cités") == 1, named


def test_a_basin_question_about_a_place_outside_nord_and_pas_de_calais_says_it_is_not_there(service, monkeypatch,
                                                                                              programme_url):
    # « amiens c dans le bassin minier ? » got « environ 250 communes … », with no « non »
    monkeypatch.setattr("actions.places.client", ProgrammeClient(programme_url), raising=False)
    latest_entities = [{"entity": "commune", "value": "Amiens", "start": 0, "end": 6}]
    t = faq_tracker("amiens c dans le bassin minier ?", chosen="utter_faq/territory")
    t.latest_message["entities"] = latest_entities
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFaqAnswer().run(dispatcher, t, {}))
    # « Je ne trouve pas exactement « Amiens » (dans le Nord ou le Pas-de-Calais). Vouliez-vous dire : … ? »
    assert [m.get("response") for m in dispatcher.messages] in (["utter_commune_not_found"], ["utter_commune_suggestions"])
    assert {"event": "slot", "name": "topic", "value": "bassin", "timestamp": None} in events
