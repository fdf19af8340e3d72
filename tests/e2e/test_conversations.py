"""A resident talks to the running assistant through the REST channel and gets the right answers in French."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_douai_is_in_the_zone_with_its_epci(resident):
    answer = resident.ask("Douai fait partie du BUD ?")
    assert "Oui" in answer and "Douai" in answer
    assert "CA Douaisis Agglo" in answer
    assert "Source" in answer


def test_bully_les_mines_typed_without_hyphens(resident):
    answer = resident.ask("bully les mines c'est en zone bud")
    assert "Oui" in answer and "Bully-les-Mines" in answer
    assert "CA de Lens - Liévin" in answer


def test_a_postal_code_lists_its_three_communes_with_famars_out(resident):
    messages = resident.say("le 59300 est classé ?")
    texts = [m["text"] for m in messages]
    assert "59300" in texts[0] and "plusieurs communes" in texts[0]
    by_commune = {name: next((t for t in texts[1:] if name in t), None)
                  for name in ("Valenciennes", "Aulnoy-lez-Valenciennes", "Famars")}
    assert all(by_commune.values()), texts
    assert by_commune["Valenciennes"].startswith("Oui")
    assert by_commune["Aulnoy-lez-Valenciennes"].startswith("Oui")
    assert by_commune["Famars"].startswith("Non")


def test_marles_asks_which_one_with_two_buttons(resident):
    messages = resident.say("Marles est en BUD ?")
    assert len(messages) == 1, messages
    assert "Plusieurs communes" in messages[0]["text"] and "Marles" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Marles-les-Mines", "Marles-sur-Canche"]
    # The button continues the BUD question.
    answer = resident.ask(messages[0]["buttons"][1]["payload"])
    assert "Marles-sur-Canche" in answer and answer.startswith("Non")


def test_a_short_name_that_begins_a_bud_commune_asks_which_one(resident):
    # « Loos » is a commune near Lille (not in the zone) and the usual short name of Loos-en-Gohelle (in it):
    # answering for the first alone would tell a Loos-en-Gohelle owner « non ».
    resident.ask("Lens est en zone BUD ?")
    messages = resident.say("et pour loos ?")
    assert "Plusieurs communes" in messages[0]["text"], messages
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Loos (59)", "Loos-en-Gohelle"], titles
    answers = {titles[0]: resident.ask(messages[0]["buttons"][0]["payload"])}
    again = resident.say("et loos alors ?")  # only the buttons of the last question can be pressed
    answers[titles[1]] = resident.ask(again[0]["buttons"][1]["payload"])
    assert answers["Loos (59)"].startswith("Non") and "Loos" in answers["Loos (59)"], answers
    assert answers["Loos-en-Gohelle"].startswith("Oui") and "Loos-en-Gohelle" in answers["Loos-en-Gohelle"], answers


def test_and_cambrai_after_a_bud_question(resident):
    resident.ask("Douai fait partie du BUD ?")
    answer = resident.ask("et Cambrai ?")
    assert "Cambrai" in answer
    assert "ne fait pas partie" in answer and "Non" in answer


def test_la_bassee_counts_from_2019(resident):
    answer = resident.ask("la bassee c'est en zone bud ?")
    assert "La Bassée" in answer
    assert "1er janvier 2019" in answer


def test_vicq_is_to_be_confirmed(resident):
    answer = resident.ask("vicq est en bud ?")
    assert "Vicq" in answer
    assert "confirmer" in answer and "pas encore vérifiée" in answer


def test_an_unknown_place_is_not_found_without_a_guess(resident):
    messages = resident.say("xyzville est en zone bud ?")
    answer = " ".join(m.get("text", "") for m in messages)
    assert "ne trouve pas" in answer and "xyzville" in answer
    assert not any(m.get("buttons") for m in messages)
    assert "Oui" not in answer and "Non :" not in answer


def test_a_greeting(resident):
    answer = resident.ask("bonjour, une petite question svp")
    assert "Bonjour" in answer and "BUD" in answer


def test_is_it_a_bot(resident):
    answer = resident.ask("c un robot qui me parle ?")
    assert "assistant automatique" in answer


def test_out_of_scope_says_what_it_can_do(resident):
    answer = resident.ask("il part a quelle heure le train pour arras")
    assert "ne peux pas vous aider" in answer
    assert "zone BUD" in answer


def test_a_question_for_the_town_hall_is_sent_there_not_misread(resident):
    answer = resident.ask("les poubelles sont ramassees quel jour a bethune ?")
    assert "ne peux pas vous aider" in answer and "votre mairie" in answer


def test_thanks_and_goodbye(resident):
    assert "plaisir" in resident.ask("merci c'est sympa")
    assert "Au revoir" in resident.ask("allez au revoir")


@pytest.mark.parametrize("gibberish", ["qsdkjf azeaze", "?????", "jjjjjjj", "sdfqsdf mlkjmlk"])
def test_gibberish_is_not_understood_with_suggestions(resident, gibberish):
    messages = resident.say(gibberish)
    answer = " ".join(m.get("text", "") for m in messages)
    assert "pas compris" in answer, answer
    assert any(m.get("buttons") for m in messages), "suggestions are offered as buttons"
