"""The BUD check answered in one's own words (issue 9, second round), through the REST channel against the running
services: head counts given to a money question, a bare small figure, where employees live, a fact said again,
« C'est corrigé » only for a real change, a fact given before its question, yes and no at the confirmation."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e

PACE_SECONDS = 1.2  # these dialogues are longer than the rate limit's burst (8 messages, then one every 2 s)


@pytest.fixture
def resident(resident):
    """The resident of conftest.py, who types at a human pace."""
    ask = resident.ask

    def paced(text: str) -> str:
        time.sleep(PACE_SECONDS)
        return ask(text)
    resident.ask = paced
    return resident

SAID_BACK = "C'est bien cela"
NOTED = "C'est noté"
CORRECTED = "corrigé"
TURNOVER_QUESTION = "chiffre d'affaires annuel"


def _to_the_turnover_question(resident, first: str = "est-ce que mon commerce peut être exonéré avec le BUD ?") -> None:
    resident.ask(first)
    resident.ask("Avion")
    resident.ask("depuis février 2024")
    assert "salariés" in resident.ask("je tiens un magasin de jouets, pas un rachat mais une création")
    assert TURNOVER_QUESTION in resident.ask("nous sommes 3")


def test_a_head_count_given_to_the_turnover_question_is_noted_and_the_question_comes_again(resident):
    _to_the_turnover_question(resident)
    answer = resident.ask("nous sommes 3 et tous en CDI")
    assert NOTED in answer and "CDI" in answer and TURNOVER_QUESTION in answer
    assert "€" not in answer.split(NOTED)[1].split(".")[0]  # no amount read from the head count
    assert SAID_BACK not in answer


def test_a_bare_small_turnover_is_said_back_and_the_right_figure_replaces_it(resident):
    _to_the_turnover_question(resident)
    said_back = resident.ask("520")
    assert "520 €" in said_back and SAID_BACK in said_back
    nxt = resident.ask("non, 520 000 €")
    assert "capital" in nxt and CORRECTED not in nxt


def test_where_employees_live_is_not_the_company_commune(resident):
    _to_the_turnover_question(resident)
    resident.ask("nous sommes 3 et tous en CDI")
    assert "capital" in resident.ask("260 000 €")
    assert "habitent" in resident.ask("aucune, tout est à nous")
    answer = resident.ask("deux d'entre eux vivent à Douai")
    assert CORRECTED not in answer and "hors de la zone" in answer
    verdict = resident.ask("aucune, tout se fait sur place")
    assert "Avion est classée" in verdict and "Douai est classée" not in verdict
    assert "dont 2 en zone BUD" in verdict


def test_a_fact_said_again_is_not_confirmed_again(resident):
    _to_the_turnover_question(resident)
    answer = resident.ask("non, aucun rachat, je vous l'ai dit")
    assert SAID_BACK not in answer and NOTED in answer and "création nouvelle" in answer
    assert TURNOVER_QUESTION in answer
    answer = resident.ask("non, je n'ai rien racheté")  # the same fact again, at the same question: never a % either
    assert SAID_BACK not in answer and TURNOVER_QUESTION in answer


def test_corrected_only_when_a_value_given_changes(resident):
    _to_the_turnover_question(resident)
    assert SAID_BACK in resident.ask("à peu près 150 000 €")
    answer = resident.ask("oui, et ils sont tous en CDI")  # new facts at the confirmation: nothing corrected
    assert CORRECTED not in answer and "capital" in answer
    answer = resident.ask("ah en fait nous sommes 4")
    assert CORRECTED in answer and "capital" in answer


def test_yes_at_the_confirmation_in_other_words(resident):
    _to_the_turnover_question(resident)
    assert SAID_BACK in resident.ask("je dirais 90 000 €")
    assert "capital" in resident.ask("c'est juste")


def test_not_quite_with_the_right_figure_at_the_confirmation(resident):
    resident.ask("mon entreprise a-t-elle droit aux exonérations du BUD ?")
    resident.ask("Hénin-Beaumont")
    resident.ask("ouverte le 3 mars 2025")
    resident.ask("menuiserie")
    assert "salariés" in resident.ask("une création")
    said_back = resident.ask("une dizaine je pense")
    assert "10 salariés" in said_back and SAID_BACK in said_back
    answer = resident.ask("pas tout à fait, on est 11")
    assert TURNOVER_QUESTION in answer and "je n'en tiens pas compte" not in answer
    assert "Combien de salariés" not in answer


def test_a_negated_origin_given_to_the_head_count_question_is_no_head_count(resident):
    # « aucun » before « rachat » speaks of the origin: the head count question must come again, not take 0.
    resident.ask("mon atelier de retouches peut il avoir le bud ?")
    resident.ask("Harnes")
    resident.ask("ouvert en novembre 2024")
    assert "salariés" in resident.ask("un commerce, et c'est une creation")
    answer = resident.ask("non non aucune reprise de fonds")
    assert "salariés" in answer and TURNOVER_QUESTION not in answer, answer
    assert TURNOVER_QUESTION in resident.ask("on est 2")


def test_a_trade_that_is_also_a_commune_name_does_not_move_the_company(resident):
    # « la couture » is a trade and a commune of the Pas-de-Calais: named in passing, it is not where the company is.
    resident.ask("est ce que ma petite entreprise de retouches peut etre exoneree ?")
    resident.ask("Harnes")
    resident.ask("depuis avril 2025")
    answer = resident.ask("on fait de la couture sur mesure")
    assert "La Couture" not in answer, answer


def test_an_owner_s_own_capital_and_a_work_site_elsewhere_keep_the_check_on_track(resident):
    """« tout est à moi » is no capital held by companies; « on a un chantier à Arras » names where work is done, not
    the company's commune (it used to become Arras: « C'est corrigé », and a not-eligible verdict to confirm)."""
    _to_the_turnover_question(resident)
    resident.ask("nous sommes 3 et tous en CDI")
    assert "capital" in resident.ask("260 000 €")
    answer = resident.ask("j'ai la totalité des parts, mon frère m'aide juste le samedi")
    assert "habitent" in answer and SAID_BACK not in answer
    answer = resident.ask("les 3 habitent à Avion, on a juste un chantier à Arras en ce moment")
    assert CORRECTED not in answer and "Arras" not in answer


def test_another_answer_to_a_commune_said_back_asks_that_confirmation_again(resident):
    resident.ask("mon commerce peut-il avoir le BUD ?")
    assert SAID_BACK in resident.ask("Arras")
    again = resident.ask("depuis 2023")
    assert SAID_BACK in again and "Arras" in again  # not the commune question, not the generic menu
    assert "commune" in resident.ask("non")


def test_going_on_after_a_figure_said_back_takes_it(resident):
    """« 2 en CDI » to « … 250 000 €. C'est bien cela ? » said the figure back again and again (with « C'est corrigé »
    for a staff that did not change)."""
    _to_the_turnover_question(resident)
    assert SAID_BACK in resident.ask("dans les 250 000")
    going_on = resident.ask("2 en cdi")
    assert SAID_BACK not in going_on and CORRECTED not in going_on, going_on
    assert "capital" in going_on  # the next question


def test_a_reply_that_says_nothing_to_a_figure_said_back_asks_plainly_for_a_yes_or_a_no(resident):
    _to_the_turnover_question(resident)
    resident.ask("dans les 250 000")
    again = resident.ask("bof")
    assert "répondez par oui ou par non" in again and "250" in again


def test_a_question_at_the_confirmation_is_no_yes_and_why_after_the_verdict_says_what_decided_it(resident):
    """« pourquoi ? » was read as a yes (`affirm`): to a takeover said back it confirmed it, and the verdict followed;
    after a verdict it got « D'accord. Que puis-je faire d'autre ? »."""
    resident.ask("ma boutique peut-elle avoir le BUD ?")
    resident.ask("Liévin")
    resident.ask("ouverte en juin 2023")
    said_back = resident.ask("c'est du commerce, j'ai racheté le fonds d'une mercerie")
    assert SAID_BACK in said_back and "reprend" in said_back
    for question in ("pourquoi ?", "c'est grave exactement ?"):
        again = resident.ask(question)
        assert "ne remplit pas" not in again and "conditions" not in again.split(".")[0], again
        assert "oui" in again.lower(), again  # the confirmation is asked again
    verdict = resident.ask("oui")
    assert "ne remplit pas" in verdict and "Création nouvelle" in verdict
    why = resident.ask("pourquoi ?")
    assert "ce qui bloque" in why and "✘ Création nouvelle" in why and "✔" not in why, why
