"""An NLU component that marks keyboard mashes (« qsdkjf azeaze », « jjjjjjj », « ????? ») as not understood.

An intent classifier always picks some intent, often confidently, for text it has never seen anything like. Here a
message is gibberish when it has no digit and every word in it is unknown twice over: spaCy's French vectors do
not know it, and neither the training examples, the lookup tables (commune and cité names) nor the short forms of
rasa_plugins/sms_fr.yaml (« cc », « nn ») contain it. Such a message gets the intent `nlu_fallback` and no
entity, which the rules answer with « je n'ai pas compris » and suggestions.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.intent_model import short_forms

_WORD = re.compile(r"[a-z]+")
VOCABULARY_FILE = "vocabulary.json"


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelled out (the Rasa process's own copy of the service's `fold`: this
    component must not load the programme-data service's package)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def read_as_not_understood(message: Message) -> None:
    """The message's intent becomes `nlu_fallback` (« je n'ai pas compris », or the form's question again), the
    classifier's ranking kept after it (the actions read the intent it had first)."""
    fallback = {"name": "nlu_fallback", "confidence": 1.0}
    message.set(INTENT, fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [fallback] + (message.get(INTENT_RANKING_KEY) or []), add_to_output=True)


def words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class GibberishFilter(GraphComponent):
    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[set[str]] = None):
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """The short forms are part of the vocabulary: a change in them must retrain (Rasa's training cache)."""
        import hashlib
        from rasa_plugins.intent_model import SHORT_FORMS_FILE
        return hashlib.sha256(SHORT_FORMS_FILE.read_bytes()).hexdigest()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GibberishFilter":
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "GibberishFilter":
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, set(vocabulary))

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary |= words(example.get(TEXT) or "")
        for table in training_data.lookup_tables:
            for element in table.get("elements", []):
                vocabulary |= words(element)
        vocabulary |= set(short_forms())  # « cc », « nn », « ui »: short forms the intent classifier spells out
        self.vocabulary = vocabulary
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.is_gibberish(message):
                message.set(ENTITIES, [], add_to_output=True)  # « azeaze » is not a commune either
                read_as_not_understood(message)
        return messages

    def is_gibberish(self, message: Message) -> bool:
        text = message.get(TEXT) or ""
        if text.startswith("/") or re.search(r"\d", text):
            return False  # a button payload, or a postal code, a date, an amount
        doc = message.get(SPACY_DOCS[TEXT])
        known_by_spacy = {fold(t.text) for t in doc if t.has_vector} if doc is not None else set()
        found = words(text)
        return all(w not in self.vocabulary and w not in known_by_spacy for w in found)
