"""Issue 9, NLU side: the classes of messages the held-out measurement found misread, in phrasings of our own
(neither in data/nlu/ nor near a held-out row), through the REST channel against the running services."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

NOT_UNDERSTOOD = "je n'ai pas compris"


def test_sms_short_forms_are_understood(resident):
    hello = resident.ask("re cc")
    assert "Bonjour" in hello and NOT_UNDERSTOOD not in hello
    thanks = resident.ask("mrc pr tt")
    assert "Avec plaisir" in thanks and NOT_UNDERSTOOD not in thanks


def test_who_has_the_last_word_is_answered_not_the_check(resident):
    answer = resident.ask("au bout du compte, c'est vous ou les impôts qui ont le dernier mot sur mon exonération ?")
    assert "service des impôts des entreprises" in answer
    assert "Dans quelle commune" not in answer


def test_a_general_question_on_who_qualifies_gets_the_conditions(resident):
    answer = resident.ask("de façon générale, quels genres de sociétés peuvent prétendre au BUD ?")
    assert "Peut en bénéficier" in answer and "Source" in answer


def test_a_question_about_my_own_company_starts_the_check(resident):
    answer = resident.ask("ma petite menuiserie pourrait-elle toucher cette exonération d'impôt ?")
    assert "Dans quelle commune" in answer
    assert "Peut en bénéficier" not in answer


def test_done_so_far_and_the_target_are_both_in_the_homes_answer(resident):
    """One answer for the homes (issue 9): whichever a resident asks, the target and what is done."""
    done = resident.ask("à ce jour, combien de maisons des mines ont déjà été refaites ?")
    assert "7 000" in done and "23 000" in done
    target = resident.ask("et le programme vise combien de logements en tout ?")
    assert "23 000" in target and "7 000" in target


def test_the_cites_of_a_commune_are_listed(resident):
    answer = resident.ask("vous avez la liste des cités minières qui se trouvent sur Douai ?")
    assert "Douai" in answer and "Mouchonnière" in answer
