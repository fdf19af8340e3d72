"""A person's name and contact in their own words (GET /handoff/details, data/programme/handoff/names.fr.yaml)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, own, contact, nom, phrase", [
    ("bonjour, je m'appelle Marc Lefèvre, mon tel 0607080910, rappelez-moi", False, "06 07 08 09 10", "Marc Lefèvre",
     True),
    ("Paul Martin 0321000000", True, "03 21 00 00 00", None, False),  # at the name question: any contact is theirs
    ("la mairie c'est le 03 21 00 00 00 non ?", False, None, None, True),  # not the writer's own
    ("moi c'est Inès N'Diaye et j'habite Lens", False, None, "Inès N'Diaye", True),
    ("je vous l'ai deja dit", True, None, None, True),
    ("Jean Dupont", True, None, None, False),
    ("le meme que tout a l'heure", True, None, None, True),  # it was taken as the name of a second request
    ("Jean-Pierre Le Gall", True, None, None, False),
])
def test_the_name_and_contact_a_message_gives(client, text, own, contact, nom, phrase):
    said = client.get("/handoff/details", params={"text": text, "own": own}).json()
    assert (said["contact"], said["nom"], said["phrase"]) == (contact, nom, phrase), said


@pytest.mark.parametrize("text, rest", [
    ("c'est mme Bouchra El Amrani", "mme Bouchra El Amrani"),  # the title stays: the officer reads it
    ("c moi Jean-Marc Dupont", "Jean-Marc Dupont"),
    ("je suis Paul Martin", "Paul Martin"),
    ("je m'appelle Jean-Luc Lefèvre", "Jean-Luc Lefèvre"),  # was read by a Python list in the action server
    ("oui pardon c'est Chantal Lemaire", "Chantal Lemaire"),
    ("Cédric Carpentier", "Cédric Carpentier"),  # « c » as a word only
])
def test_the_words_before_a_name_at_the_name_question_are_left_out(client, text, rest):
    said = client.get("/handoff/details", params={"text": text, "own": True}).json()
    assert (said["reste"], said["phrase"]) == (rest, False), said
    assert client.get("/handoff/details", params={"text": text}).json()["reste"] == text  # not at another question
