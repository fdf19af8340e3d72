"""The hand-off actions against the real programme-data service: which service and why, consent, the public
contact without consent, the request with a reference, withdrawal, the service down, two misunderstandings."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import requests
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from assistant.handoff import officers
from actions.out_of_scope import ActionOutOfScope
from actions.programme_client import client

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def up(programme_url, monkeypatch) -> str:
    monkeypatch.setattr(client, "base_url", programme_url)
    return programme_url


@pytest.fixture
def down(closed_port_url, monkeypatch) -> str:
    monkeypatch.setattr(client, "base_url", closed_port_url)
    return closed_port_url


def tracker(slots: dict | None = None, events: list | None = None, intent: str = "ask_human") -> Tracker:
    latest = {"text": "je veux parler à quelqu'un", "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return Tracker(
        sender_id="test-resident",
        slots={"commune": None, "topic": None, **(slots or {})},
        latest_message=latest,
        events=events if events is not None else [{"event": "user", "text": latest["text"], "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker) -> tuple[str, list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    text = "\n".join(
        (m.get("text") or _response(m)) for m in dispatcher.messages
    )
    return text, dispatcher.messages, events


def _response(message: dict) -> str:
    template = DOMAIN["responses"][message["response"]][0]["text"]
    values = {k: v for k, v in message.items() if k not in ("response", "template")}
    return template.format_map({**{k: "{" + k + "}" for k in re.findall(r"{(\w+)}", template)}, **values})


def slot(events, name):
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name][-1]


def test_every_response_exists():
    for name in handoff.RESPONSES:
        assert name in DOMAIN["responses"], name


@pytest.mark.parametrize(
    "slots,service,why",
    [
        ({"topic": "cites", "cite_id": "cite-darcy-henin-beaumont"}, "Maisons & Cités", "bailleur de Cité Darcy"),
        ({"topic": "cites", "cite_id": "cite-renaissance-escaudain"}, "CA de la Porte du Hainaut", "intercommunalité dont fait partie Escaudain"),
        # two landlords, no one service: the intercommunality, and the landlords are not said unknown
        ({"topic": "cites", "cite_id": "cite-des-genettes-lievin"}, "CA de Lens - Liévin",
         "le bailleur de Cité des Genettes est : Maisons & Cités et SIA Habitat"),
        ({"topic": "emploi", "emploi_commune_insee": "59014"}, "Mission Locale Jeunes du Valenciennois", "indiquent à Anzin"),
        ({"topic": "emploi", "emploi_commune": "Liévin"}, "France Travail Lens", "pour l'intercommunalité CA de Lens - Liévin, dont fait partie Liévin"),
        ({"topic": "emploi", "emploi_commune_insee": "59350"}, "Délégation interministérielle",
         "directement à une structure pour l'emploi"),  # none to send it to: not « none known » (the directory may list some)
        # the cités of a commune, none chosen: no « landlord of this cité » to speak of
        ({"topic": "cites", "commune": "Harnes"}, "CA de Lens - Liévin", "orientera votre question sur les cités"),
        ({"topic": "bud", "bud_commune": "Douai"}, "questions des entreprises (BUD)", "service des impôts des entreprises (SIE)"),
        ({}, "Délégation interministérielle au renouveau du bassin minier", "à Oignies"),
    ],
)
def test_the_offer_names_the_service_and_why_then_asks_consent(up, slots, service, why):
    text, _, events = run(handoff.ActionHandoffOffer(), tracker(slots))
    assert "Je peux transmettre votre demande à : " in text and service in text.split("\n")[0]
    assert why in text
    for words in ("votre accord", "votre nom", "e-mail ou téléphone", "Pourquoi", "30 jours", "Qui les verra", "Êtes-vous d'accord"):
        assert words in text
    assert slot(events, "handoff_service_id")


def test_without_consent_the_public_contact_is_given_and_nothing_kept(up):
    text, _, events = run(handoff.ActionHandoffDeclined(), tracker({"handoff_service_id": "delegation-erbm"}))
    assert "je n'enregistre rien" in text
    assert "Carreau de Fosse 9/9bis, rue du Tordoir, 62590 Oignies" in text and "Source :" in text
    assert slot(events, "handoff_name") is None and slot(events, "handoff_contact") is None


def _check_stopped_by_a_request_for_a_person() -> list:
    return [
        {"event": "active_loop", "name": "bud_form"},
        {"event": "user", "text": "je voudrais parler a quelqu'un"},
        {"event": "action", "name": "action_deactivate_loop"},
        {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_handoff_offer"},
        {"event": "user", "text": "non finalement pas besoin"},
    ]


def test_declining_a_person_asked_for_during_the_bud_check_goes_back_to_the_check(up):
    """The check ended with the offer: « non » to it, then the next answer got « je n'ai pas compris »."""
    text, _, events = run(handoff.ActionHandoffDeclined(), tracker({"handoff_service_id": "delegation-erbm"},
                                                                    events=_check_stopped_by_a_request_for_a_person()))
    assert "je n'enregistre rien" in text and "Reprenons la vérification" in text
    assert {"event": "followup", "name": "bud_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]


def test_declining_a_person_asked_for_after_a_verdict_does_not_restart_anything(up):
    events = [{"event": "active_loop", "name": "bud_form"}, {"event": "active_loop", "name": None},
              {"event": "action", "name": "action_bud_verdict"}, {"event": "user", "text": "un conseiller"},
              {"event": "action", "name": "action_handoff_offer"}, {"event": "user", "text": "non"}]
    text, _, out = run(handoff.ActionHandoffDeclined(), tracker({"handoff_service_id": "delegation-erbm"}, events=events))
    assert "Reprenons" not in text and not [e for e in out if e.get("event") == "followup"]


def test_without_consent_an_unknown_contact_is_said_so(up):
    text, _, _ = run(handoff.ActionHandoffDeclined(), tracker({"handoff_service_id": "bailleur-sia-habitat"}))
    assert "Je n'ai pas de coordonnées publiques de SIA Habitat" in text
    assert "62590 Oignies" in text  # the delegation's address instead, never an invented one


@pytest.mark.parametrize(
    "typed,expected",
    [("06 12 34 56 78", "06 12 34 56 78"), ("0612345678", "06 12 34 56 78"), ("+33 6 12 34 56 78", "06 12 34 56 78"),
     ("marie.dupont@exemple.fr", "marie.dupont@exemple.fr"), ("06 12 34", None), ("marie@", None), ("oui", None),
     ("", None)],
)
def test_contacts(typed, expected):
    assert handoff.normalise_contact(typed) == expected


@pytest.mark.parametrize(
    "typed,expected",
    [("Marie Dupont", "Marie Dupont"), (" Jean-Luc  Lefèvre.", "Jean-Luc Lefèvre"), ("N'Diaye", "N'Diaye"),
     ("06 12 34 56 78", None), ("a", None), ("marie@exemple.fr", None)],
)
def test_names(typed, expected):
    assert handoff.normalise_name(typed) == expected


def test_consent_then_a_request_with_a_reference_then_withdrawn(up):
    events = [
        {"event": "user", "text": "où en est la cité Darcy ?", "parse_data": {"intent": {"name": "ask_cite_status"}}},
        {"event": "bot", "text": "Cité Darcy : à Hénin-Beaumont."},
        {"event": "user", "text": "je veux parler à quelqu'un", "parse_data": {"intent": {"name": "ask_human"}}},
        {"event": "action", "name": "action_handoff_offer"},
        {"event": "user", "text": "Marie Dupont", "parse_data": {"intent": {"name": "inform"}}},
    ]
    slots = {"topic": "cites", "cite_id": "cite-darcy-henin-beaumont", "handoff_name": "Marie Dupont",
             "handoff_contact": "06 12 34 56 78"}
    assert [line["text"] for line in handoff.transcript(tracker(slots, events))] == [
        "où en est la cité Darcy ?", "Cité Darcy : à Hénin-Beaumont.", "je veux parler à quelqu'un"]
    text, _, out = run(handoff.ActionHandoffSubmit(), tracker(slots, events))
    reference = re.search(r"BM-[2-9A-Z]{4}-[2-9A-Z]{4}", text).group(0)
    assert ("votre demande est transmise à Maisons & Cités, au nom de Marie Dupont, pour vous joindre par : "
            "06 12 34 56 78.") in text  # said back: they may have been given earlier in the conversation
    assert re.search(r"d'ici le (lundi|mardi|mercredi|jeudi|vendredi) \d+(er)? \w+ à \d+ h", text)
    assert "code de retrait" in text
    assert slot(out, "handoff_name") is None and slot(out, "handoff_contact") is None
    secret = slot(out, "handoff_secret")
    filed = {"handoff_reference": reference, "handoff_secret": secret, "handoff_expected": "lundi 14 décembre à 9 h"}
    for question in ("c quoi mon numero de demande deja", "ma demande est bien partie ?"):
        # read as withdraw_handoff, these erased the request: they are told where it stands, and it stays
        asked = tracker(filed, intent="withdraw_handoff")
        asked.latest_message["text"] = question
        text, _, _ = run(handoff.ActionHandoffWithdraw(), asked)
        assert text.startswith(f"Votre demande {reference} est bien reçue : elle attend qu'un agent de Maisons & Cités "
                               f"la prenne en charge")
        assert f"Votre code de retrait : {secret}." in text
    # a yes to « Voulez-vous retirer votre demande … ? » withdraws it (« je retire ma demande »: tests/e2e), then the
    # bot listens (reached as the fallback's follow-up, it was run again and again for the same « oui »)
    yes = [_answer("stop", "stop"), _bot("utter_handoff_withdraw_ask"), _answer("affirm", "oui")]
    text, _, events = run(handoff.ActionHandoffWithdraw(), tracker(filed, events=yes, intent="affirm"))
    assert events[-1] == {"event": "followup", "name": "action_listen", "timestamp": None}
    assert f"Votre demande {reference} est retirée" in text
    assert slot(events, "handoff_reference") == reference and slot(events, "handoff_secret") is None
    again = requests.post(f"{up}/handoff/requests/withdraw", json={"reference": reference, "secret": secret}, timeout=5)
    assert again.status_code == 404
    # then « elle en est où ma demande ? » is told it was withdrawn (it was « je n'ai pas de demande »)
    asked = tracker({"handoff_reference": reference, "handoff_secret": None}, intent="ask_handoff_status")
    asked.latest_message["text"] = "et ma demande alors, elle en est où ?"
    assert run(handoff.ActionHandoffStatus(), asked)[0].startswith(f"Votre demande {reference} a été retirée")


def test_a_request_is_withdrawn_in_another_conversation_with_its_reference_and_code(up):
    slots = {"topic": "autre", "handoff_name": "Marie Dupont", "handoff_contact": "06 12 34 56 78"}
    text, _, out = run(handoff.ActionHandoffSubmit(), tracker(slots))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")

    def withdrawn(typed: str) -> str:
        t = tracker(intent="withdraw_handoff")  # a new conversation: no reference held
        t.latest_message["text"] = typed
        return run(handoff.ActionHandoffWithdraw(), t)[0]

    assert "ne vont pas ensemble" in withdrawn(f"je retire ma demande {reference} code 22222-22222")
    assert f"Votre demande {reference} est retirée" in withdrawn(
        f"bonjour je retire ma demande {reference.lower()}, mon code c'est {secret.replace('-', '').lower()}")
    assert "Je n'ai pas de demande" in withdrawn("je retire ma demande")


def test_where_a_request_stands_is_read_from_the_service(up, served_programme):
    slots = {"topic": "autre", "handoff_name": "Marie Dupont", "handoff_contact": "06 12 34 56 78"}
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker(slots))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")
    filed = {"handoff_reference": reference, "handoff_secret": secret, "handoff_expected": "lundi 14 décembre à 9 h"}

    def status(typed: str, slots: dict | None = None) -> str:
        asked = tracker(slots, intent="ask_handoff_status")
        asked.latest_message["text"] = typed
        return run(handoff.ActionHandoffStatus(), asked)[0]

    waiting = status("on me rappelle quand ?", filed)
    assert re.match(rf"Votre demande {reference} est bien reçue : elle attend qu'un agent de la Délégation .+ la prenne "
                    r"en charge, et une réponse est prévue d'ici le (lundi|mardi|mercredi|jeudi|vendredi) \d+(er)? \w+ "
                    r"à \d+ h", waiting), waiting
    assert f"Votre code de retrait : {secret}." in waiting  # this conversation's own request
    # in another conversation: the reference and the code, else the code is asked for
    elsewhere = status(f"ou en est ma demande {reference.lower()} code {secret.replace('-', '')}")
    assert elsewhere.startswith(f"Votre demande {reference} est bien reçue") and secret not in elsewhere
    assert "il me faut aussi son code de retrait" in status(f"ma demande {reference} elle avance ?")
    assert "Je ne trouve pas de demande" in status(f"où en est {reference} code 22222-22222")
    assert status("on me rappelle quand ?").startswith("Je n'ai pas de demande de votre part")
    # an officer takes it, calls back, closes it: each step is told as the service has it
    url, engine = served_programme
    with engine.begin() as conn:
        officers.add(conn, "agent.suivi", "Agent Suivi", "delegation-erbm", "un mot de passe assez long")
    signed = {"login": "agent.suivi", "password": "un mot de passe assez long"}
    token = requests.post(f"{url}/officer/session", json=signed, timeout=5).json()["jeton"]

    def officer(step: str, body: dict | None = None) -> None:
        answer = requests.post(f"{url}/officer/requests/{reference}/{step}", json=body,
                               headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert answer.status_code == 200, answer.text

    officer("take")
    assert re.match(rf"Un agent de la Délégation .+ a pris votre demande {reference} en charge le \w+ \d+",
                    status("toujours rien ?", filed))
    officer("called-back")
    assert "vous a contacté le" in status("personne m'a appelé", filed)
    officer("close", {"issue": "unreachable"})
    closed = status("des nouvelles ?", filed)
    assert "a essayé de vous joindre" in closed and "sans y arriver" in closed and secret not in closed


def test_the_code_given_after_the_reference_in_another_conversation(up):
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                             "handoff_contact": "06 12 34 56 78"}))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")

    def then(first: str, intent: str, action, response: str, typed: str, read_as: str) -> str:
        said = [_answer(intent, first), _bot(response), _answer(read_as, typed)]
        t = tracker(events=said, intent=read_as)
        t.latest_message["text"] = typed
        return run(action, t)[0]

    # « où en est BM-… ? », asked for the code: the code alone (read as anything) is the answer
    status = then(f"où en est ma demande {reference} ?", "ask_handoff_status", handoff.ActionNotUnderstood(),
                  "utter_handoff_status_needs_code", secret, "inform")
    assert status.startswith(f"Votre demande {reference} est bien reçue")
    status = then(f"ma demande {reference.lower()}", "ask_handoff_status", handoff.ActionHandoffStatus(),
                  "utter_handoff_status_needs_code", f"voilà le code {secret.lower()}", "ask_handoff_status")
    assert status.startswith(f"Votre demande {reference} est bien reçue")
    # a word of ten letters is no code: the code is asked for again
    asked_again = then(f"ma demande {reference}", "ask_handoff_status", handoff.ActionHandoffStatus(),
                       "utter_handoff_status_needs_code", "quelqu'un me rappellera ?", "ask_handoff_status")
    assert "il me faut aussi son code de retrait" in asked_again
    # « je retire ma demande BM-… », told to give the code too: the code alone withdraws it
    withdrawn = then(f"je retire ma demande {reference}", "withdraw_handoff", handoff.ActionNotUnderstood(),
                     "utter_handoff_nothing_to_withdraw", secret.replace("-", ""), "inform")
    assert f"Votre demande {reference} est retirée" in withdrawn
    # a bare answer that is no code, there (data/rules/handoff.yml), is not understood, as without the rule
    for action in (handoff.ActionHandoffStatus(), handoff.ActionHandoffWithdraw()):
        said = [_answer("ask_handoff_status", f"ma demande {reference}"), _bot("utter_handoff_status_needs_code"),
                _answer("inform", "a lens")]
        t = tracker(events=said, intent="inform")
        t.latest_message["text"] = "a lens"
        assert run(action, t)[2] == [{"event": "followup", "name": "action_default_fallback", "timestamp": None}]


