"""What a resident reads about cités minières, from the actions against the real programme-data service.

The service runs in-process (uvicorn in a thread, fresh SQLite per test, shipped data); the actions talk to it over
HTTP exactly as in production. A staff status change through the API is what the action says next.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any, Optional

import pytest
import requests
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cites as cite_actions
from actions.cites import ActionCitesCommune, ActionCiteStatus, french_date
from actions.programme_client import client
from inprocess import free_port, programme_service

ROOT = Path(__file__).resolve().parents[2]
STAFF_TOKEN = "test-staff-token"
AGACHE = "cite-agache-fenain"
MOUCHONNIERE = "cite-de-la-mouchonniere-douai"


# --- The service, the domain, trackers ---------------------------------------------------------------------


@pytest.fixture
def service(tmp_path, monkeypatch) -> str:
    """The programme-data service on a free port; the actions' client points at it for this test."""
    with programme_service(tmp_path / "programme.db", STAFF_TOKEN) as (url, _):
        monkeypatch.setattr(client, "base_url", url)
        yield url


@pytest.fixture
def service_down(monkeypatch) -> None:
    monkeypatch.setattr(client, "base_url", f"http://127.0.0.1:{free_port()}")  # nothing listens there


@pytest.fixture(scope="module")
def domain() -> dict:
    """The responses of domain.yml, plus the staged cités fragment while it is not merged yet."""
    responses: dict = {}
    for path in (ROOT / "domain.yml", ROOT / "staging" / "cites" / "domain.yml"):
        if path.exists():
            responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return {"responses": responses}


def _entity(entity: str, value: str, text: str = "") -> dict:
    found = {"entity": entity, "value": value}
    if text and value in text:
        found.update(start=text.index(value), end=text.index(value) + len(value))
    return found


def tracker(text: str, intent: str, entities: tuple = (), **slots: Any) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": [_entity(e, v, text) if isinstance(e, str) else e for e, v in entities],
    }
    return Tracker("test", slots, message, [], False, None, {}, "action_listen")


def run(action, track: Tracker, domain: dict) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, domain))
    return dispatcher.messages, events


def only_text(messages: list[dict]) -> str:
    """The text of a one-message answer; a cité card may be followed by the offer of a person, its own message."""
    if len(messages) == 2 and messages[1].get("response") == "utter_cite_offer_handoff":
        messages = messages[:1]
    assert len(messages) == 1, messages
    text = messages[0]["text"]
    assert text and not re.search(r"[{}]", text), f"a variable was left unfilled: {text}"
    return text


def payloads(message: dict) -> list[str]:
    return [b["payload"] for b in message.get("buttons") or []]


def slot(events: list, name: str) -> Optional[Any]:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


def set_status(service: str, cite_id: str, body: dict, agent: str = "m.dupont (DIBM)") -> None:
    response = requests.put(
        f"{service}/cites/{cite_id}/status",
        json=body,
        headers={"Authorization": f"Bearer {STAFF_TOKEN}", "X-Agent": agent},
        timeout=10,
    )
    assert response.status_code == 200, response.text


# --- The domain has every line the actions use ---------------------------------------------------------------


def test_every_response_the_cite_actions_use_is_in_the_domain(domain):
    missing = [name for name in cite_actions.RESPONSES if name not in domain["responses"]]
    assert not missing, f"responses used by actions/cites.py but missing from the domain: {missing}"


def test_every_programme_answer_names_its_source(domain):
    faq = {name: r[0]["text"] for name, r in domain["responses"].items() if name.startswith("utter_faq/")}
    assert len(faq) >= 8
    assert not [name for name, text in faq.items() if "source" not in text.lower()]


@pytest.mark.parametrize(
    "value, shown",
    [
        ("2026-03-16", "16 mars 2026"),
        ("2026-03-01", "1er mars 2026"),
        ("2027-06-30", "30 juin 2027"),
        ("2026-11-26T00:00:00Z", "26 novembre 2026"),
        ("2023-11", "novembre 2023"),
        ("2018", "2018"),
        (None, None),
    ],
)
def test_dates_are_shown_in_french(value, shown):
    assert french_date(value) == shown


