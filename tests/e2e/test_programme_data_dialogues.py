"""The programme data at real coverage, as residents ask for it, through the REST channel against the running
services: a cité of Lens by its number, a cité over two communes (and a number several cités share), the Mission
locale of a young person in Hénin-Beaumont with its address and the date of its source."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def _payloads(messages: list[dict]) -> list[tuple[str, str]]:
    return [(b["title"], b["payload"]) for m in messages for b in m.get("buttons", [])]


def test_a_cite_of_lens_by_its_number(resident):
    answer = resident.ask("ou en est la renovation de la cite 12 a lens ?")
    assert "Cité n°12 de Lens : à Lens." in answer
    assert "Patrimoine mondial de l'UNESCO : elle fait partie du bien inscrit" in answer
    assert "elle ne figure pas sur la liste des cités de l'Engagement pour le renouveau du bassin minier" in answer
    assert "je ne le connais pas encore" in answer  # no works status without staff
    assert "Mission Bassin Minier" in answer and "extrait du 21 avril 2026 (Licence Ouverte 2.0)" in answer


def test_the_cites_of_lens_are_more_than_ten(resident):
    answer = resident.ask("quelles sont les cites minieres de Lens ?")
    assert "À Lens, je connais 15 cités minières :" in answer
    assert "« statut inconnu » veut dire" in answer


def test_a_number_several_cites_share_asks_which_then_the_button_answers(resident):
    messages = resident.say("et la cite du 4 ?")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "le même numéro existe dans plusieurs communes" in text
    buttons = dict(_payloads(messages))
    assert "Cité n°4 de Lens (Lens, Éleu-dit-Leauwette)" in buttons
    assert "Cité d'Algérie (Bruay-la-Buissière)" in buttons
    answer = resident.ask(buttons["Cité n°4 de Lens (Lens, Éleu-dit-Leauwette)"])
    # one cité over two communes, in the ERBM list and the buffer zone, with its landlord
    assert "Cité n°4 de Lens : à Lens et Éleu-dit-Leauwette." in answer
    assert "Bailleur : Maisons & Cités." in answer
    assert "elle figure sur la liste des cités de l'Engagement pour le renouveau du bassin minier" in answer
    assert "zone tampon" in answer


def test_the_same_number_with_a_commune_is_an_answer(resident):
    answer = resident.ask("les corons de la fosse 2 a lens c'est renove ?")
    assert "Cité n°2 de Lens : à Lens." in answer


def test_an_unknown_cite_of_lens_gets_the_landlord_to_ask(resident):
    answer = resident.ask("ou en sont les travaux de la cite des coquelicots a lens ?")
    assert "Je ne trouve pas" in answer and "à Lens" in answer
    # Cité des Provinces has no landlord in the sources: not « all are at Maisons & Cités »
    assert ("Parmi les cités que je connais à Lens, certaines sont chez Maisons & Cités ; pour les autres, mes sources "
            "ne donnent pas le bailleur.") in answer


# The employment questions end on one of these: the routes (nothing said before), more routes, or nothing more.
END_OF_ORIENTATION = ("Voici qui peut vous aider", "d'autres services peuvent aussi", "Vos réponses ne changent pas")


def _whole_orientation(resident, first_message: str) -> str:
    """Everything the bot says from the first message to the end of the orientation, answering « non »."""
    answers = [resident.ask(first_message)]
    for _ in range(8):  # answer « non » to the remaining yes/no questions, at most eight of them
        if any(end in answers[-1] for end in END_OF_ORIENTATION):
            break
        answers.append(resident.ask("non"))
    assert any(end in answers[-1] for end in END_OF_ORIENTATION), answers[-1]
    return "\n".join(answers)


def test_a_young_person_in_henin_beaumont_gets_the_mission_locale_with_its_address_and_source_date(resident):
    said = _whole_orientation(resident, "j'ai 19 ans, je cherche du travail et j'habite a Henin-Beaumont")
    assert "Mission Locale Hénin-Carvin" in said
    assert "Îlot Carnot - Immeuble Sis - 80 rue Montpencher - BP 84, 62252 Hénin-Beaumont Cedex" in said
    assert "Tél. 03 21 20 64 64" in said
    assert "annuaire de Service-Public.fr (DILA), extrait de juillet-août 2019 : à vérifier" in said
    assert "lannuaire.service-public.fr" in said


def test_where_no_mission_locale_is_known_the_official_directory_is_given(resident):
    said = _whole_orientation(resident, "j'ai 20 ans et je cherche une formation a Somain")
    assert "l'annuaire officiel des missions locales (Service-Public.fr), sur lannuaire.service-public.fr" in said