def test_a_withdrawal_with_reference_and_code_read_as_a_status_question_withdraws(up):
    """« je retire ma demande BM-…, code … » (the bot's own example) read as ask_handoff_status or not understood
    was told where the request stands, and it stayed."""
    for action, read_as in ((handoff.ActionHandoffStatus(), "ask_handoff_status"),
                            (handoff.ActionNotUnderstood(), "nlu_fallback")):
        _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                                 "handoff_contact": "06 12 34 56 78"}))
        reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")
        t = tracker(intent=read_as)  # another conversation
        t.latest_message["text"] = f"je retire ma demande {reference}, code {secret}"
        assert f"Votre demande {reference} est retirée" in run(action, t)[0]


def test_a_request_found_with_its_code_is_then_this_conversations(up):
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                             "handoff_contact": "06 12 34 56 78"}))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")
    t = tracker(intent="ask_handoff_status")  # another conversation, the code typed with a space
    t.latest_message["text"] = f"ou en est {reference.lower()} {secret.replace('-', ' ').lower()}"
    text, _, events = run(handoff.ActionHandoffStatus(), t)
    assert text.startswith(f"Votre demande {reference} est bien reçue")
    assert slot(events, "handoff_reference") == reference and slot(events, "handoff_secret") == secret
    # then « ok je veux la retirer » asks to confirm that one, as in the conversation that made it
    later = tracker({"handoff_reference": reference, "handoff_secret": secret}, intent="ask_handoff_status")
    later.latest_message["text"] = "ok je veux la retirer en fait"
    assert f"Voulez-vous retirer votre demande {reference} ?" in run(handoff.ActionHandoffStatus(), later)[0]


