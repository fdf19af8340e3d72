"""What people really write (issue 9), through the REST channel against the running services: negated answers,
readings said back before a negative verdict, long messages with several facts, general BUD questions, questions
nobody can answer, and employment help that answers first."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

NEGATIVE = "ne remplit pas"


def _to_the_origin_question(resident) -> None:
    resident.ask("mon entreprise peut-elle bénéficier du BUD ?")
    resident.ask("Bully-les-Mines")
    resident.ask("ouverte le 3 février 2023")
    assert "création nouvelle" in resident.ask("je vends des chaussures")


def test_a_negated_takeover_is_read_as_a_creation_and_confirmed(resident):
    _to_the_origin_question(resident)
    said_back = resident.ask("non, je n'ai rien repris du tout")
    assert "création nouvelle" in said_back and "C'est bien cela" in said_back
    assert NEGATIVE not in said_back
    nxt = resident.ask("oui")
    assert "salariés" in nxt and NEGATIVE not in nxt


def test_a_thumbs_up_confirms_a_reading(resident):
    _to_the_origin_question(resident)
    assert "C'est bien cela" in resident.ask("non, j'ai rien repris")
    assert "salariés" in resident.ask("👍")


def test_a_thumbs_down_denies_a_reading(resident):
    _to_the_origin_question(resident)
    assert "reprend une activité qui existait déjà" in resident.ask("j'ai repris le salon de mon ancienne patronne")
    assert "je n'en tiens pas compte" in resident.ask("👎🏻")


def test_a_contrast_keeps_the_creation(resident):
    _to_the_origin_question(resident)
    answer = resident.ask("pas un rachat, une vraie création")
    assert "salariés" in answer and NEGATIVE not in answer


def test_a_takeover_is_said_back_and_a_no_asks_again(resident):
    _to_the_origin_question(resident)
    said_back = resident.ask("c'était un rachat du fonds de commerce")
    assert "reprend une activité qui existait déjà" in said_back and NEGATIVE not in said_back
    again = resident.ask("non")
    assert "je n'en tiens pas compte" in again and "création nouvelle" in again
    assert "salariés" in resident.ask("c'est une création")


def test_a_confirmed_takeover_gets_the_reasoned_no(resident):
    _to_the_origin_question(resident)
    resident.ask("c'est une reprise de fonds de commerce")
    verdict = resident.ask("oui, c'est bien ça")
    assert NEGATIVE in verdict and "✘" in verdict


def test_a_micro_entrepreneur_gives_activity_commune_and_date_at_once(resident):
    answer = resident.ask("micro-entrepreneuse en pâtisserie à Carvin depuis le 5 juin 2024, je peux être exonérée ?")
    assert "Dans quelle commune" not in answer and "Quand votre entreprise" not in answer
    assert "Quelle est votre activité" not in answer
    assert "création nouvelle" in answer  # the next fact the verdict needs


def test_a_company_created_in_a_year_at_a_commune_keeps_both(resident):
    answer = resident.ask("notre SARL a été fondée en 2022 à Hénin-Beaumont, on y a droit ?")
    assert "En quel mois de 2022" in answer and "Dans quelle commune" not in answer
    assert "Dans quelle commune" not in resident.ask("en mai")


def test_general_bud_questions_get_a_sourced_answer(resident):
    duration = resident.ask("l'exonération d'impôt dure combien de temps avec le BUD ?")
    assert "23e mois" in duration and "Source" in duration
    local = resident.ask("avec le BUD, la cotisation foncière des entreprises est exonérée ?")
    assert "CFE" in local and "7 ans" in local
    deadline = resident.ask("avant quelle date faut-il avoir démarré pour profiter du BUD ?")
    assert "31 décembre 2026" in deadline


def test_which_communes_are_in_the_zone_is_answered_then_one_is_checked(resident):
    # « quelles communes sont en BUD ? » got « De quelle commune parlez-vous ? »
    answer = resident.ask("je cherche la liste des villes classées bassin urbain à dynamiser")
    assert "159 communes" in answer and "1er janvier 2019" in answer and "De quelle commune" not in answer
    assert "Harnes" in resident.ask("et harnes alors ?")


def test_a_question_nobody_can_answer_gets_i_dont_know_and_a_person(resident):
    answer = resident.ask("la délégation du bassin minier ouvre à quelle heure ?")
    assert "Je ne sais pas" in answer and "conseiller" in answer
    assert "communes" not in answer


def test_capabilities_mention_cites_and_programme_questions(resident):
    answer = resident.ask("vous pouvez faire quoi pour moi ?")
    assert "cité minière" in answer and "ERBM" in answer


def test_a_young_job_seeker_hears_of_the_mission_locale_first(resident):
    answer = resident.ask("j'ai 20 ans, j'habite à Harnes et je cherche un emploi")
    assert "Mission locale" in answer
    assert answer.index("Mission locale") < answer.index("affiner")


def test_a_follow_up_read_as_a_farewell_does_not_end_the_questions(resident):
    """« et après ? » was read as goodbye: « Au revoir » to a person still talking, and the questions closed."""
    resident.ask("je cherche un emploi, j'ai 30 ans")
    again = resident.ask("et après ?")
    assert "Au revoir" not in again and "Dans quelle commune habitez-vous" in again
