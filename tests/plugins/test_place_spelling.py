"""A misspelt commune is read as a place to resolve, never as a goodbye; an ordinary typo is not read as a place."""
from __future__ import annotations

import asyncio

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.place_spelling import ClosePlaceSpelling, proper_name_words

NAMES = ["Liévin", "Lens", "Noyelles-sous-Lens", "Wallers", "Courrières", "Béthune", "Fouquières-lès-Béthune", "Auchy-les-Mines",
         "Saint-Amand-les-Eaux", "Saint-Omer", "Saint-Pol-sur-Ternoise", "Saint-Venant", "Saint-Laurent-Blangy"]


@pytest.fixture
def component(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("place_spelling")
    config = ClosePlaceSpelling.get_default_config()
    examples = [Message(data={TEXT: "je cherche un emploi pres de chez moi"}),
                Message(data={TEXT: "j'habite Béthune"}),  # a whole name in a phrase is still a place
                Message(data={TEXT: "et a Liévin ?", ENTITIES: [{"entity": "commune", "start": 5, "end": 11,
                                                                  "value": "Liévin"}]})]
    training = TrainingData(training_examples=examples, lookup_tables=[{"name": "commune", "elements": NAMES}])
    ClosePlaceSpelling.create(config, storage, resource, None).train(training)
    return ClosePlaceSpelling.load(config, storage, resource, None)


def _places(component, text: str) -> list[str]:
    message = Message(data={TEXT: text})
    component.process([message])
    return [e["value"] for e in message.get(ENTITIES) or []]


@pytest.mark.parametrize("text, places", [
    ("et a lievn ?", ["lievn"]),                    # one letter missing
    ("les cites de walelrs", ["walelrs"]),          # two letters swapped
    ("et pour courieres alors", ["courieres"]),
    ("c'est bon pour bethnue ?", ["bethnue"]),
    ("et auchy", ["auchy"]),                        # a word of four names, one of them in the basin
    ("je cherche un emploi", []),                   # words of the training phrases
    ("je chreche un emplio", []),                   # typos, but of no commune
    ("et a saimt ?", []),                           # « saint » begins too many names to mean one
    ("et a lans", []),                              # shorter than five letters: too close to too much
    ("/inform_place{\"commune\": \"lievn\"}", []),  # a button's payload is not read
])
def test_close_spellings_of_a_commune_are_places(component, text, places):
    assert _places(component, text) == places


def test_a_place_another_extractor_found_is_not_read_twice(component):
    message = Message(data={TEXT: "et a lievn", ENTITIES: [{"entity": "commune", "start": 5, "end": 10,
                                                            "value": "lievn"}]})
    component.process([message])
    assert len(message.get(ENTITIES)) == 1


def test_a_close_spelling_is_joined_to_the_commune_next_to_it(component):
    """« noyelle sous lens » is Noyelles-sous-Lens misspelt, not Lens: one place, the whole name."""
    text = "noyelle sous lens c'est en zone bud ?"
    lens = {"entity": "commune", "start": 13, "end": 17, "value": "lens"}
    message = Message(data={TEXT: text, ENTITIES: [lens, {**lens, "extractor": "CRFEntityExtractor"}]})
    component.process([message])
    assert [e["value"] for e in message.get(ENTITIES)] == ["noyelle sous lens"]
    apart = Message(data={TEXT: "lievn et lens", ENTITIES: [{"entity": "commune", "start": 9, "end": 13,
                                                             "value": "lens"}]})
    component.process([apart])
    assert sorted(e["value"] for e in apart.get(ENTITIES)) == ["lens", "lievn"]


def test_the_common_parts_of_names_are_left_out_and_whole_names_kept():
    words = proper_name_words(NAMES, vocabulary={"emploi"}, min_length=5)
    assert "bethune" in words       # a commune's whole name, though part of another
    assert "saint" not in words     # in five names
    assert "mines" in words         # in one name here: only five names or more make a common part
    assert "emploi" not in proper_name_words(NAMES + ["Saint-Emploi"], vocabulary={"emploi"}, min_length=5)
    assert "bethune" in proper_name_words(NAMES, vocabulary={"bethune"}, min_length=5)


@pytest.fixture(scope="module")
def parse(trained_model):
    from rasa.core.agent import Agent

    from rasa_plugins import spacy_once

    spacy_once.install()
    loop = asyncio.new_event_loop()
    agent = Agent.load(str(trained_model))
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


@pytest.mark.parametrize("text, place", [
    ("et pour mazingarb ?", "mazingarb"),
    ("sinon a douia", "douia"),
    ("et les cites de courieres", "courieres"),
])
def test_the_trained_model_reads_a_misspelt_commune_as_a_place_not_a_goodbye(parse, text, place):
    result = parse(text)
    assert result["intent"]["name"] not in ("goodbye", "greet", "thank", "affirm", "deny")
    assert place in [e["value"] for e in result["entities"] if e["entity"] == "commune"]


@pytest.mark.parametrize("text", ["merci beaucuop", "bonne journée a vous, a bientto", "je cherhce du travail"])
def test_the_trained_model_reads_no_place_in_an_ordinary_typo(parse, text):
    assert not [e for e in parse(text)["entities"] if e.get("extractor") == "ClosePlaceSpelling"]