def test_a_forgotten_code_withdraws_nothing(up):
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                             "handoff_contact": "06 12 34 56 78"}))
    filed = {"handoff_reference": slot(out, "handoff_reference"), "handoff_secret": slot(out, "handoff_secret")}
    for action, read_as in ((handoff.ActionHandoffStatus(), "ask_handoff_status"),
                            (handoff.ActionHandoffWithdraw(), "withdraw_handoff")):
        asked = tracker(filed, intent=read_as)
        asked.latest_message["text"] = "j'ai oublié mon code de retrait"  # « oubli » cancels a « non », not this
        text = run(action, asked)[0]
        assert "est bien reçue" in text and "Voulez-vous retirer" not in text


@pytest.mark.parametrize("typed", ["quand est ce qu'un conseiller va me rappeler ? ma demande c'est {reference}",
                                   "{reference} cette femme attend"])
def test_words_are_no_code(up, typed):
    t = tracker(intent="ask_handoff_status")
    t.latest_message["text"] = typed.format(reference="BM-H69C-X39Y")
    assert "il me faut aussi son code de retrait" in run(handoff.ActionHandoffStatus(), t)[0]


def test_where_a_request_stands_when_the_service_is_down(down):
    filed = {"handoff_reference": "BM-ABCD-EFGH", "handoff_secret": "JKMNP-QRSTV",
             "handoff_expected": "lundi 14 décembre à 9 h"}
    asked = tracker(filed, intent="ask_handoff_status")
    text = run(handoff.ActionHandoffStatus(), asked)[0]
    assert text.startswith("Votre demande BM-ABCD-EFGH est bien enregistrée : un agent vous répondra d'ici le lundi "
                           "14 décembre à 9 h. Votre code de retrait : JKMNP-QRSTV.")  # what the conversation knows
    asked = tracker(intent="ask_handoff_status")
    asked.latest_message["text"] = "où en est BM-ABCD-EFGH code JKMNP-QRSTV"
    assert "je n'arrive pas à consulter les demandes" in run(handoff.ActionHandoffStatus(), asked)[0]