# --- One cité ------------------------------------------------------------------------------------------------


def test_a_cite_named_by_a_resident_is_described_in_one_message_and_its_unknown_status_is_said_plainly(
    service, domain
):
    text = "ou en sont les travaux a la cite agache"
    messages, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", [("cite", "cite agache")]), domain)
    # The card in one message; the offer of a person after it, as a question of its own that a typed « oui »
    # answers (actions/handoff.py HANDOFF_QUESTIONS).
    card, offer = messages
    answer = only_text(messages)
    assert offer["response"] == "utter_cite_offer_handoff" and payloads(offer) == ["/ask_human"]
    assert answer.startswith("Cité Agache : à Fenain.")
    assert "Intercommunalité : CC Coeur d'Ostrevent (CCCO)." in answer
    assert "Bailleur : Maisons & Cités." in answer  # from the Mission Bassin Minier's ERBM layer
    assert "Type : cité pavillonnaire. Compagnie minière : Anzin." in answer
    assert ("Programme : elle figure sur la liste des cités de l'Engagement pour le renouveau du bassin minier "
            "(ERBM) de la Mission Bassin Minier.") in answer
    assert "Patrimoine mondial de l'UNESCO : elle n'est ni dans le bien inscrit ni dans sa zone tampon" in answer
    # No status, no date: said so, never invented, and a person offered.
    assert "État des travaux : je ne le connais pas encore." in answer
    assert not re.search(r"\b20(2[7-9]|3\d)\b", answer)
    assert "Fiche mise à jour le 1er décembre 2026 par équipe projet (sources publiques)." in answer
    assert "Source : prefectures-regions.gouv.fr" in answer
    assert "couche « cités ERBM », extrait du 10 mars 2026" in answer and "(Licence Ouverte 2.0)" in answer
    assert payloads(card) == [] and "transmette" not in answer
    assert slot(events, "topic") == "cites" and slot(events, "cite_id") == AGACHE


def test_a_status_set_by_staff_is_what_the_bot_says_next(service, domain):
    set_status(
        service,
        AGACHE,
        {
            "statut": "en_travaux",
            "debut_travaux_prevu": "2026-03-01",
            "fin_travaux_prevue": "2027-06-30",
            "debut_travaux_reel": "2026-03-16",
            "source_statut": "Maisons & Cités, point d'avancement de mars 2026",
        },
    )
    messages, _ = run(ActionCiteStatus(), tracker("cite agache", "ask_cite_status", [("cite", "cite agache")]), domain)
    answer = only_text(messages)
    assert "État des travaux : en travaux." in answer
    assert "Début des travaux prévu le 1er mars 2026." in answer
    assert "Fin des travaux prévue le 30 juin 2027." in answer
    assert "Les travaux ont commencé le 16 mars 2026." in answer
    assert "Source de l'état des travaux : Maisons & Cités, point d'avancement de mars 2026." in answer
    assert f"{dt.datetime.utcnow().year} par m.dupont (DIBM)." in answer
    assert "je ne le connais pas" not in answer and not payloads(messages[0])


def test_a_cite_and_its_commune_in_one_sentence_even_when_the_cite_is_also_a_commune_name(service, domain):
    # « Croisette » is also a commune (62): the commune entity on the same words must not move the search there.
    text = "la Croisette à Méricourt ça avance ?"
    entities = [("cite", "Croisette"), ("commune", "Croisette"), ("commune", "Méricourt")]
    messages, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", entities), domain)
    assert only_text(messages).startswith("Cité de la Croisette : à Méricourt.")
    assert slot(events, "cite_id") == "cite-de-la-croisette-mericourt"


