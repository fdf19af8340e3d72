"""Hand-off to a human officer, end to end over REST against the three running services: the request is created
with consent, routed to the right service with the right summary and a reference; an officer of that service
(and only of that service) reads it; without consent, or after a changed mind, nothing is stored; no personal
data in any log file."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
import requests

from assistant.stack import ROOT
from conftest import Resident

pytestmark = pytest.mark.e2e
PASSWORD = "mot de passe e2e assez long"
REFERENCE = re.compile(r"BM-[2-9A-Z]{4}-[2-9A-Z]{4}")


def programme(stack) -> str:
    return f"http://127.0.0.1:{stack.ports.programme}"


def officer(stack, service: str, return_login: bool = False):
    """A new officer of `service`, made with the staff command, signed in: the bearer headers of the session
    (or, with `return_login`, only made: its login, to sign in elsewhere)."""
    login = f"agent-{uuid.uuid4().hex[:8]}"
    env = {**stack.env(), "OFFICER_PASSWORD": PASSWORD}
    made = subprocess.run([sys.executable, "-m", "assistant.officers", "add", login, "Agent E2E", service],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    if return_login:
        return login
    signed = requests.post(f"{programme(stack)}/officer/session", json={"login": login, "password": PASSWORD}, timeout=10)
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['jeton']}"}


def queue(stack, headers: dict) -> list[dict]:
    answer = requests.get(f"{programme(stack)}/officer/queue", headers=headers, timeout=10)
    assert answer.status_code == 200
    return answer.json()["demandes"]


def test_a_request_about_a_cite_reaches_its_landlord_with_the_summary(stack, resident):
    lens_officer, landlord = officer(stack, "epci-246200364"), officer(stack, "bailleur-maisons-et-cites")
    first = resident.ask("où en est la rénovation de la cité Darcy à Hénin-Beaumont ?")
    assert "Cité Darcy" in first
    offer = resident.ask("je voudrais parler à une personne")
    assert "Maisons & Cités" in offer and "bailleur de Cité Darcy" in offer
    assert "30 jours" in offer and "Êtes-vous d'accord ?" in offer
    assert "Quel est votre nom" in resident.ask("oui")
    assert "Comment l'agent peut-il vous joindre" in resident.ask("Josiane Bernardin")
    assert "n'est pas une adresse e-mail ni un numéro" in resident.ask("06 12")
    done = resident.ask("06 71 82 93 04")
    reference = REFERENCE.search(done).group(0)
    assert "transmise à Maisons & Cités" in done and "d'ici le" in done and "code de retrait" in done

    mine = [r for r in queue(stack, landlord) if r["reference"] == reference]
    assert mine and mine[0]["topic"] == "cites" and mine[0]["cite"] == "cite-darcy-henin-beaumont"
    assert all(r["reference"] != reference for r in queue(stack, lens_officer))
    other = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=lens_officer, timeout=10)
    assert other.status_code == 404
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=landlord, timeout=10).json()
    assert full["nom"] == "Josiane Bernardin" and full["contact"] == "06 71 82 93 04"
    assert full["resume"]["slots"]["cite_id"] == "cite-darcy-henin-beaumont"
    said = [line["text"] for line in full["transcription"]]
    assert "où en est la rénovation de la cité Darcy à Hénin-Beaumont ?" in said
    assert "Josiane Bernardin" not in " ".join(said)  # the form's answers are fields, not transcript


def test_a_bud_request_goes_to_the_delegation_and_names_the_tax_office(stack, resident):
    delegation = officer(stack, "delegation-erbm-entreprises")
    resident.ask("Douai fait partie du BUD ?")
    offer = resident.ask("je veux parler à un conseiller")
    assert "questions des entreprises (BUD)" in offer and "service des impôts des entreprises (SIE)" in offer
    resident.ask("oui je suis d'accord")
    resident.ask("Karim Benali")
    done = resident.ask("karim.benali@exemple.fr")
    reference = REFERENCE.search(done).group(0)
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=delegation, timeout=10).json()
    assert full["topic"] == "bud" and full["commune"]["nom"] == "Douai"
    assert full["contact"] == "karim.benali@exemple.fr" and full["type_contact"] == "email"


def test_the_request_goes_to_the_service_agreed_to_whatever_the_name_looks_like(stack, resident):
    # A first name the place extractor may take for a commune (it used to change the commune, then the service)
    employment = officer(stack, "emploi-france-travail-lens")
    offer = resident.ask("je cherche du travail a Lens, je peux parler a quelqu'un ?")
    assert "transmettre votre demande à : France Travail Lens." in offer and "Êtes-vous d'accord ?" in offer
    resident.ask("oui")
    # a surname that is also a commune (Douai, where no employment office takes requests)
    assert "Comment l'agent peut-il vous joindre" in resident.ask("c'est Mme Nadia Douai")
    done = resident.ask("mon tel c'est le 06.71.82.93.05")
    assert "transmise à France Travail Lens" in done, done
    assert "au nom de Mme Nadia Douai" in done and "06 71 82 93 05" in done
    reference = REFERENCE.search(done).group(0)
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=employment, timeout=10).json()
    assert full["nom"] == "Mme Nadia Douai" and full["contact"] == "06 71 82 93 05"
    asked = resident.ask("finalement laissez tomber")
    assert f"Voulez-vous retirer votre demande {reference} ?" in asked
    withdrawn = resident.ask("oui")
    assert withdrawn.count(f"Votre demande {reference} est retirée") == 1 and "Je n'ai pas de demande" not in withdrawn


def test_a_person_asked_for_during_the_bud_check_gets_what_the_bot_knew(stack, resident):
    delegation = officer(stack, "delegation-erbm-entreprises")
    resident.ask("je veux savoir si ma boite a droit au bud")
    resident.ask("Carvin")
    offer = resident.ask("je voudrais parler à quelqu'un")
    assert "questions des entreprises (BUD)" in offer and "Êtes-vous d'accord ?" in offer
    resident.ask("oui")
    resident.ask("Sylvie Marchand")
    reference = REFERENCE.search(resident.ask("sylvie.marchand@exemple.fr")).group(0)
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=delegation, timeout=10).json()
    assert full["commune"]["nom"] == "Carvin" and full["resume"]["slots"]["bud_commune"]
    assert "Bonjour" in resident.ask("bonjour")  # the check is over, the bot answers normally


def test_without_consent_nothing_is_stored_and_the_public_contact_is_given(stack, resident):
    delegation = officer(stack, "delegation-erbm")
    before = len(queue(stack, delegation))
    offer = resident.ask("un humain svp")
    assert "Délégation interministérielle au renouveau du bassin minier" in offer
    answer = resident.ask("non")
    assert "je n'enregistre rien" in answer and "62590 Oignies" in answer
    assert len(queue(stack, delegation)) == before


def test_a_no_to_a_person_then_a_changed_mind_is_asked_back_then_offered_again(stack, resident):
    resident.ask("je voudrais un vrai interlocuteur")
    assert "je n'enregistre rien" in resident.ask("non")
    asked_back = resident.ask("bon ben oui finalement")
    assert "Voulez-vous finalement que je transmette votre demande à un conseiller ?" in asked_back
    assert "Êtes-vous d'accord ?" in resident.ask("oui")  # the offer again, consent asked again


def test_a_changed_mind_while_giving_the_contact_stores_nothing(stack, resident):
    delegation = officer(stack, "delegation-erbm")
    before = len(queue(stack, delegation))
    resident.ask("je veux parler a quelqu'un")
    resident.ask("oui")
    resident.ask("Paulette Vanhove")
    answer = resident.ask("stop")
    assert "je n'enregistre rien" in answer
    assert len(queue(stack, delegation)) == before
    assert "Cambrai" in resident.ask("et Cambrai est en zone BUD ?")  # the bot goes on


def requested(resident, asking: str, name: str, contact: str) -> str:
    """A call-back request made in the conversation (the ask, consent, name, contact): its reference."""
    for said in (asking, "oui", name):
        resident.ask(said)
    return REFERENCE.search(resident.ask(contact)).group(0)


def test_a_request_withdrawn_in_the_conversation(stack, resident):
    delegation = officer(stack, "delegation-erbm")
    reference = requested(resident, "passez moi un agent", "Gérard Lemaire", "0320112233")
    asked = resident.ask("finalement je retire ma demande")
    assert f"Voulez-vous retirer votre demande {reference} ?" in asked  # named first: data are erased for good
    answer = resident.ask("oui")
    assert f"Votre demande {reference} est retirée" in answer
    assert "Je n'ai pas de demande de votre part" not in answer  # said once, not the withdrawal again in a loop
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=delegation, timeout=10).json()
    assert full["statut"] == "closed" and full["issue"] == "withdrawn" and full["nom"] is None


def test_the_reference_typed_to_the_withdrawal_question_withdraws_and_words_of_refusal_to_consent_are_a_no(
        stack, resident):
    """« BM-… » typed to « Voulez-vous retirer … ? » was read as a greeting (« Bonjour ! Je suis l'assistant … »), and
    « non finalement je ne veux pas donner mon nom » to the consent question as a withdrawal of no request."""
    delegation = officer(stack, "delegation-erbm")
    reference = requested(resident, "je voudrais qu'un agent me rappelle", "Odile Carpentier", "0321998877")
    assert f"Voulez-vous retirer votre demande {reference} ?" in resident.ask("je retire ma demande")
    assert f"Votre demande {reference} est retirée" in resident.ask(reference)
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=delegation, timeout=10).json()
    assert full["statut"] == "closed" and full["issue"] == "withdrawn"
    before = len(queue(stack, delegation))
    assert "Êtes-vous d'accord ?" in resident.ask("merci bien ! un agent pourrait me recontacter ?")
    refused = resident.ask("non en fait je préfère pas laisser mon nom")
    assert "je n'enregistre rien" in refused and "Je n'ai pas de demande" not in refused
    assert len(queue(stack, delegation)) == before


def test_after_a_request_one_means_refused_a_question_about_it_and_a_wrong_number_corrected(stack, resident):
    # « je préfère pas donner mon tel » cancelled the request; « ma demande est bien partie ? » withdrew it;
    # « je me suis trompé de numéro … » got « je ne peux pas vous aider »
    delegation = officer(stack, "delegation-erbm")
    resident.ask("je voudrais qu'un agent me rappelle")
    resident.ask("oui")
    resident.ask("Inès Haddad")
    other = resident.ask("je prefere pas donner mon mail")  # read as a text, not a no: the slot held it
    assert "sans e-mail : un numéro de téléphone suffit" in other and "n'enregistre rien" not in other
    done = resident.ask("06 11 22 33 44")
    reference = REFERENCE.search(done).group(0)
    assert "au nom d'Inès Haddad" in done
    status = resident.ask("c'est bon ma demande est partie ?")
    assert f"Votre demande {reference} est bien reçue" in status and "retirée" not in status
    corrected = resident.ask("oups je me suis trompee de numero, c'est le 06 11 22 33 55")
    assert "C'est corrigé" in corrected and "06 11 22 33 55" in corrected
    full = requests.get(f"{programme(stack)}/officer/requests/{reference}", headers=delegation, timeout=10).json()
    assert full["statut"] != "closed" and full["contact"] == "06 11 22 33 55"


def test_where_the_request_stands_follows_the_officer(stack, resident):
    delegation = officer(stack, "delegation-erbm")
    reference = requested(resident, "je souhaite être rappelé par quelqu'un de la délégation", "Yvette Carpentier",
                          "06 44 55 66 77")
    waiting = resident.ask("bon et l'appel c'est pour quand alors ?")
    assert f"Votre demande {reference} est bien reçue : elle attend qu'un agent" in waiting, waiting
    taken = requests.post(f"{programme(stack)}/officer/requests/{reference}/take", headers=delegation, timeout=10)
    assert taken.status_code == 200, taken.text
    answer = resident.ask("toujours pas de coup de fil, quelqu'un regarde mon dossier ?")
    assert f"a pris votre demande {reference} en charge le" in answer, answer
    code = re.search(r"code de retrait : ([2-9A-Z]{5}-[2-9A-Z]{5})", answer).group(1)
    # days later, from another conversation: the reference, then the code alone when asked for it
    later = Resident(stack)
    assert "il me faut aussi son code de retrait" in later.ask(f"bonjour, qu'en est il de la demande {reference} ?")
    assert f"a pris votre demande {reference} en charge le" in later.ask(code.lower())


def test_two_misunderstandings_offer_a_person(resident):
    resident.ask("qsdkjf azeaze")
    second = resident.ask("wxcvbn poiuy")
    assert "Voulez-vous que je transmette votre question à un conseiller ?" in second
    offer = resident.ask("oui")
    assert "Je peux transmettre votre demande à" in offer and "Êtes-vous d'accord ?" in offer


def test_a_yes_after_a_single_misunderstanding_is_not_a_request_for_a_person(resident):
    assert "je n'ai pas compris" in resident.ask("mlkjh poiuyt")
    answer = resident.ask("oui")
    assert "Que puis-je faire d'autre pour vous ?" in answer and "Je peux transmettre" not in answer


def test_no_to_the_suggestion_of_a_person_keeps_the_conversation_open(resident):
    resident.ask("azerty qsdfgh")
    assert "conseiller ?" in resident.ask("wxcvbn nbvcxw")
    answer = resident.ask("non ca ira merci")
    assert "Avez-vous une autre question ?" in answer and "Je peux transmettre" not in answer


def test_a_rude_request_for_a_person_is_offered_a_hand_off(resident):
    offer = resident.ask("ce bot est vraiment nul, je veux causer a un etre humain")
    assert "Je peux transmettre votre demande à" in offer


def test_no_personal_data_in_any_log_file(stack, resident):
    resident.ask("je veux parler a un conseiller")
    resident.ask("oui")
    resident.ask("Ghislaine Wawrzyniak")
    assert REFERENCE.search(resident.ask("ghislaine.wawrzyniak@exemple.fr"))
    logs = list((stack.var_dir / "logs").glob("*.log"))
    assert logs
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        for personal in ("Wawrzyniak", "ghislaine", "Josiane", "Bernardin", "06 71 82 93 04", "0671829304",
                         "karim.benali", "Lemaire", "0320112233", "Vanhove", "Marchand", "sylvie"):
            assert personal not in text, f"{personal!r} in {log.name}"


def test_a_person_refused_before_a_question_gets_the_answer_not_a_hand_off(resident):
    answer = resident.ask("j'ai pas envie qu'on me rappelle, dites moi juste si Méricourt est en zone bud")
    assert answer.startswith("Oui : Méricourt") and "Êtes-vous d'accord" not in answer