def test_nothing_to_withdraw(up):
    text, _, _ = run(handoff.ActionHandoffWithdraw(), tracker())
    assert "Je n'ai pas de demande de votre part" in text


def test_a_withdrawal_read_just_after_a_no_is_a_changed_mind_asked_back(up):
    declined = [{"event": "user", "text": "non"}, {"event": "action", "name": "action_handoff_declined"},
                {"event": "user", "text": "bon ok je veux bien un rappel en fait"}]
    text, _, events = run(handoff.ActionHandoffWithdraw(), tracker(events=declined, intent="withdraw_handoff"))
    assert text == "Voulez-vous finalement que je transmette votre demande à un conseiller ?" and events == []


def test_a_stop_after_a_request_was_recorded_asks_whether_to_withdraw_it(up):
    filed = {"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"}
    text, _, events = run(handoff.ActionStopWithNothingRunning(), tracker(filed, intent="stop"))
    assert text == "Voulez-vous retirer votre demande BM-AAAA-BBBB ? Vos données seraient alors effacées." and events == []
    text, _, _ = run(handoff.ActionStopWithNothingRunning(), tracker(intent="stop"))
    assert text == "D'accord. Avez-vous une autre question ?"
    asked = [_answer("stop", "laissez tomber"), _bot("utter_handoff_withdraw_ask")]
    _, _, events = run(handoff.ActionDefaultFallback(), tracker(filed, events=asked + [_answer("affirm", "oui")], intent="affirm"))
    assert events == [{"event": "followup", "name": "action_handoff_withdraw", "timestamp": None}]
    text, _, _ = run(handoff.ActionDefaultFallback(), tracker(filed, events=asked + [_answer("deny", "non")], intent="deny"))
    assert text.startswith("D'accord, votre demande reste transmise.")


@pytest.mark.parametrize("cancel", ["en fait non annule", "non laissez tomber", "non non effacez mes données",
                                    "non j'ai oublié, retirez-la"])
def test_a_no_just_after_a_request_was_recorded_asks_whether_to_withdraw_it(up, cancel):
    # « en fait non annule » (read as a no) right after the request was recorded: « D'accord », and the request stayed.
    # The cancelling words are the dialogue rules' (GET /dialogue/parameters, handoff.cancelling_words).
    filed = {"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"}
    just_filed = [_answer("inform", "06 12 34 56 78"), {"event": "action", "name": "action_handoff_submit"},
                  _bot("utter_handoff_anything_else"), _answer("deny", cancel)]
    t = tracker(filed, events=just_filed, intent="deny")
    t.latest_message["text"] = cancel
    text, _, _ = run(handoff.ActionDefaultFallback(), t)
    assert text == "Voulez-vous retirer votre demande BM-AAAA-BBBB ? Vos données seraient alors effacées."
    plain_no = just_filed[:-1] + [_answer("deny", "non")]  # no other question: a goodbye, the request stays
    t = tracker(filed, events=plain_no, intent="deny")
    t.latest_message["text"] = "non"
    text, _, _ = run(handoff.ActionDefaultFallback(), t)
    assert text == "Au revoir, et bonne journée !"


@pytest.mark.parametrize("asked", ["utter_thank", "utter_nothing_to_stop", "utter_emploi_end"])
def test_a_no_to_any_other_question_is_a_goodbye(up, asked):
    # « non » to « Avez-vous une autre question ? » got « D'accord. Que puis-je faire d'autre pour vous ? » every time
    text, _, _ = run(handoff.ActionDefaultFallback(), tracker(events=[_answer("thank", "merci"), _bot(asked),
                                                                      _answer("deny", "non")], intent="deny"))
    assert text == "Au revoir, et bonne journée !"


def test_the_service_down_nothing_is_kept_and_the_delegation_is_named(down):
    text, _, _ = run(handoff.ActionHandoffOffer(), tracker({"topic": "bud"}))
    assert "je n'arrive pas à enregistrer de demande" in text and "62590 Oignies" in text
    slots = {"topic": "autre", "handoff_name": "Marie Dupont", "handoff_contact": "06 12 34 56 78"}
    text, _, out = run(handoff.ActionHandoffSubmit(), tracker(slots))
    assert "Rien n'a été gardé" in text and slot(out, "handoff_name") is None


