"""Places as residents really type them, through the REST channel against the running services: a misspelt
commune is asked back (« Vouliez-vous dire … ? ») and answered only after a yes, in a follow-up, after a question
about cités and in the forms' commune questions; cité names that hold a number; spellings without accents or
hyphens, « st », postal codes, homonyms and communes outside the basin."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CLASSIFIED = "est classée en zone BUD"


def _buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons", [])}


def _text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


# --- « Vouliez-vous dire … ? » --------------------------------------------------------------------------------


def test_a_misspelt_follow_up_is_asked_back_then_answered_after_yes(resident):
    assert CLASSIFIED in resident.ask("Douai, c'est en zone BUD ?")
    messages = resident.say("et pour oigines ?")
    assert _text(messages) == "Vouliez-vous dire Oignies ?"
    assert _buttons(messages) == {"Oui": "/affirm", "Non": "/deny"}
    answer = resident.ask("oui")
    assert "Oignies (CA d'Hénin-Carvin) est classée en zone BUD" in answer
    assert "Douai" not in answer


def test_the_yes_button_answers_too(resident):
    resident.ask("Carvin c'est dans le BUD ?")
    messages = resident.say("et wallerz")
    assert "Vouliez-vous dire Wallers ?" in _text(messages)
    assert "Wallers" in resident.ask(_buttons(messages)["Oui"])


def test_no_answers_nothing_for_the_guess_and_offers_help(resident):
    resident.ask("Liévin est dans la zone BUD ?")
    assert "Vouliez-vous dire Libercourt ?" in resident.ask("ok et libercour ?")
    answer = resident.ask("non")
    assert "je ne réponds pas pour Libercourt" in answer
    assert "zone BUD (« bassins" not in answer  # no classification of anything
    assert "[Parler à un conseiller]" in answer


def test_after_a_question_about_cites_yes_lists_the_cites_of_the_guessed_commune(resident):
    assert "À Lens, je connais" in resident.ask("il y a quelles cités minières à Lens ?")
    assert "Vouliez-vous dire Harnes ?" in resident.ask("et celles de harne alors")
    answer = resident.ask("oui c'est ça")
    assert "À Harnes, je connais" in answer
    assert "BUD" not in answer


def test_a_misspelt_commune_alone_in_the_bud_check(resident):
    resident.ask("je voudrais savoir si ma société peut avoir le BUD")
    assert "Vouliez-vous dire Wingles ?" in resident.ask("wingle")
    assert "Quand votre entreprise a-t-elle commencé son activité ?" in resident.ask("oui")


def test_a_misspelt_commune_alone_in_the_employment_questions_then_no(resident):
    assert "Dans quelle commune habitez-vous ?" in resident.ask("je cherche un emploi")
    assert "Vouliez-vous dire Sallaumines ?" in resident.ask("salaumine")
    answer = resident.ask("non pas du tout")
    assert "ce n'est pas Sallaumines" in answer
    assert "Dans quelle commune habitez-vous ?" in answer
    assert "Quel âge avez-vous ?" in resident.ask("Avion")


def test_nothing_is_guessed_from_gibberish_or_an_everyday_word(resident):
    for text in ("qsdfqsdf mlkj", "je prends souvent des avions"):
        answer = resident.ask(text)
        assert "Vouliez-vous dire" not in answer, (text, answer)


def test_a_misspelt_long_name_holding_another_commune_is_not_answered_for_that_one(resident):
    """« … sous Lens » misspelt is not Lens: the bot asks about the commune the person meant."""
    answer = resident.ask("noyelle sous lens c'est en zone bud ?")
    assert "Vouliez-vous dire Noyelles-sous-Lens ?" in answer
    assert "Lens (CA de Lens - Liévin) est classée" not in answer


# --- Cités with a number in their name --------------------------------------------------------------------------


def test_a_cite_name_holding_a_number_is_unknown_not_a_question_about_numbers(resident):
    answer = resident.ask("où en sont les travaux aux corons des 7 sapins ?")
    assert "Je ne trouve pas « corons des 7 sapins »" in answer
    assert "le même numéro existe" not in answer
    assert "parler à un conseiller" in answer


def test_the_same_with_the_number_in_words(resident):
    answer = resident.ask("la cité des neuf tilleuls est-elle rénovée ?")
    assert "Je ne trouve pas" in answer and "tilleuls" in answer.lower()
    assert "le même numéro existe" not in answer


def test_a_numbered_cite_in_one_of_two_homonym_communes(resident):
    answer = resident.ask("cite n°5 a bruay qui est le bailleur ?")
    assert answer.startswith("Cité n°5 du Siège 3 : à Bruay-la-Buissière.")


def test_a_numbered_cite_with_its_commune_by_number_in_words(resident):
    answer = resident.ask("les travaux de la cité douze à Lens ?")
    assert answer.startswith("Cité n°12 de Lens : à Lens.")


# --- Spellings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, said", [
    ("fouquieres les lens zone bud", "Fouquières-lès-Lens (CA de Lens - Liévin) est classée en zone BUD"),
    ("st amand les eaux est en bud ?", "Saint-Amand-les-Eaux"),
    ("le 62110 c'est dans le bud ?", "Hénin-Beaumont"),
    ("et Lille, c'est en zone BUD ?", "Non : Lille (Métropole Européenne de Lille) ne fait pas partie"),
])
def test_spellings_residents_use(resident, text, said):
    assert said in resident.ask(text)


def test_the_first_word_of_two_communes_asks_which(resident):
    messages = resident.say("marles c'est en zone bud ?")
    assert "Plusieurs communes correspondent" in _text(messages)
    assert set(_buttons(messages)) == {"Marles-les-Mines", "Marles-sur-Canche"}
    assert "Marles-les-Mines (CA de Béthune-Bruay" in resident.ask(_buttons(messages)["Marles-les-Mines"])


def test_in_the_forms_a_name_two_communes_begin_with_asks_which_once(resident):
    resident.ask("ma société peut-elle avoir le bud ?")
    messages = resident.say("bruay")
    assert set(_buttons(messages)) == {"Bruay-la-Buissière", "Bruay-sur-l'Escaut"}
    assert "Dans quelle commune" not in _text(messages)  # the choice is the question
    assert "Quand votre entreprise" in resident.ask(_buttons(messages)["Bruay-la-Buissière"])


def test_looking_for_work_near_a_name_two_communes_begin_with(resident):
    messages = resident.say("bsr je cherche un job du cote de henin svp")
    assert "France Travail" in _text(messages)  # what fits already, then the choice instead of « Dans quelle commune »
    assert set(_buttons(messages)) == {"Hénin-Beaumont", "Hénin-sur-Cojeul"}
    assert "Dans quelle commune" not in _text(messages)
    assert "Quel âge avez-vous" in resident.ask(_buttons(messages)["Hénin-Beaumont"])


def test_a_choice_of_communes_asked_in_the_middle_of_the_check_answers_that_question(resident):
    resident.ask("ma boite est a Lens, elle a droit au bud ?")
    messages = resident.say("au fait, marles c'est en zone bud aussi ?")
    assert set(_buttons(messages)) == {"Marles-les-Mines", "Marles-sur-Canche"}
    answer = resident.ask(_buttons(messages)["Marles-les-Mines"])
    assert "Marles-les-Mines (CA de Béthune-Bruay" in answer and "corrigé" not in answer  # Lens stays the company's
    assert "Quand votre entreprise" in answer  # the check goes on where it was


def test_a_commune_set_aside_or_corrected_is_not_the_one_taken(resident):
    """« non pas celle de bruay, lens » answered for Bruay; « denain non pardon a douai » kept Denain."""
    assert "Laquelle voulez-vous dire" in resident.ask("ou en est la cite des provinces")
    card = resident.ask("non pas celle de bruay, lens")
    assert card.startswith("Cité des Provinces : à Lens") and "Bruay" not in card
    assert resident.ask("et lens, euh non plutot harnes, c'est en zone bud ?").startswith("Oui : Harnes")


def test_the_commune_typed_instead_of_a_button_picks_the_cite(resident):
    resident.ask("cite des provinces")
    assert resident.ask("lens").startswith("Cité des Provinces : à Lens")