def test_a_pronoun_after_cite_is_no_cite_name(service, domain):
    # « la cite elle est renovee ou pas ? »: « Je ne trouve pas « cite elle » parmi les cités que je connais »
    text = "mon pere habite a Wingles, la cite elle a ete refaite ?"
    entities = [("cite", "cite elle"), ("commune", "Wingles")]
    messages, _ = run(ActionCiteStatus(), tracker(text, "ask_cite_status", entities), domain)
    said = " ".join(m.get("text") or "" for m in messages)
    assert "cite elle" not in said and "Wingles" in said


def test_a_number_cut_by_the_tokenizer_is_searched_whole(service, domain):
    # « 12-14 », cut at « 12 »: the card of the Cité n°12 de Lens was given as if it were the one asked about
    for typed, kept in (("les travaux de la cite 12-14 a lens c'est pour quand", "cite 12"),
                        ("et la cité 12 / 14 de Lens ?", "cité 12")):
        entities = [("cite", kept), ("commune", "Lens")]
        messages, events = run(ActionCiteStatus(), tracker(typed, "ask_cite_status", entities), domain)
        said = " ".join(m.get("text") or "" for m in messages)
        assert not said.startswith("Cité n°12 de Lens") and slot(events, "cite_id") is None, said
        assert "12" in said and "14" in said, said  # the name not found is said as typed
    # « n°12 bis » is one cité of the data: still found
    messages, _ = run(ActionCiteStatus(), tracker("la cite 12 bis a lens", "ask_cite_status",
                                                  [("cite", "cite 12"), ("commune", "Lens")]), domain)
    assert only_text(messages).startswith("Cité n°12 bis de Lens")


def test_without_entities_the_whole_sentence_is_searched(service, domain):
    text = "c'est qui le bailleur de la cité des Genettes"
    messages, _ = run(ActionCiteStatus(), tracker(text, "ask_cite_status"), domain)
    assert only_text(messages).startswith("Cité des Genettes : à Liévin.")
    # Two Cités des Alouettes (Bully-les-Mines and Bruay-la-Buissière): a question with both, never a pick.
    both, _ = run(ActionCiteStatus(), tracker("c'est qui le bailleur de la cité des Alouettes", "ask_cite_status"), domain)
    assert only_text(both).startswith("Plusieurs cités correspondent à")
    assert len(payloads(both[0])) == 2


def test_a_known_landlord_number_of_homes_and_operation_are_stated(service, domain):
    messages, _ = run(ActionCiteStatus(), tracker("cite schneider", "ask_cite_status", [("cite", "cite schneider")]), domain)
    answer = only_text(messages)
    assert "Bailleur : Maisons & Cités." in answer and "Nombre de logements : 219." in answer
    lemay = run(ActionCiteStatus(), tracker("cite lemay", "ask_cite_status", [("cite", "cite lemay")]), domain)[0]
    assert "Opération : Hors ERBM (réhabilitation antérieure au programme)." in only_text(lemay)


def test_a_follow_up_without_a_name_is_about_the_cite_of_the_previous_answer(service, domain):
    messages, _ = run(
        ActionCiteStatus(), tracker("et quand commencent les travaux ?", "ask_cite_status", cite_id=AGACHE), domain
    )
    assert only_text(messages).startswith("Cité Agache : à Fenain.")


def test_a_cite_that_is_no_longer_in_the_programme_data_is_not_a_service_failure(service, domain):
    """A remembered cité (or an old button's id) the service answers 404 for: the bot asks which cité is meant,
    it does not say the service is unavailable."""
    gone = "cite-qui-n-existe-plus"
    follow_up = tracker("et quand commencent les travaux ?", "ask_cite_status", cite_id=gone)
    messages, events = run(ActionCiteStatus(), follow_up, domain)
    assert only_text(messages).startswith("De quelle cité parlez-vous ?")
    old_button = tracker('/ask_cite_status{"cite_id": "%s"}' % gone, "ask_cite_status", [("cite_id", gone)])
    messages, _ = run(ActionCiteStatus(), old_button, domain)
    assert only_text(messages).startswith("De quelle cité parlez-vous ?")
    assert all(m.get("response") != "utter_service_unavailable" for m in messages)