def _fallback(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_two_misunderstandings_in_a_row_suggest_a_person():
    once, _, _ = run(handoff.ActionNotUnderstood(), tracker(events=[_fallback("qsdf")]))
    assert "je n'ai pas compris" in once and "conseiller" not in once.split("\n")[0]
    assert "transmette" not in once
    twice, messages, _ = run(handoff.ActionNotUnderstood(), tracker(events=[
        _fallback("qsdf"), {"event": "action", "name": "action_not_understood"}, {"event": "bot", "text": "?"},
        _fallback("azer")]))
    assert "Voulez-vous que je transmette votre question à un conseiller ?" in twice
    assert any(b["payload"] == "/ask_human" for m in messages for b in DOMAIN["responses"].get(m.get("response"), [{}])[0].get("buttons", []))


def test_why_just_after_a_verdict_is_answered_by_what_decided_it(up):
    verdict = [_answer("inform", "aucune"), {"event": "action", "name": "action_bud_verdict"},
               _bot("utter_bud_verdict_not_eligible"), {"event": "action", "name": "action_listen"}]
    for typed in ("pourquoi ?", "ah bon ? qu'est-ce qui bloque", "pk"):
        asked = tracker(events=[*verdict, _fallback(typed)], intent="nlu_fallback")
        asked.latest_message["text"] = typed
        _, _, events = run(handoff.ActionNotUnderstood(), asked)
        assert events == [{"event": "followup", "name": "action_bud_why", "timestamp": None}], typed
    # elsewhere « pourquoi ? » is not understood, as before (no verdict to explain)
    asked = tracker(events=[_answer("greet", "bonjour"), _bot("utter_greet"), _fallback("pourquoi ?")],
                    intent="nlu_fallback")
    asked.latest_message["text"] = "pourquoi ?"
    text, _, _ = run(handoff.ActionNotUnderstood(), asked)
    assert "je n'ai pas compris" in text.lower()


def test_a_message_no_rule_answered_counts_as_a_first_misunderstanding():
    # « azerty qsdfgh » read as `inform` got Rasa's fallback (« je n'ai pas compris »), then « wxcvbn nbvcxw » was
    # a first misunderstanding again, and no person was offered
    read_as_inform = {"event": "user", "text": "azerty qsdfgh", "parse_data": {"intent": {"name": "inform"}}}
    twice, _, _ = run(handoff.ActionNotUnderstood(), tracker(events=[
        read_as_inform, {"event": "action", "name": "action_default_fallback"},
        {"event": "bot", "text": "Désolé", "metadata": {"utter_action": "utter_default"}}, _fallback("wxcvbn nbvcxw")]))
    assert "Voulez-vous que je transmette votre question à un conseiller ?" in twice


def test_an_answer_a_form_took_is_not_a_first_misunderstanding():
    at_the_form = [_fallback("kevin.lef59@gmail.com"), {"event": "action", "name": "handoff_form"},
                   {"event": "action", "name": "action_handoff_submit"}, _fallback("bof bof")]
    text, _, _ = run(handoff.ActionNotUnderstood(), tracker(events=at_the_form))
    assert "je n'ai pas compris" in text and "transmette" not in text


def test_a_stop_not_quite_understood_after_a_request_asks_whether_to_withdraw_it(up):
    t = tracker({"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"},
                events=[_fallback("en fait non j'annule")], intent="nlu_fallback")
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "stop"}, {"name": "deny"}]
    text, _, _ = run(handoff.ActionNotUnderstood(), t)
    assert text == "Voulez-vous retirer votre demande BM-AAAA-BBBB ? Vos données seraient alors effacées."


def _answer(intent: str, text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.99}}}


def _bot(response: str) -> dict:
    return {"event": "bot", "text": DOMAIN["responses"][response][0]["text"], "metadata": {"utter_action": response}}


@pytest.mark.parametrize("asked_before", [
    [_fallback("qsdf"), _bot("utter_default"), _fallback("azer"), _bot("utter_handoff_not_understood_twice"),
     _bot("utter_handoff_suggest")],
    [_answer("inform", "2"), _bot("utter_bud_verdict_unknown"), _bot("utter_bud_disclaimer"), _bot("utter_handoff_suggest")],
    [_answer("faq", "c'est quoi le numéro de la délégation"), _bot("utter_faq_dont_know"), _bot("utter_handoff_suggest")],
    [_answer("ask_cite_status", "et la cité Agache ?"), {"event": "bot", "text": "Cité Agache : à Fenain. …"},
     _bot("utter_cite_offer_handoff")],
])
def test_a_typed_yes_to_the_suggestion_of_a_person_starts_the_hand_off(up, asked_before):
    yes = _answer("affirm", "oui je veux bien")
    text, messages, events = run(handoff.ActionDefaultFallback(), tracker(events=asked_before + [yes], intent="affirm"))
    assert messages == [] and events == [{"event": "followup", "name": "action_handoff_offer", "timestamp": None}]


def test_a_typed_no_to_the_suggestion_of_a_person_asks_for_another_question(up):
    asked = [_fallback("qsdf"), _bot("utter_handoff_not_understood_twice"), _bot("utter_handoff_suggest")]
    text, _, events = run(handoff.ActionDefaultFallback(), tracker(events=asked + [_answer("deny", "non merci")], intent="deny"))
    assert text == "Avez-vous une autre question ?" and [e["event"] for e in events] == ["rewind"]


@pytest.mark.parametrize("before", [
    [_fallback("qsdf"), _bot("utter_default")],  # « je n'ai pas compris » asks nothing
    [_answer("ask_bud_commune", "Lens est en zone BUD ?"), _bot("utter_handoff_suggest"), _answer("greet", "bonjour"),
     _bot("utter_greet")],  # a suggestion an earlier turn made is not the question of this one
])
def test_a_yes_where_nothing_was_asked_gets_a_kind_answer_not_a_hand_off(up, before):
    text, _, events = run(handoff.ActionDefaultFallback(), tracker(events=before + [_answer("affirm", "oui")], intent="affirm"))
    assert text.startswith("D'accord. Que puis-je faire d'autre pour vous ?") and "compris" not in text
    assert [e["event"] for e in events] == ["rewind"]


def _action(name: str) -> dict:
    return {"event": "action", "name": name}


@pytest.mark.parametrize("ended, asked_back", [
    ([_answer("ask_human", "un conseiller svp"), _action("action_handoff_offer"), _answer("deny", "non"),
      _action("action_handoff_declined"), {"event": "bot", "text": "D'accord, je n'enregistre rien sur vous. …"}],
     "Voulez-vous finalement que je transmette votre demande à un conseiller ?"),
    ([_answer("stop", "stop"), _action("action_deactivate_loop"), _action("utter_bud_stopped"), _bot("utter_bud_stopped")],
     "Voulez-vous reprendre la vérification de votre entreprise là où nous en étions ?"),
])
def test_a_yes_right_after_a_no_or_a_stop_is_asked_back_before_anything_starts_again(up, ended, asked_back):
    text, _, events = run(handoff.ActionDefaultFallback(), tracker(events=ended + [_answer("affirm", "bon ok")], intent="affirm"))
    assert text == asked_back and [e["event"] for e in events] == ["rewind"]
    text, _, _ = run(handoff.ActionDefaultFallback(), tracker(
        events=ended + [_answer("greet", "bonjour"), _action("utter_greet"), _answer("affirm", "ok")], intent="affirm"))
    assert text.startswith("D'accord. Que puis-je faire d'autre pour vous ?")  # only right after it


