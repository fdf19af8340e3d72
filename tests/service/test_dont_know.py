"""« I don't know » is one list (data/programme/dont_know.fr.yaml) read the same way by the BUD check and by the
employment questions, through the service's API: each phrase, as a whole answer, passes the question in both."""
from __future__ import annotations

import pytest
import yaml

from assistant.settings import PROGRAMME_DIR

PHRASES = yaml.safe_load((PROGRAMME_DIR / "dont_know.fr.yaml").read_text(encoding="utf-8"))["phrases"]


@pytest.mark.parametrize("phrase", PHRASES)
def test_each_phrase_passes_a_bud_question_and_an_employment_question(client, phrase):
    bud = client.get("/bud/understand", params={"fact": "employees", "text": phrase}).json()
    assert bud["unknown"] is True and bud["value"] is None, bud
    employment = client.get("/employment/understand", params={"text": phrase, "asked": "rsa"}).json()
    assert employment["unsure"] is True and employment["facts"] == {}, employment


def test_a_doubt_that_carries_a_figure_reads_it_as_a_guess_not_passed(client):
    bud = client.get("/bud/understand", params={"fact": "employees", "text": "je sais pas trop, 4 je crois"}).json()
    assert bud["unknown"] is False and bud["value"] == 4 and bud["certainty"] == "unsure", bud  # said back


def test_a_doubt_whose_figure_reads_as_nothing_is_asked_again(client):
    bud = client.get("/bud/understand", params={"fact": "employees", "text": "je sais pas si c'est 4 ou 5"}).json()
    assert bud["unknown"] is False and bud["value"] is None, bud


def test_a_plain_answer_is_read(client):
    bud = client.get("/bud/understand", params={"fact": "employees", "text": "j'ai 3 salariés"}).json()
    assert bud["unknown"] is False and bud["value"] == 3, bud