def test_a_question_that_names_no_cite_gets_a_question_not_a_guess(service, domain):
    messages, events = run(ActionCiteStatus(), tracker("où en est la rénovation de ma cité ?", "ask_cite_status"), domain)
    answer = only_text(messages)
    assert answer.startswith("De quelle cité parlez-vous ?")
    assert "Renaissance" not in answer  # the service's weak suggestion for « rénovation » is not offered
    assert slot(events, "topic") == "cites" and slot(events, "cite_id") is None


def test_an_ambiguous_name_gets_a_question_with_buttons_and_a_button_gives_the_answer(service, domain):
    text = "renovation cite de la croix on en est ou ?"
    messages, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", [("cite", "cite de la croix")]), domain)
    assert only_text(messages).startswith("Voulez-vous dire « Cité de la Croix-de-Pierre » ?")
    assert payloads(messages[0]) == ['/ask_cite_status{"cite_id": "cite-de-la-croix-de-pierre"}']
    assert slot(events, "cite_id") is None

    several, _ = run(ActionCiteStatus(), tracker("croi", "ask_cite_status", [("cite", "croi")]), domain)
    assert only_text(several).startswith("Plusieurs cités correspondent à « croi ». Laquelle voulez-vous dire ?")
    assert len(payloads(several[0])) >= 2

    button = tracker('/ask_cite_status{"cite_id": "cite-de-la-croix-de-pierre"}', "ask_cite_status",
                     [("cite_id", "cite-de-la-croix-de-pierre")])
    answer = only_text(run(ActionCiteStatus(), button, domain)[0])
    assert answer.startswith("Cité de la Croix-de-Pierre : à Dechy.")  # the ERBM layer names its commune
    assert "Nombre de logements : 276." in answer


def test_a_name_the_nlu_cut_in_pieces_is_searched_whole(service, domain):
    text = "renovation cite de la croix on en est ou ?"
    pieces = [{"entity": "cite", "value": "cite de", "start": 11, "end": 18},
              {"entity": "cite", "value": "croix", "start": 22, "end": 27},
              {"entity": "commune", "value": "croix", "start": 22, "end": 27}]
    track = Tracker("test", {}, {"text": text, "intent": {"name": "ask_cite_status"}, "entities": pieces},
                    [], False, None, {}, "action_listen")
    messages, _ = run(ActionCiteStatus(), track, domain)
    assert only_text(messages).startswith("Voulez-vous dire « Cité de la Croix-de-Pierre » ?")


def test_only_a_commune_asks_which_of_its_cites(service, domain):
    messages, _ = run(ActionCiteStatus(), tracker("les cites de wallers", "ask_cite_status"), domain)
    assert only_text(messages).startswith("Voici les cités minières que je connais à Wallers.")
    assert '/ask_cite_status{"cite_id": "quartier-arenberg-wallers"}' in payloads(messages[0])
    assert len(payloads(messages[0])) == 4  # Drève, Bosquet, Nouveau Monde, Arenberg


def test_an_unknown_cite_is_not_found_with_the_closest_names_as_suggestions_only(service, domain):
    text = "la cité des Lilas les travaux c'est pour quand"
    messages, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", [("cite", "cité des Lilas")]), domain)
    answer = only_text(messages)
    assert answer.startswith("Je ne trouve pas « cité des Lilas » parmi les cités que je connais.")
    assert "Noms les plus proches dans mes données : " in answer and "Choisissez-en un" in answer
    assert "État des travaux" not in answer and "Bailleur" not in answer  # nothing presented as found
    assert 1 <= len(payloads(messages[0])) <= 3
    assert ("cite_id" in [e.get("name") for e in events]) and slot(events, "cite_id") is None


def test_after_an_unknown_cite_a_follow_up_is_not_answered_about_the_previous_one(service, domain):
    text = "et la cite des lilas ?"
    _, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", [("cite", "cite des lilas")], cite_id=AGACHE), domain)
    assert "cite_id" in [e.get("name") for e in events] and slot(events, "cite_id") is None