def test_a_yes_to_resume_the_stopped_check_starts_it_again_where_it_was(up):
    asked = [_action("utter_bud_stopped"), _bot("utter_bud_stopped"), _answer("affirm", "on continue"),
             _bot("utter_bud_resume_ask")]
    text, _, events = run(handoff.ActionDefaultFallback(), tracker(events=asked + [_answer("affirm", "oui")], intent="affirm"))
    assert "Reprenons la vérification" in text and events == [{"event": "followup", "name": "bud_form", "timestamp": None}]
    text, _, events = run(handoff.ActionDefaultFallback(), tracker(events=asked + [_answer("deny", "non")], intent="deny"))
    assert text == "Avez-vous une autre question ?" and [e["event"] for e in events] == ["rewind"]


def _bud_run(facts: dict, programme_url, monkeypatch):
    import datetime as dt

    from actions import bud_eligibility
    from actions.bud_eligibility import SLOT, ActionBudVerdict
    from actions.programme_client import ProgrammeClient

    monkeypatch.setattr(bud_eligibility, "client", ProgrammeClient(programme_url))
    monkeypatch.setattr(bud_eligibility, "today", lambda: dt.date(2026, 11, 26))
    slots = {slot_name: None for slot_name in SLOT.values()}
    slots.update({SLOT[fact]: value for fact, value in facts.items()})
    dispatcher = CollectingDispatcher()
    ended = tracker(slots, intent="inform")
    ended.latest_action_name = "bud_form"  # the verdict's rule runs after the form
    events = asyncio.run(ActionBudVerdict().run(dispatcher, ended, DOMAIN))
    return [m.get("response") for m in dispatcher.messages], events


BUD_FACTS = {"commune": "62413", "creation_date": "2022-10-15", "activity": "commercial", "origin": "new",
             "employees": 4, "turnover_eur": 300000, "capital_held_by_companies_pct": 0, "eligible_employees": 4,
             "resident_employees": 2, "turnover_outside_pct": 5}


def test_a_bud_check_that_cannot_conclude_offers_a_person(programme_url, monkeypatch):
    facts = {k: v for k, v in BUD_FACTS.items() if k not in ("origin", "turnover_outside_pct")}
    responses, events = _bud_run(facts, programme_url, monkeypatch)
    assert responses[0] == "utter_bud_verdict_unknown"
    assert responses[-1] == "utter_handoff_suggest"
    assert slot(events, "bud_verdict") == "unknown"


def test_a_clear_bud_verdict_does_not_push_a_person(programme_url, monkeypatch):
    responses, events = _bud_run(BUD_FACTS, programme_url, monkeypatch)
    assert responses[0] == "utter_bud_verdict_eligible" and "utter_handoff_suggest" not in responses
    assert slot(events, "bud_verdict") == "eligible"


def test_the_topic_is_the_latest_of_the_topic_slot_and_a_running_form():
    events = [{"event": "slot", "name": "topic", "value": "cites"}, {"event": "active_loop", "name": "bud_form"},
              {"event": "active_loop", "name": None}]
    assert handoff.topic_of(tracker({"topic": "cites"}, events)) == "bud"
    events.append({"event": "slot", "name": "topic", "value": "emploi"})
    assert handoff.topic_of(tracker({"topic": "emploi"}, events)) == "emploi"
    assert handoff.topic_of(tracker({}, [])) == "autre"


def test_the_bud_check_commune_is_an_insee_code_not_a_postal_code(up):
    # 62215 is Carvin's INSEE code and Oye-Plage's postal code: the BUD check keeps INSEE codes.
    text, _, _ = run(handoff.ActionHandoffOffer(), tracker({"topic": "bud", "bud_commune": "62215"}))
    assert "questions des entreprises (BUD)" in text
    insee, _ = asyncio.run(handoff.commune_insee(tracker({"bud_commune": "62215"}), "bud"))
    assert insee == "62215"


@pytest.mark.parametrize("text", ["je voudrais parler à quelqu'un pour la cité Darcy à Hénin-Beaumont",
                                  "un conseiller svp pour ma maison de la cité Darcy a Henin"])
def test_a_request_that_names_a_cite_goes_to_its_landlord_as_from_its_card(up, text):
    t = tracker({"topic": None}, intent="ask_human")
    t.latest_message["text"] = text
    said, _, events = run(handoff.ActionHandoffOffer(), t)
    assert "Maisons & Cités" in said.split("\n")[0], said
    assert slot(events, "cite_id") == "cite-darcy-henin-beaumont" and slot(events, "topic") == "cites"


@pytest.mark.parametrize("text, topic, service", [
    ("je veux parler à quelqu'un de la mission locale, j'habite Anzin", "emploi", "Mission Locale Jeunes du Valenciennois"),
    ("un conseiller pour mon dossier BUD svp", "bud", "questions des entreprises (BUD)"),
    ("je voudrais parler à quelqu'un", None, "Délégation interministérielle au renouveau du bassin minier"),
])
def test_a_request_that_names_its_subject_goes_to_that_subject_s_service(up, text, topic, service):
    """After a question about a cité, « quelqu'un de la mission locale » is about employment: its service, and the
    topic the request will carry. A request that names nothing keeps the conversation's topic."""
    t = tracker({"topic": "autre", "commune": "Anzin"}, intent="ask_human")
    t.latest_message["text"] = text
    said, _, events = run(handoff.ActionHandoffOffer(), t)
    assert service in said.split("\n")[0]
    topics = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "topic"]
    assert topics == ([topic] if topic else [])


@pytest.mark.parametrize("typed, name, contact", [
    ("Paul Martin 0321000000", "Paul Martin", "03 21 00 00 00"),
    ("moi c'est Ines Haddad, ines.haddad@exemple.fr", "Ines Haddad", "ines.haddad@exemple.fr"),
    ("Jean Dupont", "Jean Dupont", None),
])
def test_a_name_given_with_a_contact_keeps_both(up, typed, name, contact):
    slots = asyncio.run(handoff.ValidateHandoffForm().validate_handoff_name(typed, CollectingDispatcher(), tracker(), DOMAIN))
    assert slots["handoff_name"] == name and slots.get("handoff_contact") == contact


