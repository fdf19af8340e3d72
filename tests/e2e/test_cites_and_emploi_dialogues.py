"""Cités minières and employment orientation, as residents type them, through the REST channel against the real
services; a status set by staff through the programme-data API is what the bot then says."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e


def programme(stack) -> str:
    return f"http://127.0.0.1:{stack.ports.programme}"


def staff(stack) -> dict:
    token = stack.env().get("PROGRAMME_STAFF_TOKEN", "dev-staff-token")  # the service's embedded default
    return {"Authorization": f"Bearer {token}"}


def test_a_cite_without_status_is_said_plainly(resident):
    answer = resident.ask("ou en est la renovation de la cite des alouettes a bully ?")
    assert "Cité des Alouettes" in answer
    assert "je ne le connais pas encore" in answer


def test_a_status_imported_by_staff_is_what_the_bot_then_says(stack, resident):
    found = requests.get(f"{programme(stack)}/cites/search", params={"q": "cite agache"}, timeout=10).json()
    cite_id = found["cites"][0]["id"]
    csv_body = f"id,statut,debut_travaux_prevu,fin_travaux_prevue,source_statut\n{cite_id},en_travaux,2026-03-02,2027-06-30,test e2e\n"
    refused = requests.post(f"{programme(stack)}/cites/import", data=csv_body.encode(),
                            headers={"Content-Type": "text/csv"}, timeout=10)
    assert refused.status_code == 401
    imported = requests.post(f"{programme(stack)}/cites/import", data=csv_body.encode(),
                             headers={"Content-Type": "text/csv", **staff(stack)}, timeout=10)
    assert imported.status_code == 200, imported.text
    answer = resident.ask("cite agache ca en est ou les travaux")
    assert "Cité Agache" in answer and "travaux" in answer.lower()
    assert "2 mars 2026" in answer and "30 juin 2027" in answer
    assert "je ne le connais pas encore" not in answer


def test_an_unknown_cite_is_not_matched_to_another(resident):
    answer = resident.ask("et la cite des lilas elle sera renovee quand ?")
    assert "Je ne trouve pas" in answer


def test_a_long_cite_complaint_that_names_no_cite_is_answered(resident):
    # The service tries every few words of the sentence as a cité and as a commune; that took seconds, past the
    # action server's 3 s, and the resident was told the data could not be read.
    answer = resident.ask("bonjour, depuis l'hiver les murs de notre logement de la cite miniere sont tout moisis "
                          "et le bailleur ne rappelle jamais, a qui on peut s'adresser pour que ca bouge ?")
    assert "je n'arrive pas à consulter" not in answer, answer
    assert "cité" in answer.lower(), answer


def test_the_cites_of_a_commune(resident):
    answer = resident.ask("il y a quelles cites en travaux a douai ?")
    assert "Douai" in answer and "Mouchonnière" in answer


def test_a_programme_question_gets_a_sourced_answer(resident):
    answer = resident.ask("c'est quoi l'ERBM ?")
    assert "2017" in answer and "ource" in answer


def test_a_young_person_in_lievin_is_sent_to_the_mission_locale(resident):
    first = resident.ask("j'ai 22 ans et je cherche du travail, j'habite a Lievin")
    assert "Dans quelle commune" not in first and "Quel âge" not in first
    # Answered first, before any question: the local mission locale.
    assert "Mission locale de l'agglomération de Lens-Liévin" in first
    answers = [first]
    for _ in range(8):  # answer « non » to the remaining yes/no questions, at most eight of them
        if "Vos réponses ne changent pas" in answers[-1] or "d'autres services peuvent aussi" in answers[-1]:
            break
        answers.append(resident.ask("non"))
    assert "Vos réponses ne changent pas" in answers[-1] or "d'autres services peuvent aussi" in answers[-1]
    said = "\n".join(answers)
    assert said.count("Mission locale de l'agglomération de Lens-Liévin") == 1  # not said twice
    assert "91 avenue Jean-Jaurès - BP 173, 62803 Liévin Cedex" in said  # from the 2019 directory, dated
    assert "2019 : à vérifier" in said
    # France Travail Lens serves the agglomeration: its national line is not needed here
    assert "France Travail Lens" in said and "Contact : France Travail, au 3949" not in said


def test_what_a_service_is_gets_its_description_then_someone_else_gets_what_fits_them(resident):
    # « c'est quoi le PLIE ? » started the questions; « et pour mon fils de 17 ans ? » asked a question, no answer
    about = resident.ask("c koi exactement un PLIE ?")
    assert "PLIE (plan local pour l'insertion et l'emploi) :" in about and "RSA" in about
    assert "Dans quelle commune" not in about and "Quel âge" not in about
    resident.ask("je cherche du boulot, j'ai 41 ans, j'habite a Harnes")
    son = resident.ask("et pour mon fils de 17 ans ?")
    assert "Voici déjà qui peut l'aider" in son and son.index("Voici déjà") < son.index("Mission locale")


def test_an_ok_to_a_question_about_the_person_is_no_yes(resident):
    """« d'accord » to « Avez-vous une RQTH ? » was read « oui »: Cap emploi for a person who never said so."""
    asked = resident.ask("je suis au chomage, 38 ans, j'habite a Douai")
    for _ in range(6):  # « non » to the questions before it
        if "RQTH" in asked:
            break
        asked = resident.ask("non")
    assert "RQTH" in asked
    again = resident.ask("d'accord")
    assert "Répondez simplement par « oui » ou par « non »" in again and "RQTH" in again
    assert "Cap emploi" not in again


def test_stop_ends_the_employment_questions(resident):
    resident.ask("je suis au chomage depuis longtemps, qui peut m'aider ?")
    assert "j'arrête les questions" in resident.ask("stop")


def test_the_landlord_asked_after_a_cite_s_card_is_that_line_only(resident):
    card = resident.ask("les travaux de la cite des alouettes a bully ils en sont ou")
    assert card.startswith("Cité des Alouettes") and "État des travaux" in card
    landlord = resident.ask("et le bailleur c'est qui ?")
    assert landlord.startswith("Le bailleur de la cité des Alouettes : Maisons & Cités.")
    assert "État des travaux" not in landlord