def test_an_unknown_cite_in_a_named_commune_lists_the_cites_of_that_commune(service, domain):
    text = "la cité des Lilas à Douai"
    entities = [("cite", "cité des Lilas"), ("commune", "Douai")]
    messages, _ = run(ActionCiteStatus(), tracker(text, "ask_cite_status", entities), domain)
    answer = only_text(messages)
    assert answer.startswith("Je ne trouve pas « cité des Lilas » parmi les cités que je connais à Douai.")
    assert "À Douai, je connais : Cité Saint-Joseph, Cité de la Clochette, " in answer
    assert "Cité de la Mouchonnière" in answer and "Cité des corons verts et Cité du Godion." in answer
    # whom to ask about a cité the data do not know: the landlord of the commune's cités
    # (five of Douai's eight have no landlord in the sources: not « all are at Maisons & Cités »)
    assert ("vous pouvez demander à son bailleur. Parmi les cités que je connais à Douai, certaines sont chez "
            "Maisons & Cités ; pour les autres, mes sources ne donnent pas le bailleur.") in answer
    assert len(payloads(messages[0])) == 6  # the buttons the channel shows at most


def test_a_sentence_about_a_commune_that_names_no_cite_asks_which_of_its_cites(service, domain):
    messages, _ = run(ActionCiteStatus(), tracker("où en est la rénovation à Douai ?", "ask_cite_status"), domain)
    answer = only_text(messages)
    assert answer.startswith("Voici les cités minières que je connais à Douai. Laquelle vous intéresse ?")
    assert "Renaissance" not in answer and len(payloads(messages[0])) == 6


# --- The cités of a commune ----------------------------------------------------------------------------------


def test_the_cites_of_a_commune_are_listed_with_their_status(service, domain):
    set_status(service, MOUCHONNIERE, {"statut": "programmee", "debut_travaux_prevu": "2027-01-15"})
    text = "il y a quelles cités en travaux à Douai ?"
    messages, events = run(ActionCitesCommune(), tracker(text, "ask_cites_commune", [("commune", "Douai")]), domain)
    answer = only_text(messages)
    assert answer.splitlines()[:3] == [
        "À Douai, je connais 8 cités minières :",
        "- Cité Saint-Joseph : statut inconnu",
        "- Cité de la Clochette : statut inconnu",
    ]
    assert "- Cité de la Mouchonnière : travaux programmés" in answer.splitlines()
    assert "« statut inconnu » veut dire" in answer
    assert len(payloads(messages[0])) == 6
    assert slot(events, "topic") == "cites" and slot(events, "commune") == "Douai"


@pytest.mark.parametrize(
    "text, entities, first_line",
    [
        ("et fenain ?", [("commune", "fenain")], "À Fenain, je connais une cité minière :"),
        ("les cites du 62590", [("postal_code", "62590")], "À Oignies, je connais 4 cités minières :"),
        ("cites minieres a arras", [("commune", "arras")], "Je ne connais aucune cité minière à Arras."),
    ],
)
def test_a_commune_with_one_cite_or_none(service, domain, text, entities, first_line):
    messages, _ = run(ActionCitesCommune(), tracker(text, "inform_place", entities), domain)
    assert only_text(messages).splitlines()[0].startswith(first_line)


def test_a_postal_code_of_several_communes_lists_each_of_them(service, domain):
    messages, _ = run(ActionCitesCommune(), tracker("cites 62300", "ask_cites_commune", [("postal_code", "62300")]), domain)
    assert messages[0]["response"] == "utter_postal_code_several"
    # Lens has more than ten cités minières (the complaint was « je ne connais aucune cité… à Lens »)
    assert [m["text"].splitlines()[0] for m in messages[1:]] == [
        "À Lens, je connais 15 cités minières :",
        "À Éleu-dit-Leauwette, je connais 2 cités minières :",
    ]
    assert "… et 3 autres : écrivez le nom de la vôtre." in messages[1]["text"]  # 12 listed by name