def test_a_name_and_a_phone_given_earlier_in_the_conversation_are_not_asked_again(up):
    said = "bonjour, je m'appelle Marc Lefebvre, mon tel 06 07 08 09 10, je voudrais qu'on me rappelle"
    t = tracker(events=[{"event": "user", "text": said}, {"event": "user", "text": "oui"}])
    form = handoff.ValidateHandoffForm()
    assert asyncio.run(form.extract_handoff_name(CollectingDispatcher(), t, DOMAIN)) == {"handoff_name": "Marc Lefebvre"}
    assert asyncio.run(form.extract_handoff_contact(CollectingDispatcher(), t, DOMAIN)) == {"handoff_contact": "06 07 08 09 10"}
    nothing = tracker(events=[{"event": "user", "text": "je veux parler a quelqu'un"}])
    assert asyncio.run(form.extract_handoff_name(CollectingDispatcher(), nothing, DOMAIN)) == {}


def test_a_sentence_typed_as_the_name_takes_the_name_said_earlier_or_is_refused(up):
    said = [{"event": "user", "text": "je m'appelle Marc Lefebvre et je voudrais qu'on me rappelle"},
            {"event": "user", "text": "je vous l'ai deja dit"}]
    form = handoff.ValidateHandoffForm()
    slots = asyncio.run(form.validate_handoff_name("je vous l'ai deja dit", CollectingDispatcher(),
                                                   tracker(events=said), DOMAIN))
    assert slots["handoff_name"] == "Marc Lefebvre"
    dispatcher = CollectingDispatcher()
    slots = asyncio.run(form.validate_handoff_name("pas envie", dispatcher,
                                                   tracker(events=[{"event": "user", "text": "pas envie"}]), DOMAIN))
    assert slots["handoff_name"] is None and dispatcher.messages[0]["response"] == "utter_handoff_name_invalid"


def test_a_number_typed_earlier_that_is_not_the_person_s_own_is_not_taken(up):
    t = tracker(events=[{"event": "user", "text": "la mairie c'est le 03 21 00 00 00 non ?"}, {"event": "user", "text": "oui"}])
    assert asyncio.run(handoff.ValidateHandoffForm().extract_handoff_contact(CollectingDispatcher(), t, DOMAIN)) == {}


def test_a_name_read_as_a_place_does_not_change_the_place_of_the_conversation():
    def slot(value):
        return {"event": "slot", "name": "commune", "value": value}
    before = [{"event": "user", "text": "un conseiller de la mission locale a Lens"}, slot("Lens"),
              {"event": "user", "text": "oui"}]
    named = tracker(events=before + [{"event": "user", "text": "Kevin Lefebvre"}, slot("Kevin")])
    assert handoff.place_set_by_this_message(named) == (True, "Lens")
    assert handoff.place_set_by_this_message(tracker(events=before)) == (False, None)
    first = tracker(events=[{"event": "user", "text": "Kevin Lefebvre"}, slot("Kevin")])
    assert handoff.place_set_by_this_message(first) == (True, None)


def test_the_offer_made_again_after_a_changed_mind_is_for_what_was_asked():
    asked = [_answer("ask_human", "je veux parler à quelqu'un de la mission locale"), _answer("deny", "non merci"),
             _answer("affirm", "bon ben oui finalement"), _answer("affirm", "oui")]
    assert handoff._request_for_a_person(tracker(events=asked, intent="affirm")) == \
        "je veux parler à quelqu'un de la mission locale"
    long_ago = asked[:1] + [_answer("inform", str(n)) for n in range(4)]
    assert handoff._request_for_a_person(tracker(events=long_ago, intent="inform")) is None


def test_a_no_half_understood_at_the_consent_question_declines(up):
    t = tracker(events=[_answer("ask_human", "un conseiller"), _action("action_handoff_offer"),
                        _fallback("en fait non j'annule")], intent="nlu_fallback")
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "stop"}, {"name": "deny"}]
    text, _, events = run(handoff.ActionNotUnderstood(), t)
    assert "je n'enregistre rien sur vous" in text and "compris" not in text
    assert {"event": "slot", "name": "handoff_name", "value": None, "timestamp": None} in events


@pytest.mark.parametrize("typed, intent, said", [
    ("je prefere pas donner mon telephone", "deny", "D'accord, sans téléphone : une adresse e-mail suffit."),
    ("j'ai pas d'email", "deny", "D'accord, sans e-mail : un numéro de téléphone suffit."),
    ("je veux pas etre appelee", "nlu_fallback", "D'accord, sans téléphone"),
    ("plutot par mail", "nlu_fallback", "D'accord, par e-mail : quelle est votre adresse ?"),
    ("vous pouvez m'appeler", "affirm", "D'accord, par téléphone : quel est votre numéro ?"),
])
def test_at_the_contact_question_one_means_refused_or_chosen_asks_for_the_other_or_that_one(up, typed, intent, said):
    # « je préfère pas donner mon téléphone » ended the whole request: « je n'enregistre rien sur vous »
    # the form's mapping has already put the text in the slot unless it was read as a no or a stop
    held = None if intent in ("deny", "stop") else typed
    t = tracker({"handoff_name": "Jean Dupont", "handoff_contact": held, "requested_slot": "handoff_contact"},
                intent=intent)
    t.latest_message["text"] = typed
    text, messages, events = run(handoff.ValidateHandoffForm(), t)
    assert text.startswith(said)
    assert events == [{"event": "slot", "name": "handoff_contact", "value": None, "timestamp": None}]  # not rejected
    t.events += [{"event": "action", "name": "handoff_form"},
                 {"event": "bot", "text": text, "metadata": {"utter_action": messages[0]["response"]}}]
    assert run(handoff.ActionAskHandoffContact(), t)[0] == ""  # the question is not asked twice


@pytest.mark.parametrize("typed", ["non", "ni tel ni mail", "non laissez tomber", "06 12 34 56 78 mais pas le mail"])
def test_a_plain_no_or_both_means_refused_or_a_contact_given_is_read_as_before(up, typed):
    t = tracker({"handoff_name": "Jean Dupont", "requested_slot": "handoff_contact"}, intent="deny")
    t.latest_message["text"] = typed
    assert asyncio.run(handoff.contact_means_answer(t)) is None
    assert run(handoff.ActionAskHandoffContact(), t)[0].startswith("Comment l'agent peut-il vous joindre ?")