def test_an_unknown_commune_is_said_so_by_the_commune_responses(service, domain):
    messages, _ = run(ActionCitesCommune(), tracker("cites a zzzville", "ask_cites_commune", [("commune", "zzzville")]), domain)
    assert [m["response"] for m in messages] == ["utter_commune_not_found"]


def test_no_commune_at_all_asks_for_one(service, domain):
    messages, events = run(ActionCitesCommune(), tracker("quelles cites dans ma commune", "ask_cites_commune"), domain)
    assert [m["response"] for m in messages] == ["utter_ask_commune"]
    assert slot(events, "topic") == "cites"


# --- Service down --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, track",
    [
        (ActionCiteStatus(), tracker("cite agache", "ask_cite_status", [("cite", "cite agache")])),
        (ActionCitesCommune(), tracker("les cites de douai", "ask_cites_commune", [("commune", "Douai")])),
    ],
    ids=["cite status", "cites of a commune"],
)
def test_when_the_service_is_down_the_bot_says_so(service_down, domain, action, track):
    messages, events = run(action, track, domain)
    assert [m["response"] for m in messages] == ["utter_service_unavailable"]
    assert events == [SlotSet("topic", "cites")]


def test_the_word_cite_alone_is_no_cite_name(service, domain):
    # « la cité » tagged as a name by the NLU: the bot asks which cité instead of « je ne trouve pas « cité » ».
    text = "dans ma cite miniere les murs sont pleins de salpetre, qui appeler ?"
    messages, _ = run(ActionCiteStatus(), tracker(text, "ask_cite_status", entities=(("cite", "cite miniere"),)), domain)
    assert only_text(messages).startswith("De quelle cité parlez-vous ?"), only_text(messages)


def test_the_landlord_of_the_commune_s_cites_is_said_of_all_only_when_every_one_has_it(service, domain):
    entities = [("cite", "cité des Lilas"), ("commune", "Harnes")]
    messages, _ = run(ActionCiteStatus(), tracker("la cité des Lilas à Harnes", "ask_cite_status", entities), domain)
    assert "Les cités que je connais à Harnes sont chez Maisons & Cités." in only_text(messages)


def test_the_commune_answered_to_which_one_picks_the_numbered_cite(service, domain):
    """« la cité n°9 » — « Dans quelle commune ? » — « à Lens » listed every cité of Lens instead of Cité n°9."""
    messages, events = run(ActionCiteStatus(), tracker("ou en est la cite n 9", "ask_cite_status"), domain)
    assert "Dans quelle commune est la vôtre ?" in only_text(messages)
    candidates = slot(events, "cite_candidates")
    assert len(candidates) > 1
    messages, events = run(ActionCitesCommune(), tracker("a lens", "inform_place", [("commune", "Lens")],
                                                         cite_candidates=candidates), domain)
    assert only_text(messages).startswith("Cité n°9 de Lens") and slot(events, "cite_id") == "cite-n-9-de-lens-lens"
    assert slot(events, "cite_candidates") is None
    messages, _ = run(ActionCitesCommune(), tracker("a Douai", "inform_place", [("commune", "Douai")],
                                                    cite_candidates=candidates), domain)
    assert only_text(messages).startswith("À Douai, je connais")  # none of them there: the commune's cités


def test_a_cite_named_with_its_commune_is_never_one_of_another_commune(service, domain):
    # « jhabite la cite des 120 a lens … c pour quand » described the Coron des 120 of Anzin
    text = "jhabite la cite des 120 a lens, on nous a dit que ca serait refait, c pour quand"
    messages, events = run(ActionCiteStatus(), tracker(text, "ask_cite_status", [("cite", "cite des 120"),
                                                                                  ("commune", "lens")]), domain)
    answer = only_text(messages)
    assert answer.startswith("Je ne trouve pas « cite des 120 » parmi les cités que je connais à Lens."), answer
    assert "Coron des 120 :" not in answer  # named as a close name only, never described as the one found
    assert slot(events, "cite_id") is None