@pytest.mark.parametrize("name, said", [("Marie Dupont", "de Marie Dupont"), ("Ahmed Benali", "d'Ahmed Benali"),
                                        ("Émilie Roux", "d'Émilie Roux"), ("Hugo Petit", "de Hugo Petit")])
def test_the_name_of_a_request_is_elided_before_a_vowel(name, said):
    assert handoff.of_name(name) == said


def test_a_contact_corrected_after_the_request_is_stored_and_said_back(up):
    # « je me suis trompé de numéro c'est le 07 81 22 33 45 » got « Je ne peux pas vous aider sur ce sujet »
    slots = {"topic": "autre", "handoff_name": "Marie Dupont", "handoff_contact": "06 12 34 56 78"}
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker(slots))
    filed = {"handoff_reference": slot(out, "handoff_reference"), "handoff_secret": slot(out, "handoff_secret")}
    t = tracker(filed, intent="out_of_scope")
    t.latest_message["text"] = "je me suis trompe de numero c'est le 07 81 22 33 45"
    text, _, _ = run(ActionOutOfScope(), t)
    assert text == f"C'est corrigé : pour votre demande {filed['handoff_reference']}, l'agent vous joindra par : 07 81 22 33 45."
    oops = tracker(filed, intent="inform")  # no « mon », but said as a correction (« oups »): theirs
    oops.latest_message["text"] = "oups c'est 07 81 22 33 46"
    text, _, _ = run(handoff.ActionDefaultFallback(), oops)
    assert text.endswith("l'agent vous joindra par : 07 81 22 33 46.")
    other = tracker(filed, intent="out_of_scope")
    other.latest_message["text"] = "il fait quel temps demain ?"
    assert run(ActionOutOfScope(), other)[0].startswith("Je ne peux pas vous aider sur ce sujet")
    nobody = tracker({}, intent="out_of_scope")  # no request here: a number is not taken for anything
    nobody.latest_message["text"] = "c'est le 07 81 22 33 45"
    assert run(ActionOutOfScope(), nobody)[0].startswith("Je ne peux pas vous aider sur ce sujet")


def test_a_no_not_understood_to_the_withdrawal_question_keeps_the_request(up):
    said = [_answer("withdraw_handoff", "je retire ma demande"), _bot("utter_handoff_withdraw_ask"),
            _fallback("non en fin de compte je la conserve")]
    t = tracker({"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"}, events=said,
                intent="nlu_fallback")
    t.latest_message["text"] = "non en fin de compte je la conserve"
    assert run(handoff.ActionNotUnderstood(), t)[0].startswith("D'accord, votre demande reste transmise")


@pytest.mark.parametrize("typed", ["reference", "code"])
def test_the_request_s_reference_or_code_typed_to_the_withdrawal_question_withdraws_it(up, typed):
    # it was « Désolé, je n'ai pas compris », and the request stayed
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                             "handoff_contact": "06 12 34 56 78"}))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")
    answer = reference if typed == "reference" else secret.lower()
    said = [_answer("withdraw_handoff", "je retire ma demande"), _bot("utter_handoff_withdraw_ask"),
            _answer("inform", answer)]
    t = tracker({"handoff_reference": reference, "handoff_secret": secret}, events=said, intent="inform")
    t.latest_message["text"] = answer
    text, _, events = run(handoff.ActionDefaultFallback(), t)
    assert text.startswith(f"Votre demande {reference} est retirée") and slot(events, "handoff_secret") is None
    # another reference is no yes: not understood, nothing withdrawn
    t = tracker({"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"}, events=said, intent="inform")
    t.latest_message["text"] = "BM-ZZZZ-YYYY"
    text, _, _ = run(handoff.ActionDefaultFallback(), t)
    assert "retirée" not in text


@pytest.mark.parametrize("read_as", ["withdraw_handoff", "ask_handoff_status"])
def test_a_question_about_the_request_not_quite_understood_says_where_it_stands(up, read_as):
    _, _, out = run(handoff.ActionHandoffSubmit(), tracker({"topic": "autre", "handoff_name": "Marie Dupont",
                                                             "handoff_contact": "06 12 34 56 78"}))
    reference, secret = slot(out, "handoff_reference"), slot(out, "handoff_secret")
    t = tracker({"handoff_reference": reference, "handoff_secret": secret, "handoff_expected": "lundi"},
                events=[_fallback("c'est bon ma demande est partie ?")], intent="nlu_fallback")
    t.latest_message.update(text="c'est bon ma demande est partie ?",
                            intent_ranking=[{"name": "nlu_fallback"}, {"name": read_as}])
    text, _, _ = run(handoff.ActionNotUnderstood(), t)
    assert text.startswith(f"Votre demande {reference} est bien reçue")
    # withdrawn meanwhile (in another conversation): this conversation's request is gone, said as such
    requests.post(f"{up}/handoff/requests/withdraw", json={"reference": reference, "secret": secret}, timeout=5)
    text, _, _ = run(handoff.ActionNotUnderstood(), t)
    assert text.startswith(f"Votre demande {reference} n'est plus consultable")


def test_opening_hours_asked_after_the_employment_services_are_not_out_of_scope(up):
    # « et les horaires ? » after the services were given got « je réponds seulement aux questions sur le renouveau »
    t = tracker({"topic": "emploi"}, intent="out_of_scope")
    t.latest_message["text"] = "et les horaires ?"
    assert run(ActionOutOfScope(), t)[0].startswith("Les adresses, numéros et horaires que je connais")
    elsewhere = tracker({"topic": "bud"}, intent="out_of_scope")
    elsewhere.latest_message["text"] = "et les horaires ?"
    assert run(ActionOutOfScope(), elsewhere)[0].startswith("Je ne peux pas vous aider sur ce sujet")


def test_withdrawing_in_the_conversation_names_the_request_first(up):
    # with two requests in one conversation, « je retire ma demande » withdrew the second one, not asked
    t = tracker({"handoff_reference": "BM-AAAA-BBBB", "handoff_secret": "CCCCC-DDDDD"}, intent="withdraw_handoff")
    t.latest_message["text"] = "je retire ma demande"
    text, _, _ = run(handoff.ActionHandoffWithdraw(), t)
    assert text == "Voulez-vous retirer votre demande BM-AAAA-BBBB ? Vos données seraient alors effacées."
